// Package contents publishes articles, events, galleries, files and polls in groups and on
// personal profiles, keeps every edit as a new version, and carries their comments.
package contents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// Kind is what a content is.
type Kind string

// The kinds of content.
const (
	Article Kind = "article"
	Event   Kind = "event"
	Gallery Kind = "gallery"
	File    Kind = "file"
	Poll    Kind = "poll"
)

// Kinds lists the kinds in the order menus show them.
var Kinds = []Kind{Article, Event, Gallery, File, Poll}

// Errors a person can fix; FieldError names the form field they belong to.
var (
	ErrTitleMissing   = errors.New("a title is needed")
	ErrTitleTooLong   = errors.New("the title has at most 255 characters")
	ErrPlaceMissing   = errors.New("an event needs a place")
	ErrPlaceTooLong   = errors.New("the place has at most 255 characters")
	ErrStartMissing   = errors.New("an event needs a start")
	ErrEndBeforeStart = errors.New("the end lies before the start")
	ErrDateRange      = errors.New("the date lies outside the years 1900 to 2200")
	ErrSlugInvalid    = errors.New("the short name may contain letters, digits, hyphens and underscores only")
	ErrSlugTaken      = errors.New("the short name is taken")
	ErrTextMissing    = errors.New("a text is needed")
	ErrRepeatCount    = errors.New("an event repeats 1 to 100 times")
	ErrRepeatPeriod   = errors.New("unknown repetition")
	ErrNotAllowed     = errors.New("not allowed")
	ErrNoImages       = errors.New("a gallery needs a picture")
	ErrNoFile         = errors.New("a file is needed")
	ErrNoOptions      = errors.New("a poll needs an option")
	ErrOptionTooLong  = errors.New("an option has at most 255 characters")
)

// FieldError is an error in one field of a form.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

func fieldError(field string, err error) error { return &FieldError{Field: field, Err: err} }

// Draft is what a create or edit form says about a content.
type Draft struct {
	Title, Text    string
	Public, Pinned bool
	// Slug is the short name in the URL: on edits "" keeps it; on creation "" makes one from
	// the title (either way made unique).
	Slug    string
	ImageID int64
	// NewPicture is a preview picture uploaded with the form (stored below media_root); it
	// becomes the content's picture instead of ImageID.
	NewPicture string
	// Events.
	Place      string
	Start, End time.Time // End is zero when open
	AllDay     bool
	Repeat     Repeat
	// Galleries: new pictures (stored names below media_root), and those to take out on edits.
	NewImages    []string
	RemoveImages []int64
	// Files: the upload, already below media_root (nil on edits that keep the file).
	Upload *Upload
	// Polls: ranked (Condorcet) or yes/no/maybe, fixed at creation; the options after the
	// edit (ID 0: new; existing ones left out are deleted with their votes).
	Condorcet bool
	Options   []Option
}

// Option is an answer of a poll: a text, or a date (Start, End zero when open).
type Option struct {
	ID         int64
	Title      string
	Start, End time.Time
}

// Upload is a file saved below media_root under Stored; Name is what it was called.
type Upload struct {
	Stored, Name string
}

// Service creates and changes contents and comments.
type Service struct {
	db  *store.DB
	now func() time.Time
	fed *federation.Service // nil: nothing goes to the Fediverse
}

// New returns the content service.
func New(db *store.DB) *Service { return &Service{db: db, now: time.Now} }

// WithFederation sends what groups publish to their followers in the Fediverse.
func (s *Service) WithFederation(f *federation.Service) *Service { s.fed = f; return s }

// federate queues what a change of association id means for the Fediverse, in the change's
// transaction.
func (s *Service) federate(ctx context.Context, q *store.Queries, id int64) error {
	return s.fed.ContentChanged(ctx, q, id, s.now())
}

var (
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2200, 12, 31, 23, 59, 59, 0, time.UTC)
)

func checkOptions(options []Option) error {
	if len(options) == 0 {
		return fieldError("options", ErrNoOptions)
	}
	for _, o := range options {
		switch {
		case o.Start.IsZero() && len([]rune(o.Title)) > 255:
			return fieldError("options", ErrOptionTooLong)
		case !o.Start.IsZero() && (o.Start.Before(minDate) || o.Start.After(maxDate)):
			return fieldError("options", ErrDateRange)
		case !o.End.IsZero() && o.End.Before(o.Start):
			return fieldError("options", ErrEndBeforeStart)
		}
	}
	return nil
}

