package store

import (
	"context"
	"fmt"
	"time"
)

// Attend records that a person takes part in an event (again: nothing changes).
func (q *Queries) Attend(ctx context.Context, contentID, gestaltID int64, now time.Time) error {
	if _, err := q.exec(ctx, `INSERT INTO event_attendances (content_id, attendee_id, timestamp) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, contentID, gestaltID, now); err != nil {
		return fmt.Errorf("store: attend %d: %w", contentID, err)
	}
	return nil
}

// Abstain withdraws a person's attendance.
func (q *Queries) Abstain(ctx context.Context, contentID, gestaltID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM event_attendances WHERE content_id = ? AND attendee_id = ?`, contentID, gestaltID); err != nil {
		return fmt.Errorf("store: abstain %d: %w", contentID, err)
	}
	return nil
}

// Attendees lists who takes part in an event, in the order they announced it.
func (q *Queries) Attendees(ctx context.Context, contentID int64) ([]EntityRef, error) {
	rows, err := q.query(ctx, `SELECT g.id, g.username, g.first_name, g.last_name, g.avatar_color
		FROM event_attendances ea JOIN gestalten g ON g.id = ea.attendee_id
		WHERE ea.content_id = ? ORDER BY ea.timestamp, ea.id`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: attendees of %d: %w", contentID, err)
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*EntityRef, error) {
		var e EntityRef
		return &e, r.Scan(&e.ID, &e.Slug, &e.FirstName, &e.LastName, &e.Color)
	})
	if err != nil {
		return nil, err
	}
	out := make([]EntityRef, len(list))
	for i, e := range list {
		out[i] = *e
	}
	return out, nil
}
