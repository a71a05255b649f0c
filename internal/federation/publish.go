package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// JobPublish is the kind of the job that tells a group's followers of a change of one of its
// contents: a Create, an Update or a Delete, one delivery job per inbox.
const JobPublish = "activitypub.publish"

type publishJob struct {
	AssociationID int64 `json:"association_id"`
}

// ContentChanged queues the publication of a change of a content (created, edited, made
// internal or public, moved, deleted): call it in the transaction that writes the change.
// It does nothing when the site does not federate; the job decides what the change means for
// the Fediverse when it runs.
func (s *Service) ContentChanged(ctx context.Context, q *store.Queries, associationID int64, now time.Time) error {
	if !s.Enabled() {
		return nil
	}
	if _, err := q.Enqueue(ctx, JobPublish, publishJob{AssociationID: associationID}, now); err != nil {
		return fmt.Errorf("federation: publish %d: %w", associationID, err)
	}
	return nil
}

// Publish runs a JobPublish in the transaction that completes the job, so that its deliveries
// are queued exactly once. What the followers get follows from the content now and what they
// got before: a public content of a visible group that they do not have comes as a Create,
// one they have as an Update (when it changed), and one that is gone, internal, moved to
// another group or whose group left the Fediverse as a Delete.
//
// The group is the author, so its followers have the Create itself; an Announce of it as
// well (FEP-1b12's way to pass on what members of a group write) shows in GoToSocial as a
// second entry, a boost of the post, in the home timeline: we send none.
func (s *Service) Publish(ctx context.Context, q *store.Queries, j *store.Job) error {
	var p publishJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: federation: publish job %d: %w", errPermanent, j.ID, err)
	}
	if !s.Enabled() {
		return nil
	}
	prev, err := q.FediverseObject(ctx, p.AssociationID)
	if errors.Is(err, store.ErrNotFound) {
		prev = nil
	} else if err != nil {
		return err
	}
	a, g, err := s.publicContent(ctx, q, p.AssociationID)
	if err != nil {
		return err
	}
	live := prev != nil && !prev.DeletedAt.Valid
	if live && (a == nil || prev.GroupID != g.ID) {
		if err := s.publishDelete(ctx, q, prev); err != nil {
			return err
		}
		live = false
	}
	if a == nil {
		return nil
	}
	if !live {
		return s.publishCreate(ctx, q, a, g, prev)
	}
	return s.publishUpdate(ctx, q, a, g, prev)
}

// publicContent is the association with its group when the Fediverse is to have it: not
// deleted, public, of a group visible there; else nil.
func (s *Service) publicContent(ctx context.Context, q *store.Queries, id int64) (*store.Association, *store.Group, error) {
	a, err := q.AssociationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil || a.Deleted.Valid || !a.Public || a.GroupID == 0 || a.ContentID == 0 {
		return nil, nil, err
	}
	g, err := q.GroupByID(ctx, a.GroupID)
	if err != nil {
		return nil, nil, err
	}
	if ok, err := visibleIn(ctx, q, g); err != nil || !ok {
		return nil, nil, err
	}
	return a, g, nil
}

// visibleIn is Service.Visible in a transaction (federation is on).
func visibleIn(ctx context.Context, q *store.Queries, g *store.Group) (bool, error) {
	v, set, err := q.FediverseVisibility(ctx, g.ID)
	if err != nil || !set {
		return !g.Closed, err
	}
	return v, nil
}

