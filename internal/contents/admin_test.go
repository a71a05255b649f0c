package contents

import (
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The administrators' changes bring the search index along in their transaction: what is
// made private, removed, or loses its comment is no longer found by everybody's search.
func TestAdminChangesReindex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Gießplan", Text: "Wer gießt?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		commentID, err := f.svc.Comment(f.ctx, a, f.bob, "Ich nehme die Gießkanne Zebrafink", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		found := func(word string) bool {
			t.Helper()
			hits, err := db.Search(f.ctx, []string{word}, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(hits) == 1 && hits[0].AssociationID == a.ID
		}
		comment, err := db.ContributionByID(f.ctx, commentID)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct {
			name   string
			change func() error
			word   string
			found  bool
		}{
			{"made private", func() error { return f.svc.SetPublic(f.ctx, a, false) }, "gießplan", false},
			{"made public again", func() error { return f.svc.SetPublic(f.ctx, a, true) }, "gießplan", true},
			{"given to a person", func() error { return f.svc.Move(f.ctx, a, 0, f.bob.ID) }, "gießplan", true},
			{"its comment removed", func() error { return f.svc.RemoveComment(f.ctx, comment) }, "zebrafink", false},
			{"removed", func() error { return f.svc.Remove(f.ctx, a) }, "gießplan", false},
		} {
			if err := step.change(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			if got := found(step.word); got != step.found {
				t.Errorf("%s: the search finds %q: %v, want %v", step.name, step.word, got, step.found)
			}
		}
		if a.Public != true {
			t.Errorf("SetPublic left the association private: %+v", a)
		}
	})
}
