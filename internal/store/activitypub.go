package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ActorKey returns the private key (PEM) of a group's actor, or of the instance actor for
// groupID 0; ErrNotFound when it has none yet.
func (q *Queries) ActorKey(ctx context.Context, groupID int64) (string, error) {
	var pem string
	err := q.queryRow(ctx, `SELECT private_key_pem FROM activitypub_keys WHERE COALESCE(group_id, 0) = ?`, groupID).Scan(&pem)
	if err = classify(err); err != nil {
		return "", fmt.Errorf("store: actor key of %d: %w", groupID, err)
	}
	return pem, nil
}

// AddActorKey stores the first key of an actor (groupID 0: the instance actor); ErrConflict
// when another one came first.
func (q *Queries) AddActorKey(ctx context.Context, groupID int64, pem string, now time.Time) error {
	var group any
	if groupID != 0 {
		group = groupID
	}
	_, err := q.exec(ctx, `INSERT INTO activitypub_keys (group_id, private_key_pem, created_at) VALUES (?, ?, ?)`, group, pem, now)
	if err = classify(err); err != nil {
		return fmt.Errorf("store: add actor key of %d: %w", groupID, err)
	}
	return nil
}

// FediverseVisibility is a group's own choice to be visible in the Fediverse; set is false
// when the group has not chosen (then the default applies).
func (q *Queries) FediverseVisibility(ctx context.Context, groupID int64) (visible, set bool, err error) {
	err = classify(q.queryRow(ctx, `SELECT visible FROM activitypub_group_settings WHERE group_id = ?`, groupID).Scan(&visible))
	switch {
	case errors.Is(err, ErrNotFound):
		return false, false, nil
	case err != nil:
		return false, false, fmt.Errorf("store: fediverse visibility of %d: %w", groupID, err)
	}
	return visible, true, nil
}

// SetFediverseVisibility records a group's choice to be visible in the Fediverse.
func (q *Queries) SetFediverseVisibility(ctx context.Context, groupID int64, visible bool) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_group_settings (group_id, visible) VALUES (?, ?)
		ON CONFLICT (group_id) DO UPDATE SET visible = excluded.visible`, groupID, visible)
	if err != nil {
		return fmt.Errorf("store: set fediverse visibility of %d: %w", groupID, classify(err))
	}
	return nil
}

// Follower is a remote actor that follows a group.
type Follower struct {
	GroupID     int64
	ActorID     string // the remote actor's IRI
	FollowID    string // the IRI of its Follow, which the Accept names
	Inbox       string
	SharedInbox string
	Accepted    bool
	CreatedAt   time.Time
}

// AddFollower records a Follow of a group. A repeated Follow replaces the earlier one's ID and
// inboxes; a follower once accepted stays accepted.
func (q *Queries) AddFollower(ctx context.Context, f Follower) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_followers (group_id, actor_id, follow_id, inbox, shared_inbox, accepted, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (group_id, actor_id) DO UPDATE SET follow_id = excluded.follow_id, inbox = excluded.inbox,
			shared_inbox = excluded.shared_inbox, accepted = activitypub_followers.accepted OR excluded.accepted`,
		f.GroupID, f.ActorID, f.FollowID, f.Inbox, f.SharedInbox, f.Accepted, f.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: add follower %s of %d: %w", f.ActorID, f.GroupID, classify(err))
	}
	return nil
}

