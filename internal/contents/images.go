package contents

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/store"
)

// AddImage records a picture that a person uploaded (saved below media_root as file) among
// their pictures, for galleries and texts to use.
func (s *Service) AddImage(ctx context.Context, creatorID int64, file string) (*store.Image, error) {
	var id int64
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		id, err = q.CreateImage(ctx, creatorID, file, s.now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("contents: add image of %d: %w", creatorID, err)
	}
	return &store.Image{ID: id, CreatorID: creatorID, File: file}, nil
}
