package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Job is a unit of background work, leased to one runner at a time.
type Job struct {
	ID        int64
	Kind      string
	Payload   []byte // JSON
	Attempts  int    // including the current one
	RunAt     time.Time
	LastError string
	CreatedAt time.Time
	// Worker is the runner that holds the lease.
	Worker string
}

// ErrLeaseLost is returned when a runner finishes a job whose lease another runner took over.
var ErrLeaseLost = errors.New("the job's lease was lost")

// Enqueue adds a job. Call it inside the transaction that writes the data the job announces,
// so that the job exists exactly when that data was committed.
func (q *Queries) Enqueue(ctx context.Context, kind string, payload any, runAt time.Time) (int64, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	now := time.Now()
	id, err := q.insert(ctx, `INSERT INTO jobs (kind, payload, state, run_at, created_at, updated_at)
		VALUES (?, ?, 'waiting', ?, ?, ?)`, kind, string(data), runAt, now, now)
	if err != nil {
		return 0, fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	return id, nil
}

// EnqueueMany adds jobs of one kind, one per payload, in few statements (a fan-out).
func (q *Queries) EnqueueMany(ctx context.Context, kind string, payloads []any, runAt time.Time) error {
	now := time.Now()
	rows := make([][]any, len(payloads))
	for i, p := range payloads {
		data, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("store: enqueue %s: %w", kind, err)
		}
		rows[i] = []any{kind, string(data), "waiting", runAt, now, now}
	}
	return q.insertMany(ctx, "jobs", []string{"kind", "payload", "state", "run_at", "created_at", "updated_at"}, rows)
}

