package federation

import (
	"context"
	"errors"
	"strconv"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// A reply from the Fediverse that became a comment is passed on to the group's followers
// (FEP-1b12): the group Announces the Note, so that they see the thread; when the comment goes
// (its author deletes the Note), the group Undoes the Announce.
// Both go through the deliveries of publish.go: one job per inbox, recorded once. The author's
// own server gets them too when followers of the group are there: it has the Note, but they
// see it only through the group.

// ErrGone is what the Fediverse had from us and has no more: an Announce the group undid
// (answer 410).
var ErrGone = errors.New("federation: gone")

// announceID is the id of the group's Announce of a Note, named by the comment it became (one
// per Note): the same for the same Note, so that its Undo names it, a redelivery is recorded
// once, and a GET of it finds it (Announce).
func (s *Service) announceID(g *store.Group, r store.FediverseReply) string {
	return s.ActorURL(g.Slug) + "-/announce/" + strconv.FormatInt(r.ContributionID, 10)
}

// announce is the group's Announce of a remote author's Note.
func (s *Service) announce(g *store.Group, r store.FediverseReply, now time.Time) *activitypub.Activity {
	return &activitypub.Activity{ID: s.announceID(g, r), Type: activitypub.TypeAnnounce,
		Actor: activitypub.IRI(s.ActorURL(g.Slug)), Object: activitypub.Ref(r.NoteID),
		To: activitypub.Audience{activitypub.Public}, Cc: activitypub.Audience{s.followersURL(g.Slug), r.ActorID},
		Published: now.UTC().Truncate(time.Second)}
}

// announceReply queues the group's Announce of a reply that became a comment: call it in the
// transaction that stores the comment.
func (s *Service) announceReply(ctx context.Context, q *store.Queries, g *store.Group, r store.FediverseReply, now time.Time) error {
	return s.send(ctx, q, g, s.announce(g, r, now))
}

// unannounceReply queues the Undo of the group's Announce of a reply whose comment went.
func (s *Service) unannounceReply(ctx context.Context, q *store.Queries, g *store.Group, r store.FediverseReply, now time.Time) error {
	ann := s.announce(g, r, now)
	undo := &activitypub.Activity{ID: ann.ID + "#undo", Type: activitypub.TypeUndo, Actor: ann.Actor,
		Object: activitypub.Embed(ann), To: ann.To, Cc: ann.Cc, Published: ann.Published}
	return s.send(ctx, q, g, undo)
}

// CommentDeleted queues, in the transaction that deletes comment id, the removal of its
// pictures and the Undo of the group's Announce when the comment was a reply from the
// Fediverse (a member deleted it).
func (s *Service) CommentDeleted(ctx context.Context, q *store.Queries, id int64) error {
	r, err := q.FediverseReplyByContribution(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.dropPictures(ctx, q, id); err != nil {
		return err
	}
	if !s.Enabled() {
		return nil
	}
	return s.replyGone(ctx, q, r)
}

// replyGone queues the Undo of the Announce of a reply whose comment was deleted.
func (s *Service) replyGone(ctx context.Context, q *store.Queries, r *store.FediverseReply) error {
	c, err := q.ContributionByID(ctx, r.ContributionID)
	if err != nil {
		return err
	}
	a, err := q.AssociationOf(ctx, c.ContentID, 0)
	if err != nil {
		return err
	}
	g, err := q.GroupByID(ctx, a.GroupID)
	if err != nil {
		return err
	}
	return s.unannounceReply(ctx, q, g, *r, s.now())
}

// AnnouncedReply is what the id of a group's Announce answers: the Announce, and the page of
// the comment for browsers.
type AnnouncedReply struct {
	Announce *activitypub.Activity
	Page     string // the content's page, at the comment
}

// Announce finds the group's Announce of a reply by the last part of its id, as long as it
// stands; ErrGone once its Undo went out (the comment was deleted); ErrNotFound for what the
// group never announced, or when the group or the content is not visible in the Fediverse.
func (s *Service) Announce(ctx context.Context, slug, id string) (*AnnouncedReply, error) {
	g, err := s.visibleGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != id {
		return nil, ErrNotFound
	}
	r, err := s.db.FediverseReplyByContribution(ctx, n)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c, err := s.db.ContributionByID(ctx, r.ContributionID)
	if err != nil {
		return nil, err
	}
	a, err := s.db.AssociationOf(ctx, c.ContentID, 0)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	switch {
	case a.GroupID != g.ID || a.Deleted.Valid || !a.Public:
		return nil, ErrNotFound
	case c.Deleted.Valid:
		return nil, ErrGone
	}
	return &AnnouncedReply{Announce: s.announce(g, *r, c.TimeCreated),
		Page: s.ActorURL(g.Slug) + a.Slug + "/#contribution-" + strconv.FormatInt(c.ID, 10)}, nil
}
