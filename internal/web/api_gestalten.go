package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
)

// The original's /stadt/api/gestalten/: a person reads their own profile and keeps their
// own settings (the pages' scripts remember dismissed hints there). Nobody, administrators
// included, reads or writes another person's through it.

type apiGestalt struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Initials    string `json:"initials"`
	About       string `json:"about"`
	Avatar      string `json:"avatar"`
	AvatarColor string `json:"avatar_color"`
	URL         string `json:"url"`
}

func (s *Server) apiGestaltOf(g *store.Gestalt) apiGestalt {
	out := apiGestalt{ID: g.ID, Name: g.Name(), Initials: initials(g.Name()), About: g.About, AvatarColor: g.AvatarColor}
	if g.Avatar != "" {
		out.Avatar = s.cfg.BaseURL() + "/-/" + g.Avatar
	}
	// As the original: the profile when it is public, else the way to write to the person.
	if g.Public {
		out.URL = s.cfg.BaseURL() + "/" + g.Username + "/"
	} else {
		out.URL = s.cfg.BaseURL() + "/stadt/gestalten/" + strconv.FormatInt(g.ID, 10) + "/conversations/add/"
	}
	return out
}

// apiGestalten lists the people the viewer may read here: themself.
func (s *Server) apiGestalten(w http.ResponseWriter, r *http.Request) error {
	if !s.apiLogin(w, r) {
		return nil
	}
	s.writeJSON(w, http.StatusOK, []apiGestalt{s.apiGestaltOf(viewer(r).Gestalt)})
	return nil
}

// apiGestalt shows the viewer's own profile; any other id is unknown here.
func (s *Server) apiGestalt(w http.ResponseWriter, r *http.Request) error {
	if !s.apiLogin(w, r) {
		return nil
	}
	if id, err := strconv.ParseInt(r.PathValue("id"), 10, 64); err != nil || !viewer(r).Is(id) {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return nil
	}
	s.writeJSON(w, http.StatusOK, s.apiGestaltOf(viewer(r).Gestalt))
	return nil
}

type apiSetting struct {
	ID       int64  `json:"id"`
	Gestalt  int64  `json:"gestalt"`
	Category string `json:"category"`
	Name     string `json:"name"`
	Value    string `json:"value"`
}

func apiSettingOf(g *store.GestaltSetting) apiSetting {
	return apiSetting{ID: g.ID, Gestalt: g.GestaltID, Category: g.Category, Name: g.Name, Value: g.Value}
}

// apiSettingsOwner checks /stadt/api/gestalten/{gestalt}/settings/…: the viewer's own
// settings only (403 for anybody else's, whether that person exists or not).
func (s *Server) apiSettingsOwner(w http.ResponseWriter, r *http.Request) bool {
	if !s.apiLogin(w, r) {
		return false
	}
	if id, err := strconv.ParseInt(r.PathValue("gestalt"), 10, 64); err != nil || !viewer(r).Is(id) {
		s.jsonError(w, http.StatusForbidden, "FORBIDDEN", s.t(r, "error.forbidden"))
		return false
	}
	return true
}

// apiSettings lists the viewer's settings (GET) or adds one (POST).
func (s *Server) apiSettings(w http.ResponseWriter, r *http.Request) error {
	if !s.apiSettingsOwner(w, r) {
		return nil
	}
	ctx, me := r.Context(), viewer(r).ID()
	if r.Method == http.MethodGet {
		list, err := s.db.GestaltSettings(ctx, me)
		if err != nil {
			return fmt.Errorf("api: settings: %w", err)
		}
		out := make([]apiSetting, 0, len(list))
		for _, g := range list {
			out = append(out, apiSettingOf(g))
		}
		s.writeJSON(w, http.StatusOK, out)
		return nil
	}
	in, ok := s.readSetting(w, r, store.GestaltSetting{GestaltID: me}, false)
	if !ok {
		return nil
	}
	g, err := s.accounts.AddSetting(ctx, in)
	if err != nil {
		return s.apiSettingError(w, r, err)
	}
	s.writeJSON(w, http.StatusCreated, apiSettingOf(g))
	return nil
}

