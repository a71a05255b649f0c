package federation

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/store"
)

// Avatars of remote authors: our pages never load a picture from elsewhere (our readers'
// privacy, and the CSP's img-src 'self'), so a job fetches the actor's icon once, scales it
// as people's avatars are scaled, and keeps it as the stand-in gestalt's avatar below
// media_root. Until then, and when the fetch fails for good, the comments show the initials.

// Jobs of remote media.
const (
	// JobAvatar fetches a remote author's icon (avatarJob).
	JobAvatar = "activitypub.avatar"
	// JobPictures fetches a reply's pictures (picturesJob).
	JobPictures = "activitypub.pictures"
	// JobRemoveMedia removes the files of avatars and pictures that went (mediaRemoval).
	JobRemoveMedia = "activitypub.remove-media"
)

// Bounds of a remote picture: its file, and its width and height as its header says, read
// before anything is decoded (images.Make checks images.MaxPixels besides).
const (
	MaxMediaSize = 2 << 20
	MaxMediaSide = 4096
)

// mediaTypes are the types a remote picture may come as (those images decodes).
var mediaTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}

// Remote media may not hold up the task runner, whose workers also send the site's mails
// and deliveries: a process fetches one remote picture at a time (ErrMediaBusy puts a job
// back a little later), a media job fetches for at most activitypub.MediaTimeout however many
// pictures it has, and each registrable domain (domainOf) has its replies' pictures and its
// authors' avatars fetched at most MediaPerHour times an hour, the whole site at most
// SiteMediaPerHour times; beyond that a reply comes without pictures and an author without
// avatar.
const (
	// MediaPerHour is each domain's budget of pictures jobs, and of avatar jobs, an hour.
	MediaPerHour = 20
	// SiteMediaPerHour is the site's budget of pictures jobs, and of avatar jobs, an hour,
	// all domains together: domains cost nothing (free subdomains of a public suffix such as
	// workers.dev are domains of their own). A job holds the fetch slot for at most one
	// MediaTimeout and is tried again only after a failure within mediaQuickFail, so the
	// budgets' 200 jobs hold it for at most 200 × (10 s + 4 × 1 s) = 47 minutes an hour:
	// the waiting line cannot grow from hour to hour. 100 replies with pictures an hour are
	// five busy domains at once.
	SiteMediaPerHour = 100
	mediaWindow      = time.Hour
	// mediaQuickFail is how long a failing media job may have held the fetch slot and still
	// be tried again (a server briefly down refuses at once); one that held it longer would
	// hold it as long at each try.
	mediaQuickFail = activitypub.MediaTimeout / 10
	// MaxMediaDecode bounds a remote picture's decoding and scaling as images.DecodeCost
	// estimates them from its header (6 bytes a pixel, and a progressive JPEG's coefficients
	// besides): what they allocate stays below 100 MB (a PNG of 9.6 megapixels 92 MB), where a
	// progressive JPEG of 4000×4000 pixels and 100 KB would take 300 MB.
	MaxMediaDecode = 56 << 20
)

// ErrMediaBusy is a media job that finds another one of this process fetching.
var ErrMediaBusy = errors.New("federation: another remote picture is being fetched")

// errMediaTime is the cause of a media job's context once its MediaTimeout is over.
var errMediaTime = errors.New("federation: the media job's time is up")

// mediaDeadline bounds all of a media job's fetching and decoding by one MediaTimeout, so
// that it holds the fetch slot no longer however many pictures it has.
func mediaDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, activitypub.MediaTimeout, errMediaTime)
}

// timeUp tells whether ctx is a media job's whose MediaTimeout is over.
func timeUp(ctx context.Context) bool { return errors.Is(context.Cause(ctx), errMediaTime) }

// siteWide is the domain of the site's budgets: no registrable domain is "*".
const siteWide = "*"

func avatarBudgetKey(domain string) string   { return "activitypub.avatars:" + domain }
func picturesBudgetKey(domain string) string { return "activitypub.pictures:" + domain }

// withinBudget counts, in the transaction that queues it, a media job of actor's domain
// under key, and tells whether the domain's hour and the site's still have room for it. A
// job beyond its domain's budget does not count against the site's.
func (s *Service) withinBudget(ctx context.Context, q *store.Queries, key func(string) string, actor string) (bool, error) {
	d := domainOf(actor)
	if d == "" {
		return false, nil
	}
	n, err := q.AddAttempts(ctx, key(d), 1, s.now(), mediaWindow)
	if err != nil || n > MediaPerHour {
		return false, err
	}
	n, err = q.AddAttempts(ctx, key(siteWide), 1, s.now(), mediaWindow)
	return n <= SiteMediaPerHour, err
}

// budgetAvatar, in the transaction that records a remote author or its new icon, keeps the
// icon it had (keep) instead of a new one when the author's domain has used up its avatar
// fetches of this hour, so that a later Update asks again.
func (s *Service) budgetAvatar(ctx context.Context, q *store.Queries, a *store.RemoteAuthor, keep string) error {
	if a.AvatarURL == "" || a.AvatarURL == keep {
		return nil
	}
	ok, err := s.withinBudget(ctx, q, avatarBudgetKey, a.ActorID)
	if err == nil && !ok {
		a.AvatarURL = keep
	}
	return err
}

