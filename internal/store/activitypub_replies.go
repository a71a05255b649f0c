package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RemoteAuthor is a person elsewhere in the Fediverse who commented: the shadow gestalt the
// comments name as their author, and what the comments show of the remote actor.
type RemoteAuthor struct {
	GestaltID  int64
	ActorID    string
	Handle     string // @user@host
	Name       string
	AvatarURL  string
	ProfileURL string
	FetchedAt  time.Time
	// Avatar is the stand-in gestalt's avatar file below media_root, fetched from AvatarURL
	// ("" until then); only RemoteAuthorsOfContent fills it.
	Avatar string
}

const remoteAuthorColumns = `gestalt_id, actor_id, handle, name, avatar_url, profile_url, fetched_at`

func scanRemoteAuthor(r interface{ Scan(...any) error }) (*RemoteAuthor, error) {
	var a RemoteAuthor
	if err := classify(r.Scan(&a.GestaltID, &a.ActorID, &a.Handle, &a.Name, &a.AvatarURL, &a.ProfileURL, &a.FetchedAt)); err != nil {
		return nil, err
	}
	return &a, nil
}

// RemoteAuthorByActor finds the remote author of an actor; ErrNotFound when it never
// commented.
func (q *Queries) RemoteAuthorByActor(ctx context.Context, actorID string) (*RemoteAuthor, error) {
	a, err := scanRemoteAuthor(q.queryRow(ctx, `SELECT `+remoteAuthorColumns+` FROM activitypub_remote_authors WHERE actor_id = ?`, actorID))
	if err != nil {
		return nil, fmt.Errorf("store: remote author %s: %w", actorID, err)
	}
	return a, nil
}

// AddRemoteAuthor records a remote author with its shadow gestalt (username given, no
// password, inactive, not public) and sets a.GestaltID. Run it inside Tx.
func (q *Queries) AddRemoteAuthor(ctx context.Context, a *RemoteAuthor, username string) error {
	g := &Gestalt{Username: username, FirstName: a.Name, Password: "!", IsActive: false, DateJoined: a.FetchedAt}
	if _, err := q.CreateGestalt(ctx, g); err != nil {
		return err
	}
	a.GestaltID = g.ID
	_, err := q.exec(ctx, `INSERT INTO activitypub_remote_authors (`+remoteAuthorColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.GestaltID, a.ActorID, a.Handle, a.Name, a.AvatarURL, a.ProfileURL, a.FetchedAt)
	if err != nil {
		return fmt.Errorf("store: add remote author %s: %w", a.ActorID, classify(err))
	}
	return nil
}

// RemoteAuthorsOfContent are the remote authors of a content's comments, by gestalt.
func (q *Queries) RemoteAuthorsOfContent(ctx context.Context, contentID int64) (map[int64]*RemoteAuthor, error) {
	rows, err := q.query(ctx, `SELECT `+remoteAuthorColumns+`, (SELECT avatar FROM gestalten WHERE id = gestalt_id)
		FROM activitypub_remote_authors WHERE gestalt_id IN (SELECT author_id FROM contributions WHERE content_id = ?)`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: remote authors of content %d: %w", contentID, err)
	}
	defer rows.Close()
	m := map[int64]*RemoteAuthor{}
	for rows.Next() {
		var a RemoteAuthor
		var avatar sql.NullString
		if err := rows.Scan(&a.GestaltID, &a.ActorID, &a.Handle, &a.Name, &a.AvatarURL, &a.ProfileURL, &a.FetchedAt, &avatar); err != nil {
			return nil, fmt.Errorf("store: remote authors of content %d: %w", contentID, err)
		}
		a.Avatar = avatar.String
		m[a.GestaltID] = &a
	}
	return m, rows.Err()
}

// FediverseReply is a comment that came as a Note from the Fediverse.
type FediverseReply struct {
	ContributionID int64
	NoteID         string
	ActorID        string
	// Pictures are the pictures the Note last asked for (JSON; "" for none), see
	// SetReplyPictures.
	Pictures string
}

