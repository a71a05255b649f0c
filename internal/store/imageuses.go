package store

import (
	"context"
	"fmt"
	"strings"
)

// ImageUses lists the publications (not deleted) of the contents that show a picture: as
// their preview or in their gallery.
func (q *Queries) ImageUses(ctx context.Context, imageID int64) ([]*Association, error) {
	rows, err := q.query(ctx, `SELECT `+associationColumns+` FROM associations a
		WHERE a.deleted IS NULL AND a.content_id IN (SELECT id FROM contents WHERE image_id = ?
			UNION SELECT content_id FROM gallery_images WHERE image_id = ?)
		ORDER BY a.id`, imageID, imageID)
	if err != nil {
		return nil, fmt.Errorf("store: uses of image %d: %w", imageID, err)
	}
	return collect(rows, scanAssociation)
}

// ImageQuery selects the pictures of the images API.
type ImageQuery struct {
	ViewerID int64
	MemberOf []int64 // the viewer's groups: the pictures of their contents come too
	IDs      []int64 // only these
	Creator  int64   // only this person's
	Limit    int
}

// Images lists the viewer's own pictures and those shown by the contents of the viewer's
// groups (previews and galleries), newest first.
func (q *Queries) Images(ctx context.Context, iq ImageQuery) ([]*Image, error) {
	or := []string{"i.creator_id = ?"}
	args := []any{iq.ViewerID}
	if len(iq.MemberOf) > 0 {
		in := placeholders(len(iq.MemberOf))
		or = append(or, `i.id IN (SELECT c.image_id FROM contents c JOIN associations a ON a.content_id = c.id
				WHERE a.deleted IS NULL AND a.group_id IN (`+in+`))`,
			`i.id IN (SELECT gi.image_id FROM gallery_images gi JOIN associations a ON a.content_id = gi.content_id
				WHERE a.deleted IS NULL AND a.group_id IN (`+in+`))`)
		for range 2 {
			for _, id := range iq.MemberOf {
				args = append(args, id)
			}
		}
	}
	where := []string{"(" + strings.Join(or, " OR ") + ")"}
	if len(iq.IDs) > 0 {
		where = append(where, "i.id IN ("+placeholders(len(iq.IDs))+")")
		for _, id := range iq.IDs {
			args = append(args, id)
		}
	}
	if iq.Creator != 0 {
		where = append(where, "i.creator_id = ?")
		args = append(args, iq.Creator)
	}
	limit := iq.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := q.query(ctx, `SELECT i.id, i.creator_id, i.file FROM images i WHERE `+strings.Join(where, " AND ")+`
		ORDER BY i.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("store: images: %w", err)
	}
	return collect(rows, scanImage)
}

// ReplaceImageFile gives a picture a new stored file.
func (q *Queries) ReplaceImageFile(ctx context.Context, id int64, file string) error {
	return q.updateOne(ctx, "replace image", `UPDATE images SET file = ? WHERE id = ?`, file, id)
}
