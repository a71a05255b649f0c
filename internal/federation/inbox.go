package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// Inbox takes an inbox POST: to a group's inbox (slug), or to the shared inbox (slug "").
// The request must be signed by the activity's actor. Errors: ErrNotFound (404); ErrBlocked
// (403) and ErrRateLimited (429), before any key is fetched; those of
// activitypub.Verifier.ReadActivity (401, 413, 400); ErrIgnored or activitypub.ErrUnsupported
// for what is taken and dropped (202). It returns the activity's type ("" when it was not
// read) and whether jobs were queued.
func (s *Service) Inbox(ctx context.Context, r *http.Request, slug string) (typ activitypub.Type, queued bool, err error) {
	if !s.Enabled() {
		return "", false, ErrNotFound
	}
	// The signature covers the Host it was sent to: one sent to another site (behind a
	// proxy that passes any Host through) is not ours to take.
	if !strings.EqualFold(r.Host, s.domain) {
		return "", false, fmt.Errorf("%w: sent to %q, not %q", activitypub.ErrBadSignature, r.Host, s.domain)
	}
	var g *store.Group
	if slug != "" {
		if g, err = s.visibleGroup(ctx, slug); err != nil {
			return "", false, err
		}
	}
	act, _, err := s.verifier.ReadActivity(ctx, r)
	if err != nil {
		return "", false, err
	}
	if err := s.countInbox(ctx, string(act.Actor)); err != nil {
		return act.Type, false, err
	}
	switch act.Type {
	case activitypub.TypeFollow:
		queued, err = s.follow(ctx, g, act)
		return act.Type, queued, err
	case activitypub.TypeUndo:
		return act.Type, false, s.undo(ctx, act)
	case activitypub.TypeCreate:
		queued, err = s.reply(ctx, act)
		return act.Type, queued, err
	case activitypub.TypeUpdate:
		return act.Type, false, s.updateReply(ctx, act)
	case activitypub.TypeDelete:
		return act.Type, false, s.deleteNote(ctx, act)
	}
	return act.Type, false, fmt.Errorf("%w: %s %s", ErrIgnored, act.Type, act.ID)
}

// follow records a Follow of a visible group. Open groups accept at once; a closed group's
// follower stays pending (its members are to decide).
func (s *Service) follow(ctx context.Context, inboxGroup *store.Group, act *activitypub.Activity) (bool, error) {
	target, err := s.groupOfActor(ctx, act.Object.ID())
	if err != nil {
		return false, fmt.Errorf("%w: Follow of %s", ErrIgnored, act.Object.ID())
	}
	if inboxGroup != nil && inboxGroup.ID != target.ID {
		return false, fmt.Errorf("%w: Follow of %s sent to %s's inbox", ErrIgnored, act.Object.ID(), inboxGroup.Slug)
	}
	if ok, err := s.Visible(ctx, target); err != nil || !ok {
		return false, errors.Join(fmt.Errorf("%w: Follow of %s, not visible", ErrIgnored, act.Object.ID()), err)
	}
	// The key's owner is the actor (ReadActivity checked), and resolving the key cached it.
	remote, err := s.db.RemoteActorByID(ctx, string(act.Actor))
	if err != nil {
		return false, err
	}
	// Answers go to the follower's own server only, not to an inbox it names elsewhere.
	if !activitypub.SameOrigin(remote.Inbox, remote.ID) {
		return false, fmt.Errorf("%w: Follow by %s with an inbox elsewhere (%s)", ErrIgnored, remote.ID, remote.Inbox)
	}
	sharedInbox := remote.SharedInbox
	if !activitypub.SameOrigin(sharedInbox, remote.ID) {
		sharedInbox = ""
	}
	accept := !target.Closed
	var body []byte
	if accept {
		if body, err = s.acceptOf(target, act); err != nil {
			return false, err
		}
	}
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		_, ferr := q.Follower(ctx, target.ID, remote.ID)
		known := ferr == nil
		if ferr != nil && !errors.Is(ferr, store.ErrNotFound) {
			return ferr
		}
		if err := q.AddFollower(ctx, store.Follower{GroupID: target.ID, ActorID: remote.ID, FollowID: act.ID,
			Inbox: remote.Inbox, SharedInbox: sharedInbox, Accepted: accept, CreatedAt: s.now()}); err != nil {
			return err
		}
		if !accept {
			if mail, err := s.mailFollowRequest(ctx, q, target.ID, remote.ID, known); err != nil || !mail {
				return err
			}
			// the members decide, as on an application
			return notify.FollowRequested(ctx, q, notify.FollowRequest{GroupID: target.ID, Actor: remote.ID,
				Handle: handleOf(remote.ID)}, s.now())
		}
		_, err := q.Enqueue(ctx, JobDeliver, Delivery{GroupID: target.ID, Inbox: remote.Inbox, Activity: body}, s.now())
		return err
	})
	if err != nil {
		return false, fmt.Errorf("federation: follow of %s by %s: %w", target.Slug, remote.ID, err)
	}
	return accept, nil
}

