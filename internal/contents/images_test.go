package contents

import (
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestAddImage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		img, err := f.svc.AddImage(f.ctx, f.bob.ID, "ab/cd.jpg")
		if err != nil {
			t.Fatal(err)
		}
		stored, err := db.ImageByID(f.ctx, img.ID)
		if err != nil || *stored != *img || img.CreatorID != f.bob.ID || img.File != "ab/cd.jpg" {
			t.Errorf("stored %+v, %v; returned %+v", stored, err, img)
		}
		if mine, _ := db.ImagesOf(f.ctx, f.bob.ID); len(mine) != 1 || mine[0].ID != img.ID {
			t.Errorf("bob's pictures %v", mine)
		}
		if theirs, _ := db.ImagesOf(f.ctx, f.alice.ID); len(theirs) != 0 {
			t.Errorf("alice's pictures %v", theirs)
		}
	})
}