func storeOption(o Option) *store.PollOption {
	so := &store.PollOption{ID: o.ID, Title: o.Title}
	so.StartsAt.V, so.StartsAt.Valid = o.Start.UTC(), !o.Start.IsZero()
	so.EndsAt.V, so.EndsAt.Valid = o.End.UTC(), !o.End.IsZero()
	return so
}

// checkNew validates what a new content of a kind needs besides its fields.
func checkNew(kind Kind, d *Draft) error {
	switch {
	case kind == Gallery && len(d.NewImages) == 0:
		return fieldError("images", ErrNoImages)
	case kind == File && d.Upload == nil:
		return fieldError("file", ErrNoFile)
	}
	return nil
}

// Validate checks a draft of a kind as Create and Update do (forms call it to report all
// problems at once); it trims the text fields.
func Validate(kind Kind, d *Draft) error {
	if err := check(kind, d); err != nil {
		return err
	}
	return checkNew(kind, d)
}

// check validates a draft of a kind.
func check(kind Kind, d *Draft) error {
	d.Title = strings.TrimSpace(d.Title)
	switch {
	case d.Title == "":
		return fieldError("title", ErrTitleMissing)
	case len([]rune(d.Title)) > 255:
		return fieldError("title", ErrTitleTooLong)
	}
	if kind == Poll {
		if err := checkOptions(d.Options); err != nil {
			return err
		}
	}
	if kind != Event {
		d.Place, d.Start, d.End, d.AllDay = "", time.Time{}, time.Time{}, false
		return nil
	}
	d.NewImages, d.RemoveImages, d.Upload = nil, nil, nil
	d.Place = strings.TrimSpace(d.Place)
	switch {
	case d.Place == "":
		return fieldError("place", ErrPlaceMissing)
	case len([]rune(d.Place)) > 255:
		return fieldError("place", ErrPlaceTooLong)
	case d.Start.IsZero():
		return fieldError("start", ErrStartMissing)
	case d.Start.Before(minDate) || d.Start.After(maxDate):
		return fieldError("start", ErrDateRange)
	case !d.End.IsZero() && (d.End.Before(minDate) || d.End.After(maxDate)):
		return fieldError("end", ErrDateRange)
	case !d.End.IsZero() && d.End.Before(d.Start):
		return fieldError("end", ErrEndBeforeStart)
	}
	return d.Repeat.check()
}

// Create publishes a new content (and, for repeated events, its copies) in a group or under
// the author's profile, with its tags and its notification, in one transaction. It returns
// the association of the (first) content.
func (s *Service) Create(ctx context.Context, author *store.Gestalt, groupID int64, kind Kind, d Draft) (*store.Association, error) {
	if err := Validate(kind, &d); err != nil {
		return nil, err
	}
	starts := []time.Time{d.Start}
	if kind == Event {
		starts = d.Repeat.Starts(d.Start)
	}
	var first *store.Association
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		imageID, err := pictureOf(ctx, q, author.ID, d, s.now())
		if err != nil {
			return err
		}
		for i, start := range starts {
			e := d
			e.ImageID = imageID
			if kind == Event && i > 0 {
				if !d.End.IsZero() {
					e.End = start.Add(d.End.Sub(d.Start))
				}
				e.Start = start
			}
			a, err := s.create(ctx, q, author, groupID, kind, e, i == 0)
			if err != nil {
				return err
			}
			if first == nil {
				first = a
			}
		}
		return nil
	})
	return first, err
}