// Follow requests mailed to a closed group's members: an actor's once a day (an Undo or a
// decline deletes the request, and a new Follow must not mail everybody again), and at most
// maxFollowMails a day per group from all actors together (actors cost nothing). Requests
// beyond wait on the followers page all the same.
const (
	followMailWindow = 24 * time.Hour
	maxFollowMails   = 20
)

func followMailKey(groupID int64, actor string) string {
	return "activitypub.follow-mail:" + strconv.FormatInt(groupID, 10) + ":" + actor
}

func followMailsKey(groupID int64) string {
	return "activitypub.follow-mails:" + strconv.FormatInt(groupID, 10)
}

// mailFollowRequest tells, in the transaction that records a pending follow, whether its
// request is mailed to the members; known is whether the follow was pending before.
func (s *Service) mailFollowRequest(ctx context.Context, q *store.Queries, groupID int64, actor string, known bool) (bool, error) {
	if known {
		return false, nil // a repeated Follow: the members heard of it
	}
	n, err := q.AddAttempts(ctx, followMailKey(groupID, actor), 1, s.now(), followMailWindow)
	if err != nil || n > 1 {
		return false, err
	}
	n, err = q.AddAttempts(ctx, followMailsKey(groupID), 1, s.now(), followMailWindow)
	return n <= maxFollowMails, err
}

// acceptOf is the group's Accept of a Follow, with the Follow embedded (servers match it by
// its id).
func (s *Service) acceptOf(g *store.Group, follow *activitypub.Activity) ([]byte, error) {
	actor := s.ActorURL(g.Slug)
	sum := sha256.Sum256([]byte(follow.ID))
	return activitypub.Encode(&activitypub.Activity{
		ID: actor + "#accepts/" + hex.EncodeToString(sum[:16]), Type: activitypub.TypeAccept,
		Actor: activitypub.IRI(actor), To: activitypub.Audience{string(follow.Actor)},
		Object: activitypub.Embed(&activitypub.Activity{ID: follow.ID, Type: activitypub.TypeFollow,
			Actor: follow.Actor, Object: activitypub.Ref(actor)}),
	})
}

// undo ends a follow: an Undo of a Follow, embedded or named by its IRI, by the Follow's actor.
func (s *Service) undo(ctx context.Context, act *activitypub.Activity) error {
	if !act.Object.Embedded() {
		if _, err := s.db.RemoveFollowByID(ctx, string(act.Actor), act.Object.ID()); err != nil {
			return err
		}
		return nil
	}
	inner, err := act.Object.Activity()
	if err != nil {
		return fmt.Errorf("%w: Undo: %w", ErrIgnored, err)
	}
	if inner.Type != activitypub.TypeFollow {
		return fmt.Errorf("%w: Undo of %s", ErrIgnored, inner.Type)
	}
	if inner.Actor != act.Actor {
		return fmt.Errorf("%w: Undo by %s of a Follow by %s", activitypub.ErrBadSignature, act.Actor, inner.Actor)
	}
	g, err := s.groupOfActor(ctx, inner.Object.ID())
	if err != nil {
		return fmt.Errorf("%w: Undo of a Follow of %s", ErrIgnored, inner.Object.ID())
	}
	_, err = s.db.RemoveFollower(ctx, g.ID, string(act.Actor))
	return err
}

