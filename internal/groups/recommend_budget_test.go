package groups

import (
	"context"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestTakeRecommendations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		clock := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		gr.now = func() time.Time { return clock }
		steps := []struct {
			name   string
			sender string
			n      int
			later  time.Duration
			ok     bool
		}{
			{"within the budget", "person:1", 6, 0, true},
			{"past it: refused and not counted", "person:1", 5, 0, false},
			{"the rest of the budget", "person:1", 4, 0, true},
			{"one more", "person:1", 1, 0, false},
			{"another sender has a budget of their own", "ip:192.0.2.1", 10, 0, true},
			{"an hour later", "person:1", 10, time.Hour + time.Second, true},
		}
		for _, s := range steps {
			clock = clock.Add(s.later)
			ok, err := gr.TakeRecommendations(ctx, s.sender, s.n, 10)
			if err != nil || ok != s.ok {
				t.Errorf("%s: %t, %v; want %t", s.name, ok, err, s.ok)
			}
		}
	})
}
