package store

import (
	"context"
	"fmt"
	"strings"
)

// What the administrators' edit pages read and write beyond what members edit themselves.

// SetActive lets an account log in again, or (on false) no more. Run it inside Tx.
func (q *Queries) SetActive(ctx context.Context, id int64, on bool) error {
	return q.updateOne(ctx, "set active", `UPDATE gestalten SET is_active = ? WHERE id = ?`, on, id)
}

// UpdateComment replaces a comment's text and whether it is public (kind text only). Run it
// inside Tx.
func (q *Queries) UpdateComment(ctx context.Context, id int64, text string, public bool) error {
	return q.updateOne(ctx, "update comment", `UPDATE contributions SET text = ?, public = ?
		WHERE id = ? AND kind = 'text' AND content_id IS NOT NULL`, text, public, id)
}

// AdminComment is a comment as the administrators' list shows it: with the content it
// belongs to and where that is published.
type AdminComment struct {
	Contribution
	Author EntityRef
	// Title, Slug and Entity describe the content's (first) publication; Slug is "" when
	// the content is no longer published.
	Title  string
	Slug   string
	Entity EntityRef
}

// AdminComments lists the comments on contents (not deleted, public and internal), newest
// first; a term keeps those whose text contains it (letters of any case).
func (q *Queries) AdminComments(ctx context.Context, term string, limit int) ([]*AdminComment, error) {
	where, args := "", []any{}
	if term = strings.TrimSpace(term); term != "" {
		where = ` AND (lower(c.text) LIKE ? OR c.text LIKE ?)`
		args = append(args, likeFolded(term), likeTyped(term))
	}
	rows, err := q.query(ctx, `SELECT `+contributionColumns+`, g.id, g.username, g.first_name, g.last_name, g.avatar_color,
		co.title, COALESCE(a.slug, ''), COALESCE(gr.id, pe.id, 0), COALESCE(gr.slug, pe.username, ''), COALESCE(gr.name, ''),
		gr.id IS NOT NULL, COALESCE(pe.first_name, ''), COALESCE(pe.last_name, '')
		FROM contributions c JOIN gestalten g ON g.id = c.author_id
		JOIN contents co ON co.id = c.content_id
		LEFT JOIN associations a ON a.id = (SELECT MIN(x.id) FROM associations x WHERE x.content_id = c.content_id AND x.deleted IS NULL)
		LEFT JOIN groups gr ON gr.id = a.group_id
		LEFT JOIN gestalten pe ON pe.id = a.gestalt_id
		WHERE c.kind = 'text' AND c.deleted IS NULL`+where+` ORDER BY c.time_created DESC, c.id DESC LIMIT ?`,
		append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: comments for the administrators: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*AdminComment, error) {
		var ac AdminComment
		c := &ac.Contribution
		err := r.Scan(&c.ID, &c.ContentID, &c.ConversationID, &c.AuthorID, &c.Kind, &c.Text, &c.FileID,
			&c.ApplicationID, &c.InReplyToID, &c.AttachedToID, &c.TimeCreated, &c.Deleted, &c.Public,
			&ac.Author.ID, &ac.Author.Slug, &ac.Author.FirstName, &ac.Author.LastName, &ac.Author.Color,
			&ac.Title, &ac.Slug, &ac.Entity.ID, &ac.Entity.Slug, &ac.Entity.Name, &ac.Entity.IsGroup,
			&ac.Entity.FirstName, &ac.Entity.LastName)
		return &ac, err
	})
}

// AdminContents lists the published contents whose title contains term (letters of any
// case), newest first, as lists show them, whoever may see them; without a term the newest.
func (q *Queries) AdminContents(ctx context.Context, term string, limit int) ([]*StreamItem, error) {
	if term = strings.TrimSpace(term); term == "" {
		return q.RecentAssociations(ctx, limit)
	}
	ids, err := q.ids(ctx, `SELECT a.id FROM associations a JOIN contents c ON c.id = a.content_id
		WHERE a.deleted IS NULL AND (lower(c.title) LIKE ? OR c.title LIKE ?) ORDER BY c.time_created DESC, a.id DESC LIMIT ?`,
		likeFolded(term), likeTyped(term), limit)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	return q.Stream(ctx, StreamQuery{AssociationIDs: ids, Limit: limit, everything: true})
}

// likeTyped and likeFolded are LIKE patterns for a term anywhere in a text, as typed and
// in small letters: SQLite's lower() and LIKE fold ASCII letters only, so a term with
// other letters (Ö) is found in the case it was typed, PostgreSQL's in any case.
func likeTyped(term string) string  { return "%" + escapeLike(term) + "%" }
func likeFolded(term string) string { return "%" + strings.ToLower(escapeLike(term)) + "%" }
