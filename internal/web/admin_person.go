package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

// An administrator corrects a person (/stadt/admin/people/<id>/): names, username, the text
// about them, a public profile, whether the account may log in, and which of their confirmed
// addresses is the main one (or which other one goes).

type adminPersonData struct {
	Person    *store.Gestalt
	Addresses []*store.EmailAddress
	Form      *form
}

func (s *Server) renderAdminPerson(w http.ResponseWriter, r *http.Request, status int, g *store.Gestalt, f *form) error {
	addrs, err := s.db.EmailAddresses(r.Context(), g.ID)
	if err != nil {
		return fmt.Errorf("admin: addresses of %d: %w", g.ID, err)
	}
	s.render(w, r, status, "admin_person", s.t(r, "admin.edit_person"), adminPersonData{Person: g, Addresses: addrs, Form: f})
	return nil
}

// adminPersonOf is the person of the path, for an administrator.
func (s *Server) adminPersonOf(r *http.Request) (*store.Gestalt, error) {
	id, err := adminTarget(r)
	if err != nil {
		return nil, err
	}
	return s.db.GestaltByID(r.Context(), id)
}

// adminPersonForm is the form filled with what is stored about the person.
func adminPersonForm(g *store.Gestalt) *form {
	f := newForm(nil)
	for k, v := range map[string]string{"first_name": g.FirstName, "last_name": g.LastName, "username": g.Username, "about": g.About} {
		f.Values.Set(k, v)
	}
	for k, on := range map[string]bool{"public": g.Public, "active": g.IsActive} {
		if on {
			f.Values.Set(k, "on")
		}
	}
	return f
}

func (s *Server) adminPerson(w http.ResponseWriter, r *http.Request) error {
	g, err := s.adminPersonOf(r)
	if err != nil {
		return err
	}
	return s.renderAdminPerson(w, r, http.StatusOK, g, adminPersonForm(g))
}

func (s *Server) adminUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	g, err := s.adminPersonOf(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	err = s.accounts.Correct(r.Context(), viewer(r).ID(), g, accounts.Correction{Active: f.Checked("active"),
		Profile: store.Profile{Username: f.Get("username"), FirstName: f.Get("first_name"), LastName: f.Get("last_name"),
			About: f.Get("about"), Public: f.Checked("public")}})
	if errors.Is(err, accounts.ErrNotYourself) {
		f.Fail("active", s.t(r, "admin.not_yourself"))
		return s.renderAdminPerson(w, r, http.StatusUnprocessableEntity, g, f)
	}
	if msg, ok := s.userError(r, err); ok {
		field := "username"
		if isAny(err, accounts.ErrNameTooLong) {
			field = "first_name"
		} else if isAny(err, accounts.ErrAboutTooLong) {
			field = "about"
		}
		f.Fail(field, msg)
		return s.renderAdminPerson(w, r, http.StatusUnprocessableEntity, g, f)
	}
	if err != nil {
		return fmt.Errorf("admin: person %d: %w", g.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/admin/people/"+itoa(g.ID)+"/")
	return nil
}

// adminPersonAddress makes one of a person's confirmed addresses the main one, or removes
// one that is not (the form's action: primary or remove).
func (s *Server) adminPersonAddress(w http.ResponseWriter, r *http.Request) error {
	g, err := s.adminPersonOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	f := newForm(r)
	address, _ := strconv.ParseInt(f.Get("address"), 10, 64)
	switch f.Get("action") {
	case "primary":
		if err = s.accounts.MakePrimary(ctx, g.ID, address); errors.Is(err, accounts.ErrAddressNotVerified) {
			f.Error = s.t(r, "error.not_verified")
		}
	case "remove":
		if err = s.accounts.RemoveAddress(ctx, g.ID, address); errors.Is(err, accounts.ErrAddressIsPrimary) {
			f.Error = s.t(r, "error.remove_primary")
		}
	default:
		return errNotFound
	}
	if f.Error != "" {
		// The profile fields show as stored; the message names what went wrong.
		form := adminPersonForm(g)
		form.Error = f.Error
		return s.renderAdminPerson(w, r, http.StatusUnprocessableEntity, g, form)
	}
	if err != nil {
		return fmt.Errorf("admin: address %d of %d: %w", address, g.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "admin.done"))
	redirect(w, r, "/stadt/admin/people/"+itoa(g.ID)+"/")
	return nil
}
