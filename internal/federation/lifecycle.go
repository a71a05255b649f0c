package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// A group's actor lives as long as the group is visible in the Fediverse. When what it shows
// changes (name, description, pictures, open or closed, its key), its followers get an Update
// of it; when the group is deleted or leaves the Fediverse, a Delete of it, and their follows
// end (a group that comes back starts without followers).
//
// The instance actor has no followers: a rotation of its key is sent to nobody; servers fetch
// it again when its signatures stop matching.

// JobActorUpdate is the kind of the job that sends a group's actor, as it is when the job
// runs, to its followers.
const JobActorUpdate = "activitypub.actor-update"

// ActorUpdateDelay is the window whose changes of a group's actor go out as one Update: a job
// per group and window, run when the window has closed.
const ActorUpdateDelay = 30 * time.Second

// actorUpdateMargin lets a transaction that queued the job in the window's last moment commit
// before the job reads the group.
const actorUpdateMargin = 5 * time.Second

type actorUpdateJob struct {
	GroupID int64 `json:"group_id"`
	// SignWith is the key the actor had before a rotation, retired (its id; the job carries
	// no key): the Update goes out signed with it. GoToSocial v0.18.3 checks a signature with
	// the key it has cached and takes a new one only from an Update that passed that check;
	// Mastodon takes it from the Update too, and fetches the actor again when a signature
	// fails.
	SignWith int64 `json:"sign_with_key,omitempty"`
}

// ActorChanged queues the Update of a group's actor after a change of what it shows (name,
// description, avatar, logo, open or closed): call it in the transaction that writes the
// change. Changes in one ActorUpdateDelay send one Update. A group that is not visible and
// has no followers gets none; one that stopped being visible (closed without a choice of its
// own) leaves the Fediverse when the job runs.
func (s *Service) ActorChanged(ctx context.Context, q *store.Queries, groupID int64) error {
	if !s.Enabled() {
		return nil
	}
	g, err := q.GroupByID(ctx, groupID)
	if err != nil {
		return err
	}
	visible, err := visibleIn(ctx, q, g)
	if err != nil {
		return err
	}
	if !visible {
		if n, err := q.FollowerCount(ctx, groupID); err != nil || n == 0 {
			return err
		}
	}
	window := s.now().Truncate(ActorUpdateDelay)
	key := JobActorUpdate + ":" + strconv.FormatInt(groupID, 10) + ":" + strconv.FormatInt(window.Unix(), 10)
	if _, err := q.EnqueueUnique(ctx, key, JobActorUpdate, actorUpdateJob{GroupID: groupID},
		window.Add(ActorUpdateDelay+actorUpdateMargin)); err != nil {
		return fmt.Errorf("federation: actor of %d changed: %w", groupID, err)
	}
	return nil
}

// UpdateActor runs a JobActorUpdate in the transaction that completes the job: the followers
// of a visible group get an Update of its actor; those of a group that is no longer visible
// a Delete of it.
func (s *Service) UpdateActor(ctx context.Context, q *store.Queries, j *store.Job) error {
	var p actorUpdateJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: federation: actor update job %d: %w", errPermanent, j.ID, err)
	}
	if !s.Enabled() {
		return nil
	}
	g, err := q.GroupByID(ctx, p.GroupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted: ActorGone sent the Delete
	}
	if err != nil {
		return err
	}
	visible, err := visibleIn(ctx, q, g)
	if err != nil {
		return err
	}
	if !visible {
		return s.retract(ctx, q, g)
	}
	if n, err := q.FollowerCount(ctx, g.ID); err != nil || n == 0 {
		return err
	}
	pem, err := q.ActorKey(ctx, g.ID)
	if err != nil {
		return err
	}
	k, err := activitypub.ParsePrivateKey(pem)
	if err != nil {
		return err
	}
	actor, err := s.actorOf(g, k)
	if err != nil {
		return err
	}
	now := s.now()
	upd := &activitypub.Activity{ID: actor.ID + "#updates/" + strconv.FormatInt(now.UnixNano(), 36), Type: activitypub.TypeUpdate,
		Actor: activitypub.IRI(actor.ID), Object: activitypub.Embed(actor), To: activitypub.Audience{activitypub.Public},
		Cc: activitypub.Audience{actor.Followers}, Published: now.UTC().Truncate(time.Second)}
	return s.sendSigned(ctx, q, g, upd, p.SignWith)
}

