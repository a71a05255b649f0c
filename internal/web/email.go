package web

import (
	"errors"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

type emailData struct {
	Form      *form
	Addresses []*store.EmailAddress
}

func (s *Server) emailSettings(w http.ResponseWriter, r *http.Request) {
	if !s.requireLogin(w, r) {
		return
	}
	s.renderEmail(w, r, http.StatusOK, newForm(nil))
}

func (s *Server) renderEmail(w http.ResponseWriter, r *http.Request, status int, f *form) {
	addrs, err := s.db.EmailAddresses(r.Context(), viewer(r).ID())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "email", s.t(r, "email.title"), emailData{Form: f, Addresses: addrs})
}

// emailAction adds an address, mails its confirmation again, makes it the main one or
// removes it.
func (s *Server) emailAction(w http.ResponseWriter, r *http.Request) {
	if !s.requireLogin(w, r) {
		return
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
			s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
			return
		}
	case "remove":
		if err = s.accounts.RemoveAddress(ctx, g.ID, id); errors.Is(err, accounts.ErrAddressIsPrimary) {
			f.Error = s.t(r, "error.remove_primary")
			s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
			return
		}
	default:
		err = store.ErrNotFound
	}
	if msg, ok := s.userError(r, err); ok {
		f.Fail("email", msg)
		s.renderEmail(w, r, http.StatusUnprocessableEntity, f)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, "/stadt/email/")
}

func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request) {
	if !s.requireLogin(w, r) {
		return
	}
	addr, err := s.db.EmailConfirmation(r.Context(), r.PathValue("key"))
	if errors.Is(err, store.ErrNotFound) || (err == nil && !viewer(r).Is(addr.GestaltID)) {
		// Unknown, spent or someone else's: the page does not tell which address it was.
		s.flash(r, msgError, s.t(r, "error.link_invalid"))
		redirect(w, r, "/stadt/email/")
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "confirm", s.t(r, "confirm.title"), confirmData{Key: r.PathValue("key"), Email: addr.Email})
}

type confirmData struct{ Key, Email string }

// confirm marks an address as confirmed for the account that added it, which must be the
// one logged in: whoever owns the address cannot be tricked into confirming it for a
// stranger's account. Only by POST, so that link scanners of mail providers do not.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	if !s.requireLogin(w, r) {
		return
	}
	_, err := s.accounts.ConfirmAddress(r.Context(), r.PathValue("key"), viewer(r).ID())
	if errors.Is(err, accounts.ErrOtherAccount) {
		s.flash(r, msgError, s.t(r, "error.link_other_account"))
		redirect(w, r, "/stadt/email/")
		return
	}
	if msg, ok := s.userError(r, err); ok {
		s.flash(r, msgError, msg)
		redirect(w, r, "/stadt/email/")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, msgSuccess, s.t(r, "confirm.done"))
	redirect(w, r, "/stadt/email/")
}
