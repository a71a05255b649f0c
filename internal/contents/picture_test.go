package contents

import (
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A picture uploaded with the content form becomes one of the uploader's pictures and the
// content's picture, on creation (every copy of a repeated event) and on edits; a save that
// fails leaves no picture behind.
func TestUploadedPreviewPicture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		picture := func(contentID int64) *store.Image {
			t.Helper()
			c, err := db.ContentByID(f.ctx, contentID)
			if err != nil {
				t.Fatal(err)
			}
			if c.ImageID == 0 {
				return nil
			}
			img, err := db.ImageByID(f.ctx, c.ImageID)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Fest", Place: "Hof", Public: true,
			Start: time.Date(2031, 5, 1, 18, 0, 0, 0, time.UTC), Repeat: Repeat{Period: "weekly", Count: 2},
			NewPicture: "ab/fest.jpg", ImageID: 99})
		if err != nil {
			t.Fatal(err)
		}
		if img := picture(a.ContentID); img == nil || img.File != "ab/fest.jpg" || img.CreatorID != f.alice.ID {
			t.Fatalf("the event's picture: %+v", img)
		}
		if n, _ := db.Count(f.ctx, "images"); n != 1 {
			t.Errorf("%d picture rows for one upload, want 1 (shared by the copies)", n)
		}
		// an edit records the picture as the editor's
		if err := f.svc.Update(f.ctx, a, f.bob, Event, Draft{Title: "Fest", Place: "Hof", Public: true,
			Start: time.Date(2031, 5, 1, 18, 0, 0, 0, time.UTC), NewPicture: "cd/neu.jpg"}); err != nil {
			t.Fatal(err)
		}
		if img := picture(a.ContentID); img == nil || img.File != "cd/neu.jpg" || img.CreatorID != f.bob.ID {
			t.Errorf("after the edit: %+v", img)
		}
		// a draft that fails keeps nothing
		if _, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: " ", NewPicture: "ef/weg.jpg"}); err == nil {
			t.Fatal("a content without a title")
		}
		if n, _ := db.Count(f.ctx, "images"); n != 2 {
			t.Errorf("%d picture rows after a failed save, want 2", n)
		}
	})
}