// ActorGone sends the Delete of a group's actor to its followers, and ends their follows: call
// it in the transaction that deletes the group, before the rows go, or that gives it a new
// slug, with the group as it was (its actor's id changes; the old one answers no more, and
// servers hold follows by id). The deliveries are signed with the actor's key as it is now,
// kept retired for their days of retries: it goes with a deleted group.
func (s *Service) ActorGone(ctx context.Context, q *store.Queries, g *store.Group) error {
	if !s.Enabled() {
		return nil
	}
	return s.leave(ctx, q, g)
}

// retract takes back from the Fediverse what a group that left it published: a Delete of
// each content, then of its actor; the follows end.
func (s *Service) retract(ctx context.Context, q *store.Queries, g *store.Group) error {
	objs, err := q.FediverseObjects(ctx, g.ID, 0, 1<<20)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if !o.DeletedAt.Valid {
			if err := s.publishDelete(ctx, q, o); err != nil {
				return err
			}
		}
	}
	return s.leave(ctx, q, g)
}

// leave sends the Delete of a group's actor to its followers, and ends their follows.
func (s *Service) leave(ctx context.Context, q *store.Queries, g *store.Group) error {
	inboxes, err := q.FollowerInboxes(ctx, g.ID)
	if err != nil {
		return err
	}
	pem, err := q.ActorKey(ctx, g.ID)
	if errors.Is(err, store.ErrNotFound) {
		inboxes = nil // never signed anything: nobody follows it
	} else if err != nil {
		return err
	}
	if len(inboxes) > 0 {
		now := s.now()
		actor := s.ActorURL(g.Slug)
		del := &activitypub.Activity{ID: actor + "#delete-" + strconv.FormatInt(now.UnixNano(), 36), Type: activitypub.TypeDelete,
			Actor: activitypub.IRI(actor), Object: activitypub.Ref(actor), To: activitypub.Audience{activitypub.Public},
			Cc: activitypub.Audience{s.followersURL(g.Slug)}, Published: now.UTC().Truncate(time.Second)}
		body, err := activitypub.Encode(del)
		if err != nil {
			return err
		}
		key, err := q.RetireKey(ctx, pem, now, now.Add(RetiredKeyLife))
		if err != nil {
			return err
		}
		jobs := make([]any, len(inboxes))
		for i, inbox := range inboxes {
			jobs[i] = Delivery{GroupID: g.ID, Inbox: inbox, Activity: body, Actor: actor, KeyID: key}
		}
		if err := q.EnqueueMany(ctx, JobDeliver, jobs, now); err != nil {
			return err
		}
	}
	_, err = q.RemoveFollowers(ctx, g.ID)
	return err
}

// rotateKey gives an actor a new key in one transaction; for a group whose followers knew the
// old one, the Update of its actor goes out signed with the old key.
func (s *Service) rotateKey(ctx context.Context, groupID int64, pem string) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		old, err := q.ActorKey(ctx, groupID)
		if errors.Is(err, store.ErrNotFound) {
			old = ""
		} else if err != nil {
			return err
		}
		if err := q.ReplaceActorKey(ctx, groupID, pem, s.now()); err != nil {
			return err
		}
		if groupID == 0 || old == "" || !s.Enabled() {
			return nil
		}
		if n, err := q.FollowerCount(ctx, groupID); err != nil || n == 0 {
			return err
		}
		retired, err := q.RetireKey(ctx, old, s.now(), s.now().Add(RetiredKeyLife))
		if err != nil {
			return err
		}
		// one job per rotation: it must not merge with an Update signed with the new key
		key := JobActorUpdate + ":" + strconv.FormatInt(groupID, 10) + ":key:" + strconv.FormatInt(s.now().UnixNano(), 10)
		_, err = q.EnqueueUnique(ctx, key, JobActorUpdate, actorUpdateJob{GroupID: groupID, SignWith: retired}, s.now())
		return err
	})
}
