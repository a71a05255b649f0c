package contents

import (
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// An administrator's correction of an event changes the fields all kinds share and keeps
// the event's own (start, place); it announces nothing.
func TestCorrectKeepsWhatBelongsToTheKind(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		start := time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Fest", Text: "Kommt!", Public: true,
			Place: "Hof", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		jobs := f.jobs(t, "")
		if err := f.svc.Correct(f.ctx, a, f.bob, Correction{Title: "Sommerfest", Text: "Kommt alle!", Public: true}); err != nil {
			t.Fatal(err)
		}
		c, _ := db.ContentByID(f.ctx, a.ContentID)
		if c.Title != "Sommerfest" || c.Place != "Hof" || !c.StartsAt.Valid || !c.StartsAt.V.Equal(start) {
			t.Errorf("the event after the correction: %+v", c)
		}
		if a.Slug == "" {
			t.Error("an empty short name did not keep the old one")
		}
		if n := f.jobs(t, ""); n != jobs {
			t.Errorf("the correction queued %d jobs", n-jobs)
		}
		if err := f.svc.Correct(f.ctx, a, f.bob, Correction{Title: "x", Slug: "../etc"}); !errors.Is(err, ErrSlugInvalid) {
			t.Errorf("a short name with a slash: %v", err)
		}
	})
}

// A comment's correction tags the content only while the comment is public (made internal,
// its tags leave the content), and deleted
// comments and other contributions are not comments to correct.
func TestCorrectComment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Beet", Text: "Text", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.Comment(f.ctx, a, f.bob, "Erster", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CorrectComment(f.ctx, id, "Geheim #intern", true); err != nil {
			t.Fatal(err)
		}
		if tags, _ := db.ContentTags(f.ctx, a.ContentID); len(tags) != 0 {
			t.Errorf("an internal comment tagged its content: %+v", tags)
		}
		if err := f.svc.CorrectComment(f.ctx, id, "Offen #beete", false); err != nil {
			t.Fatal(err)
		}
		if tags, _ := db.ContentTags(f.ctx, a.ContentID); len(tags) != 1 || tags[0].Name != "beete" {
			t.Errorf("a public comment's tags: %+v", tags)
		}
		if err := f.svc.CorrectComment(f.ctx, id, "Offen #beete", true); err != nil {
			t.Fatal(err)
		}
		if tags, _ := db.ContentTags(f.ctx, a.ContentID); len(tags) != 0 {
			t.Errorf("a comment made internal left its tags on the content: %+v", tags)
		}
		if err := f.svc.CorrectComment(f.ctx, id, " \n", false); !errors.Is(err, ErrTextMissing) {
			t.Errorf("an empty text: %v", err)
		}
		if err := f.svc.DeleteComment(f.ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.CorrectComment(f.ctx, id, "Wieder da", false); !errors.Is(err, ErrNotAComment) {
			t.Errorf("a deleted comment: %v", err)
		}
	})
}
