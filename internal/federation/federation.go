// Package federation makes grouprise's groups ActivityPub actors that people elsewhere in the
// Fediverse follow: actors and their keys, WebFinger, the inbox, and deliveries by job.
package federation

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/store"
)

var (
	// ErrNotFound is what is not there for the Fediverse: federation off, an unknown group,
	// or one that is not visible there (answer 404).
	ErrNotFound = fmt.Errorf("federation: %w", store.ErrNotFound)
	// ErrIgnored is a well-signed activity that we take and drop (answer 202).
	ErrIgnored = errors.New("federation: activity ignored")
)

// instanceUsername is the instance actor's preferredUsername: a reserved slug, so that no
// group has it.
const instanceUsername = "stadt"

// Options are what tests change.
type Options struct {
	// TLS is the configuration of outgoing https requests (nil: the system's roots).
	TLS *tls.Config
	// Version names the build in the User-Agent.
	Version string
	// Deliveries counts each delivery's outcome (DeliveryDelivered, ...); nil: not counted.
	Deliveries func(outcome string)
	// Images decodes the remote authors' avatars and the replies' pictures (nil: a renderer
	// of one slot of the service's own).
	Images *images.Renderer
	// Log takes what a job drops without failing (nil: nowhere).
	Log *slog.Logger
}

// Service is federation for one site.
type Service struct {
	db       *store.DB
	enabled  bool
	base     string // https://<domain>
	domain   string
	client   *activitypub.Client
	verifier *activitypub.Verifier
	now      func() time.Time
	zone     *time.Location // where the site's events take place
	// inboxLimit is how many inbox POSTs a remote server may send a minute.
	inboxLimit int
	deliveries func(outcome string)
	log        *slog.Logger
	media      string // media_root, where avatars and pictures go
	images     *images.Renderer
	fetching   sync.Mutex // held by the media job that fetches (avatars.go)

	// keys are the actors' private keys parsed, by group (0: the instance actor), with the
	// PEM they were parsed from: a rotation by another process shows in the store.
	mu   sync.Mutex
	keys map[int64]parsedKey
}

type parsedKey struct {
	pem string
	key *rsa.PrivateKey
}

// New makes the service from the configuration (activitypub.enabled, the domain and the
// networks the outgoing-request guard lets through).
func New(db *store.DB, cfg *config.Config, opts Options) *Service {
	s := &Service{
		db: db, enabled: cfg.ActivityPub.Enabled, base: cfg.BaseURL(), domain: cfg.Domain, now: time.Now, zone: cfg.Location(),
		client: activitypub.NewClient(activitypub.ClientConfig{Domain: cfg.Domain, Version: opts.Version,
			AllowedNetworks: cfg.ActivityPub.PrivateNetworks(), TLS: opts.TLS}),
		keys: map[int64]parsedKey{}, inboxLimit: cfg.ActivityPub.InboxLimit, deliveries: opts.Deliveries,
		media: cfg.MediaRoot, images: opts.Images,
	}
	if s.images == nil {
		s.images = images.NewRenderer(1)
	}
	if s.log = opts.Log; s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.inboxLimit <= 0 {
		s.inboxLimit = 300
	}
	s.verifier = &activitypub.Verifier{Keys: keyResolver{s}}
	return s
}

// Enabled tells whether the site federates at all (activitypub.enabled).
func (s *Service) Enabled() bool { return s != nil && s.enabled }

// ActorURL is a group's actor: its page, asked for as ActivityPub (design §10).
func (s *Service) ActorURL(slug string) string { return s.base + "/" + slug + "/" }

func (s *Service) inboxURL(slug string) string     { return s.ActorURL(slug) + "-/inbox" }
func (s *Service) outboxURL(slug string) string    { return s.ActorURL(slug) + "-/outbox" }
func (s *Service) followersURL(slug string) string { return s.ActorURL(slug) + "-/followers" }

// SharedInboxURL is the inbox for all groups.
func (s *Service) SharedInboxURL() string { return s.base + "/stadt/activitypub/inbox" }

// InstanceActorURL is the actor that signs our fetches.
func (s *Service) InstanceActorURL() string { return s.base + "/stadt/activitypub/actor" }

func keyID(actor string) string { return actor + "#main-key" }

// Handle is a group's address in the Fediverse, @slug@domain.
func (s *Service) Handle(slug string) string { return "@" + slug + "@" + s.domain }

// Visible tells whether a group is visible in the Fediverse: federation is on, and the group
// chose so, or (without a choice) it is not closed.
func (s *Service) Visible(ctx context.Context, g *store.Group) (bool, error) {
	if !s.Enabled() {
		return false, nil
	}
	v, set, err := s.db.FediverseVisibility(ctx, g.ID)
	if err != nil || !set {
		return !g.Closed, err
	}
	return v, nil
}

