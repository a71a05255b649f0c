package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// FediverseObject is what a group published of a content in the Fediverse.
type FediverseObject struct {
	AssociationID int64
	GroupID       int64
	ObjectID      string // the IRI, fixed when first published
	Body          []byte // the object's JSON as last sent
	PublishedAt   time.Time
	UpdatedAt     time.Time
	DeletedAt     sql.Null[time.Time] // set once its Delete went out
}

const fediverseObjectColumns = `association_id, group_id, object_id, body, published_at, updated_at, deleted_at`

func scanFediverseObject(r interface{ Scan(...any) error }) (*FediverseObject, error) {
	var o FediverseObject
	var body string
	if err := classify(r.Scan(&o.AssociationID, &o.GroupID, &o.ObjectID, &body, &o.PublishedAt, &o.UpdatedAt, &o.DeletedAt)); err != nil {
		return nil, err
	}
	o.Body = []byte(body)
	return &o, nil
}

// FediverseObject returns what was published of an association; ErrNotFound when nothing was.
func (q *Queries) FediverseObject(ctx context.Context, associationID int64) (*FediverseObject, error) {
	o, err := scanFediverseObject(q.queryRow(ctx, `SELECT `+fediverseObjectColumns+` FROM activitypub_objects WHERE association_id = ?`, associationID))
	if err != nil {
		return nil, fmt.Errorf("store: fediverse object of %d: %w", associationID, err)
	}
	return o, nil
}

// SaveFediverseObject records a published object (a Create or an Update that went out): a
// new row, or the association's row with its new body and group, not deleted.
func (q *Queries) SaveFediverseObject(ctx context.Context, o *FediverseObject) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_objects (`+fediverseObjectColumns+`) VALUES (?, ?, ?, ?, ?, ?, NULL)
		ON CONFLICT (association_id) DO UPDATE SET group_id = excluded.group_id, object_id = excluded.object_id,
			body = excluded.body, published_at = excluded.published_at, updated_at = excluded.updated_at, deleted_at = NULL`,
		o.AssociationID, o.GroupID, o.ObjectID, string(o.Body), o.PublishedAt, o.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: save fediverse object %s: %w", o.ObjectID, classify(err))
	}
	return nil
}

// DeleteFediverseObject records that an object's Delete went out.
func (q *Queries) DeleteFediverseObject(ctx context.Context, associationID int64, now time.Time) error {
	return q.updateOne(ctx, "delete fediverse object", `UPDATE activitypub_objects SET deleted_at = ? WHERE association_id = ?`, now, associationID)
}

// stillPublic keeps the objects whose contents are public and not deleted now: the outbox
// must not show a content made internal before its Delete went out (or while federation was
// off, when none goes out).
const stillPublic = `association_id IN (SELECT id FROM associations WHERE public AND deleted IS NULL AND group_id = ?)`

// FediverseObjects lists a group's published objects (not deleted, their contents still
// public), the newest first; the outbox pages through them.
func (q *Queries) FediverseObjects(ctx context.Context, groupID int64, offset, limit int) ([]*FediverseObject, error) {
	rows, err := q.query(ctx, `SELECT `+fediverseObjectColumns+` FROM activitypub_objects
		WHERE group_id = ? AND deleted_at IS NULL AND `+stillPublic+`
		ORDER BY published_at DESC, association_id DESC LIMIT ? OFFSET ?`, groupID, groupID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("store: fediverse objects of %d: %w", groupID, err)
	}
	return collect(rows, scanFediverseObject)
}

// FediverseObjectCount counts the objects FediverseObjects lists.
func (q *Queries) FediverseObjectCount(ctx context.Context, groupID int64) (int, error) {
	var n int
	err := q.queryRow(ctx, `SELECT COUNT(*) FROM activitypub_objects WHERE group_id = ? AND deleted_at IS NULL AND `+stillPublic,
		groupID, groupID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("store: fediverse object count of %d: %w", groupID, err)
	}
	return n, nil
}

// FollowerInboxes lists the inboxes a group's activities go to: one per accepted follower,
// its server's shared inbox instead where it has one, each inbox once.
func (q *Queries) FollowerInboxes(ctx context.Context, groupID int64) ([]string, error) {
	rows, err := q.query(ctx, `SELECT DISTINCT CASE WHEN shared_inbox <> '' THEN shared_inbox ELSE inbox END
		FROM activitypub_followers WHERE group_id = ? AND accepted ORDER BY 1`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: inboxes of %d: %w", groupID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("store: inboxes of %d: %w", groupID, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// The states of a delivery.
const (
	DeliveryWaiting   = "waiting"
	DeliveryDelivered = "delivered"
	DeliverySkipped   = "skipped" // its server was dead
	DeliveryFailed    = "failed"  // refused, or given up
)

// AddDelivery records that an activity is to go to an inbox and returns the delivery's id;
// ErrConflict when it was recorded before (each activity goes to each inbox once).
func (q *Queries) AddDelivery(ctx context.Context, groupID int64, activityID, inbox string, now time.Time) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO activitypub_deliveries (activity_id, inbox, group_id, state, created_at)
		VALUES (?, ?, ?, 'waiting', ?) ON CONFLICT (activity_id, inbox) DO NOTHING`, activityID, inbox, groupID, now)
	if errors.Is(err, ErrNotFound) {
		return 0, fmt.Errorf("store: delivery of %s to %s: %w", activityID, inbox, ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("store: delivery of %s to %s: %w", activityID, inbox, err)
	}
	return id, nil
}

