package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

type signupData struct {
	Form    *form
	Captcha captcha
}

func (s *Server) signupForm(w http.ResponseWriter, r *http.Request) error {
	if viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return nil
	}
	s.render(w, r, http.StatusOK, "signup", s.t(r, "signup.title"), signupData{Form: newForm(nil), Captcha: s.newCaptcha()})
	return nil
}

// signup mails a link that finishes the signup; nobody is logged in before the address is
// proven, the password is chosen only behind the link, and the answer is the same whether the
// address is known or not (its owner gets a mail instead).
func (s *Server) signup(w http.ResponseWriter, r *http.Request) error {
	if viewer(r).LoggedIn() {
		redirect(w, r, "/")
		return nil
	}
	f := newForm(r)
	if f.Get("email") == "" {
		f.Fail("email", s.t(r, "form.required"))
	}
	if !s.checkCaptcha(f.Get("captcha_token"), f.Get("captcha")) {
		f.Fail("captcha", s.t(r, "error.captcha"))
	}
	if f.Valid() {
		send, err := s.mailAllowed(r, f.Get("email"))
		if err == nil && send {
			err = s.accounts.Signup(r.Context(), f.Get("email"), lang(r), s.cfg.BaseURL())
		}
		if msg, ok := s.userError(r, err); ok {
			f.Fail("email", msg)
		} else if err != nil {
			return err
		} else {
			s.wake()
			s.flash(r, msgInfo, s.t(r, "signup.check_mail", "Email", f.Get("email")))
			redirect(w, r, "/")
			return nil
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "signup", s.t(r, "signup.title"), signupData{Form: f, Captcha: s.newCaptcha()})
	return nil
}

type signupConfirmData struct {
	Form  *form
	Key   string
	Email string
}

// pendingSignup finds the signup of the link in the path; a spent or expired link sends the
// visitor back to the signup form with a message (ok false, nothing more to answer).
func (s *Server) pendingSignup(w http.ResponseWriter, r *http.Request) (*store.PendingSignup, bool, error) {
	p, err := s.accounts.PendingSignup(r.Context(), r.PathValue("key"))
	if msg, ok := s.userError(r, err); ok {
		s.flash(r, msgError, msg)
		redirect(w, r, "/stadt/signup/")
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("pending signup: %w", err)
	}
	return p, true, nil
}

// signupConfirmForm asks the owner of the address, who followed the mailed link, for the
// password of the new account.
func (s *Server) signupConfirmForm(w http.ResponseWriter, r *http.Request) error {
	p, ok, err := s.pendingSignup(w, r)
	if err != nil || !ok {
		return err
	}
	s.render(w, r, http.StatusOK, "signup_confirm", s.t(r, "signup_confirm.title"),
		signupConfirmData{Form: newForm(nil), Key: p.Key, Email: p.Email})
	return nil
}

// signupConfirm finishes a signup by its mailed link with the password chosen here (by POST
// only, so that link scanners of mail providers do not) and logs the new owner in.
func (s *Server) signupConfirm(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("key")
	p, ok, err := s.pendingSignup(w, r)
	if err != nil || !ok {
		return err
	}
	f := newForm(r)
	if s.checkNewPassword(r, f) {
		g, claimed, err := s.accounts.ConfirmSignup(r.Context(), key, f.Raw("password"))
		if errors.Is(err, accounts.ErrLinkInvalid) || errors.Is(err, accounts.ErrEmailRegistered) {
			msg, _ := s.userError(r, err)
			s.flash(r, msgError, msg)
			redirect(w, r, "/stadt/login/")
			return nil
		}
		if msg, ok := s.userError(r, err); ok {
			f.Fail("password", msg)
		} else if err != nil {
			return err
		} else {
			if err := s.logIn(r, g, false); err != nil {
				return fmt.Errorf("signup: login: %w", err)
			}
			if claimed {
				s.flash(r, msgSuccess, s.t(r, "signup.claimed"))
			} else {
				s.flash(r, msgSuccess, s.t(r, "signup.done", "Username", g.Username))
			}
			redirect(w, r, "/stadt/settings/")
			return nil
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "signup_confirm", s.t(r, "signup_confirm.title"),
		signupConfirmData{Form: f, Key: p.Key, Email: p.Email})
	return nil
}

// Mails that a visitor can make the site send to an address (signup links, password resets)
// are limited per address and per client, so that the site mails nobody again and again.
const (
	mailWindow     = time.Hour
	mailPerAddress = 5
	mailPerClient  = 20
)

// mailAllowed counts a mail to address that the request would cause and tells whether it
// may go; past a limit the visitor sees the same answer, and nothing is sent.
func (s *Server) mailAllowed(r *http.Request, address string) (bool, error) {
	return s.accounts.CountMailRequest(r.Context(), address, addressKey(clientIP(r)), mailPerAddress, mailPerClient, mailWindow)
}