// apiSetting reads (GET), changes (PUT: all fields, PATCH: those given) or removes (DELETE)
// one of the viewer's settings.
func (s *Server) apiSetting(w http.ResponseWriter, r *http.Request) error {
	if !s.apiSettingsOwner(w, r) {
		return nil
	}
	ctx, me := r.Context(), viewer(r).ID()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
		return nil
	}
	old, err := s.db.GestaltSettingByID(ctx, me, id)
	if err != nil {
		return s.apiSettingError(w, r, err)
	}
	switch r.Method {
	case http.MethodGet:
		s.writeJSON(w, http.StatusOK, apiSettingOf(old))
	case http.MethodDelete:
		if err := s.accounts.RemoveSetting(ctx, me, id); err != nil {
			return s.apiSettingError(w, r, err)
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		in, ok := s.readSetting(w, r, *old, r.Method == http.MethodPatch)
		if !ok {
			return nil
		}
		g, err := s.accounts.ChangeSetting(ctx, in)
		if err != nil {
			return s.apiSettingError(w, r, err)
		}
		s.writeJSON(w, http.StatusOK, apiSettingOf(g))
	}
	return nil
}

// readSetting reads category, name and value into base, from JSON or a form; with partial,
// fields not given keep base's. The id and person are never taken from the request.
func (s *Server) readSetting(w http.ResponseWriter, r *http.Request, base store.GestaltSetting, partial bool) (store.GestaltSetting, bool) {
	var in struct {
		Category *string `json:"category"`
		Name     *string `json:"name"`
		Value    *string `json:"value"`
	}
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/x-www-form-urlencoded") ||
		strings.HasPrefix(ct, "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			s.jsonError(w, http.StatusBadRequest, "BAD_REQUEST", s.t(r, "api.bad_request"))
			return base, false
		}
		for key, dst := range map[string]**string{"category": &in.Category, "name": &in.Name, "value": &in.Value} {
			if vs, ok := r.PostForm[key]; ok && len(vs) > 0 {
				v := vs[0]
				*dst = &v
			}
		}
	} else if err := readJSON(r, &in); err != nil {
		s.jsonError(w, http.StatusBadRequest, "BAD_REQUEST", s.t(r, "api.bad_request"))
		return base, false
	}
	if !partial && (in.Name == nil || in.Value == nil) {
		s.jsonError(w, http.StatusBadRequest, "BAD_REQUEST", s.t(r, "api.setting_fields"))
		return base, false
	}
	if !partial {
		base.Category = ""
	}
	for _, f := range []struct {
		src *string
		dst *string
	}{{in.Category, &base.Category}, {in.Name, &base.Name}, {in.Value, &base.Value}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	return base, true
}

// apiSettingError answers the refusals of the settings in JSON.
func (s *Server) apiSettingError(w http.ResponseWriter, r *http.Request, err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		s.jsonError(w, http.StatusNotFound, "NOT_FOUND", s.t(r, "error.not_found"))
	case errors.Is(err, accounts.ErrSettingReserved):
		s.jsonError(w, http.StatusForbidden, "SETTING_RESERVED", s.t(r, "api.setting_reserved"))
	case errors.Is(err, accounts.ErrSettingTaken):
		s.jsonError(w, http.StatusBadRequest, "SETTING_TAKEN", s.t(r, "api.setting_taken"))
	case errors.Is(err, accounts.ErrSettingInvalid):
		s.jsonError(w, http.StatusBadRequest, "SETTING_INVALID", s.t(r, "api.setting_fields"))
	case errors.Is(err, accounts.ErrTooManySettings):
		s.jsonError(w, http.StatusBadRequest, "TOO_MANY_SETTINGS", s.t(r, "api.setting_too_many"))
	default:
		return fmt.Errorf("api: setting: %w", err)
	}
	return nil
}
