package web

import (
	"net/http"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/tasks"
)

// The admin area: what the Django admin was used for — removing groups, people and
// publications, granting administrators, and looking at the job queue. Site administrators
// only (grouprise user promote).

type adminData struct {
	Groups []*store.GroupSummary
	People []*store.Gestalt
	Items  []*store.StreamItem
	Queue  store.QueueStats
	Parked []*store.Job
	Query  string
}

func (s *Server) requireAdmin(w http.ResponseWriter, r *http.Request) bool {
	if !viewer(r).Admin() {
		s.forbidden(w, r)
		return false
	}
	return true
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := adminData{Query: q}
	var err error
	if d.Groups, err = s.db.SearchGroups(ctx, store.GroupQuery{Name: q, Limit: 50}); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.People, err = s.db.SearchGestalten(ctx, q, 50); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Items, err = s.db.RecentAssociations(ctx, 30); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Queue, err = s.db.QueueStats(ctx, s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	if d.Parked, err = s.db.ParkedJobs(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin", s.t(r, "nav.admin"), d)
}

// adminAction carries out one administrator's action, named by the path, on the id in it.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) {
	if !s.requireAdmin(w, r) {
		return
	}
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	switch r.PathValue("action") {
	case "delete-group":
		err = s.groups.Delete(ctx, id)
	case "delete-content":
		err = s.contents.DeleteByID(ctx, id)
	case "delete-person":
		if viewer(r).Is(id) {
			s.flash(r, msgError, s.t(r, "admin.not_yourself"))
			redirect(w, r, "/stadt/admin/")
			return
		}
		err = s.accounts.Delete(ctx, id, s.cfg.UnknownGestaltID)
	case "promote", "demote":
		if viewer(r).Is(id) {
			s.flash(r, msgError, s.t(r, "admin.not_yourself"))
			redirect(w, r, "/stadt/admin/")
			return
		}
		err = s.accounts.SetAdministrator(ctx, id, r.PathValue("action") == "promote")
	case "retry-job":
		_, err = tasks.RetryParked(ctx, s.db, id)
		s.wake()
	default:
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, msgSuccess, s.t(r, "admin.done"))
	redirect(w, r, "/stadt/admin/")
}
