package contents

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

type fixture struct {
	db           *store.DB
	svc          *Service
	alice, bob   *store.Gestalt
	gardenID     int64
	ctx          context.Context
	clockSeconds int
}

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, svc: New(db), ctx: context.Background()}
	start := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	f.svc.now = func() time.Time { f.clockSeconds++; return start.Add(time.Duration(f.clockSeconds) * time.Second) }
	err := db.Tx(f.ctx, func(q *store.Queries) error {
		f.alice = &store.Gestalt{Username: "alice", DateJoined: start}
		f.bob = &store.Gestalt{Username: "bob", DateJoined: start}
		for _, g := range []*store.Gestalt{f.alice, f.bob} {
			if _, err := q.CreateGestalt(f.ctx, g); err != nil {
				return err
			}
		}
		var err error
		if f.gardenID, err = q.CreateGroup(f.ctx, &store.Group{Slug: "garten", Name: "Garten", DateCreated: start,
			TimeModified: start, DateFounded: start}); err != nil {
			return err
		}
		_, err = q.AddMembership(f.ctx, &store.Membership{GroupID: f.gardenID, MemberID: f.alice.ID, DateJoined: start})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) jobs(t *testing.T, kind string) int {
	t.Helper()
	// every job of these tests announces something
	n, err := f.db.Count(f.ctx, "jobs")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateEditDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Gießplan #Sommer", Text: "Wer gießt? #Beete", Public: true, Pinned: true})
		if err != nil {
			t.Fatal(err)
		}
		if a.Slug != "giessplan-sommer" || a.GroupID != f.gardenID || !a.Public || !a.Pinned {
			t.Errorf("association %+v", a)
		}
		if n := f.jobs(t, "notify"); n != 1 {
			t.Errorf("%d notification jobs, want 1 (enqueued with the content)", n)
		}
		tags, _ := db.ContentTags(f.ctx, a.ContentID)
		if len(tags) != 2 || tags[0].Slug != "beete" || tags[1].Slug != "sommer" {
			t.Errorf("tags %+v", tags)
		}
		// the same title again gets the next slug; a personal article is the author's
		b, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Gießplan #sommer"})
		if err != nil || b.Slug != "giessplan-sommer-1" {
			t.Fatalf("second: %+v %v", b, err)
		}
		p, err := f.svc.Create(f.ctx, f.bob, 0, Article, Draft{Title: "Gießplan #sommer", Pinned: true})
		if err != nil || p.GestaltID != f.bob.ID || p.Slug != "giessplan-sommer" || p.Pinned {
			t.Fatalf("personal: %+v %v", p, err)
		}

		// an edit by bob adds a version; the slug must be free
		if err := f.svc.Update(f.ctx, b, f.bob, Article, Draft{Title: "Neu", Slug: "GIESSPLAN-SOMMER"}); !errors.Is(err, ErrSlugTaken) {
			t.Errorf("taken slug: %v", err)
		}
		if err := f.svc.Update(f.ctx, b, f.bob, Article, Draft{Title: "Neu", Slug: "a b"}); !errors.Is(err, ErrSlugInvalid) {
			t.Errorf("invalid slug: %v", err)
		}
		if err := f.svc.Update(f.ctx, b, f.bob, Article, Draft{Title: "Neu", Text: "neuer Text", Slug: "neu"}); err != nil {
			t.Fatal(err)
		}
		if again, err := db.AssociationBySlug(f.ctx, "Garten", "NEU"); err != nil || again.ID != b.ID {
			t.Errorf("by new slug: %+v %v", again, err)
		}
		versions, _ := db.Versions(f.ctx, b.ContentID)
		if len(versions) != 2 || versions[1].AuthorID != f.bob.ID || versions[1].Text != "neuer Text" {
			t.Errorf("versions %+v", versions)
		}
		if n, _ := db.VersionAuthors(f.ctx, b.ContentID); n != 2 {
			t.Errorf("%d authors", n)
		}
		if n := f.jobs(t, "notify"); n != 3 {
			t.Errorf("edits announce nothing: %d jobs", n)
		}

		if err := f.svc.Delete(f.ctx, b); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AssociationBySlug(f.ctx, "garten", "neu"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("deleted content still found: %v", err)
		}
		if _, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Neu"}); err != nil {
			t.Errorf("the slug of a deleted content is free: %v", err)
		}
	})
}

