package groups

import (
	"context"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestSubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		ann := &store.Gestalt{Username: "ann", DateJoined: gr.now()}
		ben := &store.Gestalt{Username: "ben", DateJoined: gr.now()}
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, g := range []*store.Gestalt{ann, ben} {
				if _, err := q.CreateGestalt(ctx, g); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		garden, err := gr.Create(ctx, NewGroup{Name: "Garten", Creator: ann})
		if err != nil {
			t.Fatal(err)
		}
		subscribed := func(id int64) bool {
			ok, err := db.IsSubscribed(ctx, garden.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		steps := []struct {
			name       string
			do         func(ctx context.Context, groupID, personID int64) error
			who        *store.Gestalt
			subscribed bool
		}{
			{"an outsider follows", gr.Subscribe, ben, true},
			{"again: nothing changes", gr.Subscribe, ben, true},
			{"and stops", gr.Unsubscribe, ben, false},
			{"stopping again is no error", gr.Unsubscribe, ben, false},
			{"a member stops following", gr.Unsubscribe, ann, false},
		}
		for _, s := range steps {
			if err := s.do(ctx, garden.ID, s.who.ID); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if got := subscribed(s.who.ID); got != s.subscribed {
				t.Errorf("%s: subscribed %t, want %t", s.name, got, s.subscribed)
			}
		}
		if subs, _ := db.Subscribers(ctx, garden.ID); len(subs) != 0 {
			t.Errorf("subscribers %v, want none", subs)
		}
		if member, _ := db.IsMember(ctx, garden.ID, ann.ID); !member {
			t.Error("unsubscribing ended the membership")
		}
	})
}
