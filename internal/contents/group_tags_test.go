package contents

import (
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestTagGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		alice := viewer(f.alice, map[int64]time.Time{f.gardenID: time.Now()})
		bob := viewer(f.bob, nil)
		if err := f.svc.TagGroup(f.ctx, bob, f.gardenID, "Gemüse"); !errors.Is(err, ErrNotAllowed) {
			t.Errorf("an outsider tags the group: %v, want ErrNotAllowed", err)
		}
		if _, err := db.TagBySlug(f.ctx, "gemuese"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a refused tagging made the tag: %v", err)
		}
		for range 2 { // again: nothing changes
			if err := f.svc.TagGroup(f.ctx, alice, f.gardenID, "Gemüse"); err != nil {
				t.Fatal(err)
			}
		}
		tag, err := db.TagBySlug(f.ctx, "gemuese")
		if err != nil {
			t.Fatal(err)
		}
		tagged, err := db.GroupsWithTag(f.ctx, tag.ID)
		if err != nil || len(tagged) != 1 || tagged[0].ID != f.gardenID {
			t.Errorf("groups with the tag: %v, %v; want the garden", tagged, err)
		}
		if err := f.svc.TagGroup(f.ctx, alice, f.gardenID, "!!!"); err == nil {
			t.Error("a name without a slug made a tag")
		}
	})
}
