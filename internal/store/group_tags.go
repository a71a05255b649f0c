package store

import (
	"context"
	"fmt"
)

// SetGroupTags makes tagIDs the group's tags (the others are taken away) and brings the
// group's search entry up to date.
func (q *Queries) SetGroupTags(ctx context.Context, groupID int64, tagIDs []int64) error {
	args := []any{groupID}
	keep := ""
	if len(tagIDs) > 0 {
		keep = ` AND tag_id NOT IN (` + placeholders(len(tagIDs)) + `)`
		for _, id := range tagIDs {
			args = append(args, id)
		}
	}
	if _, err := q.exec(ctx, `DELETE FROM group_tags WHERE group_id = ?`+keep, args...); err != nil {
		return fmt.Errorf("store: tags of group %d: %w", groupID, err)
	}
	for _, id := range tagIDs {
		if _, err := q.exec(ctx, `INSERT INTO group_tags (group_id, tag_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			groupID, id); err != nil {
			return fmt.Errorf("store: tags of group %d: %w", groupID, err)
		}
	}
	return q.IndexGroup(ctx, groupID)
}