func (s *Service) create(ctx context.Context, q *store.Queries, author *store.Gestalt, groupID int64, kind Kind, d Draft, announce bool) (*store.Association, error) {
	now := s.now()
	c := &store.Content{Title: d.Title, ImageID: d.ImageID, Place: d.Place, AllDay: d.AllDay}
	setTimes(c, d)
	if kind == Poll {
		var err error
		if c.PollID, err = q.CreatePoll(ctx, d.Condorcet); err != nil {
			return nil, err
		}
		for _, o := range d.Options {
			o.ID = 0
			if _, err := q.AddPollOption(ctx, c.PollID, storeOption(o)); err != nil {
				return nil, err
			}
		}
	}
	v := &store.Version{AuthorID: author.ID, Text: d.Text, TimeCreated: now}
	if _, err := q.CreateContent(ctx, c, v); err != nil {
		return nil, err
	}
	if err := addImages(ctx, q, c.ID, author.ID, d.NewImages, now); err != nil {
		return nil, err
	}
	if d.Upload != nil {
		if _, err := q.AddFile(ctx, &store.File{File: d.Upload.Stored, Filename: d.Upload.Name, VersionID: v.ID}); err != nil {
			return nil, err
		}
	}
	a := &store.Association{ContentID: c.ID, GroupID: groupID, Public: d.Public, Pinned: d.Pinned && groupID != 0}
	if groupID == 0 {
		a.GestaltID = author.ID
	}
	base := slugs.Make(d.Title)
	if d.Slug != "" && slugs.Valid(d.Slug) {
		base = d.Slug
	}
	slug, err := slugs.Unique(ctx, base, func(ctx context.Context, slug string) (bool, error) {
		return q.ContentSlugTaken(ctx, a.GroupID, a.GestaltID, slug, 0)
	})
	if err != nil {
		return nil, err
	}
	a.Slug = slug
	if _, err := q.CreateAssociation(ctx, a); err != nil {
		return nil, err
	}
	if err := tag(ctx, q, c.ID, append(markdown.TitleTags(d.Title), markdown.Tags(d.Text)...)); err != nil {
		return nil, err
	}
	if err := q.IndexContent(ctx, c.ID); err != nil {
		return nil, err
	}
	if announce {
		// the copies of a repeated event are neither mailed nor sent to the Fediverse (they
		// would fill timelines); an edit of one sends it
		if err := s.federate(ctx, q, a.ID); err != nil {
			return nil, err
		}
		if err := notify.ContentCreated(ctx, q, c.ID, now); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// updateOptions makes a poll's options those given.
func updateOptions(ctx context.Context, q *store.Queries, pollID int64, options []Option) error {
	existing, err := q.PollOptions(ctx, pollID)
	if err != nil {
		return err
	}
	keep := map[int64]bool{}
	for _, o := range options {
		if o.ID != 0 {
			keep[o.ID] = true
		}
	}
	for _, e := range existing {
		if !keep[e.ID] {
			if err := q.DeletePollOption(ctx, pollID, e.ID); err != nil {
				return err
			}
		}
	}
	for _, o := range options {
		if o.ID == 0 {
			_, err = q.AddPollOption(ctx, pollID, storeOption(o))
		} else {
			err = q.UpdatePollOption(ctx, pollID, storeOption(o))
		}
		if errors.Is(err, store.ErrNotFound) {
			return fieldError("options", ErrNoOptions)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addImages records stored pictures and adds them to a gallery.
func addImages(ctx context.Context, q *store.Queries, contentID, creatorID int64, names []string, now time.Time) error {
	ids := make([]int64, 0, len(names))
	for _, n := range names {
		id, err := q.CreateImage(ctx, creatorID, n, now)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	return q.AddGalleryImages(ctx, contentID, ids)
}

func setTimes(c *store.Content, d Draft) {
	c.StartsAt.V, c.StartsAt.Valid = d.Start.UTC(), !d.Start.IsZero()
	c.EndsAt.V, c.EndsAt.Valid = d.End.UTC(), !d.End.IsZero()
}

// tag adds the tags named to a content.
func tag(ctx context.Context, q *store.Queries, contentID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	tags := make([]store.Tag, len(names))
	for i, n := range names {
		tags[i] = store.Tag{Name: n, Slug: markdown.TagSlug(n)}
	}
	ids, err := q.EnsureTags(ctx, tags)
	if err != nil {
		return err
	}
	return q.TagContent(ctx, contentID, ids)
}

// UntagInternal takes from every content the tags that only its internal comments name (they
// tagged it before internal comments stopped tagging), and brings its search entry up to
// date. Tags that the title, a version of the text or a public comment names stay, and so do
// tags named nowhere (imported ones). It returns how many tags it took.
func (s *Service) UntagInternal(ctx context.Context) (int, error) {
	ids, err := s.db.ContentsWithInternalComments(ctx)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, id := range ids {
		err := s.db.Tx(ctx, func(q *store.Queries) error {
			n, err := untagInternal(ctx, q, id)
			if err != nil || n == 0 {
				return err
			}
			removed += n
			return q.IndexContent(ctx, id)
		})
		if err != nil {
			return removed, fmt.Errorf("contents: untag content %d: %w", id, err)
		}
	}
	return removed, nil
}

// untagInternal takes from a content, in the caller's transaction, the tags that only its
// internal comments name, and returns how many; the caller brings the search entry along.
func untagInternal(ctx context.Context, q *store.Queries, id int64) (int, error) {
	public, internal, err := q.ContentTexts(ctx, id)
	if err != nil {
		return 0, err
	}
	named := func(names []string) map[string]bool {
		out := map[string]bool{}
		for _, n := range names {
			out[markdown.TagSlug(n)], out[strings.ToLower(n)] = true, true
		}
		return out
	}
	// Reading every public text as a title too can only keep more tags.
	publicNames := markdown.Tags(public...)
	for _, text := range public {
		publicNames = append(publicNames, markdown.TitleTags(text)...)
	}
	inPublic, inInternal := named(publicNames), named(markdown.Tags(internal...))
	tags, err := q.ContentTags(ctx, id)
	if err != nil {
		return 0, err
	}
	var drop []int64
	for _, t := range tags {
		name := strings.ToLower(t.Name)
		if (inInternal[t.Slug] || inInternal[name]) && !inPublic[t.Slug] && !inPublic[name] {
			drop = append(drop, t.ID)
		}
	}
	if len(drop) == 0 {
		return 0, nil
	}
	return len(drop), q.UntagContent(ctx, id, drop)
}

// Update saves an edit: the content's fields, its publication, and a new version by the
// editor. The stored file moves on to the new version.
func (s *Service) Update(ctx context.Context, a *store.Association, editor *store.Gestalt, kind Kind, d Draft) error {
	if err := check(kind, &d); err != nil {
		return err
	}
	var err error
	if d.Slug, err = newSlug(a, d.Slug); err != nil {
		return err
	}
	return s.db.Tx(ctx, func(q *store.Queries) error {
		if err := slugFree(ctx, q, a, d.Slug); err != nil {
			return err
		}
		c, err := q.ContentByID(ctx, a.ContentID)
		if err != nil {
			return err
		}
		imageID, err := pictureOf(ctx, q, editor.ID, d, s.now())
		if err != nil {
			return err
		}
		c.Title, c.ImageID, c.Place, c.AllDay = d.Title, imageID, d.Place, d.AllDay
		setTimes(c, d)
		if err := q.UpdateContent(ctx, c); err != nil {
			return err
		}
		changed := *a
		changed.Slug, changed.Public, changed.Pinned = d.Slug, d.Public, d.Pinned && a.GroupID != 0
		if err := q.UpdateAssociation(ctx, &changed); err != nil {
			return err
		}
		last, err := q.LatestVersion(ctx, c.ID)
		if err != nil {
			return err
		}
		v := &store.Version{ContentID: c.ID, AuthorID: editor.ID, Text: d.Text, TimeCreated: s.now()}
		if !v.TimeCreated.After(last.TimeCreated) {
			v.TimeCreated = last.TimeCreated.Add(time.Microsecond)
		}
		if _, err := q.AddVersion(ctx, v); err != nil {
			return err
		}
		if d.Upload != nil {
			if _, err := q.AddFile(ctx, &store.File{File: d.Upload.Stored, Filename: d.Upload.Name, VersionID: v.ID}); err != nil {
				return err
			}
		} else if err := q.MoveVersionFiles(ctx, last.ID, v.ID); err != nil {
			return err
		}
		if kind == Poll {
			if err := updateOptions(ctx, q, c.PollID, d.Options); err != nil {
				return err
			}
		}
		if kind == Gallery {
			if err := addImages(ctx, q, c.ID, editor.ID, d.NewImages, s.now()); err != nil {
				return err
			}
			if err := q.RemoveGalleryImages(ctx, c.ID, d.RemoveImages); err != nil {
				return err
			}
			left, err := q.GalleryImages(ctx, c.ID)
			if err != nil {
				return err
			}
			if len(left) == 0 {
				return fieldError("images", ErrNoImages)
			}
		}
		*a = changed
		if err := tag(ctx, q, c.ID, append(markdown.TitleTags(d.Title), markdown.Tags(d.Text)...)); err != nil {
			return err
		}
		if err := s.federate(ctx, q, a.ID); err != nil {
			return err
		}
		return q.IndexContent(ctx, c.ID)
	})
}

// Delete hides a content; the rows stay (the original's soft delete), the slug is free again.
func (s *Service) Delete(ctx context.Context, a *store.Association) error {
	return s.db.Tx(ctx, func(q *store.Queries) error { return s.deleteIn(ctx, q, a) })
}

// DeleteByID is Delete for the association with the given id (the administrators' area).
func (s *Service) DeleteByID(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		a, err := q.AssociationByID(ctx, id)
		if err != nil {
			return err
		}
		return s.deleteIn(ctx, q, a)
	})
}

// deleteIn deletes in the caller's transaction: the association, and its words from the
// search index.
func (s *Service) deleteIn(ctx context.Context, q *store.Queries, a *store.Association) error {
	if err := q.DeleteAssociation(ctx, a.ID, s.now()); err != nil {
		return err
	}
	if err := s.federate(ctx, q, a.ID); err != nil {
		return err
	}
	return q.IndexContent(ctx, a.ContentID)
}

// Comment adds a comment to a content (internal: for the group's members only), tags the
// content with a public comment's tags and announces it, in one transaction.
func (s *Service) Comment(ctx context.Context, a *store.Association, author *store.Gestalt, text string, inReplyTo int64, internal bool) (int64, error) {
	var id int64
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		id, err = s.CommentIn(ctx, q, a, author, text, inReplyTo, internal, s.now())
		return err
	})
	return id, err
}

// CommentIn is Comment in the caller's transaction, written at a given time (a mail's date).
// A reply to a comment of another content is taken as a comment of its own.
func (s *Service) CommentIn(ctx context.Context, q *store.Queries, a *store.Association, author *store.Gestalt, text string, inReplyTo int64, internal bool, at time.Time) (int64, error) {
	if strings.TrimSpace(text) == "" {
		return 0, fieldError("text", ErrTextMissing)
	}
	if inReplyTo != 0 {
		parent, err := q.ContributionByID(ctx, inReplyTo)
		if err != nil || parent.ContentID != a.ContentID {
			inReplyTo = 0
		}
	}
	id, err := q.AddContribution(ctx, &store.Contribution{ContentID: a.ContentID, AuthorID: author.ID, Kind: "text",
		Text: text, InReplyToID: inReplyTo, TimeCreated: at, Public: !internal})
	if err != nil {
		return 0, err
	}
	// An internal comment's hashtags would show on the content's page, on tag pages and in
	// the search to those who may not read the comment: only public comments tag.
	if !internal {
		if err := tag(ctx, q, a.ContentID, markdown.Tags(text)); err != nil {
			return 0, err
		}
		if err := q.IndexContent(ctx, a.ContentID); err != nil {
			return 0, err
		}
	}
	return id, notify.ContributionCreated(ctx, q, id, at)
}

// DeleteComment hides a comment.
func (s *Service) DeleteComment(ctx context.Context, id int64) error {
	return s.db.Tx(ctx, func(q *store.Queries) error {
		c, err := q.ContributionByID(ctx, id)
		if err != nil {
			return err
		}
		if err := q.DeleteContribution(ctx, id, s.now()); err != nil {
			return err
		}
		if c.ContentID == 0 {
			return nil
		}
		if s.fed != nil && !c.Deleted.Valid {
			// a reply from the Fediverse: the group withdraws its Announce
			if err := s.fed.CommentDeleted(ctx, q, id); err != nil {
				return err
			}
		}
		return q.IndexContent(ctx, c.ContentID)
	})
}

// String makes Kind print as its name.
func (k Kind) String() string { return string(k) }

// ParseKind reads a kind's name.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("contents: unknown kind %q", s)
}