// publishCreate sends a new object (or one deleted before, under a new id: servers keep the
// ids of deleted objects as tombstones).
func (s *Service) publishCreate(ctx context.Context, q *store.Queries, a *store.Association, g *store.Group, prev *store.FediverseObject) error {
	now := s.now().Truncate(time.Second)
	id := s.ActorURL(g.Slug) + a.Slug + "/"
	if prev != nil && prev.ObjectID == id {
		id += "?v=" + strconv.FormatInt(now.Unix(), 10)
	} else if taken, err := q.FediverseObjectByID(ctx, id); err == nil && taken.AssociationID != a.ID {
		// the slug of an earlier, deleted content
		id += "?v=" + strconv.FormatInt(a.ID, 10)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	doc, err := s.object(ctx, q, a, g, id, time.Time{})
	if err != nil {
		return err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	o := &store.FediverseObject{AssociationID: a.ID, GroupID: g.ID, ObjectID: id, Body: body, PublishedAt: now, UpdatedAt: now}
	if err := q.SaveFediverseObject(ctx, o); err != nil {
		return err
	}
	return s.send(ctx, q, g, s.activity(activitypub.TypeCreate, g, id+"#create", doc, now))
}

// publishUpdate sends the object again when it changed for the Fediverse.
func (s *Service) publishUpdate(ctx context.Context, q *store.Queries, a *store.Association, g *store.Group, prev *store.FediverseObject) error {
	// the object as it would be with the time of the last update it went out with
	var last struct {
		Updated time.Time `json:"updated"`
	}
	_ = json.Unmarshal(prev.Body, &last)
	doc, err := s.object(ctx, q, a, g, prev.ObjectID, last.Updated)
	if err != nil {
		return err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	if bytes.Equal(body, prev.Body) {
		return nil // pinned, say: nothing the Fediverse sees
	}
	// to the second, as it is sent: the store keeps it so, and the next edit compares with it
	now := s.now().Truncate(time.Second)
	if doc, err = s.object(ctx, q, a, g, prev.ObjectID, now); err != nil {
		return err
	}
	if body, err = json.Marshal(doc); err != nil {
		return err
	}
	o := *prev
	o.Body, o.UpdatedAt = body, now
	if err := q.SaveFediverseObject(ctx, &o); err != nil {
		return err
	}
	id := prev.ObjectID + "#update-" + strconv.FormatInt(s.now().UnixNano(), 36)
	return s.send(ctx, q, g, s.activity(activitypub.TypeUpdate, g, id, doc, now))
}

// publishDelete replaces the object by a Tombstone, for the followers of the group that
// published it.
func (s *Service) publishDelete(ctx context.Context, q *store.Queries, prev *store.FediverseObject) error {
	g, err := q.GroupByID(ctx, prev.GroupID)
	if err != nil {
		return err
	}
	now := s.now()
	if err := q.DeleteFediverseObject(ctx, prev.AssociationID, now); err != nil {
		return err
	}
	var head struct {
		Type activitypub.Type `json:"type"`
	}
	_ = json.Unmarshal(prev.Body, &head)
	tomb := &activitypub.Tombstone{ID: prev.ObjectID, Type: activitypub.TypeTombstone, FormerType: head.Type, Deleted: now.UTC()}
	return s.send(ctx, q, g, s.activity(activitypub.TypeDelete, g, prev.ObjectID+"#delete", tomb, now))
}

// activity is a group's activity about an object, public and to its followers.
func (s *Service) activity(t activitypub.Type, g *store.Group, id string, object activitypub.Document, now time.Time) *activitypub.Activity {
	return &activitypub.Activity{ID: id, Type: t, Actor: activitypub.IRI(s.ActorURL(g.Slug)),
		Object: activitypub.Embed(object), To: activitypub.Audience{activitypub.Public},
		Cc: activitypub.Audience{s.followersURL(g.Slug)}, Published: now.UTC()}
}

// send queues an activity to every inbox of the group's followers, once per inbox.
func (s *Service) send(ctx context.Context, q *store.Queries, g *store.Group, act *activitypub.Activity) error {
	return s.sendSigned(ctx, q, g, act, 0)
}

// sendSigned is send with the deliveries signed by a retired key (its id) instead of the
// group's key of the moment (0: that one).
func (s *Service) sendSigned(ctx context.Context, q *store.Queries, g *store.Group, act *activitypub.Activity, key int64) error {
	body, err := activitypub.Encode(act)
	if err != nil {
		return err
	}
	inboxes, err := q.FollowerInboxes(ctx, g.ID)
	if err != nil {
		return err
	}
	now := s.now()
	var jobs []any
	for _, inbox := range inboxes {
		id, err := q.AddDelivery(ctx, g.ID, act.ID, inbox, now)
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		if err != nil {
			return err
		}
		d := Delivery{GroupID: g.ID, Inbox: inbox, Activity: body, DeliveryID: id}
		if key != 0 {
			d.Actor, d.KeyID = s.ActorURL(g.Slug), key
		}
		jobs = append(jobs, d)
	}
	if len(jobs) == 0 {
		return nil
	}
	return q.EnqueueMany(ctx, JobDeliver, jobs, now)
}