func TestDraftChecks(t *testing.T) {
	start := time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC)
	cases := []struct {
		kind Kind
		d    Draft
		want error
	}{
		{Article, Draft{Title: " "}, ErrTitleMissing},
		{Article, Draft{Title: strings.Repeat("x", 256)}, ErrTitleTooLong},
		{Event, Draft{Title: "Fest", Start: start}, ErrPlaceMissing},
		{Event, Draft{Title: "Fest", Place: "Hof"}, ErrStartMissing},
		{Event, Draft{Title: "Fest", Place: "Hof", Start: start, End: start.Add(-time.Hour)}, ErrEndBeforeStart},
		{Event, Draft{Title: "Fest", Place: "Hof", Start: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}, ErrDateRange},
		{Event, Draft{Title: "Fest", Place: "Hof", Start: start, Repeat: Repeat{Period: "weekly", Count: 101}}, ErrRepeatCount},
		{Event, Draft{Title: "Fest", Place: "Hof", Start: start, Repeat: Repeat{Period: "hourly", Count: 2}}, ErrRepeatPeriod},
	}
	for _, c := range cases {
		err := check(c.kind, &c.d)
		var fe *FieldError
		if !errors.Is(err, c.want) || !errors.As(err, &fe) {
			t.Errorf("%+v: got %v, want %v", c.d, err, c.want)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		if _, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Fest"}); err == nil {
			t.Fatal("an event without place and start was created")
		}
		if n, err := db.Count(f.ctx, "contents"); err != nil || n != 0 {
			t.Errorf("%d contents after a refused draft", n)
		}
	})
}

func TestRepeatedEvents(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 1, 31, 19, 0, 0, 0, loc) // a Saturday, the 5th in its month
	dates := func(r Repeat) string {
		var out []string
		for _, t := range r.Starts(start) {
			out = append(out, t.Format("2006-01-02 15:04"))
		}
		return strings.Join(out, ",")
	}
	cases := map[Repeat]string{
		{"", 5}:       "2026-01-31 19:00",
		{"daily", 3}:  "2026-01-31 19:00,2026-02-01 19:00,2026-02-02 19:00",
		{"weekly", 2}: "2026-01-31 19:00,2026-02-07 19:00",
		// no 31st of February, April and June
		{"monthly", 6}: "2026-01-31 19:00,2026-03-31 19:00,2026-05-31 19:00",
		// only months with a fifth Saturday; the wall clock stays across daylight saving
		{"weekday_in_month", 5}: "2026-01-31 19:00,2026-05-30 19:00",
		{"yearly", 2}:           "2026-01-31 19:00,2027-01-31 19:00",
	}
	for r, want := range cases {
		if got := dates(r); got != want {
			t.Errorf("%+v: %s, want %s", r, got, want)
		}
	}
	second := time.Date(2026, 11, 10, 18, 0, 0, 0, loc) // 2nd Tuesday
	got := Repeat{"weekday_in_month", 3}.Starts(second)
	if got[1].Format("2006-01-02") != "2026-12-08" || got[2].Format("2006-01-02") != "2027-01-12" {
		t.Errorf("2nd Tuesday: %v", got)
	}

	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		_, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Plenum", Place: "Laden",
			Start: second, End: second.Add(2 * time.Hour), Repeat: Repeat{"weekly", 4}})
		if err != nil {
			t.Fatal(err)
		}
		items, err := db.Stream(f.ctx, store.StreamQuery{Events: true, Now: second.Add(-time.Hour), MemberOf: []int64{f.gardenID}, ViewerID: f.alice.ID})
		if err != nil || len(items) != 4 {
			t.Fatalf("%d events, %v", len(items), err)
		}
		for i, it := range items {
			want := second.AddDate(0, 0, 7*i)
			if !it.StartsAt.V.Equal(want) || it.EndsAt.V.Sub(it.StartsAt.V) != 2*time.Hour || it.Slug == items[0].Slug && i > 0 {
				t.Errorf("copy %d: %v–%v %s", i, it.StartsAt.V, it.EndsAt.V, it.Slug)
			}
		}
		if n := f.jobs(t, "notify"); n != 1 {
			t.Errorf("only the first copy announces itself: %d jobs", n)
		}
	})
}

