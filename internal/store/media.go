package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Image is a picture of a gallery or a content's preview.
type Image struct {
	ID        int64
	CreatorID int64
	File      string // the stored name below media_root
}

// CreateImage records an uploaded picture.
func (q *Queries) CreateImage(ctx context.Context, creatorID int64, file string, now time.Time) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO images (creator_id, file, created_at) VALUES (?, ?, ?)`, creatorID, file, now)
	if err != nil {
		return 0, fmt.Errorf("store: create image: %w", err)
	}
	return id, nil
}

func scanImage(r interface{ Scan(...any) error }) (*Image, error) {
	var i Image
	return &i, r.Scan(&i.ID, &i.CreatorID, &i.File)
}

// ImageByFile finds a picture by its stored name.
func (q *Queries) ImageByFile(ctx context.Context, file string) (*Image, error) {
	i, err := scanImage(q.queryRow(ctx, `SELECT id, creator_id, file FROM images WHERE file = ?`, file))
	if err != nil {
		return nil, fmt.Errorf("store: image %q: %w", file, classify(err))
	}
	return i, nil
}

// ImageByID returns a picture.
func (q *Queries) ImageByID(ctx context.Context, id int64) (*Image, error) {
	i, err := scanImage(q.queryRow(ctx, `SELECT id, creator_id, file FROM images WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: image %d: %w", id, classify(err))
	}
	return i, nil
}

// GalleryImages lists a gallery's pictures in the order they were added.
func (q *Queries) GalleryImages(ctx context.Context, contentID int64) ([]*Image, error) {
	rows, err := q.query(ctx, `SELECT i.id, i.creator_id, i.file FROM gallery_images gi JOIN images i ON i.id = gi.image_id
		WHERE gi.content_id = ? ORDER BY gi.id`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: gallery %d: %w", contentID, err)
	}
	return collect(rows, scanImage)
}

// AddGalleryImages adds pictures to a gallery.
func (q *Queries) AddGalleryImages(ctx context.Context, contentID int64, imageIDs []int64) error {
	for _, id := range imageIDs {
		if _, err := q.exec(ctx, `INSERT INTO gallery_images (content_id, image_id) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			contentID, id); err != nil {
			return fmt.Errorf("store: gallery %d: %w", contentID, err)
		}
	}
	return nil
}

// RemoveGalleryImages takes pictures out of a gallery (the pictures stay).
func (q *Queries) RemoveGalleryImages(ctx context.Context, contentID int64, imageIDs []int64) error {
	for _, id := range imageIDs {
		if _, err := q.exec(ctx, `DELETE FROM gallery_images WHERE content_id = ? AND image_id = ?`, contentID, id); err != nil {
			return fmt.Errorf("store: gallery %d: %w", contentID, err)
		}
	}
	return nil
}

// FileUse is a stored file with what it belongs to: a content's version, or a contribution
// (a mail's attachment).
type FileUse struct {
	File
	ContentID    int64 // of the version
	Contribution *Contribution
}

// FileByName finds a stored file and where it is used.
func (q *Queries) FileByName(ctx context.Context, name string) (*FileUse, error) {
	var u FileUse
	err := q.queryRow(ctx, `SELECT f.id, f.file, COALESCE(f.filename, ''), COALESCE(f.version_id, 0), COALESCE(v.content_id, 0)
		FROM files f LEFT JOIN content_versions v ON v.id = f.version_id WHERE f.file = ? ORDER BY f.id LIMIT 1`, name).
		Scan(&u.ID, &u.File.File, &u.Filename, &u.VersionID, &u.ContentID)
	if err != nil {
		return nil, fmt.Errorf("store: file %q: %w", name, classify(err))
	}
	c, err := scanContribution(q.queryRow(ctx, `SELECT `+contributionColumns+` FROM contributions c
		WHERE c.file_id = ? AND c.deleted IS NULL ORDER BY c.id LIMIT 1`, u.ID))
	if err == nil {
		u.Contribution = c
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: file %q: %w", name, err)
	}
	return &u, nil
}

// AssociationsOf lists the publications of a content (not deleted).
func (q *Queries) AssociationsOf(ctx context.Context, contentID int64) ([]*Association, error) {
	rows, err := q.query(ctx, `SELECT `+associationColumns+` FROM associations a WHERE a.content_id = ? AND a.deleted IS NULL
		ORDER BY a.id`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: associations of %d: %w", contentID, err)
	}
	return collect(rows, scanAssociation)
}

// ImagesOf lists a person's pictures, newest first.
func (q *Queries) ImagesOf(ctx context.Context, creatorID int64) ([]*Image, error) {
	rows, err := q.query(ctx, `SELECT id, creator_id, file FROM images WHERE creator_id = ? ORDER BY id DESC`, creatorID)
	if err != nil {
		return nil, fmt.Errorf("store: images of %d: %w", creatorID, err)
	}
	return collect(rows, scanImage)
}