// avatarJob is the payload of a JobAvatar: the stand-in and the icon it is to show.
type avatarJob struct {
	GestaltID int64  `json:"gestalt_id"`
	URL       string `json:"url"`
}

// queueAvatar queues, in the transaction that recorded or changed a remote author, the
// fetch of its icon.
func (s *Service) queueAvatar(ctx context.Context, q *store.Queries, a *store.RemoteAuthor) error {
	if a.AvatarURL == "" {
		return nil
	}
	_, err := q.Enqueue(ctx, JobAvatar, avatarJob{GestaltID: a.GestaltID, URL: a.AvatarURL}, s.now())
	return err
}

// errStale is a fetch whose result is no longer wanted (the author changed its icon, the
// Note its pictures, or they went).
var errStale = errors.New("federation: no longer wanted")

// FetchAvatar runs a JobAvatar: the icon, fetched and scaled, becomes the stand-in's avatar
// (the one before it is removed). A job for an icon the author has replaced since, or of a
// blocked actor or server, does nothing. A refusal that no retry mends is IsPermanent.
func (s *Service) FetchAvatar(ctx context.Context, j *store.Job) error {
	var p avatarJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: federation: avatar job %d: %w", errPermanent, j.ID, err)
	}
	a, err := s.db.RemoteAuthorByGestalt(ctx, p.GestaltID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.AvatarURL != p.URL {
		return nil
	}
	if blocked, err := s.anyBlocked(ctx, a.ActorID, p.URL); err != nil || blocked {
		return err
	}
	if !s.fetching.TryLock() {
		return ErrMediaBusy
	}
	fetchCtx, cancel := mediaDeadline(ctx)
	data, err := s.fetchPicture(fetchCtx, time.Now(), p.URL, images.Avatar)
	cancel()
	s.fetching.Unlock()
	if err != nil {
		return fmt.Errorf("federation: avatar of %s: %w", a.ActorID, err)
	}
	name, err := images.Save(s.media, "avatars", ".jpg", data)
	if err != nil {
		return err
	}
	var old string
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		cur, err := q.RemoteAuthorByGestalt(ctx, p.GestaltID)
		if errors.Is(err, store.ErrNotFound) || err == nil && cur.AvatarURL != p.URL {
			return errStale
		}
		if err != nil {
			return err
		}
		if old, err = q.Avatar(ctx, p.GestaltID); err != nil {
			return err
		}
		return q.SetAvatar(ctx, p.GestaltID, name)
	})
	if err != nil {
		s.removeFiles(ctx, []string{name})
		if errors.Is(err, errStale) {
			return nil
		}
		return fmt.Errorf("federation: avatar of %s: %w", a.ActorID, err)
	}
	s.removeFiles(ctx, []string{old})
	return nil
}

// anyBlocked tells whether the operator blocked one of the IRIs (an actor, the server of a
// picture): nothing is fetched from there.
func (s *Service) anyBlocked(ctx context.Context, iris ...string) (bool, error) {
	for _, iri := range iris {
		if blocked, err := s.Blocked(ctx, iri); err != nil || blocked {
			return blocked, err
		}
	}
	return false, nil
}

// fetchPicture fetches a remote picture through the guarded client and makes its rendition:
// at most MaxMediaSize bytes of one of mediaTypes within the job's time (ctx, mediaDeadline),
// from no blocked server (redirects included), at most MaxMediaSide pixels wide and high and
// MaxMediaDecode bytes to decode (read from the header before anything is decoded), decoded
// within the renderer's bounds. A picture that is refused, that its server did not send in
// the job's time, or that failed after the job had held the fetch slot (since started) longer
// than mediaQuickFail, is IsPermanent. The caller holds s.fetching.
func (s *Service) fetchPicture(ctx context.Context, started time.Time, url string, rend images.Rendition) ([]byte, error) {
	body, err := s.client.FetchMedia(ctx, url, activitypub.MediaRequest{Limit: MaxMediaSize, Types: mediaTypes,
		Allow: func(hop string) error {
			if blocked, err := s.Blocked(ctx, hop); err != nil || !blocked {
				return err
			}
			return fmt.Errorf("%w: %s", ErrBlocked, hop)
		}})
	// A server that cannot send 2 MiB in the job's time, or that took long to fail, is not
	// briefly down: its next try would hold the fetch slot as long again. (A runner that
	// stops cancels ctx otherwise: that job is tried again.)
	slow := err != nil && (timeUp(ctx) || ctx.Err() == nil && time.Since(started) > mediaQuickFail)
	if errors.Is(err, activitypub.ErrTooLarge) || errors.Is(err, activitypub.ErrInvalid) || errors.Is(err, ErrBlocked) || slow {
		return nil, fmt.Errorf("%w: %w", errPermanent, err)
	}
	if err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errPermanent, url, images.ErrNotImage)
	}
	if cfg.Width > MaxMediaSide || cfg.Height > MaxMediaSide {
		return nil, fmt.Errorf("%w: %s: %d×%d pixels: %w", errPermanent, url, cfg.Width, cfg.Height, images.ErrTooManyPixels)
	}
	if cost, err := images.DecodeCost(bytes.NewReader(body)); err != nil || cost > MaxMediaDecode {
		return nil, fmt.Errorf("%w: %s: %d bytes to decode: %w", errPermanent, url, cost, images.ErrTooManyPixels)
	}
	data, err := s.images.Make(ctx, bytes.NewReader(body), MaxMediaSize, rend)
	if errors.Is(err, images.ErrNotImage) || errors.Is(err, images.ErrTooLarge) || errors.Is(err, images.ErrTooManyPixels) ||
		err != nil && timeUp(ctx) {
		return nil, fmt.Errorf("%w: %s: %w", errPermanent, url, err)
	}
	return data, err
}

