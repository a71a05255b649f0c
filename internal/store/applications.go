package store

import (
	"context"
	"fmt"
)

// HasApplication tells whether a membership application came with a contribution's text.
func (q *Queries) HasApplication(ctx context.Context, contributionID int64) (bool, error) {
	var ok bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM applications WHERE attached_to_id = ?)`, contributionID).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("store: application of %d: %w", contributionID, classify(err))
	}
	return ok, nil
}

// CreateApplication records a membership application that came with a message.
func (q *Queries) CreateApplication(ctx context.Context, groupID, attachedTo int64) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO applications (group_id, attached_to_id) VALUES (?, ?)`, groupID, nullID(attachedTo))
	if err != nil {
		return 0, fmt.Errorf("store: create application: %w", err)
	}
	return id, nil
}

// Application is a request to join a closed group, with its applicant.
type Application struct {
	ID          int64
	GroupID     int64
	ApplicantID int64
	// AssociationID is the conversation the application came with.
	AssociationID int64
}

// ApplicationByID returns an application with its applicant and conversation.
func (q *Queries) ApplicationByID(ctx context.Context, id int64) (*Application, error) {
	var a Application
	err := q.queryRow(ctx, `SELECT ap.id, ap.group_id, c.author_id, COALESCE(asn.id, 0) FROM applications ap
		JOIN contributions c ON c.application_id = ap.id
		LEFT JOIN associations asn ON asn.conversation_id = c.conversation_id
		WHERE ap.id = ? ORDER BY c.id LIMIT 1`, id).Scan(&a.ID, &a.GroupID, &a.ApplicantID, &a.AssociationID)
	if err != nil {
		return nil, fmt.Errorf("store: application %d: %w", id, classify(err))
	}
	return &a, nil
}
