package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/tasks"
)

// The admin area: what the Django admin was used for — correcting and removing groups,
// people, publications and comments, granting administrators, and looking at the job
// queue. Site administrators only (grouprise user promote).

type adminData struct {
	Groups []*store.GroupSummary
	People []*store.Gestalt
	Items  []*store.StreamItem
	// Comments are the newest comments, or those whose text contains the query.
	Comments []*store.AdminComment
	Queue    store.QueueStats
	Parked   []*store.Job
	Query    string
}

// adminOnly refuses everyone but site administrators.
func adminOnly(r *http.Request) error {
	if !viewer(r).Admin() {
		return errForbidden
	}
	return nil
}

// adminTarget reads the id of the path for an administrator; everyone else is refused
// before anything is looked up.
func adminTarget(r *http.Request) (int64, error) {
	if err := adminOnly(r); err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errNotFound
	}
	return id, nil
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) error {
	if err := adminOnly(r); err != nil {
		return err
	}
	ctx := r.Context()
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	d := adminData{Query: q}
	var err error
	if d.Groups, err = s.db.SearchGroups(ctx, store.GroupQuery{Name: q, Limit: 50}); err != nil {
		return fmt.Errorf("admin: groups: %w", err)
	}
	if d.People, err = s.db.SearchGestalten(ctx, q, 50); err != nil {
		return fmt.Errorf("admin: people: %w", err)
	}
	if d.Items, err = s.db.AdminContents(ctx, q, 30); err != nil {
		return fmt.Errorf("admin: publications: %w", err)
	}
	if d.Comments, err = s.db.AdminComments(ctx, q, 30); err != nil {
		return fmt.Errorf("admin: comments: %w", err)
	}
	if d.Queue, err = s.db.QueueStats(ctx, s.now()); err != nil {
		return fmt.Errorf("admin: queue: %w", err)
	}
	if d.Parked, err = s.db.ParkedJobs(ctx); err != nil {
		return fmt.Errorf("admin: parked jobs: %w", err)
	}
	s.render(w, r, http.StatusOK, "admin", s.t(r, "nav.admin"), d)
	return nil
}

// adminAction carries out one administrator's action, named by the path, on the id in it.
func (s *Server) adminAction(w http.ResponseWriter, r *http.Request) error {
	if err := adminOnly(r); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	action := r.PathValue("action")
	switch action {
	case "delete-group":
		err = s.groups.Delete(ctx, id)
	case "delete-content":
		err = s.contents.DeleteByID(ctx, id)
	case "delete-person":
		if viewer(r).Is(id) {
			s.flash(r, msgError, s.t(r, "admin.not_yourself"))
			redirect(w, r, "/stadt/admin/")
			return nil
		}
		err = s.accounts.Delete(ctx, id, s.cfg.UnknownGestaltID)
	case "promote", "demote":
		if viewer(r).Is(id) {
			s.flash(r, msgError, s.t(r, "admin.not_yourself"))
			redirect(w, r, "/stadt/admin/")
			return nil
		}
		err = s.accounts.SetAdministrator(ctx, id, action == "promote")
	case "retry-job":
		_, err = tasks.RetryParked(ctx, s.db, id)
		s.wake()
	default:
		return errNotFound
	}
	if err != nil {
		return fmt.Errorf("admin: %s %d: %w", action, id, err)
	}
	s.flash(r, msgSuccess, s.t(r, "admin.done"))
	redirect(w, r, "/stadt/admin/")
	return nil
}
