package demo

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestFill(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		reserved := func(string) bool { return false }
		names, err := Fill(ctx, db, reserved, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 6 {
			t.Errorf("logins %v", names)
		}
		if _, err := accounts.New(db, reserved, nil).Authenticate(ctx, "alice", Password); err != nil {
			t.Errorf("demo login: %v", err)
		}
		items, err := db.Stream(ctx, store.StreamQuery{Limit: 20})
		if err != nil || len(items) != 5 { // the internal one is not public
			t.Errorf("public stream: %d items, %v", len(items), err)
		}
		if _, err := Fill(ctx, db, reserved, time.Now()); !errors.Is(err, ErrNotEmpty) {
			t.Errorf("second fill: got %v, want ErrNotEmpty", err)
		}
	})
}
