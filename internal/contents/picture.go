package contents

import (
	"context"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// pictureOf is the preview picture a draft gives its content: a picture uploaded with the
// form (Draft.NewPicture, F42), recorded here among the uploader's pictures, wins over one
// chosen from the list (Draft.ImageID). It runs in the transaction that saves the content,
// so that a failed save leaves no picture row behind.
func pictureOf(ctx context.Context, q *store.Queries, uploaderID int64, d Draft, now time.Time) (int64, error) {
	if d.NewPicture == "" {
		return d.ImageID, nil
	}
	return q.CreateImage(ctx, uploaderID, d.NewPicture, now)
}
