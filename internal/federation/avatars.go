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
	data, err := s.fetchPicture(ctx, p.URL, images.Avatar)
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
// at most MaxMediaSize bytes of one of mediaTypes, at most MaxMediaSide pixels wide and high
// (read from the header before anything is decoded), decoded within the renderer's bounds.
// A picture that is refused is IsPermanent.
func (s *Service) fetchPicture(ctx context.Context, url string, rend images.Rendition) ([]byte, error) {
	body, err := s.client.FetchMedia(ctx, url, MaxMediaSize, mediaTypes...)
	if errors.Is(err, activitypub.ErrTooLarge) || errors.Is(err, activitypub.ErrInvalid) {
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
	data, err := s.images.Make(ctx, bytes.NewReader(body), MaxMediaSize, rend)
	if errors.Is(err, images.ErrNotImage) || errors.Is(err, images.ErrTooLarge) || errors.Is(err, images.ErrTooManyPixels) {
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
