package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The statement OldestJob replaced: ordered by created_at, it read every waiting and running
// job, of every kind, on each scrape (kept here for the plan test and the benchmark).
const oldestJobByCreated = `SELECT created_at FROM jobs WHERE kind = ? AND state IN ('waiting', 'running')
	ORDER BY created_at LIMIT 1`

// queueJobs fills the queue: waiting deliveries, mails, and parked deliveries before them.
func queueJobs(t testing.TB, db *store.DB, deliveries, mails, parked int) {
	t.Helper()
	ctx := context.Background()
	payloads := func(n int) []any {
		p := make([]any, n)
		for i := range p {
			p[i] = map[string]int{"n": i}
		}
		return p
	}
	now := time.Now()
	if parked > 0 {
		if err := db.EnqueueMany(ctx, "activitypub.deliver", payloads(parked), now); err != nil {
			t.Fatal(err)
		}
		storetest.Exec(t, db, `UPDATE jobs SET state = 'parked'`)
	}
	err := db.Tx(ctx, func(q *store.Queries) error {
		if err := q.EnqueueMany(ctx, "mail", payloads(mails), now); err != nil {
			return err
		}
		return q.EnqueueMany(ctx, "activitypub.deliver", payloads(deliveries), now.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Exec(t, db, "ANALYZE")
}

// explain is the plan of query (its ? replaced by kind) as the database would run it, one
// line per step; on PostgreSQL without sequential scans, so that the plan shows what the
// indexes serve, whatever the table's size.
func explain(t *testing.T, db *store.DB, query, kind string) string {
	t.Helper()
	query = strings.Replace(query, "?", "'"+kind+"'", 1)
	if db.Dialect() == store.SQLite {
		var steps []string
		for _, r := range storetest.Rows(t, db, "EXPLAIN QUERY PLAN "+query) {
			steps = append(steps, r[strings.LastIndex(r, "|")+1:])
		}
		return strings.Join(steps, "\n")
	}
	raw, err := sql.Open("pgx", db.Location)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tx, err := raw.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SET LOCAL enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	rows, err := tx.Query("EXPLAIN " + query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, strings.TrimSpace(s))
	}
	return strings.Join(steps, "\n")
}

// TestOldestJobPlan: the metric's query reads the jobs through an index in the order it wants
// them and stops at the first that matches: no sort of every waiting job (SQLite's temporary
// B-tree, PostgreSQL's Sort), no scan of the table.
func TestOldestJobPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		queueJobs(t, db, 2000, 500, 100)
		plan := explain(t, db, store.OldestJobQuery, "activitypub.deliver")
		bad := []string{"TEMP B-TREE", "Sort", "Seq Scan", "Bitmap"}
		if db.Dialect() == store.SQLite {
			// a rowid table's SCAN without a sort is the walk along its primary key
			bad = append(bad, "USING INDEX")
		} else if !strings.Contains(plan, "Index Scan using jobs_pkey") {
			t.Errorf("plan without the primary key:\n%s", plan)
		}
		for _, b := range bad {
			if strings.Contains(plan, b) {
				t.Errorf("plan has %q:\n%s", b, plan)
			}
		}
		t.Logf("plan:\n%s", plan)
	})
}

// BenchmarkOldestJob: the metric's query with 20,000 waiting deliveries, 5,000 mails and
// 1,000 parked deliveries before them, by created_at (the statement it replaced, the
// ceiling) and by id, in one run on each dialect.
func BenchmarkOldestJob(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		db := storetest.Open(b, d)
		queueJobs(b, db, 20000, 5000, 1000)
		ctx := context.Background()
		for _, c := range []struct{ name, query string }{{"created_at", oldestJobByCreated}, {"id", store.OldestJobQuery}} {
			b.Run(d.String()+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					var at time.Time
					if err := db.QueryRowForTest(ctx, c.query, "activitypub.deliver").Scan(&at); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
