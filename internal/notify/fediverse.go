package notify

import (
	"context"
	"errors"
	"math"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// fediverseAddressee names the person in the Fediverse whom a reply to a conversation's
// mail reaches too, with the member's name; "" for nobody. It asks what
// federation.answerTarget decides (which this package cannot import): a conversation that
// somebody in the Fediverse wrote in, of a group that still takes such conversations, with
// an author whose inbox is on its own server.
func (n *Notifier) fediverseAddressee(ctx context.Context, q *store.Queries, g *store.Group, conversationID int64) (string, error) {
	if !n.cfg.ActivityPub.Enabled || g == nil {
		return "", nil
	}
	latest, err := q.LatestRemoteNote(ctx, conversationID, math.MaxInt64)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	visible, set, err := q.FediverseVisibility(ctx, g.ID)
	if err != nil || (set && !visible) || (!set && g.Closed) {
		return "", err
	}
	if on, err := q.FediverseConversations(ctx, g.ID); err != nil || !on {
		return "", err
	}
	actor, err := q.RemoteActorByID(ctx, latest.ActorID)
	if err != nil || !activitypub.SameOrigin(actor.Inbox, actor.ID) {
		return "", err
	}
	a, err := q.RemoteAuthorByActor(ctx, latest.ActorID)
	switch {
	case err != nil:
		return "", err
	case a.Handle != "":
		return a.Handle, nil
	case a.Name != "":
		return a.Name, nil
	}
	return a.ActorID, nil
}