// EnqueueUnique adds a job unless one with the same key waits or runs; it reports whether it
// added one. Runners use it to schedule periodic work once per slot.
func (q *Queries) EnqueueUnique(ctx context.Context, key, kind string, payload any, runAt time.Time) (bool, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", kind, err)
	}
	now := time.Now()
	res, err := q.exec(ctx, `INSERT INTO jobs (kind, payload, state, run_at, unique_key, created_at, updated_at)
		VALUES (?, ?, 'waiting', ?, ?, ?, ?) ON CONFLICT (unique_key) DO NOTHING`, kind, string(data), runAt, key, now, now)
	if err != nil {
		return false, fmt.Errorf("store: enqueue %s: %w", key, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClaimJobs leases up to n due jobs to worker until leaseUntil: waiting jobs whose time has
// come, and running jobs whose lease expired (their runner died). Each claim counts as an
// attempt. On PostgreSQL, concurrent runners skip each other's rows; SQLite serialises the
// statement.
func (db *DB) ClaimJobs(ctx context.Context, worker string, n int, now, leaseUntil time.Time) ([]*Job, error) {
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := db.query(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1,
			lease_until = ?, locked_by = ?, updated_at = ?
		WHERE id IN (SELECT id FROM jobs
			WHERE (state = 'waiting' AND run_at <= ?) OR (state = 'running' AND lease_until < ?)
			ORDER BY run_at, id LIMIT ?`+lock+`)
		RETURNING id, kind, payload, attempts, run_at, last_error, created_at`,
		leaseUntil, worker, now, now, now, n)
	if err != nil {
		return nil, fmt.Errorf("store: claim jobs: %w", err)
	}
	jobs, err := collect(rows, func(r interface{ Scan(...any) error }) (*Job, error) {
		var j Job
		var payload string
		err := r.Scan(&j.ID, &j.Kind, &payload, &j.Attempts, &j.RunAt, &j.LastError, &j.CreatedAt)
		j.Payload, j.Worker = []byte(payload), worker
		return &j, err
	})
	if err != nil {
		return nil, err
	}
	// RETURNING gives rows in no particular order; run the oldest first.
	slices.SortFunc(jobs, func(a, b *Job) int {
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return jobs, nil
}

// CompleteJob removes a finished job; ErrLeaseLost if another runner holds it now. Inside a
// transaction it commits together with what the job wrote.
func (q *Queries) CompleteJob(ctx context.Context, j *Job) error {
	res, err := q.exec(ctx, `DELETE FROM jobs WHERE id = ? AND locked_by = ? AND state = 'running'`, j.ID, j.Worker)
	if err != nil {
		return fmt.Errorf("store: complete job %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: complete job %d: %w", j.ID, err)
	} else if n == 0 {
		return fmt.Errorf("store: complete job %d: %w", j.ID, ErrLeaseLost)
	}
	return nil
}

// RetryJob gives a failed job back to the queue at retryAt, or parks it (kept, with its error,
// for an administrator) when park is set.
func (q *Queries) RetryJob(ctx context.Context, j *Job, cause string, retryAt time.Time, park bool) error {
	state := "waiting"
	if park {
		state = "parked"
	}
	res, err := q.exec(ctx, `UPDATE jobs SET state = ?, run_at = ?, last_error = ?, lease_until = NULL,
		locked_by = '', updated_at = ? WHERE id = ? AND locked_by = ? AND state = 'running'`,
		state, retryAt, cause, time.Now(), j.ID, j.Worker)
	if err != nil {
		return fmt.Errorf("store: retry job %d: %w", j.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: retry job %d: %w", j.ID, err)
	} else if n == 0 {
		return fmt.Errorf("store: retry job %d: %w", j.ID, ErrLeaseLost)
	}
	return nil
}

// ExtendLease keeps a long job from being taken over while it still runs.
func (q *Queries) ExtendLease(ctx context.Context, j *Job, until time.Time) error {
	return q.updateOne(ctx, "extend lease", `UPDATE jobs SET lease_until = ? WHERE id = ? AND locked_by = ? AND state = 'running'`,
		until, j.ID, j.Worker)
}

// ReleaseJobs hands a stopping runner's unfinished jobs back without counting the attempt.
func (db *DB) ReleaseJobs(ctx context.Context, worker string) (int64, error) {
	res, err := db.exec(ctx, `UPDATE jobs SET state = 'waiting', attempts = attempts - 1, lease_until = NULL,
		locked_by = '' WHERE locked_by = ? AND state = 'running'`, worker)
	if err != nil {
		return 0, fmt.Errorf("store: release jobs of %s: %w", worker, err)
	}
	return res.RowsAffected()
}

// QueueStats summarises the queue for `grouprise check` and the metrics.
type QueueStats struct {
	Waiting, Running, Parked int
	// OldestDue is when the longest-waiting due job became due (zero when none is due).
	OldestDue time.Time
}

// QueueStats counts the jobs by state as of now.
func (q *Queries) QueueStats(ctx context.Context, now time.Time) (QueueStats, error) {
	var s QueueStats
	err := q.queryRow(ctx, `SELECT
		COUNT(CASE WHEN state = 'waiting' THEN 1 END),
		COUNT(CASE WHEN state = 'running' THEN 1 END),
		COUNT(CASE WHEN state = 'parked' THEN 1 END)
		FROM jobs`).Scan(&s.Waiting, &s.Running, &s.Parked)
	if err != nil {
		return s, fmt.Errorf("store: queue stats: %w", classify(err))
	}
	// A plain column keeps its type in SQLite, where MIN(…) would return text.
	err = q.queryRow(ctx, `SELECT run_at FROM jobs WHERE state = 'waiting' AND run_at <= ?
		ORDER BY run_at LIMIT 1`, now).Scan(&s.OldestDue)
	if err = classify(err); err != nil && !errors.Is(err, ErrNotFound) {
		return s, fmt.Errorf("store: queue stats: %w", err)
	}
	return s, nil
}

// ParkedJobs lists the jobs that failed too often, newest first.
func (q *Queries) ParkedJobs(ctx context.Context) ([]*Job, error) {
	rows, err := q.query(ctx, `SELECT id, kind, payload, attempts, run_at, last_error, created_at FROM jobs
		WHERE state = 'parked' ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: parked jobs: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*Job, error) {
		var j Job
		var payload string
		err := r.Scan(&j.ID, &j.Kind, &payload, &j.Attempts, &j.RunAt, &j.LastError, &j.CreatedAt)
		j.Payload = []byte(payload)
		return &j, err
	})
}

// RetryParkedJobs puts parked jobs back into the queue with fresh attempts (all when ids is empty).
func (q *Queries) RetryParkedJobs(ctx context.Context, now time.Time, ids ...int64) (int64, error) {
	query := `UPDATE jobs SET state = 'waiting', attempts = 0, run_at = ?, updated_at = ? WHERE state = 'parked'`
	args := []any{now, now}
	if len(ids) > 0 {
		query += " AND id IN (" + placeholders(len(ids)) + ")"
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("store: retry parked jobs: %w", err)
	}
	return res.RowsAffected()
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	b := make([]byte, 0, 3*n)
	for i := range n {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '?')
	}
	return string(b)
}

// ResetRunningJobs puts jobs that were running back into the queue (a restore: their runner
// is gone).
func (q *Queries) ResetRunningJobs(ctx context.Context) error {
	if _, err := q.exec(ctx, `UPDATE jobs SET state = 'waiting', lease_until = NULL, locked_by = '' WHERE state = 'running'`); err != nil {
		return fmt.Errorf("store: reset running jobs: %w", err)
	}
	return nil
}
