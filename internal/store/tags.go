package store

import (
	"context"
	"fmt"
)

// Tag is a keyword; its slug is its identity (names differ in case only).
type Tag struct {
	ID   int64
	Name string
	Slug string
}

// EnsureTags returns the ids of the tags, creating those that do not exist yet. A tag exists
// when its slug or its name (ignoring case) is known: imported tags keep the slugs the old
// site made for them.
func (q *Queries) EnsureTags(ctx context.Context, tags []Tag) ([]int64, error) {
	ids := make([]int64, 0, len(tags))
	for _, t := range tags {
		if t.Slug == "" {
			continue
		}
		if _, err := q.exec(ctx, `INSERT INTO tags (name, slug) SELECT ?, ?
			WHERE NOT EXISTS (SELECT 1 FROM tags WHERE slug = ? OR lower(name) = lower(?))
			ON CONFLICT DO NOTHING`, t.Name, t.Slug, t.Slug, t.Name); err != nil {
			return nil, fmt.Errorf("store: tag %q: %w", t.Name, err)
		}
		var id int64
		err := q.queryRow(ctx, `SELECT id FROM tags WHERE slug = ? OR lower(name) = lower(?) ORDER BY slug <> ? LIMIT 1`,
			t.Slug, t.Name, t.Slug).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("store: tag %q: %w", t.Name, classify(err))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// TagContent adds tags to a content (those it has already stay).
func (q *Queries) TagContent(ctx context.Context, contentID int64, tagIDs []int64) error {
	for _, id := range tagIDs {
		if _, err := q.exec(ctx, `INSERT INTO content_tags (content_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			contentID, id); err != nil {
			return fmt.Errorf("store: tag content %d: %w", contentID, err)
		}
	}
	return nil
}

// TagGroup adds a tag to a group.
func (q *Queries) TagGroup(ctx context.Context, groupID, tagID int64) error {
	if _, err := q.exec(ctx, `INSERT INTO group_tags (group_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		groupID, tagID); err != nil {
		return fmt.Errorf("store: tag group %d: %w", groupID, err)
	}
	return q.IndexGroup(ctx, groupID)
}

func scanTag(r interface{ Scan(...any) error }) (*Tag, error) {
	var t Tag
	return &t, r.Scan(&t.ID, &t.Name, &t.Slug)
}

// ContentTags lists a content's tags by name.
func (q *Queries) ContentTags(ctx context.Context, contentID int64) ([]*Tag, error) {
	rows, err := q.query(ctx, `SELECT t.id, t.name, t.slug FROM content_tags ct JOIN tags t ON t.id = ct.tag_id
		WHERE ct.content_id = ? ORDER BY lower(t.name)`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: tags of %d: %w", contentID, err)
	}
	return collect(rows, scanTag)
}

// GroupTags lists a group's tags by name.
func (q *Queries) GroupTags(ctx context.Context, groupID int64) ([]*Tag, error) {
	rows, err := q.query(ctx, `SELECT t.id, t.name, t.slug FROM group_tags gt JOIN tags t ON t.id = gt.tag_id
		WHERE gt.group_id = ? ORDER BY lower(t.name)`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: tags of group %d: %w", groupID, err)
	}
	return collect(rows, scanTag)
}

// TagBySlug returns a tag.
func (q *Queries) TagBySlug(ctx context.Context, slug string) (*Tag, error) {
	t, err := scanTag(q.queryRow(ctx, `SELECT id, name, slug FROM tags WHERE slug = ?`, slug))
	if err != nil {
		return nil, fmt.Errorf("store: tag %q: %w", slug, classify(err))
	}
	return t, nil
}

// TagsByID returns the tags with the given ids, in that order (unknown ids are left out).
func (q *Queries) TagsByID(ctx context.Context, ids []int64) ([]*Tag, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT id, name, slug FROM tags WHERE id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tags: %w", err)
	}
	list, err := collect(rows, scanTag)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Tag{}
	for _, t := range list {
		byID[t.ID] = t
	}
	out := make([]*Tag, 0, len(ids))
	for _, id := range ids {
		if t, ok := byID[id]; ok {
			out = append(out, t)
		}
	}
	return out, nil
}

// GroupsWithTag lists the groups that carry a tag, highest score first.
func (q *Queries) GroupsWithTag(ctx context.Context, tagID int64) ([]*Group, error) {
	rows, err := q.query(ctx, `SELECT `+groupColumns+` FROM group_tags gt JOIN groups gr ON gr.id = gt.group_id
		WHERE gt.tag_id = ? ORDER BY gr.score DESC, gr.name`, tagID)
	if err != nil {
		return nil, fmt.Errorf("store: groups with tag %d: %w", tagID, err)
	}
	return collect(rows, scanGroup)
}

// ContentsWithInternalComments lists the contents that have internal text comments.
func (q *Queries) ContentsWithInternalComments(ctx context.Context) ([]int64, error) {
	return q.ids(ctx, `SELECT DISTINCT content_id FROM contributions
		WHERE content_id IS NOT NULL AND NOT public AND kind = 'text' ORDER BY content_id`)
}

// ContentTexts are the texts a content's tags come from: its title, every version of its
// text and its public comments, and apart from them its internal comments.
func (q *Queries) ContentTexts(ctx context.Context, contentID int64) (public, internal []string, err error) {
	if public, err = q.strings(ctx, `SELECT title FROM contents WHERE id = ?
		UNION ALL SELECT text FROM content_versions WHERE content_id = ?
		UNION ALL SELECT text FROM contributions WHERE content_id = ? AND public AND kind = 'text'`,
		contentID, contentID, contentID); err != nil {
		return nil, nil, err
	}
	internal, err = q.strings(ctx, `SELECT text FROM contributions WHERE content_id = ? AND NOT public AND kind = 'text'`, contentID)
	return public, internal, err
}

// UntagContent takes tags from a content.
func (q *Queries) UntagContent(ctx context.Context, contentID int64, tagIDs []int64) error {
	for _, id := range tagIDs {
		if _, err := q.exec(ctx, `DELETE FROM content_tags WHERE content_id = ? AND tag_id = ?`, contentID, id); err != nil {
			return fmt.Errorf("store: untag content %d: %w", contentID, err)
		}
	}
	return nil
}
