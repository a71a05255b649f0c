package contents

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// CanReplaceImage: the person who uploaded a picture, and those who may change every
// content that shows it (a member edits her group's gallery). One use they may not change
// is enough to refuse: the picture would change there too. A picture nobody shows stays
// its uploader's.
func CanReplaceImage(v *access.Viewer, img *store.Image, uses []*store.Association) bool {
	if !v.LoggedIn() {
		return false
	}
	if v.Is(img.CreatorID) {
		return true
	}
	if len(uses) == 0 {
		return false
	}
	for _, a := range uses {
		if !CanChange(v, a) {
			return false
		}
	}
	return true
}

// ReplaceImage gives a picture a new file (stored below media_root already) if v may
// replace it, and returns the picture with the file it had before (for the caller to
// remove). ErrNotAllowed when v may not.
func (s *Service) ReplaceImage(ctx context.Context, v *access.Viewer, imageID int64, file string) (img *store.Image, old string, err error) {
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		if img, err = q.ImageByID(ctx, imageID); err != nil {
			return err
		}
		uses, err := q.ImageUses(ctx, imageID)
		if err != nil {
			return err
		}
		if !CanReplaceImage(v, img, uses) {
			return ErrNotAllowed
		}
		old = img.File
		img.File = file
		return q.ReplaceImageFile(ctx, imageID, file)
	})
	if err != nil {
		return nil, "", fmt.Errorf("contents: replace image %d: %w", imageID, err)
	}
	return img, old, nil
}