// JobDeliver is the kind of the job that delivers one activity to one inbox.
const JobDeliver = "activitypub.deliver"

// Delivery is the payload of a JobDeliver: the activity, signed by the group's actor (GroupID
// 0: the instance actor) when it goes out.
type Delivery struct {
	GroupID  int64           `json:"group_id"`
	Inbox    string          `json:"inbox"`
	Activity json.RawMessage `json:"activity"`
	// DeliveryID is the record that makes it run once (0: none).
	DeliveryID int64 `json:"delivery_id,omitempty"`
	// KeyID, when set, names the retired key that signs it as Actor: the key before a
	// rotation, or that of a group deleted meanwhile (lifecycle.go, deliver.go).
	Actor string `json:"actor,omitempty"`
	KeyID int64  `json:"key_id,omitempty"`
}

// Deliver runs a JobDeliver. A refusal that no retry mends is IsPermanent.
func (s *Service) Deliver(ctx context.Context, j *store.Job) error {
	var d Delivery
	if err := json.Unmarshal(j.Payload, &d); err != nil {
		return fmt.Errorf("%w: federation: delivery %d: %w", errPermanent, j.ID, err)
	}
	if blocked, err := s.Blocked(ctx, d.Inbox); err != nil {
		return err
	} else if blocked {
		s.countDelivery(DeliveryBlocked)
		return s.finish(ctx, d, store.DeliverySkipped) // the operator blocked its server
	}
	signer, err := s.deliverySigner(ctx, j, d)
	if errors.Is(err, errKeyExpired) {
		return s.dropExpired(ctx, j, d, err)
	}
	if err != nil {
		return err
	}
	sent := false
	err = s.deliverOnce(ctx, d, func() error {
		sent = true
		return s.client.Deliver(ctx, d.Inbox, d.Activity, signer)
	})
	switch {
	case err == nil && sent:
		s.countDelivery(DeliveryDelivered)
	case err == nil:
		s.countDelivery(DeliverySkipped)
	case IsPermanent(err):
		s.countDelivery(DeliveryRefused)
	default:
		s.countDelivery(DeliveryRetry)
	}
	if err != nil {
		return fmt.Errorf("federation: deliver to %s: %w", d.Inbox, err)
	}
	return nil
}

// deliverySigner signs a delivery: with the key it carries, or as its group's actor (the
// instance actor for group 0) with the key of the moment.
func (s *Service) deliverySigner(ctx context.Context, j *store.Job, d Delivery) (activitypub.Signer, error) {
	if d.KeyID != 0 {
		return s.retiredSigner(ctx, j, d)
	}
	actor := s.InstanceActorURL()
	if d.GroupID != 0 {
		g, err := s.db.GroupByID(ctx, d.GroupID)
		if errors.Is(err, store.ErrNotFound) {
			return activitypub.Signer{}, fmt.Errorf("%w: federation: delivery %d: group %d is gone", errPermanent, j.ID, d.GroupID)
		}
		if err != nil {
			return activitypub.Signer{}, err
		}
		actor = s.ActorURL(g.Slug)
	}
	return s.signer(ctx, d.GroupID, actor)
}

// Outcomes of a delivery, as Options.Deliveries counts them.
const (
	DeliveryDelivered = "delivered" // the inbox took it
	DeliverySkipped   = "skipped"   // not sent: sent before, or its server is dead
	DeliveryBlocked   = "blocked"   // not sent: the operator blocked its server or actor
	DeliveryRefused   = "refused"   // the inbox refused it for good
	DeliveryRetry     = "retry"     // failed; tried again later
)

func (s *Service) countDelivery(outcome string) {
	if s.deliveries != nil {
		s.deliveries(outcome)
	}
}

