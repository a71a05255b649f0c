package web

import (
	"errors"
	"fmt"
	"net/http"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
)

// An administrator corrects a content (/stadt/admin/contents/<association id>/): title, short
// name, text, public and pinned, whatever its kind; and a comment (/stadt/admin/comments/<id>/):
// its text and whether it is internal. Nobody is notified of a correction.

type adminContentData struct {
	Item *store.StreamItem
	Form *form
}

type adminCommentData struct {
	Comment *store.Contribution
	Form    *form
}

// adminItem is a published content (no conversation, nothing deleted) for the edit page.
func (s *Server) adminItem(r *http.Request) (*store.StreamItem, error) {
	id, err := adminTarget(r)
	if err != nil {
		return nil, err
	}
	return s.db.StreamItemByAssociation(r.Context(), id)
}

func (s *Server) adminContent(w http.ResponseWriter, r *http.Request) error {
	item, err := s.adminItem(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.Values.Set("title", item.Title)
	f.Values.Set("slug", item.Slug)
	f.Values.Set("text", item.Text)
	for k, on := range map[string]bool{"public": item.Public, "pinned": item.Pinned} {
		if on {
			f.Values.Set(k, "on")
		}
	}
	s.render(w, r, http.StatusOK, "admin_content", s.t(r, "admin.edit_content"), adminContentData{Item: item, Form: f})
	return nil
}

func (s *Server) adminUpdateContent(w http.ResponseWriter, r *http.Request) error {
	item, err := s.adminItem(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := s.db.AssociationByID(ctx, item.AssociationID)
	if err != nil {
		return err
	}
	f := newForm(r)
	err = s.contents.Correct(ctx, a, viewer(r).Gestalt, contents.Correction{Title: f.Get("title"), Slug: f.Get("slug"),
		Text: f.Raw("text"), Public: f.Checked("public"), Pinned: f.Checked("pinned")})
	if s.formError(r, f, err) {
		s.render(w, r, http.StatusUnprocessableEntity, "admin_content", s.t(r, "admin.edit_content"), adminContentData{Item: item, Form: f})
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: content %d: %w", a.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/admin/contents/"+itoa(a.ID)+"/")
	return nil
}

// adminCommentOf is a comment on a content, not deleted, for the edit page.
func (s *Server) adminCommentOf(r *http.Request) (*store.Contribution, error) {
	id, err := adminTarget(r)
	if err != nil {
		return nil, err
	}
	c, err := s.db.ContributionByID(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if c.Kind != "text" || c.ContentID == 0 || c.Deleted.Valid {
		return nil, errNotFound
	}
	return c, nil
}

func (s *Server) adminComment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.adminCommentOf(r)
	if err != nil {
		return err
	}
	f := newForm(nil)
	f.Values.Set("text", c.Text)
	if !c.Public {
		f.Values.Set("internal", "on")
	}
	s.render(w, r, http.StatusOK, "admin_comment", s.t(r, "admin.edit_comment"), adminCommentData{Comment: c, Form: f})
	return nil
}

func (s *Server) adminUpdateComment(w http.ResponseWriter, r *http.Request) error {
	c, err := s.adminCommentOf(r)
	if err != nil {
		return err
	}
	f := newForm(r)
	err = s.contents.CorrectComment(r.Context(), c.ID, f.Raw("text"), f.Checked("internal"))
	if errors.Is(err, contents.ErrNotAComment) {
		return errNotFound
	}
	if s.formError(r, f, err) {
		s.render(w, r, http.StatusUnprocessableEntity, "admin_comment", s.t(r, "admin.edit_comment"), adminCommentData{Comment: c, Form: f})
		return nil
	}
	if err != nil {
		return fmt.Errorf("admin: comment %d: %w", c.ID, err)
	}
	s.flash(r, msgSuccess, s.t(r, "settings.saved"))
	redirect(w, r, "/stadt/admin/comments/"+itoa(c.ID)+"/")
	return nil
}
