package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ClaimIncoming records that a mail (by Message-ID) reached a recipient and what it became
// (contributionID; 0: nothing was published); false when it had before (a redelivery), and
// then the transaction must not commit what it wrote for the mail. The unique key decides
// between two deliveries of one mail at once: the second waits for the first to commit.
func (q *Queries) ClaimIncoming(ctx context.Context, messageID, recipient string, contributionID int64, now time.Time) (bool, error) {
	_, err := q.insert(ctx, `INSERT INTO incoming_mails (message_id, recipient, received_at, contribution_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (message_id, recipient) DO NOTHING`, messageID, Fold(recipient), now, nullID(contributionID))
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: incoming mail: %w", err)
	}
	return true, nil
}
