package web

import (
	"errors"
	"net/http"

	"grouprise.org/grouprise/internal/accounts"

	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
)

type profileData struct {
	Form *form
}

func (s *Server) profileSettings(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g := viewer(r).Gestalt
	f := newForm(nil)
	f.Values.Set("username", g.Username)
	f.Values.Set("first_name", g.FirstName)
	f.Values.Set("last_name", g.LastName)
	f.Values.Set("about", g.About)
	if g.Public {
		f.Values.Set("public", "on")
	}
	s.render(w, r, http.StatusOK, "settings", s.t(r, "settings.title"), profileData{Form: f})
	return nil
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	f := newForm(r)
	err := s.accounts.UpdateProfile(r.Context(), viewer(r).Gestalt, store.Profile{Username: f.Get("username"),
		FirstName: f.Get("first_name"), LastName: f.Get("last_name"), About: f.Get("about"), Public: f.Checked("public")})
	if msg, ok := s.userError(r, err); ok {
		field := "username"
		switch {
		case errors.Is(err, accounts.ErrNameTooLong):
			field = "first_name"
		case errors.Is(err, accounts.ErrAboutTooLong):
			field = "about"
		}
		f.Fail(field, msg)
		s.render(w, r, http.StatusUnprocessableEntity, "settings", s.t(r, "settings.title"), profileData{Form: f})
		return nil
	}
	if err != nil {
		return err
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/settings/")
	return nil
}

type notificationData struct {
	Form      *form
	Languages []string
}

func (s *Server) notificationSettings(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g, err := s.db.RecipientByID(r.Context(), viewer(r).ID())
	if err != nil {
		return err
	}
	f := newForm(nil)
	for name, on := range map[string]bool{"email": g.ByEmail, "inbox": g.ByInbox, "matrix": g.ByMatrix} {
		if on {
			f.Values.Set(name, "on")
		}
	}
	f.Values.Set("language", g.Language)
	s.render(w, r, http.StatusOK, "notifications", s.t(r, "notifications.title"), notificationData{Form: f, Languages: i18n.Languages})
	return nil
}

func (s *Server) updateNotifications(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	f := newForm(r)
	language := ""
	if l := f.Get("language"); l != "" {
		language = s.catalog.Printer(l).Lang
	}
	err := s.accounts.SetPreferences(r.Context(), viewer(r).ID(), store.Preferences{Language: language,
		ByEmail: f.Checked("email"), ByInbox: f.Checked("inbox"), ByMatrix: f.Checked("matrix")})
	if err != nil {
		return err
	}
	s.flash(r, msgSuccess, s.catalog.Printer(languageOr(language, lang(r))).T("settings.saved"))
	redirect(w, r, "/stadt/settings/notifications/")
	return nil
}

func languageOr(l, fallback string) string {
	if l == "" {
		return fallback
	}
	return l
}

type deleteData struct {
	Footprint store.Footprint
	Form      *form
}

func (s *Server) deleteAccountForm(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	fp, err := s.db.FootprintOf(r.Context(), viewer(r).ID())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "delete_account", s.t(r, "delete.title"), deleteData{Footprint: fp, Form: newForm(nil)})
	return nil
}

// deleteAccount removes the account after the person typed their username; what they
// published stays, under the unknown gestalt.
func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request) error {
	if !viewer(r).LoggedIn() {
		return errForbidden
	}
	g := viewer(r).Gestalt
	f := newForm(r)
	if f.Get("username") != g.Username {
		fp, _ := s.db.FootprintOf(r.Context(), g.ID)
		f.Fail("username", s.t(r, "delete.confirm_mismatch"))
		s.render(w, r, http.StatusUnprocessableEntity, "delete_account", s.t(r, "delete.title"), deleteData{Footprint: fp, Form: f})
		return nil
	}
	err := s.accounts.Delete(r.Context(), g.ID, s.cfg.UnknownGestaltID)
	if errors.Is(err, accounts.ErrNoUnknown) {
		s.log.Error("an account cannot be deleted: unknown_gestalt_id names no account", "unknown_gestalt_id", s.cfg.UnknownGestaltID)
		s.flash(r, msgError, s.t(r, "delete.unavailable"))
		redirect(w, r, "/stadt/settings/gestalt/delete/")
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.logOut(r); err != nil {
		// The account is gone; its session no longer names anybody (viewer treats it as
		// anonymous) and expires on its own.
		s.log.Error("ending the session of a deleted account failed", "err", err)
	}
	redirect(w, r, "/")
	return nil
}