// authorGone takes an actor's Delete of itself: its comments are deleted (with their pictures
// and boosts) and so are its messages in conversations; its stand-in no longer shows an avatar, and nothing is fetched for it again.
func (s *Service) authorGone(ctx context.Context, act *activitypub.Activity) error {
	a, err := s.db.RemoteAuthorByActor(ctx, string(act.Actor))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: Delete of %s, who never commented", ErrIgnored, act.Actor)
	}
	if err != nil {
		return err
	}
	// A deleted account's posts go with it (as Mastodon and GoToSocial treat a Delete of an
	// actor): its comments here, their pictures and boosts, and its avatar.
	return s.db.Tx(ctx, func(q *store.Queries) error {
		replies, err := q.FediverseRepliesByActor(ctx, a.ActorID)
		if err != nil {
			return err
		}
		for i := range replies {
			if err := s.removeReply(ctx, q, &replies[i]); err != nil {
				return err
			}
		}
		messages, err := q.ConversationNotesByActor(ctx, a.ActorID)
		if err != nil {
			return err
		}
		for i := range messages {
			if err := s.removeMessage(ctx, q, &messages[i]); err != nil {
				return err
			}
		}
		return s.dropAvatar(ctx, q, a)
	})
}

// dropAvatar forgets a remote author's icon and queues the removal of its avatar file.
func (s *Service) dropAvatar(ctx context.Context, q *store.Queries, a *store.RemoteAuthor) error {
	old, err := q.Avatar(ctx, a.GestaltID)
	if err != nil {
		return err
	}
	if a.AvatarURL != "" {
		cur := *a
		cur.AvatarURL, cur.FetchedAt = "", s.now()
		if err := q.UpdateRemoteAuthor(ctx, &cur); err != nil {
			return err
		}
	}
	if old == "" {
		return nil
	}
	if err := q.SetAvatar(ctx, a.GestaltID, ""); err != nil {
		return err
	}
	return s.queueRemoval(ctx, q, []string{old})
}

// blockedAvatarsGone removes the avatars of the remote authors a new block covers.
func (s *Service) blockedAvatarsGone(ctx context.Context, entry string) error {
	authors, err := s.db.RemoteAuthorsWithAvatar(ctx)
	if err != nil {
		return err
	}
	for _, a := range authors {
		if !blockCovers(entry, a.ActorID) {
			continue
		}
		if err := s.db.Tx(ctx, func(q *store.Queries) error { return s.dropAvatar(ctx, q, a) }); err != nil {
			return err
		}
	}
	return nil
}

// mediaRemoval is the payload of a JobRemoveMedia: files below media_root.
type mediaRemoval struct {
	Files []string `json:"files"`
}

// queueRemoval queues, in the transaction that let go of them, the removal of files: they
// go once it committed.
func (s *Service) queueRemoval(ctx context.Context, q *store.Queries, names []string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := q.Enqueue(ctx, JobRemoveMedia, mediaRemoval{Files: names}, s.now())
	return err
}

// RemoveMedia runs a JobRemoveMedia.
func (s *Service) RemoveMedia(ctx context.Context, j *store.Job) error {
	var p mediaRemoval
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: federation: removal job %d: %w", errPermanent, j.ID, err)
	}
	return s.removeFiles(ctx, p.Files)
}

// removeFiles removes avatars (avatars/<name>) and pictures (<name>) below media_root that
// nobody uses; other names are left alone.
func (s *Service) removeFiles(ctx context.Context, names []string) error {
	var errs []error
	for _, name := range names {
		dir, base, nested := strings.Cut(name, "/")
		if !nested {
			dir, base = "", name
		}
		if (dir != "" && dir != "avatars") || !files.ValidName(base) {
			continue
		}
		var used bool
		var err error
		if dir == "avatars" {
			used, err = s.db.PictureInUse(ctx, name)
		} else {
			var u *store.FileUse
			if u, err = s.db.FileByName(ctx, name); errors.Is(err, store.ErrNotFound) {
				err = nil
			} else if err == nil {
				used = u.Contribution != nil || u.VersionID != 0
			}
		}
		if err != nil || used {
			errs = append(errs, err)
			continue
		}
		if err := os.Remove(filepath.Join(s.media, dir, base)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("federation: remove %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}
