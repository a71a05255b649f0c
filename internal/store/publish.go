package store

import (
	"context"
	"fmt"
)

// AssociationBySlug returns the content published as /<entity>/<slug>/ (not deleted), both
// compared case-insensitively.
func (q *Queries) AssociationBySlug(ctx context.Context, entitySlug, slug string) (*Association, error) {
	a, err := scanAssociation(q.queryRow(ctx, `SELECT `+associationColumns+` FROM entity_slugs s
		JOIN associations a ON (a.group_id = s.group_id OR a.gestalt_id = s.gestalt_id)
		WHERE s.slug_key = ? AND lower(a.slug) = ? AND a.deleted IS NULL AND a.content_id IS NOT NULL`,
		Fold(entitySlug), Fold(slug)))
	if err != nil {
		return nil, fmt.Errorf("store: content %s/%s: %w", entitySlug, slug, err)
	}
	return a, nil
}

// ContentSlugTaken tells whether the group or person already publishes something as slug
// (except association except).
func (q *Queries) ContentSlugTaken(ctx context.Context, groupID, gestaltID int64, slug string, except int64) (bool, error) {
	var taken bool
	column, id := "group_id", groupID
	if groupID == 0 {
		column, id = "gestalt_id", gestaltID
	}
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM associations WHERE `+column+` = ? AND lower(slug) = ? AND id <> ?)`,
		id, Fold(slug), except).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("store: content slug: %w", err)
	}
	return taken, nil
}

// UpdateContent stores a content's title, preview image and event fields.
func (q *Queries) UpdateContent(ctx context.Context, c *Content) error {
	return q.updateOne(ctx, "update content", `UPDATE contents SET title = ?, image_id = ?, place = ?, starts_at = ?,
		ends_at = ?, all_day = ? WHERE id = ?`, c.Title, nullID(c.ImageID), c.Place, c.StartsAt, c.EndsAt, c.AllDay, c.ID)
}

// UpdateAssociation stores where and how a content is published: visibility, pin and slug.
func (q *Queries) UpdateAssociation(ctx context.Context, a *Association) error {
	return q.updateOne(ctx, "update association", `UPDATE associations SET public = ?, pinned = ?, slug = ? WHERE id = ?`,
		a.Public, a.Pinned, a.Slug, a.ID)
}

// StreamItemByAssociation returns one content as lists show it, whoever may see it: the
// caller checks permissions.
func (q *Queries) StreamItemByAssociation(ctx context.Context, id int64) (*StreamItem, error) {
	items, err := q.Stream(ctx, StreamQuery{AssociationID: id, Limit: 1, everything: true})
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("store: content of association %d: %w", id, ErrNotFound)
	}
	return items[0], nil
}

// VersionAuthors counts the people who wrote versions of a content.
func (q *Queries) VersionAuthors(ctx context.Context, contentID int64) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(DISTINCT author_id) FROM content_versions WHERE content_id = ?`, contentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: authors of %d: %w", contentID, err)
	}
	return n, nil
}

// LatestVersion returns the current version of a content.
func (q *Queries) LatestVersion(ctx context.Context, contentID int64) (*Version, error) {
	var v Version
	err := q.queryRow(ctx, `SELECT id, content_id, author_id, text, time_created FROM content_versions
		WHERE content_id = ? ORDER BY time_created DESC, id DESC LIMIT 1`, contentID).
		Scan(&v.ID, &v.ContentID, &v.AuthorID, &v.Text, &v.TimeCreated)
	if err != nil {
		return nil, fmt.Errorf("store: latest version of %d: %w", contentID, classify(err))
	}
	return &v, nil
}

// MoveVersionFiles hands a version's files on to the next version (an edit that keeps the file).
func (q *Queries) MoveVersionFiles(ctx context.Context, from, to int64) error {
	if _, err := q.exec(ctx, `UPDATE files SET version_id = ? WHERE version_id = ?`, to, from); err != nil {
		return fmt.Errorf("store: move files: %w", err)
	}
	return nil
}

// FirstAuthor returns the author of a content's first version.
func (q *Queries) FirstAuthor(ctx context.Context, contentID int64) (int64, error) {
	var id int64
	err := q.queryRow(ctx, `SELECT author_id FROM content_versions WHERE content_id = ? ORDER BY time_created, id LIMIT 1`,
		contentID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: first author of %d: %w", contentID, classify(err))
	}
	return id, nil
}
