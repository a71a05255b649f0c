package federation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// A server whose deliveries have all failed for DeadAfter is dead: deliveries to it are
// skipped (recorded as such, not retried), except one probe per ProbeEvery, whose success
// brings it back. Deliveries to a living server are retried with backoff for about three days
// (tasks.DeliveryPolicy).
const (
	DeadAfter  = 2 * 24 * time.Hour
	ProbeEvery = 6 * time.Hour
)

// deliverOnce runs send for a delivery unless it ran before (a job that ran again after its
// runner died) or its server is dead, and records the outcome: the delivery's state, and
// whether its server answers.
func (s *Service) deliverOnce(ctx context.Context, d Delivery, send func() error) error {
	now := s.now()
	if d.DeliveryID != 0 {
		state, err := s.db.DeliveryState(ctx, d.DeliveryID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // its group was deleted
		}
		if err != nil {
			return err
		}
		if state != store.DeliveryWaiting {
			return nil
		}
	}
	u, err := url.Parse(d.Inbox)
	if err != nil {
		return fmt.Errorf("%w: inbox %q: %w", errPermanent, d.Inbox, err)
	}
	host := u.Host
	since, err := s.db.InstanceFailingSince(ctx, host)
	if err != nil {
		return err
	}
	if !since.IsZero() && now.Sub(since) >= DeadAfter {
		probe, err := s.db.ClaimInstanceProbe(ctx, host, now, now.Add(-ProbeEvery))
		if err != nil {
			return err
		}
		if !probe {
			return s.finish(ctx, d, store.DeliverySkipped)
		}
	}
	err = send()
	switch {
	case err == nil:
		if !since.IsZero() {
			if err := s.db.InstanceRecovered(ctx, host); err != nil {
				return err
			}
		}
		return s.finish(ctx, d, store.DeliveryDelivered)
	case IsPermanent(err):
		// the server answers; it refused this one
		return errors.Join(err, s.finish(ctx, d, store.DeliveryFailed))
	}
	return errors.Join(err, s.db.InstanceFailed(ctx, host, now))
}

// finish records a delivery's outcome (deliveries without a record, Accepts, have none).
func (s *Service) finish(ctx context.Context, d Delivery, state string) error {
	if d.DeliveryID == 0 {
		return nil
	}
	return s.db.FinishDelivery(ctx, d.DeliveryID, state, s.now())
}

// RetiredKeyLife is how long a retired key (the key before a rotation, or of a deleted or
// renamed group's actor) stays for the deliveries that sign with it: their days of retries
// (tasks.DeliveryPolicy) and a day more. A delivery that comes later is dropped.
const RetiredKeyLife = 4 * 24 * time.Hour

// errKeyExpired is a delivery whose retired key has expired.
var errKeyExpired = errors.New("federation: the delivery's key has expired")

// retiredSigner signs a delivery with the retired key it names, as the actor it names.
func (s *Service) retiredSigner(ctx context.Context, j *store.Job, d Delivery) (activitypub.Signer, error) {
	pem, err := s.db.RetiredKey(ctx, d.KeyID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return activitypub.Signer{}, fmt.Errorf("%w: delivery %d, key %d", errKeyExpired, j.ID, d.KeyID)
	}
	if err != nil {
		return activitypub.Signer{}, err
	}
	k, err := activitypub.ParsePrivateKey(pem)
	if err != nil {
		return activitypub.Signer{}, fmt.Errorf("%w: federation: delivery %d: %w", errPermanent, j.ID, err)
	}
	return activitypub.Signer{KeyID: keyID(d.Actor), Key: k}, nil
}

// dropExpired ends a delivery whose key has expired: no retry can sign it any more.
func (s *Service) dropExpired(ctx context.Context, j *store.Job, d Delivery, cause error) error {
	s.log.Warn("delivery dropped: the key it was to be signed with has expired", "job", j.ID, "inbox", d.Inbox,
		"actor", d.Actor, "queued", j.CreatedAt.UTC().Format(time.RFC3339), "err", cause)
	s.countDelivery(DeliverySkipped)
	return s.finish(ctx, d, store.DeliverySkipped)
}
