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

// signup mails a link that finishes the signup; nobody is logged in before the address is
// proven, and the answer is the same whether the address is known or not (its owner gets a
// mail instead).
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
		err := s.accounts.Signup(r.Context(), f.Get("email"), f.Raw("password"), lang(r), s.cfg.BaseURL())
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
			s.flash(r, msgInfo, s.t(r, "signup.check_mail", "Email", f.Get("email")))
			redirect(w, r, "/")
			return
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "signup", s.t(r, "signup.title"), signupData{Form: f, Captcha: s.newCaptcha()})
}

func (s *Server) signupConfirmForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "signup_confirm", s.t(r, "signup_confirm.title"), r.PathValue("key"))
}

// signupConfirm finishes a signup by its mailed link (only by POST, so that link scanners
// of mail providers do not) and logs the new owner in.
func (s *Server) signupConfirm(w http.ResponseWriter, r *http.Request) {
	g, claimed, err := s.accounts.ConfirmSignup(r.Context(), r.PathValue("key"))
	if msg, ok := s.userError(r, err); ok {
		s.flash(r, msgError, msg)
		redirect(w, r, "/stadt/login/")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
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
}