// AddFediverseReply ties a comment to its Note; ErrConflict when the Note has a comment.
func (q *Queries) AddFediverseReply(ctx context.Context, r FediverseReply) error {
	_, err := q.exec(ctx, `INSERT INTO activitypub_replies (contribution_id, note_id, actor_id, pictures) VALUES (?, ?, ?, ?)`,
		r.ContributionID, r.NoteID, r.ActorID, r.Pictures)
	if err != nil {
		return fmt.Errorf("store: add fediverse reply %s: %w", r.NoteID, classify(err))
	}
	return nil
}

// FediverseReplyByNote finds the comment of a Note; ErrNotFound when there is none.
func (q *Queries) FediverseReplyByNote(ctx context.Context, noteID string) (*FediverseReply, error) {
	var r FediverseReply
	err := classify(q.queryRow(ctx, `SELECT contribution_id, note_id, actor_id, pictures FROM activitypub_replies WHERE note_id = ?`,
		noteID).Scan(&r.ContributionID, &r.NoteID, &r.ActorID, &r.Pictures))
	if err != nil {
		return nil, fmt.Errorf("store: fediverse reply %s: %w", noteID, err)
	}
	return &r, nil
}

// FediverseReplyByContribution is the reply that became the comment id (ErrNotFound for a
// comment written here).
func (q *Queries) FediverseReplyByContribution(ctx context.Context, id int64) (*FediverseReply, error) {
	var r FediverseReply
	err := classify(q.queryRow(ctx, `SELECT contribution_id, note_id, actor_id, pictures FROM activitypub_replies WHERE contribution_id = ?`,
		id).Scan(&r.ContributionID, &r.NoteID, &r.ActorID, &r.Pictures))
	if err != nil {
		return nil, fmt.Errorf("store: fediverse reply of comment %d: %w", id, err)
	}
	return &r, nil
}

// FediverseRepliesByActor are the comments that came from one remote actor's Notes.
func (q *Queries) FediverseRepliesByActor(ctx context.Context, actorID string) ([]FediverseReply, error) {
	rows, err := q.query(ctx, `SELECT contribution_id, note_id, actor_id, pictures FROM activitypub_replies WHERE actor_id = ? ORDER BY contribution_id`, actorID)
	if err != nil {
		return nil, fmt.Errorf("store: fediverse replies of %s: %w", actorID, classify(err))
	}
	defer rows.Close()
	var out []FediverseReply
	for rows.Next() {
		var r FediverseReply
		if err := rows.Scan(&r.ContributionID, &r.NoteID, &r.ActorID, &r.Pictures); err != nil {
			return nil, fmt.Errorf("store: fediverse replies of %s: %w", actorID, classify(err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: fediverse replies of %s: %w", actorID, classify(err))
	}
	return out, nil
}

// SetContributionText replaces a comment's text (a remote author's edit).
func (q *Queries) SetContributionText(ctx context.Context, id int64, text string) error {
	return q.updateOne(ctx, "set contribution text", `UPDATE contributions SET text = ? WHERE id = ? AND deleted IS NULL`, text, id)
}

// IsRemoteAuthor tells whether a gestalt stands for a remote author.
func (q *Queries) IsRemoteAuthor(ctx context.Context, gestaltID int64) (bool, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM activitypub_remote_authors WHERE gestalt_id = ?`, gestaltID).Scan(&n); err != nil {
		return false, fmt.Errorf("store: remote author %d: %w", gestaltID, err)
	}
	return n > 0, nil
}

// UpdateRemoteAuthor replaces what the comments show of a remote author (an Update of its
// profile), its shadow gestalt's name included. Run it inside Tx.
func (q *Queries) UpdateRemoteAuthor(ctx context.Context, a *RemoteAuthor) error {
	if err := q.updateOne(ctx, "update remote author", `UPDATE activitypub_remote_authors SET handle = ?, name = ?,
		avatar_url = ?, profile_url = ?, fetched_at = ? WHERE gestalt_id = ?`,
		a.Handle, a.Name, a.AvatarURL, a.ProfileURL, a.FetchedAt, a.GestaltID); err != nil {
		return err
	}
	return q.updateOne(ctx, "update remote author's gestalt", `UPDATE gestalten SET first_name = ? WHERE id = ?`, a.Name, a.GestaltID)
}
