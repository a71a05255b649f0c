package contents

import (
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestSetAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := setup(t, db)
		carol := &store.Gestalt{Username: "carol", DateJoined: f.svc.now()}
		err := db.Tx(f.ctx, func(q *store.Queries) error {
			if _, err := q.CreateGestalt(f.ctx, carol); err != nil {
				return err
			}
			_, err := q.AddMembership(f.ctx, &store.Membership{GroupID: f.gardenID, MemberID: carol.ID, DateJoined: f.svc.now()})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(2026, 6, 1, 18, 0, 0, 0, time.UTC)
		public, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Plenum", Place: "Laden", Start: start, Public: true})
		if err != nil {
			t.Fatal(err)
		}
		internal, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Event, Draft{Title: "Kasse", Place: "Laden", Start: start})
		if err != nil {
			t.Fatal(err)
		}
		article, err := f.svc.Create(f.ctx, f.alice, f.gardenID, Article, Draft{Title: "Bericht", Text: "Text", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		member := map[int64]time.Time{f.gardenID: start}
		alice, bob := viewer(f.alice, member), viewer(f.bob, nil)
		attendees := func(a *store.Association) string {
			refs, err := db.Attendees(f.ctx, a.ContentID)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, r := range refs {
				names = append(names, r.Slug)
			}
			return strings.Join(names, ",")
		}
		steps := []struct {
			name          string
			by            bool // alice (true) or bob
			a             *store.Association
			person        int64
			attend, other bool
			want          error
			attendees     string
		}{
			{"an outsider comes to a public event", false, public, f.bob.ID, true, false, nil, "bob"},
			{"a member comes", true, public, f.alice.ID, true, false, nil, "bob,alice"},
			{"coming twice changes nothing", true, public, f.alice.ID, true, false, nil, "bob,alice"},
			{"a member answers for a fellow member only where allowed", true, public, carol.ID, true, false, ErrNotAllowed, "bob,alice"},
			{"a member answers for a fellow member", true, public, carol.ID, true, true, nil, "bob,alice,carol"},
			{"a member answers for no outsider", true, public, f.bob.ID, false, true, ErrNotAllowed, "bob,alice,carol"},
			{"an outsider answers for no member", false, public, carol.ID, false, true, ErrNotAllowed, "bob,alice,carol"},
			{"an outsider takes back their own", false, public, f.bob.ID, false, false, nil, "alice,carol"},
			{"an outsider does not see an internal event", false, internal, f.bob.ID, true, false, ErrNotAllowed, ""},
			{"an article is no event", true, article, f.alice.ID, true, false, store.ErrNotFound, ""},
		}
		for _, s := range steps {
			v := bob
			if s.by {
				v = alice
			}
			err := f.svc.SetAttendance(f.ctx, v, s.a, s.person, s.attend, s.other)
			if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
				t.Errorf("%s: %v, want %v", s.name, err, s.want)
			}
			if got := attendees(s.a); got != s.attendees {
				t.Errorf("%s: attendees %q, want %q", s.name, got, s.attendees)
			}
		}
	})
}
