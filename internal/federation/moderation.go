package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// ErrNoFollow is a decision on a follow that is not there (any more), or that is accepted
// already.
var ErrNoFollow = errors.New("federation: no such follow")

// CanManageFollowers: a group's members see who follows it from the Fediverse, remove
// followers and decide on the follows a closed group holds, as they decide on applications.
func CanManageFollowers(v *access.Viewer, g *store.Group) bool { return v.IsMember(g.ID) }

// FollowerEntry is a follower as the group's members see it.
type FollowerEntry struct {
	Actor string // the actor's IRI
	// Handle is @name@host when the IRI has a form that names the account (/users/name,
	// /@name, ...); "" otherwise.
	Handle   string
	Instance string // the server, host[:port]
	Since    time.Time
	Pending  bool // a closed group's follow that waits for the members
}

// FollowersOf lists a group's followers and pending follows, the oldest first.
func (s *Service) FollowersOf(ctx context.Context, g *store.Group) ([]FollowerEntry, error) {
	list, err := s.db.Followers(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	out := make([]FollowerEntry, 0, len(list))
	for _, f := range list {
		out = append(out, FollowerEntry{Actor: f.ActorID, Handle: handleOf(f.ActorID), Instance: instanceOf(f.ActorID),
			Since: f.CreatedAt, Pending: !f.Accepted})
	}
	return out, nil
}

// handleOf makes @name@host from the actor IRIs of Mastodon, GoToSocial, Pleroma, Akkoma
// and others (/users/name, /u/name, /@name); other forms (Misskey's /users/<id>) would give
// a wrong name, but it is only shown, never used to address anyone.
func handleOf(actor string) string {
	u, err := url.Parse(actor)
	if err != nil || u.Host == "" {
		return ""
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	name := ""
	switch {
	case len(parts) == 1 && strings.HasPrefix(parts[0], "@"):
		name = parts[0][1:]
	case len(parts) == 2 && (parts[0] == "users" || parts[0] == "u" || parts[0] == "accounts"):
		name = parts[1]
	}
	if !validUsername(name) {
		return ""
	}
	return "@" + name + "@" + u.Host
}

// validUsername is a Fediverse username as handles show it: 1 to 64 letters, digits, "_",
// "." or "-".
func validUsername(name string) bool {
	return name != "" && len(name) <= 64 && !strings.ContainsFunc(name, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-')
	})
}

// AcceptFollower accepts a closed group's pending follow: the follower is counted and hears
// the group's Accept. ErrNoFollow when nothing is pending.
func (s *Service) AcceptFollower(ctx context.Context, g *store.Group, actor string) error {
	f, err := s.db.Follower(ctx, g.ID, actor)
	if errors.Is(err, store.ErrNotFound) || (err == nil && f.Accepted) {
		return ErrNoFollow
	}
	if err != nil {
		return err
	}
	body, err := s.acceptOf(g, &activitypub.Activity{ID: f.FollowID, Type: activitypub.TypeFollow, Actor: activitypub.IRI(f.ActorID)})
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		ok, err := q.AcceptFollower(ctx, g.ID, actor)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoFollow
		}
		_, err = q.Enqueue(ctx, JobDeliver, Delivery{GroupID: g.ID, Inbox: f.Inbox, Activity: body}, s.now())
		return err
	})
}

// RemoveFollower ends a follow, pending (the members reject it) or accepted (they remove
// the follower): the group sends a Reject of the Follow. Mastodon ends an accepted follow
// on it; GoToSocial v0.18.3 ends only a pending one (it has no handling of a Reject, or an
// Undo of an Accept, for a follow it holds as accepted), so its account may still show
// "following" there; we count it no longer and send it nothing. ErrNoFollow when there is
// no such follow.
func (s *Service) RemoveFollower(ctx context.Context, g *store.Group, actor string) error {
	f, err := s.db.Follower(ctx, g.ID, actor)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoFollow
	}
	if err != nil {
		return err
	}
	body, err := s.rejectOf(g, f)
	if err != nil {
		return err
	}
	blocked, err := s.Blocked(ctx, f.Inbox)
	if err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		ok, err := q.RemoveFollower(ctx, g.ID, actor)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoFollow
		}
		if blocked {
			return nil
		}
		_, err = q.Enqueue(ctx, JobDeliver, Delivery{GroupID: g.ID, Inbox: f.Inbox, Activity: body}, s.now())
		return err
	})
}

// rejectOf is the group's Reject of a follower's Follow, with the Follow embedded (as
// Mastodon sends it when someone removes a follower).
func (s *Service) rejectOf(g *store.Group, f *store.Follower) ([]byte, error) {
	actor := s.ActorURL(g.Slug)
	sum := sha256.Sum256([]byte(f.FollowID + "\x00" + s.now().UTC().Format(time.RFC3339Nano)))
	return activitypub.Encode(&activitypub.Activity{
		ID: actor + "#rejects/" + hex.EncodeToString(sum[:16]), Type: activitypub.TypeReject,
		Actor: activitypub.IRI(actor), To: activitypub.Audience{f.ActorID},
		Object: activitypub.Embed(&activitypub.Activity{ID: f.FollowID, Type: activitypub.TypeFollow,
			Actor: activitypub.IRI(f.ActorID), Object: activitypub.Ref(actor)}),
	})
}
