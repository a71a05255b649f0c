package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/images"
	"grouprise.org/grouprise/internal/store"
)

// Pictures of replies: a Note's image attachments are fetched by a job (never while its
// inbox POST waits), scaled as uploaded pictures are, and attached to the comment as a mail's
// attachments are, so that the page shows them from our media. Other attachments (videos,
// sounds, documents) show nothing: a link to them would send our readers elsewhere unasked.

// MaxReplyPictures is how many pictures of a reply are fetched; the rest are left out.
const MaxReplyPictures = 4

// maxPictureAlt bounds a picture's description (in characters).
const maxPictureAlt = 500

// replyPicture is one picture a Note asks for.
type replyPicture struct {
	URL string `json:"url"`
	Alt string `json:"alt,omitempty"`
}

// picturesOf is what of a Note's attachments becomes pictures of the comment, as JSON ("" for
// none): the first MaxReplyPictures Images or Documents of a picture type at an http(s)
// address, with their descriptions as plain text. A Note marked sensitive brings none: our
// pages show everything at once, with no veil to lift.
func picturesOf(p *activitypub.Post) string {
	if p.Sensitive {
		return ""
	}
	var out []replyPicture
	for _, a := range p.Attachment {
		if len(out) == MaxReplyPictures {
			break
		}
		mt := strings.ToLower(strings.TrimSpace(a.MediaType))
		if (a.Type != activitypub.TypeImage && a.Type != activitypub.TypeDocument) || !slices.Contains(mediaTypes, mt) ||
			!httpURL(string(a.URL)) {
			continue
		}
		out = append(out, replyPicture{URL: string(a.URL), Alt: altText(a.Name)})
	}
	if len(out) == 0 {
		return ""
	}
	b, _ := json.Marshal(out)
	return string(b)
}

// altText is a picture's description as our pages show it: without control and format
// characters, its spaces collapsed, at most maxPictureAlt characters, without NUL.
func altText(s string) string {
	s = displayName(s)
	if utf8.RuneCountInString(s) > maxPictureAlt {
		s = string([]rune(s)[:maxPictureAlt])
	}
	return s
}

// picturesJob is the payload of a JobPictures: the comment and the pictures its Note asked
// for when the job was queued.
type picturesJob struct {
	ContributionID int64  `json:"contribution_id"`
	Pictures       string `json:"pictures"`
}

// budgetPictures, in the transaction that records a reply of actor or its Update, is the
// pictures its Note asks for, or none when the actor's domain has used up its pictures jobs
// of this hour.
func (s *Service) budgetPictures(ctx context.Context, q *store.Queries, actor, pictures string) (string, error) {
	if pictures == "" {
		return "", nil
	}
	ok, err := s.withinBudget(ctx, q, picturesBudgetKey, actor)
	if err != nil || !ok {
		return "", err
	}
	return pictures, nil
}

// queuePictures queues, in the transaction that recorded a reply or its Update, the fetch of
// its pictures.
func (s *Service) queuePictures(ctx context.Context, q *store.Queries, contributionID int64, pictures string) error {
	if pictures == "" {
		return nil
	}
	_, err := q.Enqueue(ctx, JobPictures, picturesJob{ContributionID: contributionID, Pictures: pictures}, s.now())
	return err
}

// replacePictures, in the transaction of an Update of reply r, lets the old pictures go and
// queues the new ones when the Note asks for others. When the budgets have no room for the
// new ones the comment keeps the pictures it has (and a later Update asks again); an Update
// without pictures takes them away all the same.
func (s *Service) replacePictures(ctx context.Context, q *store.Queries, r *store.FediverseReply, pictures string) error {
	if r.Pictures == pictures {
		return nil
	}
	if pictures != "" {
		ok, err := s.withinBudget(ctx, q, picturesBudgetKey, r.ActorID)
		if err != nil || !ok {
			return err
		}
	}
	if err := s.dropPictures(ctx, q, r.ContributionID); err != nil {
		return err
	}
	if err := q.SetReplyPictures(ctx, r.ContributionID, pictures); err != nil {
		return err
	}
	return s.queuePictures(ctx, q, r.ContributionID, pictures)
}

// dropPictures, in the transaction that deletes or changes comment id, takes its attached
// pictures away and queues the removal of their files.
func (s *Service) dropPictures(ctx context.Context, q *store.Queries, id int64) error {
	names, err := q.DetachFiles(ctx, id, s.now())
	if err != nil {
		return err
	}
	return s.queueRemoval(ctx, q, names)
}

