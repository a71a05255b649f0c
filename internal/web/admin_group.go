package web

import (
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/store"
)

// An administrator corrects a group (/stadt/admin/groups/<id>/): name, short name,
// description, address, website and whether it is closed, by the rules of the group's own
// settings page (groups.UpdateSettings); founding date, feed import and location stay.

type adminGroupData struct {
	Group *store.Group
	Form  *form
}

// adminGroupOf is the group of the path, for an administrator.
func (s *Server) adminGroupOf(r *http.Request) (*store.Group, error) {
	id, err := adminTarget(r)
	if err != nil {
		return nil, err
	}
	return s.db.GroupByID(r.Context(), id)
}

func (s *Server) adminGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := s.adminGroupOf(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	for k, v := range map[string]string{"name": g.Name, "slug": g.Slug, "description": g.Description,
		"address": g.Address, "url": g.URL} {
		f.Values.Set(k, v)
	}
	if g.Closed {
		f.Values.Set("closed", "on")
	}
	s.render(w, r, http.StatusOK, "admin_group", s.t(r, "admin.edit_group"), adminGroupData{Group: g, Form: f})
	return nil
}

func (s *Server) adminUpdateGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := s.adminGroupOf(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	err = s.groups.UpdateSettings(r.Context(), g, store.GroupSettings{Name: f.Get("name"), Slug: f.Get("slug"),
		Description: f.Get("description"), Address: f.Get("address"), URL: f.Get("url"), Closed: f.Checked("closed"),
		DateFounded: g.DateFounded, URLImportFeed: g.URLImportFeed})
	if msg, ok := s.userError(r, err); ok {
		f.Fail(settingsField(err), msg)
		s.render(w, r, http.StatusUnprocessableEntity, "admin_group", s.t(r, "admin.edit_group"), adminGroupData{Group: g, Form: f})
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: group %d: %w", g.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/admin/groups/"+itoa(g.ID)+"/")
	return nil
}
