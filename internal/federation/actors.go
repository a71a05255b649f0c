package federation

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"mime"
	"path"
	"strings"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/store"
)

// GroupActor is a group as the Fediverse sees it, if it is visible there (else ErrNotFound).
func (s *Service) GroupActor(ctx context.Context, slug string) (*activitypub.Actor, error) {
	g, err := s.visibleGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	k, err := s.key(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	return s.actorOf(g, k)
}

// actorOf is a group's actor with the public half of its key k. What it shows is what an
// Update of the actor sends again when it changes (groups call ActorChanged).
func (s *Service) actorOf(g *store.Group, k *rsa.PrivateKey) (*activitypub.Actor, error) {
	pub, err := activitypub.EncodePublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	id := s.ActorURL(g.Slug)
	return &activitypub.Actor{
		ID: id, Type: activitypub.TypeGroup, PreferredUsername: g.Slug, Name: g.Name,
		Summary: summary(g), URL: activitypub.Href(id),
		Inbox: s.inboxURL(g.Slug), Outbox: s.outboxURL(g.Slug), Followers: s.followersURL(g.Slug),
		Endpoints: &activitypub.Endpoints{SharedInbox: s.SharedInboxURL()},
		PublicKey: activitypub.PublicKey{ID: keyID(id), Owner: id, PublicKeyPEM: pub},
		Icon:      s.picture(g.Avatar), // the avatar
		Image:     s.picture(g.Logo),   // the header
		// Closed groups decide on each follower (their Follows stay pending for now).
		ManuallyApprovesFollowers: g.Closed,
		Discoverable:              true,
		Published:                 g.DateCreated.UTC(),
	}, nil
}

// picture is a group's avatar or logo (a file below media_root, in its directory) as an
// Image; nil for none, or for a picture an old import left without a directory.
func (s *Service) picture(file string) *activitypub.Image {
	if !strings.Contains(file, "/") {
		return nil
	}
	return &activitypub.Image{Type: activitypub.TypeImage, MediaType: mime.TypeByExtension(strings.ToLower(path.Ext(file))),
		URL: activitypub.Href(s.base + "/-/" + file)}
}

// summary is the group's description as plain paragraphs: the text is Markdown written for
// our pages, so it goes out escaped rather than rendered.
func summary(g *store.Group) string {
	if g.Description == "" {
		return ""
	}
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(g.Description, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + htmlEscaper.Replace(p) + "</p>")
		}
	}
	return b.String()
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

// InstanceActor is the site's own actor, which signs our fetches (servers with authorized
// fetch ask for a signature on every GET).
func (s *Service) InstanceActor(ctx context.Context) (*activitypub.Actor, error) {
	if !s.Enabled() {
		return nil, ErrNotFound
	}
	k, err := s.key(ctx, 0)
	if err != nil {
		return nil, err
	}
	pub, err := activitypub.EncodePublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	id := s.InstanceActorURL()
	return &activitypub.Actor{
		ID: id, Type: activitypub.TypeApplication, PreferredUsername: instanceUsername, Name: s.domain,
		URL: activitypub.Href(s.base + "/"), Inbox: s.SharedInboxURL(),
		Endpoints: &activitypub.Endpoints{SharedInbox: s.SharedInboxURL()},
		PublicKey: activitypub.PublicKey{ID: keyID(id), Owner: id, PublicKeyPEM: pub},
		// Followers are asked for by the group actors only.
		ManuallyApprovesFollowers: true,
	}, nil
}

// WebFinger answers acct:<slug>@<domain> for a group visible in the Fediverse, and for the
// instance actor.
func (s *Service) WebFinger(ctx context.Context, resource string) (*activitypub.JRD, error) {
	if !s.Enabled() {
		return nil, ErrNotFound
	}
	user, host, err := activitypub.ParseAcct(resource)
	if err != nil || !strings.EqualFold(host, s.domain) {
		return nil, ErrNotFound
	}
	if user == instanceUsername {
		id := s.InstanceActorURL()
		j := activitypub.ActorJRD(user, s.domain, id, s.base+"/")
		return &j, nil
	}
	g, err := s.visibleGroup(ctx, user)
	if errors.Is(err, ErrNotFound) {
		return nil, s.goneOr(ctx, user, err)
	}
	if err != nil {
		return nil, err
	}
	id := s.ActorURL(g.Slug)
	j := activitypub.ActorJRD(g.Slug, s.domain, id, id)
	return &j, nil
}

// goneOr is ErrGone for a slug that a group gave up recently, by a new slug or its deletion,
// and nobody uses (its old account: remote servers stop writing to it), else err.
func (s *Service) goneOr(ctx context.Context, slug string, err error) error {
	reserved, rerr := s.db.SlugReserved(ctx, slug, s.now())
	if rerr != nil {
		return rerr
	}
	if reserved {
		return fmt.Errorf("%w: %s", ErrGone, slug)
	}
	return err
}

// SlugGone tells whether /<slug>/, asked for as ActivityPub, is a group's old actor (answer
// 410): a slug that a group changed away from, or had when it was deleted, recently and
// nobody uses.
func (s *Service) SlugGone(ctx context.Context, slug string) (bool, error) {
	if !s.Enabled() {
		return false, nil
	}
	return s.db.SlugReserved(ctx, slug, s.now())
}

// Followers is a group's followers collection: the count only; who follows is not shown to
// the public.
func (s *Service) Followers(ctx context.Context, slug string) (*activitypub.OrderedCollection, error) {
	g, err := s.visibleGroup(ctx, slug)
	if err != nil {
		return nil, err
	}
	n, err := s.db.FollowerCount(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	return &activitypub.OrderedCollection{ID: s.followersURL(g.Slug), Type: activitypub.TypeOrderedCollection, TotalItems: n}, nil
}
