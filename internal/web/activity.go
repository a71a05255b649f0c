package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
)

type activityData struct {
	Items    []*store.InboxItem
	Page     int
	NextPage int
}

// activity is a person's inbox: new contents, comments and messages they were told of.
func (s *Server) activity(w http.ResponseWriter, r *http.Request) error {
	v := viewer(r)
	if !v.LoggedIn() {
		return errForbidden
	}
	if r.Method == http.MethodPost {
		if err := s.accounts.MarkInboxRead(r.Context(), v.ID()); err != nil {
			return fmt.Errorf("mark inbox read: %w", err)
		}
		redirect(w, r, "/stadt/activity")
		return nil
	}
	p := pageOf(r, itemsPerPage)
	items, err := s.db.Inbox(r.Context(), v.ID(), p.Limit(), p.Offset())
	if err != nil {
		return fmt.Errorf("inbox: %w", err)
	}
	d := activityData{Page: p.Number}
	d.Items, d.NextPage = cut(p, items)
	s.render(w, r, http.StatusOK, "activity", s.t(r, "activity.title"), d)
	return nil
}

// permalink answers /stadt/content/<association>/ with the content's current address, so
// that links in mails survive changes of slugs.
func (s *Server) permalink(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("assoc"), 10, 64)
	if err != nil {
		return errNotFound
	}
	a, err := s.db.AssociationByID(r.Context(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("permalink %d: %w", id, err)
	}
	if err != nil || a.Deleted.Valid || a.ContentID == 0 || !contents.CanView(viewer(r), a) {
		// Missing or hidden look the same; a visitor who is not logged in may be a member
		// following a mail's link, so the page offers the login.
		return errNotFoundOrLogin
	}
	var entity string
	if a.GroupID != 0 {
		g, err := s.db.GroupByID(r.Context(), a.GroupID)
		if err != nil {
			return fmt.Errorf("permalink %d: group: %w", id, err)
		}
		entity = g.Slug
	} else {
		g, err := s.db.GestaltByID(r.Context(), a.GestaltID)
		if err != nil {
			return fmt.Errorf("permalink %d: author: %w", id, err)
		}
		entity = g.Username
	}
	http.Redirect(w, r, "/"+entity+"/"+a.Slug+"/", http.StatusFound)
	return nil
}
