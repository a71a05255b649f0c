package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

type emailData struct {
	Form      *form
	Addresses []*store.EmailAddress
}

func (s *Server) emailSettings(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	return s.renderEmail(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderEmail(w http.ResponseWriter, r *http.Request, status int, f *form) error {
	addrs, err := s.db.EmailAddresses(r.Context(), viewer(r).ID())
	if err != nil {
		return fmt.Errorf("e-mail addresses: %w", err)
	}
	s.render(w, r, status, "email", s.t(r, "email.title"), emailData{Form: f, Addresses: addrs})
	return nil
}

// emailAction adds an address, mails its confirmation again, makes it the main one or
// removes it.
func (s *Server) emailAction(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	ctx := r.Context()
	g := viewer(r).Gestalt
	f := newForm(r)
	id, _ := strconv.ParseInt(f.Get("address"), 10, 64)
	var err error
	switch f.Get("action") {
	case "add":
		if err = s.accounts.AddAddress(ctx, g, f.Get("email"), s.cfg.BaseURL()); err == nil {
			s.wake()
			s.flash(r, msgSuccess, s.t(r, "email.added", "Email", f.Get("email")))
		}
	case "resend":
		if err = s.accounts.ResendConfirmation(ctx, g, id, s.cfg.BaseURL()); err == nil {
			s.wake()
			s.flash(r, msgSuccess, s.t(r, "email.resent"))
		}
	case "primary":
		if err = s.accounts.MakePrimary(ctx, g.ID, id); errors.Is(err, accounts.ErrAddressNotVerified) {
			f.Error = s.t(r, "error.not_verified")
			return s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
		}
	case "remove":
		if err = s.accounts.RemoveAddress(ctx, g.ID, id); errors.Is(err, accounts.ErrAddressIsPrimary) {
			f.Error = s.t(r, "error.remove_primary")
			return s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
		}
	default:
		err = store.ErrNotFound
	}
	if msg, ok := s.userError(r, err); ok {
		f.Fail("email", msg)
		return s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
	}
	if err != nil {
		// An unknown action is store.ErrNotFound: 404 through the adapter.
		return fmt.Errorf("e-mail %s: %w", f.Get("action"), err)
	}
	redirect(w, r, "/stadt/email/")
	return nil
}

func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	addr, err := s.db.EmailConfirmation(r.Context(), r.PathValue("key"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !viewer(r).Is(addr.GestaltID)) {
		// Unknown, spent or someone else's: the page does not tell which address it was.
		s.flash(r, msgError, s.t(r, "error.link_invalid"))
		redirect(w, r, "/stadt/email/")
		return nil
	} else if err != nil {
		return fmt.Errorf("e-mail confirmation: %w", err)
	}
	s.render(w, r, http.StatusOK, "confirm", s.t(r, "confirm.title"), confirmData{Key: r.PathValue("key"), Email: addr.Email})
	return nil
}

type confirmData struct{ Key, Email string }

// confirm marks an address as confirmed for the account that added it, which must be the
// one logged in: whoever owns the address cannot be tricked into confirming it for a
// stranger's account. Only by POST, so that link scanners of mail providers do not.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	_, err := s.accounts.ConfirmAddress(r.Context(), r.PathValue("key"), viewer(r).ID())
	if errors.Is(err, accounts.ErrOtherAccount) {
		s.flash(r, msgError, s.t(r, "error.link_other_account"))
		redirect(w, r, "/stadt/email/")
		return nil
	}
	if msg, ok := s.userError(r, err); ok {
		s.flash(r, msgError, msg)
		redirect(w, r, "/stadt/email/")
		return nil
	}
	if err != nil {
		return fmt.Errorf("confirm e-mail address: %w", err)
	}
	s.flash(r, msgSuccess, s.t(r, "confirm.done"))
	redirect(w, r, "/stadt/email/")
	return nil
}