func TestComments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Plan", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Comment(f.ctx, a, f.bob, "  ", 0, false); !errors.Is(err, ErrTextMissing) {
			t.Errorf("empty comment: %v", err)
		}
		c1, err := f.svc.Comment(f.ctx, a, f.bob, "Gute Idee #Gemeinschaft", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := f.svc.Comment(f.ctx, a, f.alice, "nur für uns", c1, true)
		if err != nil {
			t.Fatal(err)
		}
		if n := f.jobs(t, "notify"); n != 3 {
			t.Errorf("%d notification jobs, want one per item", n)
		}
		tags, _ := db.ContentTags(f.ctx, a.ContentID)
		if len(tags) != 1 || tags[0].Name != "Gemeinschaft" {
			t.Errorf("comment tags %+v", tags)
		}
		all, _ := db.Thread(f.ctx, a.ContentID, 0, true)
		public, _ := db.Thread(f.ctx, a.ContentID, 0, false)
		if len(all) != 2 || len(public) != 1 || all[1].InReplyToID != c1 || all[1].Public {
			t.Errorf("thread %+v / %+v", all, public)
		}
		bobView := viewer(f.bob, nil)
		if CanDeleteComment(bobView, &all[1].Contribution) || !CanDeleteComment(bobView, &all[0].Contribution) {
			t.Error("people delete their own comments only")
		}
		if err := f.svc.DeleteComment(f.ctx, c2); err != nil {
			t.Fatal(err)
		}
		if all, _ := db.Thread(f.ctx, a.ContentID, 0, true); len(all) != 1 {
			t.Errorf("deleted comment still shown: %d", len(all))
		}
	})
}

func viewer(g *store.Gestalt, member map[int64]time.Time) *access.Viewer {
	return access.New(g, member)
}

func TestRules(t *testing.T) {
	now := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	alice := &store.Gestalt{ID: 1}
	bob := &store.Gestalt{ID: 2}
	anon := access.Anonymous()
	oldMember := viewer(alice, map[int64]time.Time{7: now.AddDate(0, 0, -8)})
	newMember := viewer(bob, map[int64]time.Time{7: now.AddDate(0, 0, -2)})
	outsider := viewer(&store.Gestalt{ID: 3}, nil)
	internal := &store.Association{GroupID: 7}
	public := &store.Association{GroupID: 7, Public: true}
	personal := &store.Association{GestaltID: 2}

	if !CanView(anon, public) || CanView(anon, internal) || CanView(outsider, internal) {
		t.Error("internal contents are for members")
	}
	// Membership decides, not an old comment: a former member who once wrote in an internal
	// thread sees it no longer; a person's internal content is for that person alone.
	for _, c := range []struct {
		name      string
		v         *access.Viewer
		a         *store.Association
		commented bool
		view      bool
	}{
		{"member of the group", newMember, internal, false, true},
		{"member who commented", newMember, internal, true, true},
		{"former member who commented", outsider, internal, true, false},
		{"outsider who commented on public content", outsider, public, true, true},
		{"anonymous", anon, internal, true, false},
		{"the person of personal content", newMember, personal, false, true},
		{"someone who commented on personal content", oldMember, personal, true, false},
	} {
		if got := CanView(c.v, c.a); got != c.view {
			t.Errorf("CanView %s: %v, want %v", c.name, got, c.view)
		}
		if got := CanComment(c.v, c.a); got != (c.view && c.v.LoggedIn()) {
			t.Errorf("CanComment %s: %v", c.name, got)
		}
	}
	if !CanView(newMember, personal) || CanView(oldMember, personal) {
		t.Error("internal personal contents are for their person")
	}
	if !CanSeeAuthors(newMember, public) || CanSeeAuthors(outsider, public) || CanSeeAuthors(anon, public) ||
		!CanSeeAuthors(anon, personal) || !CanSeeAuthors(outsider, personal) {
		t.Error("authors of a group's contents are for its members, a person's contents show their person")
	}
	if !CanChange(newMember, internal) || CanChange(outsider, public) || !CanChange(newMember, personal) || CanChange(oldMember, personal) {
		t.Error("members and the person change contents")
	}
	if !CanDelete(oldMember, internal, 99, now) || CanDelete(newMember, internal, 99, now) || !CanDelete(newMember, internal, 2, now) {
		t.Error("first authors and members of more than a week delete")
	}
	if CanComment(anon, public) || !CanComment(outsider, public) {
		t.Error("logged-in viewers comment")
	}
	if !CanCreateIn(newMember, 7, 0) || CanCreateIn(outsider, 7, 0) || !CanCreateIn(outsider, 0, 3) || CanCreateIn(outsider, 0, 2) {
		t.Error("create in own groups and on own profile")
	}
	deleted := &store.Association{GroupID: 7, Public: true}
	deleted.Deleted.Valid = true
	if CanView(oldMember, deleted) || CanChange(oldMember, deleted) {
		t.Error("deleted contents are gone")
	}
}