// FetchPictures runs a JobPictures: the pictures are fetched and scaled within one
// MediaTimeout for all of them (one that is refused or not fetched in that time is left out),
// then all are attached to the comment together. A job for pictures the Note no
// longer asks for, or for a deleted comment, attaches nothing; pictures of blocked servers
// are not fetched.
func (s *Service) FetchPictures(ctx context.Context, j *store.Job) error {
	var p picturesJob
	var list []replyPicture
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("%w: federation: pictures job %d: %w", errPermanent, j.ID, err)
	}
	if err := json.Unmarshal([]byte(p.Pictures), &list); err != nil {
		return fmt.Errorf("%w: federation: pictures job %d: %w", errPermanent, j.ID, err)
	}
	if _, err := s.wantedPictures(ctx, s.db.Queries, p); err != nil {
		if errors.Is(err, errStale) {
			return nil
		}
		return err
	}
	r, err := s.db.FediverseReplyByContribution(ctx, p.ContributionID)
	if err != nil {
		return err
	}
	if !s.fetching.TryLock() {
		return ErrMediaBusy
	}
	done, err := s.fetchPictures(ctx, r, list)
	s.fetching.Unlock()
	if err != nil {
		return err
	}
	if len(done) == 0 {
		return nil
	}
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		c, err := s.wantedPictures(ctx, q, p)
		if err != nil {
			return err
		}
		for _, d := range done {
			// No name of the remote author's choosing: a description such as "Rechnung.pdf"
			// would become the download's and the mail attachment's name. The description
			// is the file contribution's text, which the page shows as the picture's alt.
			fileID, err := q.AddFile(ctx, &store.File{File: d.name})
			if err != nil {
				return err
			}
			if _, err := q.AddContribution(ctx, &store.Contribution{ContentID: c.ContentID, AuthorID: c.AuthorID, Text: d.alt,
				Kind: "file", FileID: fileID, AttachedToID: c.ID, TimeCreated: c.TimeCreated, Public: c.Public}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.removeFiles(ctx, fileNames(done))
		if errors.Is(err, errStale) {
			return nil
		}
		return fmt.Errorf("federation: pictures of %s: %w", r.NoteID, err)
	}
	return nil
}

// savedPicture is a reply's picture fetched, scaled and saved below media_root.
type savedPicture struct{ name, alt string }

func fileNames(pictures []savedPicture) []string {
	out := make([]string, len(pictures))
	for i, p := range pictures {
		out[i] = p.name
	}
	return out
}

// fetchPictures fetches and saves a pictures job's pictures, all of them within one
// MediaTimeout (mediaDeadline): those refused, of blocked servers, or not fetched when the
// time is up, are left out. On an error that a retry may mend, the files saved are removed.
// The caller holds s.fetching.
func (s *Service) fetchPictures(ctx context.Context, r *store.FediverseReply, list []replyPicture) ([]savedPicture, error) {
	fetchCtx, cancel := mediaDeadline(ctx)
	defer cancel()
	started := time.Now()
	var done []savedPicture
	fail := func(err error) ([]savedPicture, error) {
		s.removeFiles(ctx, fileNames(done))
		return nil, err
	}
	for _, pic := range list[:min(len(list), MaxReplyPictures)] {
		if timeUp(fetchCtx) {
			s.log.Info("pictures of a reply left out: their job's time was up", "note", r.NoteID, "fetched", len(done))
			break
		}
		if blocked, err := s.anyBlocked(ctx, r.ActorID, pic.URL); err != nil {
			return fail(err)
		} else if blocked {
			continue
		}
		data, err := s.fetchPicture(fetchCtx, started, pic.URL, images.Stored)
		if IsPermanent(err) {
			continue
		}
		if err == nil {
			var name string
			if name, err = images.Save(s.media, "", ".jpg", data); err == nil {
				done = append(done, savedPicture{name, altText(pic.Alt)})
				continue
			}
		}
		return fail(fmt.Errorf("federation: picture of %s: %w", r.NoteID, err))
	}
	return done, nil
}

// wantedPictures is the comment of a pictures job when its pictures are still wanted: the
// comment is there, its Note still asks for them, and none are attached yet (a job that ran
// before and stopped after its commit); errStale otherwise.
func (s *Service) wantedPictures(ctx context.Context, q *store.Queries, p picturesJob) (*store.Contribution, error) {
	r, err := q.FediverseReplyByContribution(ctx, p.ContributionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errStale
	}
	if err != nil {
		return nil, err
	}
	if r.Pictures != p.Pictures {
		return nil, errStale
	}
	c, err := q.ContributionByID(ctx, p.ContributionID)
	if err != nil {
		return nil, err
	}
	if c.Deleted.Valid {
		return nil, errStale
	}
	attached, err := q.Attachments(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if len(attached) > 0 {
		return nil, errStale
	}
	return c, nil
}
