package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ClaimIncoming records that a mail (by Message-ID) reached a recipient; false when it had
// already (a redelivery), in which case nothing must be written again. Run it first in the
// transaction that stores what the mail brings.
func (q *Queries) ClaimIncoming(ctx context.Context, messageID, recipient string, now time.Time) (int64, bool, error) {
	id, err := q.insert(ctx, `INSERT INTO incoming_mails (message_id, recipient, received_at) VALUES (?, ?, ?)
		ON CONFLICT (message_id, recipient) DO NOTHING`, messageID, Fold(recipient), now)
	if errors.Is(err, ErrNotFound) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store: incoming mail: %w", err)
	}
	return id, true, nil
}

// SetIncomingContribution notes what an incoming mail became.
func (q *Queries) SetIncomingContribution(ctx context.Context, id, contributionID int64) error {
	return q.updateOne(ctx, "incoming mail", `UPDATE incoming_mails SET contribution_id = ? WHERE id = ?`, contributionID, id)
}
