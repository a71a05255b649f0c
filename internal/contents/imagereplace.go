package contents

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
)

// CanReplaceImage: those who may change every content that shows a picture (a member edits
// her group's gallery). One use they may not change is enough to refuse, the uploader too:
// the picture would change there, and an uploader who has left the group may no longer
// change its contents. A picture nobody shows stays its uploader's.
func CanReplaceImage(v *access.Viewer, img *store.Image, uses []*store.Association) bool {
	if !v.LoggedIn() {
		return false
	}
	if len(uses) == 0 {
		return v.Is(img.CreatorID)
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
		if err := q.ReplaceImageFile(ctx, imageID, file); err != nil {
			return err
		}
		// the picture's address changes where the contents show it
		for _, a := range uses {
			if err := s.federate(ctx, q, a.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("contents: replace image %d: %w", imageID, err)
	}
	return img, old, nil
}