// tagNames are a content's tags by name, in order.
func (f *fixture) tagNames(t *testing.T, contentID int64) string {
	t.Helper()
	tags, err := f.db.ContentTags(f.ctx, contentID)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(tags))
	for i, tg := range tags {
		names[i] = tg.Name
	}
	return strings.Join(names, " ")
}

// Hashtags of internal comments stay internal: they tag nothing, and neither they nor the
// comment's words find the content in the search; a public comment's do.
func TestInternalCommentTagsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Plan", Text: "Wer gießt?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Comment(f.ctx, a, f.alice, "Schlüssel beim #Hausmeister, Code Zebrafink", 0, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Comment(f.ctx, a, f.bob, "Ich helfe #Gießdienst", 0, false); err != nil {
			t.Fatal(err)
		}
		if names := f.tagNames(t, a.ContentID); names != "Gießdienst" {
			t.Errorf("tags %q, want only the public comment's", names)
		}
		for _, c := range []struct {
			word  string
			found bool
		}{{"hausmeister", false}, {"zebrafink", false}, {"gießdienst", true}, {"helfe", true}} {
			hits, err := db.Search(f.ctx, []string{c.word}, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if found := len(hits) == 1 && hits[0].AssociationID == a.ID; found != c.found {
				t.Errorf("search %q: %+v, found %v, want %v", c.word, hits, found, c.found)
			}
		}
	})
}

// UntagInternal repairs what internal comments tagged before they stopped tagging: tags that
// only internal comments name go; those the title, a version or a public comment names stay,
// and so do tags named nowhere (imported ones).
func TestUntagInternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		a, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Plan #Sommer", Text: "Wer gießt?", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Comment(f.ctx, a, f.bob, "Ich helfe #Gießdienst", 0, false); err != nil {
			t.Fatal(err)
		}
		err = db.Tx(f.ctx, func(q *store.Queries) error {
			// as an internal comment tagged before, and a tag an import brought
			if _, err := q.AddContribution(f.ctx, &store.Contribution{ContentID: a.ContentID, AuthorID: f.alice.ID,
				Text: "Code beim #Hausmeister, #sommer und #Gießdienst", TimeCreated: f.svc.now(), Public: false}); err != nil {
				return err
			}
			if err := tag(f.ctx, q, a.ContentID, []string{"Hausmeister", "Altbestand"}); err != nil {
				return err
			}
			return q.IndexContent(f.ctx, a.ContentID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if hits, _ := db.Search(f.ctx, []string{"hausmeister"}, 10, 0); len(hits) != 1 {
			t.Fatalf("the fixture lacks the old state: %+v", hits)
		}
		n, err := f.svc.UntagInternal(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if names := f.tagNames(t, a.ContentID); n != 1 || names != "Altbestand Gießdienst Sommer" {
			t.Errorf("%d removed, tags %q", n, names)
		}
		if hits, _ := db.Search(f.ctx, []string{"hausmeister"}, 10, 0); len(hits) != 0 {
			t.Errorf("the search still finds the internal tag: %+v", hits)
		}
	})
}
