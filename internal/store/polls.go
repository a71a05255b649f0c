package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// CreatePoll inserts a poll (its options follow).
func (q *Queries) CreatePoll(ctx context.Context, condorcet bool) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO polls (condorcet) VALUES (?)`, condorcet)
	if err != nil {
		return 0, fmt.Errorf("store: create poll: %w", err)
	}
	return id, nil
}

// PollIsCondorcet tells whether a poll ranks its options.
func (q *Queries) PollIsCondorcet(ctx context.Context, pollID int64) (bool, error) {
	var c bool
	if err := q.queryRow(ctx, `SELECT condorcet FROM polls WHERE id = ?`, pollID).Scan(&c); err != nil {
		return false, fmt.Errorf("store: poll %d: %w", pollID, classify(err))
	}
	return c, nil
}

func optionArgs(o *PollOption) (any, any, any) {
	var title any
	if !o.StartsAt.Valid {
		title = o.Title
	}
	return title, o.StartsAt, o.EndsAt
}

// AddPollOption adds a text option (Title) or a date option (StartsAt, EndsAt).
func (q *Queries) AddPollOption(ctx context.Context, pollID int64, o *PollOption) (int64, error) {
	title, starts, ends := optionArgs(o)
	id, err := q.insert(ctx, `INSERT INTO poll_options (poll_id, title, starts_at, ends_at) VALUES (?, ?, ?, ?)`,
		pollID, title, starts, ends)
	if err != nil {
		return 0, fmt.Errorf("store: add poll option: %w", err)
	}
	o.ID = id
	return id, nil
}

// UpdatePollOption changes an option of a poll.
func (q *Queries) UpdatePollOption(ctx context.Context, pollID int64, o *PollOption) error {
	title, starts, ends := optionArgs(o)
	return q.updateOne(ctx, "update poll option", `UPDATE poll_options SET title = ?, starts_at = ?, ends_at = ?
		WHERE id = ? AND poll_id = ?`, title, starts, ends, o.ID, pollID)
}

// DeletePollOption removes an option and its votes.
func (q *Queries) DeletePollOption(ctx context.Context, pollID, optionID int64) error {
	return q.updateOne(ctx, "delete poll option", `DELETE FROM poll_options WHERE id = ? AND poll_id = ?`, optionID, pollID)
}

// Vote is one voter's answer to one option: Endorse (yes, no, or NULL for maybe) in simple
// polls, Rank (higher is preferred) in ranked ones.
type Vote struct {
	OptionID  int64
	VoterID   int64  // or
	Anonymous string // the name an anonymous voter gave
	Endorse   sql.Null[bool]
	Rank      int
	// Voter is the voter's display name (people: their name).
	Voter EntityRef
}

// PollVotes lists the votes of a poll, voter by voter in the order they voted.
func (q *Queries) PollVotes(ctx context.Context, pollID int64) ([]*Vote, error) {
	rows, err := q.query(ctx, `SELECT v.option_id, COALESCE(v.voter_id, 0), COALESCE(v.anonymous, ''), v.endorse,
			COALESCE(v.rank, 0), COALESCE(g.username, ''), COALESCE(g.first_name, ''), COALESCE(g.last_name, ''),
			COALESCE(g.avatar_color, '')
		FROM poll_votes v JOIN poll_options o ON o.id = v.option_id LEFT JOIN gestalten g ON g.id = v.voter_id
		WHERE o.poll_id = ? ORDER BY v.time_updated, v.id`, pollID)
	if err != nil {
		return nil, fmt.Errorf("store: votes of poll %d: %w", pollID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*Vote, error) {
		var v Vote
		err := r.Scan(&v.OptionID, &v.VoterID, &v.Anonymous, &v.Endorse, &v.Rank, &v.Voter.Slug, &v.Voter.FirstName,
			&v.Voter.LastName, &v.Voter.Color)
		v.Voter.ID = v.VoterID
		return &v, err
	})
}

// HasVoted tells whether a person (voterID) or an anonymous name already voted in a poll.
func (q *Queries) HasVoted(ctx context.Context, pollID, voterID int64, anonymous string) (bool, error) {
	var voted bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM poll_votes v JOIN poll_options o ON o.id = v.option_id
		WHERE o.poll_id = ? AND (v.voter_id = ? OR lower(v.anonymous) = lower(?)))`, pollID, voterID, anonymous).Scan(&voted)
	if err != nil {
		return false, fmt.Errorf("store: has voted: %w", err)
	}
	return voted, nil
}

// AddVote records one voter's answer to one option.
func (q *Queries) AddVote(ctx context.Context, v *Vote, now time.Time) error {
	var voter, anonymous, rank any
	if v.VoterID != 0 {
		voter = v.VoterID
	} else {
		anonymous = v.Anonymous
	}
	if v.Rank != 0 {
		rank = v.Rank
	}
	if _, err := q.exec(ctx, `INSERT INTO poll_votes (option_id, voter_id, anonymous, endorse, rank, time_updated)
		VALUES (?, ?, ?, ?, ?, ?)`, v.OptionID, voter, anonymous, v.Endorse, rank, now); err != nil {
		return fmt.Errorf("store: vote: %w", classify(err))
	}
	return nil
}

// ContentOfPoll returns the content a poll belongs to.
func (q *Queries) ContentOfPoll(ctx context.Context, pollID int64) (int64, error) {
	var id int64
	if err := q.queryRow(ctx, `SELECT id FROM contents WHERE poll_id = ?`, pollID).Scan(&id); err != nil {
		return 0, fmt.Errorf("store: content of poll %d: %w", pollID, classify(err))
	}
	return id, nil
}

// SetContentPoll links a content to its poll.
func (q *Queries) SetContentPoll(ctx context.Context, contentID, pollID int64) error {
	return q.updateOne(ctx, "set poll", `UPDATE contents SET poll_id = ? WHERE id = ?`, pollID, contentID)
}
