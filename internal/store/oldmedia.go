package store

import (
	"context"
	"fmt"
)

// PictureDirs are the directories below media_root that hold the pictures of people and
// groups; they are public, as the Django grouprise's /stadt/media/ was.
var PictureDirs = []string{"avatars", "logos", "backgrounds"}

// PictureInUse tells whether a stored name (such as "avatars/x.jpg") is the avatar,
// background or logo of a person or group.
func (q *Queries) PictureInUse(ctx context.Context, name string) (bool, error) {
	if name == "" {
		return false, nil // the value of every field without a picture
	}
	var used bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM gestalten WHERE avatar = ? OR background = ?)
		OR EXISTS (SELECT 1 FROM groups WHERE avatar = ? OR logo = ?)`, name, name, name, name).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("store: picture %q: %w", name, err)
	}
	return used, nil
}

// OldMediaName returns the name under which a file is stored that the Django grouprise
// served at /stadt/media/<old>, when the two differ; ErrNotFound otherwise.
func (q *Queries) OldMediaName(ctx context.Context, old string) (string, error) {
	var name string
	if err := q.queryRow(ctx, `SELECT name FROM old_media_names WHERE old_name = ?`, old).Scan(&name); err != nil {
		return "", fmt.Errorf("store: old media name %q: %w", old, classify(err))
	}
	return name, nil
}

// SetBackground sets or clears ("") the stored background picture of a person's profile.
func (q *Queries) SetBackground(ctx context.Context, id int64, file string) error {
	return q.updateOne(ctx, "set background", `UPDATE gestalten SET background = ? WHERE id = ?`, file, id)
}
