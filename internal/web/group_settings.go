package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

type groupSettingsData struct {
	Group *store.Group
	Form  *form
	Tags  tagChoice
	// Fediverse is the group's handle there when the site federates ("": no such setting).
	Fediverse string
}

// renderGroupSettings shows the settings form with the tags the site suggests.
func (s *Server) renderGroupSettings(w http.ResponseWriter, r *http.Request, status int, g *store.Group, f *form, choice tagChoice) {
	d := groupSettingsData{Group: g, Form: f, Tags: choice}
	if s.federation.Enabled() {
		d.Fediverse = s.federation.Handle(g.Slug)
	}
	s.render(w, r, status, "group_settings", s.t(r, "group_settings.title"), d)
}

// groupSettings edits name, slug, description, address, website, founding date, tags and
// whether the group is closed (/stadt/settings/group/?group=<slug>, as in the original).
func (s *Server) groupSettings(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupToChange(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	for k, v := range map[string]string{"name": g.Name, "slug": g.Slug, "description": g.Description, "address": g.Address,
		"url": g.URL, "date_founded": g.DateFounded.Format(time.DateOnly)} {
		f.Values.Set(k, v)
	}
	if g.Closed {
		f.Values.Set("closed", "on")
	}
	if g.URLImportFeed {
		f.Values.Set("url_import_feed", "on")
	}
	if visible, err := s.federation.Visible(r.Context(), g); err != nil {
		return err
	} else if visible {
		f.Values.Set("fediverse", "on")
	}
	if on, err := s.federation.ConversationsOn(r.Context(), g); err != nil {
		return err
	} else if on {
		f.Values.Set("fediverse_conversations", "on")
	}
	if g.Latitude.Valid && g.Longitude.Valid {
		f.Values.Set("latitude", strconv.FormatFloat(g.Latitude.V, 'f', -1, 64))
		f.Values.Set("longitude", strconv.FormatFloat(g.Longitude.V, 'f', -1, 64))
	}
	choice, err := s.tagChoice(r, f)
	if err != nil {
		return err
	}
	tags, err := s.db.GroupTags(r.Context(), g.ID)
	if err != nil {
		return err
	}
	featured := map[int64]bool{}
	for _, t := range choice.Featured {
		featured[t.ID] = true
	}
	var others []string
	for _, t := range tags {
		if featured[t.ID] {
			choice.Chosen[t.ID] = true
		} else {
			others = append(others, t.Name)
		}
	}
	f.Values.Set("tags", strings.Join(others, ", "))
	s.renderGroupSettings(w, r, http.StatusOK, g, f, choice)
	return nil
}

func (s *Server) updateGroupSettings(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupToChange(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	choice, err := s.tagChoice(r, f)
	if err != nil {
		return err
	}
	founded, err := time.Parse(time.DateOnly, f.Get("date_founded"))
	if f.Get("date_founded") != "" && err != nil {
		f.Fail("date_founded", s.t(r, "error.date_invalid"))
	}
	var lat, lon *float64
	if s.cfg.Geo.Enabled {
		var ok bool
		if lat, lon, ok = parseLocation(f.Get("latitude"), f.Get("longitude")); !ok {
			f.Fail("latitude", s.t(r, "geo.invalid"))
		}
	}
	if f.Valid() {
		err = s.groups.UpdateSettingsAndTags(r.Context(), g, store.GroupSettings{Name: f.Get("name"), Slug: f.Get("slug"),
			Description: f.Get("description"), Address: f.Get("address"), URL: f.Get("url"), DateFounded: founded,
			Closed: f.Checked("closed"), URLImportFeed: f.Checked("url_import_feed"),
			SetLocation: s.cfg.Geo.Enabled, Latitude: lat, Longitude: lon}, s.groupTags(f, choice))
		if msg, ok := s.userError(r, err); ok {
			f.Fail(settingsField(err), msg)
		} else if msg, ok := s.tagError(r, err); ok {
			f.Fail("tags", msg)
		} else if err != nil {
			return fmt.Errorf("group settings of %s: %w", g.Slug, err)
		} else {
			if s.federation.Enabled() {
				if err := s.federation.SetVisible(r.Context(), g, f.Checked("fediverse")); err != nil {
					return fmt.Errorf("group settings of %s: %w", g.Slug, err)
				}
				if err := s.federation.SetConversations(r.Context(), g, f.Checked("fediverse_conversations")); err != nil {
					return fmt.Errorf("group settings of %s: %w", g.Slug, err)
				}
			}
			s.flash(r, msgSuccess, s.t(r, "settings.saved"))
			redirect(w, r, "/stadt/settings/group/?group="+f.Get("slug"))
			return nil
		}
	}
	s.renderGroupSettings(w, r, http.StatusUnprocessableEntity, g, f, choice)
	return nil
}

// settingsField is the field a group settings error belongs to.
func settingsField(err error) string {
	switch {
	case isAny(err, groups.ErrSlugInvalid, groups.ErrSlugTaken, groups.ErrSlugBlocked):
		return "slug"
	case isAny(err, groups.ErrDescriptionTooLong):
		return "description"
	case isAny(err, groups.ErrURLInvalid):
		return "url"
	case isAny(err, groups.ErrLocationInvalid):
		return "latitude"
	}
	return "name"
}

// parseLocation reads the coordinates of the settings form: both empty (no location) or
// both numbers on the map (a decimal comma is taken too).
func parseLocation(latText, lonText string) (lat, lon *float64, ok bool) {
	if latText == "" && lonText == "" {
		return nil, nil, true
	}
	la, err1 := strconv.ParseFloat(strings.ReplaceAll(latText, ",", "."), 64)
	lo, err2 := strconv.ParseFloat(strings.ReplaceAll(lonText, ",", "."), 64)
	if err1 != nil || err2 != nil || la < -90 || la > 90 || lo < -180 || lo > 180 {
		return nil, nil, false
	}
	return &la, &lo, true
}
