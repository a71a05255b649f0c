package web

import (
	"errors"
	"net/http"

	"grouprise.org/grouprise/internal/accounts"
)

type signupData struct {
	Form    *form
	Captcha captcha
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) {
	if viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return
	}
	s.render(w, r, http.StatusOK, "signup", s.t(r, "signup.title"), signupData{Form: newForm(nil), Captcha: s.newCaptcha()})
}

// signup makes an account (or claims the shadow account of the address) and logs it in;
// confirming the address can wait, as in the original.
func (s *Server) signup(w http.ResponseWriter, r *http.Request) {
	if viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return
	}
	f := newForm(r)
	if f.Get("email") == "" {
		f.Fail("email", s.t(r, "form.required"))
	}
	if f.Raw("password") == "" {
		f.Fail("password", s.t(r, "form.required"))
	} else if f.Raw("password") != f.Raw("password2") {
		f.Fail("password2", s.t(r, "error.passwords_differ"))
	}
	if !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	if f.Valid() {
		g, claimed, err := s.accounts.Signup(r.Context(), f.Get("email"), f.Raw("password"), s.cfg.BaseURL())
		if msg, ok := s.userError(r, err); ok {
			field := "email"
			if errors.Is(err, accounts.ErrPasswordShort) {
				field = "password"
			}
			f.Fail(field, msg)
		} else if err != nil {
			s.fail(w, r, err)
			return
		} else {
			s.wake()
			if err := s.logIn(r, g, false); err != nil {
				s.fail(w, r, err)
				return
			}
			if claimed {
				s.flash(r, msgSuccess, s.t(r, "signup.claimed"))
			} else {
				s.flash(r, msgSuccess, s.t(r, "signup.done", "Username", g.Username))
			}
			redirect(w, r, "/stadt/settings/")
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "signup", s.t(r, "signup.title"), signupData{Form: f, Captcha: s.newCaptcha()})
}
