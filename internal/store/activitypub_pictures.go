package store

import (
	"context"
	"fmt"
	"time"
)

// RemoteAuthorByGestalt finds the remote author a stand-in gestalt stands for; ErrNotFound
// for anybody else.
func (q *Queries) RemoteAuthorByGestalt(ctx context.Context, gestaltID int64) (*RemoteAuthor, error) {
	a, err := scanRemoteAuthor(q.queryRow(ctx, `SELECT `+remoteAuthorColumns+` FROM activitypub_remote_authors WHERE gestalt_id = ?`, gestaltID))
	if err != nil {
		return nil, fmt.Errorf("store: remote author %d: %w", gestaltID, err)
	}
	return a, nil
}

// SetReplyPictures records the pictures a reply's Note asks for (see FediverseReply).
func (q *Queries) SetReplyPictures(ctx context.Context, contributionID int64, pictures string) error {
	return q.updateOne(ctx, "set reply pictures", `UPDATE activitypub_replies SET pictures = ? WHERE contribution_id = ?`,
		pictures, contributionID)
}

// DetachFiles deletes the file contributions attached to a comment and returns their stored
// names, for the caller to remove once the transaction committed.
func (q *Queries) DetachFiles(ctx context.Context, contributionID int64, now time.Time) ([]string, error) {
	files, err := q.Attachments(ctx, contributionID)
	if err != nil {
		return nil, err
	}
	if _, err := q.exec(ctx, `UPDATE contributions SET deleted = ? WHERE attached_to_id = ? AND kind = 'file' AND deleted IS NULL`,
		now, contributionID); err != nil {
		return nil, fmt.Errorf("store: detach files of %d: %w", contributionID, err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.File)
	}
	return names, nil
}

// RemoteAuthorsWithAvatar are the remote authors whose stand-ins have an avatar file.
func (q *Queries) RemoteAuthorsWithAvatar(ctx context.Context) ([]*RemoteAuthor, error) {
	rows, err := q.query(ctx, `SELECT `+remoteAuthorColumns+` FROM activitypub_remote_authors
		WHERE gestalt_id IN (SELECT id FROM gestalten WHERE avatar <> '')`)
	if err != nil {
		return nil, fmt.Errorf("store: remote authors with avatars: %w", err)
	}
	return collect(rows, scanRemoteAuthor)
}