// SetVisible records a group's choice; the caller has checked that the viewer may change the
// group.
func (s *Service) SetVisible(ctx context.Context, g *store.Group, visible bool) error {
	if !s.Enabled() {
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.SetFediverseVisibility(ctx, g.ID, visible); err != nil || visible {
			return err
		}
		// A group that leaves the Fediverse takes its contents and actor back (Delete).
		return s.retract(ctx, q, g)
	})
}

// FollowerCount is the number of a group's accepted followers.
func (s *Service) FollowerCount(ctx context.Context, g *store.Group) (int, error) {
	return s.db.FollowerCount(ctx, g.ID)
}

// visibleGroup is the group with the slug if it is visible in the Fediverse.
func (s *Service) visibleGroup(ctx context.Context, slug string) (*store.Group, error) {
	if !s.Enabled() {
		return nil, ErrNotFound
	}
	g, err := s.db.GroupBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.Visible(ctx, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrNotFound
	}
	return g, nil
}

// groupOfActor is the group whose actor IRI is iri (visible or not), or ErrNotFound.
func (s *Service) groupOfActor(ctx context.Context, iri string) (*store.Group, error) {
	rest, ok := strings.CutPrefix(iri, s.base+"/")
	slug, ok2 := strings.CutSuffix(rest, "/")
	if !ok || !ok2 || slug == "" || strings.ContainsAny(slug, "/?#") {
		return nil, ErrNotFound
	}
	g, err := s.db.GroupBySlug(ctx, slug)
	if errors.Is(err, store.ErrNotFound) || (err == nil && s.ActorURL(g.Slug) != iri) {
		return nil, ErrNotFound
	}
	return g, err
}

// key is an actor's private key (groupID 0: the instance actor's), made on first use.
func (s *Service) key(ctx context.Context, groupID int64) (*rsa.PrivateKey, error) {
	pem, err := s.db.ActorKey(ctx, groupID)
	if errors.Is(err, store.ErrNotFound) {
		if pem, err = s.makeKey(ctx, groupID); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	s.mu.Lock()
	p := s.keys[groupID]
	s.mu.Unlock()
	if p.pem == pem {
		return p.key, nil
	}
	k, err := activitypub.ParsePrivateKey(pem)
	if err != nil {
		return nil, fmt.Errorf("federation: key of %d: %w", groupID, err)
	}
	s.mu.Lock()
	s.keys[groupID] = parsedKey{pem: pem, key: k}
	s.mu.Unlock()
	return k, nil
}

// makeKey makes and stores an actor's key; when another request stored one first, that one
// is the key.
func (s *Service) makeKey(ctx context.Context, groupID int64) (string, error) {
	k, err := activitypub.GenerateKey()
	if err != nil {
		return "", err
	}
	pem, err := activitypub.EncodePrivateKey(k)
	if err != nil {
		return "", err
	}
	err = s.db.AddActorKey(ctx, groupID, pem, s.now())
	if errors.Is(err, store.ErrConflict) {
		return s.db.ActorKey(ctx, groupID)
	}
	return pem, err
}

// signer signs as a group's actor (groupID 0: the instance actor).
func (s *Service) signer(ctx context.Context, groupID int64, actorURL string) (activitypub.Signer, error) {
	k, err := s.key(ctx, groupID)
	if err != nil {
		return activitypub.Signer{}, err
	}
	return activitypub.Signer{KeyID: keyID(actorURL), Key: k}, nil
}

// RotateKeys gives the named groups' actors new keys (made now if they had none), or, without
// slugs, every actor that has a key. The followers of a group get an Update of its actor,
// signed with the old key (lifecycle.go). It returns the slugs (or "instance") whose keys changed.
func (s *Service) RotateKeys(ctx context.Context, slugs []string) ([]string, error) {
	type owner struct {
		id   int64
		name string
	}
	var owners []owner
	if len(slugs) == 0 {
		ids, err := s.db.ActorKeyOwners(ctx)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			name := "instance"
			if id != 0 {
				g, err := s.db.GroupByID(ctx, id)
				if err != nil {
					return nil, err
				}
				name = g.Slug
			}
			owners = append(owners, owner{id, name})
		}
	}
	for _, slug := range slugs {
		g, err := s.db.GroupBySlug(ctx, slug)
		if err != nil {
			return nil, fmt.Errorf("federation: group %q: %w", slug, err)
		}
		owners = append(owners, owner{g.ID, g.Slug})
	}
	var done []string
	for _, o := range owners {
		k, err := activitypub.GenerateKey()
		if err != nil {
			return done, err
		}
		pem, err := activitypub.EncodePrivateKey(k)
		if err != nil {
			return done, err
		}
		if err := s.rotateKey(ctx, o.id, pem); err != nil {
			return done, err
		}
		done = append(done, o.name)
	}
	return done, nil
}
