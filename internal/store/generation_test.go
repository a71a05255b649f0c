package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestGenerationTriggers: every table has a trigger that bumps the generation, except
// the ones named as untracked (whose rows no cached page part reads). A new table without
// a trigger fails here until it gets one or is named.
func TestGenerationTriggers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var tables, triggered []string
		if db.Dialect() == store.SQLite {
			tables = storetest.Strings(t, db, `SELECT name FROM sqlite_master WHERE type = 'table'
				AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'search_index_%' AND name <> 'goose_db_version'`)
			triggered = storetest.Strings(t, db, `SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger'
				AND name = tbl_name || '_generation_insert' AND sql LIKE '%UPDATE generation SET n = n + 1%'
				AND EXISTS (SELECT 1 FROM sqlite_master u WHERE u.type = 'trigger' AND u.name = tbl_name || '_generation_update')
				AND EXISTS (SELECT 1 FROM sqlite_master d WHERE d.type = 'trigger' AND d.name = tbl_name || '_generation_delete')`)
		} else {
			tables = storetest.Strings(t, db, `SELECT table_name FROM information_schema.tables
				WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'`)
			triggered = storetest.Strings(t, db, `SELECT c.relname FROM pg_trigger tr JOIN pg_class c ON c.oid = tr.tgrelid
				JOIN pg_proc p ON p.oid = tr.tgfoid WHERE p.proname = 'bump_generation' AND tr.tgdeferrable AND tr.tginitdeferred`)
		}
		for _, table := range tables {
			if store.Untracked(table) == slices.Contains(triggered, table) {
				t.Errorf("table %s: untracked %v, trigger %v", table, store.Untracked(table), slices.Contains(triggered, table))
			}
		}
		if len(tables) < 30 || len(triggered) < 25 {
			t.Fatalf("%d tables, %d with triggers", len(tables), len(triggered))
		}
	})
}

// TestGenerationGrowsWithCommits: a committed change of a tracked table raises the
// generation; a rolled-back one and a change of an untracked table (the job queue) do not.
func TestGenerationGrowsWithCommits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gen := func() int64 {
			t.Helper()
			n, err := db.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		g0 := gen()
		now := time.Now()
		g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGroup(ctx, g); return err }); err != nil {
			t.Fatal(err)
		}
		g1 := gen()
		if g1 <= g0 {
			t.Fatalf("generation %d after creating a group, %d before", g1, g0)
		}
		oops := errors.New("rolled back")
		err := db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.CreateGroup(ctx, &store.Group{Slug: "weg", Name: "Weg", DateCreated: now, TimeModified: now, DateFounded: now}); err != nil {
				return err
			}
			return oops
		})
		if !errors.Is(err, oops) {
			t.Fatal(err)
		}
		if g2 := gen(); g2 != g1 {
			t.Fatalf("generation %d after a rolled-back change, %d before", g2, g1)
		}
		if err := db.Tx(ctx, func(q *store.Queries) error {
			_, err := q.Enqueue(ctx, "test", map[string]int{}, now)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if g3 := gen(); g3 != g1 {
			t.Fatalf("generation %d after enqueuing a job, %d before", g3, g1)
		}
		// Outside a transaction too (each statement commits on its own).
		if err := db.UpdateGroup(ctx, g.ID, store.GroupSettings{Name: "Gartengruppe", Slug: "garten", DateFounded: now}, now); err != nil {
			t.Fatal(err)
		}
		if g4 := gen(); g4 <= g1 {
			t.Fatalf("generation %d after a change outside a transaction, %d before", g4, g1)
		}
		// Every commit counts, whichever of PostgreSQL's rows it raises.
		g5 := gen()
		for i := range 30 {
			if err := db.Tx(ctx, func(q *store.Queries) error {
				return q.UpdateGroup(ctx, g.ID, store.GroupSettings{Name: fmt.Sprint("Garten ", i), Slug: "garten", DateFounded: now}, now)
			}); err != nil {
				t.Fatal(err)
			}
		}
		g6 := gen()
		// PostgreSQL raises it once per transaction, SQLite once per changed row.
		if d := db.Dialect(); (d == store.Postgres && g6 != g5+30) || g6 < g5+30 {
			t.Fatalf("%s: generation %d after 30 commits, %d before", d, g6, g5)
		}
	})
}

// A repeated Follow rewrites the follower's id and inboxes, which no page shows: the
// generation stays, so that remote servers cannot empty the memo at will; a new follower
// and an accepted one raise it.
func TestRepeatedFollowLeavesTheGeneration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now()
		g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGroup(ctx, g); return err }); err != nil {
			t.Fatal(err)
		}
		follow := func(id string, accepted bool) int64 {
			t.Helper()
			if err := db.Tx(ctx, func(q *store.Queries) error {
				return q.AddFollower(ctx, store.Follower{GroupID: g.ID, ActorID: "https://peer.example/users/a", FollowID: id,
					Inbox: "https://peer.example/users/a/inbox", Accepted: accepted, CreatedAt: now})
			}); err != nil {
				t.Fatal(err)
			}
			n, err := db.Generation(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		g1 := follow("https://peer.example/follows/1", false)
		if g2 := follow("https://peer.example/follows/2", false); g2 != g1 {
			t.Fatalf("generation %d after a repeated Follow, %d before", g2, g1)
		}
		if g3 := follow("https://peer.example/follows/3", true); g3 <= g1 {
			t.Fatalf("generation %d after the follower was accepted, %d before", g3, g1)
		}
	})
}