// DeliveryState is a delivery's state; ErrNotFound when there is no such delivery.
func (q *Queries) DeliveryState(ctx context.Context, id int64) (string, error) {
	var state string
	if err := classify(q.queryRow(ctx, `SELECT state FROM activitypub_deliveries WHERE id = ?`, id).Scan(&state)); err != nil {
		return "", fmt.Errorf("store: delivery %d: %w", id, err)
	}
	return state, nil
}

// FinishDelivery records a delivery's outcome.
func (q *Queries) FinishDelivery(ctx context.Context, id int64, state string, now time.Time) error {
	return q.updateOne(ctx, "finish delivery", `UPDATE activitypub_deliveries SET state = ?, done_at = ? WHERE id = ?`, state, now, id)
}

// DeliveryCounts counts the deliveries of an activity by state.
func (q *Queries) DeliveryCounts(ctx context.Context, activityID string) (map[string]int, error) {
	rows, err := q.query(ctx, `SELECT state, COUNT(*) FROM activitypub_deliveries WHERE activity_id = ? GROUP BY state`, activityID)
	if err != nil {
		return nil, fmt.Errorf("store: deliveries of %s: %w", activityID, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// InstanceFailingSince is since when deliveries to a server fail; zero when they do not.
func (q *Queries) InstanceFailingSince(ctx context.Context, host string) (time.Time, error) {
	var t time.Time
	err := classify(q.queryRow(ctx, `SELECT failing_since FROM activitypub_instances WHERE host = ?`, host).Scan(&t))
	if errors.Is(err, ErrNotFound) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("store: instance %s: %w", host, err)
	}
	return t, nil
}

// InstanceFailed records a failed delivery to a server (the first since the last success
// starts its failing time).
func (q *Queries) InstanceFailed(ctx context.Context, host string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_instances (host, failing_since) VALUES (?, ?) ON CONFLICT (host) DO NOTHING`, host, now)
	if err != nil {
		return fmt.Errorf("store: instance %s failed: %w", host, classify(err))
	}
	return nil
}

// InstanceRecovered forgets a server's failures after a delivery to it succeeded.
func (q *Queries) InstanceRecovered(ctx context.Context, host string) error {
	if _, err := q.exec(ctx, `DELETE FROM activitypub_instances WHERE host = ?`, host); err != nil {
		return fmt.Errorf("store: instance %s recovered: %w", host, err)
	}
	return nil
}

// ClaimInstanceProbe takes the one delivery attempt a dead server gets per period: it reports
// true to one caller when the last probe was before since (or there was none).
func (q *Queries) ClaimInstanceProbe(ctx context.Context, host string, now, since time.Time) (bool, error) {
	res, err := q.exec(ctx, `UPDATE activitypub_instances SET probed_at = ? WHERE host = ? AND (probed_at IS NULL OR probed_at < ?)`, now, host, since)
	if err != nil {
		return false, fmt.Errorf("store: probe of %s: %w", host, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FediverseObjectByID finds a published object by its IRI.
func (q *Queries) FediverseObjectByID(ctx context.Context, objectID string) (*FediverseObject, error) {
	o, err := scanFediverseObject(q.queryRow(ctx, `SELECT `+fediverseObjectColumns+` FROM activitypub_objects WHERE object_id = ?`, objectID))
	if err != nil {
		return nil, fmt.Errorf("store: fediverse object %s: %w", objectID, err)
	}
	return o, nil
}
