package web

import (
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/accounts"
)

// serviceBusy answers a request that found too many passwords being checked at once: come
// back in a moment (the bound keeps a flood of logins from exhausting memory).
func (s *Server) serviceBusy(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Retry-After", "5")
	s.errorPage(w, r, http.StatusServiceUnavailable, "error.busy")
}

type passwordData struct {
	Form     *form
	Secret   string
	Current  bool // the account has a password to give first
	Username string
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "password_reset", s.t(r, "reset.title"), passwordData{Form: newForm(nil)})
	return nil
}

// reset mails a link for a new password; the answer is the same whether the address has an
// account or not.
func (s *Server) reset(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	if !accounts.ValidEmail(f.Get("email")) {
		f.Fail("email", s.t(r, "error.email_invalid"))
		s.render(w, r, http.StatusUnprocessableEntity, "password_reset", s.t(r, "reset.title"), passwordData{Form: f})
		return nil
	}
	send, err := s.mailAllowed(r, f.Get("email"))
	if err == nil && send {
		err = s.accounts.RequestPasswordReset(r.Context(), f.Get("email"), s.cfg.BaseURL())
	}
	if err != nil {
		return err
	}
	s.wake()
	s.flash(r, msgInfo, s.t(r, "reset.sent", "Email", f.Get("email")))
	redirect(w, r, "/")
	return nil
}

// resetDone answers the Django grouprise's page after a reset request, which went to the
// start page; a reset request goes there itself now, and the address stays for old links.
func (s *Server) resetDone(w http.ResponseWriter, r *http.Request) error {
	http.Redirect(w, r, "/", http.StatusFound)
	return nil
}

func (s *Server) resetKeyForm(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "password_new", s.t(r, "reset.title"), passwordData{Form: newForm(nil), Secret: r.PathValue("secret")})
	return nil
}

// resetKey sets the new password of a mailed link and logs the person in.
func (s *Server) resetKey(w http.ResponseWriter, r *http.Request) error {
	f := newForm(r)
	secret := r.PathValue("secret")
	if s.checkNewPassword(r, f) {
		g, err := s.accounts.ResetPassword(r.Context(), secret, f.Raw("password"))
		if msg, ok := s.userError(r, err); ok {
			f.Error = msg
		} else if err != nil {
			return err
		} else {
			if err := s.logIn(r, g, false); err != nil {
				return fmt.Errorf("password reset: login: %w", err)
			}
			s.flash(r, msgSuccess, s.t(r, "reset.done"))
			redirect(w, r, "/")
			return nil
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "password_new", s.t(r, "reset.title"), passwordData{Form: f, Secret: secret})
	return nil
}

// checkNewPassword checks the two fields of a new password.
func (s *Server) checkNewPassword(r *http.Request, f *form) bool {
	switch {
	case f.Raw("password") == "":
		f.Fail("password", s.t(r, "form.required"))
	case len([]rune(f.Raw("password"))) < accounts.MinPasswordLength:
		f.Fail("password", s.t(r, "error.password_short"))
	case f.Raw("password") != f.Raw("password2"):
		f.Fail("password2", s.t(r, "error.passwords_differ"))
	}
	return f.Valid()
}

func (s *Server) changePasswordForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	s.render(w, r, http.StatusOK, "password_change", s.t(r, "password.title"),
		passwordData{Form: newForm(nil), Current: accounts.PasswordUsable(viewer(r).Gestalt.Password)})
	return nil
}

// changePassword replaces the password (or sets a first one for accounts without).
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g := viewer(r).Gestalt
	f := newForm(r)
	if s.checkNewPassword(r, f) {
		err := s.accounts.ChangePassword(r.Context(), g.ID, f.Raw("current"), f.Raw("password"))
		if msg, ok := s.userError(r, err); ok {
			f.Fail("current", msg)
		} else if err != nil {
			return err
		} else {
			if err := s.keepSession(r, g.ID); err != nil {
				return fmt.Errorf("password change: session: %w", err)
			}
			s.flash(r, msgSuccess, s.t(r, "password.changed"))
			s.flash(r, msgInfo, s.t(r, "password.sessions_ended"))
			redirect(w, r, "/stadt/settings/")
			return nil
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "password_change", s.t(r, "password.title"),
		passwordData{Form: f, Current: accounts.PasswordUsable(g.Password)})
	return nil
}