var errPermanent = errors.New("federation: permanent")

// IsPermanent tells whether a delivery failed for good: the inbox refused it (4xx other than
// 408 and 429), its address is refused by the guard, or the job cannot be read.
func IsPermanent(err error) bool {
	var se *activitypub.StatusError
	return errors.Is(err, errPermanent) || errors.Is(err, activitypub.ErrRefusedAddress) ||
		(errors.As(err, &se) && se.Permanent())
}

// keyResolver finds the keys of incoming signatures: from the cache of remote actors, else by
// fetching the key's owner (signed by the instance actor). A known actor that comes with
// another key is refused: keys are not replaced.
type keyResolver struct{ s *Service }

func (k keyResolver) PublicKey(ctx context.Context, id string) (*activitypub.Key, error) {
	s := k.s
	if err := s.admit(ctx, id); err != nil {
		return nil, err
	}
	if key, err := k.cached(ctx, id); !errors.Is(err, store.ErrNotFound) {
		if err == nil {
			err = s.refuseBlocked(ctx, key.Owner)
		}
		if err != nil {
			return nil, err
		}
		return key, nil
	}
	if err := s.budgetKeyFetch(ctx, id); err != nil {
		return nil, err
	}
	actor, err := s.fetchKeyOwner(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.refuseBlocked(ctx, actor.ID); err != nil {
		return nil, err
	}
	key, err := activitypub.KeyFromActor(actor, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.db.RemoteActorByID(ctx, actor.ID); err == nil {
		return nil, fmt.Errorf("federation: %s signs with a new key %s; its keys are not replaced", actor.ID, id)
	}
	err = s.db.AddRemoteActor(ctx, store.RemoteActor{ID: actor.ID, KeyID: id, PublicKeyPEM: actor.PublicKey.PublicKeyPEM,
		Inbox: actor.Inbox, SharedInbox: actor.SharedInbox(), FetchedAt: s.now()})
	if errors.Is(err, store.ErrConflict) {
		// another request cached it at the same time: the cached one counts
		return k.cached(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	return key, nil
}

func (k keyResolver) cached(ctx context.Context, id string) (*activitypub.Key, error) {
	ra, err := k.s.db.RemoteActorByKey(ctx, id)
	if err != nil {
		return nil, err
	}
	pub, err := activitypub.ParsePublicKey(ra.PublicKeyPEM)
	if err != nil {
		return nil, err
	}
	return &activitypub.Key{ID: id, Owner: ra.ID, Public: pub}, nil
}

// fetchKeyOwner fetches the actor a key ID names: Mastodon's key IDs are the actor with a
// fragment; GoToSocial's are a document of their own that names its owner.
func (s *Service) fetchKeyOwner(ctx context.Context, id string) (*activitypub.Actor, error) {
	u, err := url.Parse(id)
	if err != nil {
		return nil, err
	}
	u.Fragment = ""
	signer, err := s.signer(ctx, 0, s.InstanceActorURL())
	if err != nil {
		return nil, err
	}
	b, final, err := s.client.Fetch(ctx, u.String(), &signer)
	if err != nil {
		return nil, err
	}
	if a, err := activitypub.ParseActor(b); err == nil && a.PublicKey.ID == id && activitypub.SameOrigin(a.ID, final) {
		return a, nil
	}
	var doc struct {
		Owner     string `json:"owner"`
		PublicKey struct {
			ID    string `json:"id"`
			Owner string `json:"owner"`
		} `json:"publicKey"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", activitypub.ErrInvalid, id, err)
	}
	owner := doc.Owner
	if owner == "" && doc.PublicKey.ID == id {
		owner = doc.PublicKey.Owner
	}
	if owner == "" || !activitypub.SameOrigin(owner, id) || !activitypub.SameOrigin(owner, final) {
		return nil, fmt.Errorf("%w: key %s names no owner on its server", activitypub.ErrInvalid, id)
	}
	return s.client.FetchActor(ctx, owner, &signer)
}
