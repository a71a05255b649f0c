package contents

import (
	"context"
	"errors"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// The site administrators' corrections from the admin area: the fields every kind of content
// has, and a comment's text. Nobody is notified of a correction; the search entry follows in
// the same transaction.

// ErrNotAComment: only comments of kind text on a content can be corrected (not messages of
// conversations, files or applications).
var ErrNotAComment = errors.New("contents: not a comment on a content")

// Correction is what an administrator changes about any content, whatever its kind.
type Correction struct {
	Title, Slug, Text string
	Public, Pinned    bool
}

// Correct stores an administrator's correction of a content: title, short name, public,
// pinned (groups only), and the text as a new version by the editor when it changed. What
// belongs to a kind (dates, options, pictures, the file) stays as it is.
func (s *Service) Correct(ctx context.Context, a *store.Association, editor *store.Gestalt, c Correction) error {
	c.Title = strings.TrimSpace(c.Title)
	switch {
	case a.ContentID == 0:
		return store.ErrNotFound // a conversation
	case c.Title == "":
		return fieldError("title", ErrTitleMissing)
	case len([]rune(c.Title)) > 255:
		return fieldError("title", ErrTitleTooLong)
	}
	var err error
	if c.Slug, err = newSlug(a, c.Slug); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := slugFree(ctx, q, a, c.Slug); err != nil {
			return err
		}
		content, err := q.ContentByID(ctx, a.ContentID)
		if err != nil {
			return err
		}
		content.Title = c.Title
		if err := q.UpdateContent(ctx, content); err != nil {
			return err
		}
		changed := *a
		changed.Slug, changed.Public, changed.Pinned = c.Slug, c.Public, c.Pinned && a.GroupID != 0
		if err := q.UpdateAssociation(ctx, &changed); err != nil {
			return err
		}
		last, err := q.LatestVersion(ctx, content.ID)
		if err != nil {
			return err
		}
		if c.Text != last.Text {
			v := &store.Version{ContentID: content.ID, AuthorID: editor.ID, Text: c.Text, TimeCreated: s.now()}
			if !v.TimeCreated.After(last.TimeCreated) {
				v.TimeCreated = last.TimeCreated.Add(time.Microsecond)
			}
			if _, err := q.AddVersion(ctx, v); err != nil {
				return err
			}
			if err := q.MoveVersionFiles(ctx, last.ID, v.ID); err != nil {
				return err
			}
		}
		*a = changed
		if err := tag(ctx, q, content.ID, append(markdown.TitleTags(c.Title), markdown.Tags(c.Text)...)); err != nil {
			return err
		}
		if err := s.federate(ctx, q, a.ID); err != nil {
			return err
		}
		return q.IndexContent(ctx, content.ID)
	})
}

// newSlug is the short name an edit asks for ("" keeps the publication's), if valid.
func newSlug(a *store.Association, slug string) (string, error) {
	if slug = strings.TrimSpace(slug); slug == "" {
		slug = a.Slug
	}
	if !slugs.Valid(slug) {
		return "", fieldError("slug", ErrSlugInvalid)
	}
	return slug, nil
}

// slugFree tells (ErrSlugTaken) whether another publication of the same group or person
// has the short name already.
func slugFree(ctx context.Context, q *store.Queries, a *store.Association, slug string) error {
	if strings.EqualFold(slug, a.Slug) {
		return nil
	}
	taken, err := q.ContentSlugTaken(ctx, a.GroupID, a.GestaltID, slug, a.ID)
	if err != nil {
		return err
	}
	if taken {
		return fieldError("slug", ErrSlugTaken)
	}
	return nil
}

// CorrectComment replaces a comment's text and makes it internal (for the group's members
// only) or public. A public comment's tags tag its content, as when it was written; an
// internal one's leave it unless a public text names them; the content's search entry
// follows. Its author and the subscribers are not told.
func (s *Service) CorrectComment(ctx context.Context, id int64, text string, internal bool) error {
	if strings.TrimSpace(text) == "" {
		return fieldError("text", ErrTextMissing)
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		c, err := q.ContributionByID(ctx, id)
		if err != nil {
			return err
		}
		if c.Kind != "text" || c.ContentID == 0 || c.Deleted.Valid {
			return ErrNotAComment
		}
		if err := q.UpdateComment(ctx, id, text, !internal); err != nil {
			return err
		}
		if internal {
			// its tags leave the content unless a public text names them too
			if _, err := untagInternal(ctx, q, c.ContentID); err != nil {
				return err
			}
		} else if err := tag(ctx, q, c.ContentID, markdown.Tags(text)); err != nil {
			return err
		}
		return q.IndexContent(ctx, c.ContentID)
	})
}