// RemoveFollower ends an actor's follow of a group; it reports whether there was one.
func (q *Queries) RemoveFollower(ctx context.Context, groupID int64, actorID string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM activitypub_followers WHERE group_id = ? AND actor_id = ?`, groupID, actorID)
	if err != nil {
		return false, fmt.Errorf("store: remove follower %s of %d: %w", actorID, groupID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RemoveFollowByID ends the follow that a Follow of actorID with that IRI began (an Undo that
// names the Follow only by its IRI); it reports whether there was one.
func (q *Queries) RemoveFollowByID(ctx context.Context, actorID, followID string) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM activitypub_followers WHERE actor_id = ? AND follow_id = ?`, actorID, followID)
	if err != nil {
		return false, fmt.Errorf("store: remove follow %s: %w", followID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Followers lists a group's followers, accepted or pending, the oldest first.
func (q *Queries) Followers(ctx context.Context, groupID int64) ([]*Follower, error) {
	rows, err := q.query(ctx, `SELECT group_id, actor_id, follow_id, inbox, shared_inbox, accepted, created_at
		FROM activitypub_followers WHERE group_id = ? ORDER BY created_at, id`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: followers of %d: %w", groupID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*Follower, error) {
		var f Follower
		return &f, r.Scan(&f.GroupID, &f.ActorID, &f.FollowID, &f.Inbox, &f.SharedInbox, &f.Accepted, &f.CreatedAt)
	})
}

// FollowerCount is the number of a group's accepted followers.
func (q *Queries) FollowerCount(ctx context.Context, groupID int64) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM activitypub_followers WHERE group_id = ? AND accepted`, groupID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: follower count of %d: %w", groupID, err)
	}
	return n, nil
}

// RemoteActor is a remote actor whose key was fetched to check its signatures.
type RemoteActor struct {
	ID           string
	KeyID        string
	PublicKeyPEM string
	Inbox        string
	SharedInbox  string
	FetchedAt    time.Time
}

const remoteActorColumns = `id, key_id, public_key_pem, inbox, shared_inbox, fetched_at`

func scanRemoteActor(row interface{ Scan(...any) error }) (*RemoteActor, error) {
	var a RemoteActor
	if err := classify(row.Scan(&a.ID, &a.KeyID, &a.PublicKeyPEM, &a.Inbox, &a.SharedInbox, &a.FetchedAt)); err != nil {
		return nil, err
	}
	return &a, nil
}

// RemoteActorByKey finds the cached actor a key ID belongs to.
func (q *Queries) RemoteActorByKey(ctx context.Context, keyID string) (*RemoteActor, error) {
	a, err := scanRemoteActor(q.queryRow(ctx, `SELECT `+remoteActorColumns+` FROM activitypub_remote_actors WHERE key_id = ?`, keyID))
	if err != nil {
		return nil, fmt.Errorf("store: remote actor with key %s: %w", keyID, err)
	}
	return a, nil
}

// RemoteActorByID finds a cached actor by its IRI.
func (q *Queries) RemoteActorByID(ctx context.Context, id string) (*RemoteActor, error) {
	a, err := scanRemoteActor(q.queryRow(ctx, `SELECT `+remoteActorColumns+` FROM activitypub_remote_actors WHERE id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: remote actor %s: %w", id, err)
	}
	return a, nil
}

// AddRemoteActor caches an actor and its key; ErrConflict when the actor or the key ID is
// known already (a key that changes is refused, not replaced).
func (q *Queries) AddRemoteActor(ctx context.Context, a RemoteActor) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_remote_actors (`+remoteActorColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.KeyID, a.PublicKeyPEM, a.Inbox, a.SharedInbox, a.FetchedAt)
	if err = classify(err); err != nil {
		return fmt.Errorf("store: add remote actor %s: %w", a.ID, err)
	}
	return nil
}

// ReplaceActorKey gives an actor (groupID 0: the instance actor) a new key, or its first.
func (q *Queries) ReplaceActorKey(ctx context.Context, groupID int64, pem string, now time.Time) error {
	res, err := q.exec(ctx, `UPDATE activitypub_keys SET private_key_pem = ?, created_at = ? WHERE COALESCE(group_id, 0) = ?`, pem, now, groupID)
	if err != nil {
		return fmt.Errorf("store: replace actor key of %d: %w", groupID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	return q.AddActorKey(ctx, groupID, pem, now)
}

// ActorKeyOwners lists the actors that have a key: group IDs, 0 for the instance actor.
func (q *Queries) ActorKeyOwners(ctx context.Context) ([]int64, error) {
	rows, err := q.query(ctx, `SELECT COALESCE(group_id, 0) FROM activitypub_keys ORDER BY 1`)
	if err != nil {
		return nil, fmt.Errorf("store: actor keys: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("store: actor keys: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
