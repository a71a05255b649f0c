package store

import (
	"context"
	"fmt"
	"time"
)

// Reads for the JSON exports of the site (the original's /stadt/api/ and the Transition
// Connect export /stadt/tc-api/): public data only, many groups at once.

// TagsOfGroups returns the tags of the groups, by group id, each list by name.
func (q *Queries) TagsOfGroups(ctx context.Context, groupIDs []int64) (map[int64][]*Tag, error) {
	out := map[int64][]*Tag{}
	if len(groupIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(groupIDs))
	for i, id := range groupIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT gt.group_id, t.id, t.name, t.slug FROM group_tags gt JOIN tags t ON t.id = gt.tag_id
		WHERE gt.group_id IN (`+placeholders(len(groupIDs))+`) ORDER BY gt.group_id, lower(t.name)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: tags of groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var groupID int64
		var t Tag
		if err := rows.Scan(&groupID, &t.ID, &t.Name, &t.Slug); err != nil {
			return nil, fmt.Errorf("store: tags of groups: %w", err)
		}
		out[groupID] = append(out[groupID], &t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: tags of groups: %w", err)
	}
	return out, nil
}

// GroupCovers returns the groups' cover pictures (stored names), by group id: as in the
// original, the first picture of the group's first pinned public gallery. Groups without
// one are missing from the map.
func (q *Queries) GroupCovers(ctx context.Context, groupIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(groupIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(groupIDs))
	for i, id := range groupIDs {
		args[i] = id
	}
	rows, err := q.query(ctx, `SELECT gr.id, COALESCE((SELECT i.file FROM associations a
			JOIN gallery_images gi ON gi.content_id = a.content_id JOIN images i ON i.id = gi.image_id
			WHERE a.group_id = gr.id AND a.public AND a.pinned AND a.deleted IS NULL
			ORDER BY a.id, gi.id LIMIT 1), '')
		FROM groups gr WHERE gr.id IN (`+placeholders(len(groupIDs))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: group covers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var file string
		if err := rows.Scan(&id, &file); err != nil {
			return nil, fmt.Errorf("store: group covers: %w", err)
		}
		if file != "" {
			out[id] = file
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: group covers: %w", err)
	}
	return out, nil
}

// PublicEventRef is a public event of a group, as the Transition Connect list names it.
type PublicEventRef struct {
	AssociationID int64
	GroupID       int64
	Modified      time.Time // the time of its latest version
}

// PublicGroupEvents lists the public events of all groups (past ones too), oldest
// publication first; with associationID only that one (none when it is no such event).
// Events under a person's name are not among them.
func (q *Queries) PublicGroupEvents(ctx context.Context, associationID int64) ([]*PublicEventRef, error) {
	where, args := "", []any{}
	if associationID != 0 {
		where, args = " AND a.id = ?", append(args, associationID)
	}
	rows, err := q.query(ctx, `SELECT a.id, a.group_id, lv.time_created FROM associations a
		JOIN contents c ON c.id = a.content_id
		JOIN content_versions lv ON lv.id = (SELECT v.id FROM content_versions v WHERE v.content_id = c.id
			ORDER BY v.time_created DESC, v.id DESC LIMIT 1)
		WHERE a.public AND a.deleted IS NULL AND a.group_id IS NOT NULL AND c.starts_at IS NOT NULL`+where+`
		ORDER BY a.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: public group events: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*PublicEventRef, error) {
		var e PublicEventRef
		return &e, r.Scan(&e.AssociationID, &e.GroupID, &e.Modified)
	})
}
