package store

import (
	"context"
	"fmt"
	"strings"
)

// EntitiesBySlug finds the groups and people whose slug folds to one of slugs.
func (q *Queries) EntitiesBySlug(ctx context.Context, slugs []string) ([]EntityRef, error) {
	if len(slugs) == 0 {
		return nil, nil
	}
	args := make([]any, len(slugs))
	for i, s := range slugs {
		args[i] = Fold(s)
	}
	rows, err := q.query(ctx, `SELECT COALESCE(g.id, p.id), COALESCE(g.slug, p.username), COALESCE(g.name, ''),
			COALESCE(p.first_name, ''), COALESCE(p.last_name, ''), g.id IS NOT NULL
		FROM entity_slugs s LEFT JOIN groups g ON g.id = s.group_id LEFT JOIN gestalten p ON p.id = s.gestalt_id
		WHERE s.slug_key IN (`+placeholders(len(slugs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: entities by slug: %w", err)
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*EntityRef, error) {
		var e EntityRef
		return &e, r.Scan(&e.ID, &e.Slug, &e.Name, &e.FirstName, &e.LastName, &e.IsGroup)
	})
	if err != nil {
		return nil, fmt.Errorf("store: entities by slug: %w", err)
	}
	out := make([]EntityRef, len(list))
	for i, e := range list {
		out[i] = *e
	}
	return out, nil
}

// ContentRef is a content as mentions and links name it.
type ContentRef struct {
	EntitySlug, Slug string // as stored
	Title            string
	Public           bool
}

// ContentsBySlug finds the contents (not deleted) named by pairs of entity slug and content
// slug, compared case-insensitively; the result is keyed by the folded pair "entity/slug".
func (q *Queries) ContentsBySlug(ctx context.Context, pairs [][2]string) (map[string]ContentRef, error) {
	out := map[string]ContentRef{}
	if len(pairs) == 0 {
		return out, nil
	}
	conds := make([]string, len(pairs))
	args := make([]any, 0, 2*len(pairs))
	for i, p := range pairs {
		conds[i] = "(s.slug_key = ? AND lower(a.slug) = ?)"
		args = append(args, Fold(p[0]), Fold(p[1]))
	}
	rows, err := q.query(ctx, `SELECT COALESCE(g.slug, p.username), a.slug, c.title, a.public
		FROM entity_slugs s
		LEFT JOIN groups g ON g.id = s.group_id LEFT JOIN gestalten p ON p.id = s.gestalt_id
		JOIN associations a ON (a.group_id = s.group_id OR a.gestalt_id = s.gestalt_id)
		JOIN contents c ON c.id = a.content_id
		WHERE a.deleted IS NULL AND (`+strings.Join(conds, " OR ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: contents by slug: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r ContentRef
		if err := rows.Scan(&r.EntitySlug, &r.Slug, &r.Title, &r.Public); err != nil {
			return nil, fmt.Errorf("store: contents by slug: %w", err)
		}
		out[Fold(r.EntitySlug)+"/"+Fold(r.Slug)] = r
	}
	return out, rows.Err()
}
