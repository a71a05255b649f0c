// Package scores rates how active people and groups were lately; directories list the most
// active first.
package scores

import (
	"context"
	"fmt"
	"math"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// Update recomputes every score from the activity of the last window days, as the Django
// grouprise did: each item counts the days between the window's start and its creation, so
// newer items count more. A person's score sums their versions and public contributions. A
// group's score is ln(members) × (all its activity) + 10 × ln(subscribers) × (the activity in
// its public content); a factor of ln(1) = 0 leaves out groups with a single member.
func Update(ctx context.Context, db *store.DB, window int, now time.Time) error {
	start := now.AddDate(0, 0, -window)
	return db.Tx(ctx, func(q *store.Queries) error {
		items, err := q.ActivitySince(ctx, start)
		if err != nil {
			return err
		}
		members, subscribers, err := q.GroupSizes(ctx)
		if err != nil {
			return err
		}
		people := map[int64]int{}
		all, public := map[int64]float64{}, map[int64]float64{}
		for _, it := range items {
			days := math.Floor(it.Time.Sub(start).Hours() / 24)
			people[it.GestaltID] += int(days)
			if it.GroupID != 0 {
				all[it.GroupID] += days
				if it.Public {
					public[it.GroupID] += days
				}
			}
		}
		groups := map[int64]int{}
		for id, sum := range all {
			var score float64
			if n := members[id]; n > 0 {
				score += math.Log(float64(n)) * sum
			}
			if n := subscribers[id]; n > 0 {
				score += 10 * math.Log(float64(n)) * public[id]
			}
			groups[id] = int(score)
		}
		if err := q.SetScores(ctx, groups, people); err != nil {
			return fmt.Errorf("scores: %w", err)
		}
		return nil
	})
}
