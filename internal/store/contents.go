package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Optional ids are 0 when absent; nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// Association publishes a content or a conversation under a group or a person.
type Association struct {
	ID             int64
	ContentID      int64 // or
	ConversationID int64
	GroupID        int64 // or
	GestaltID      int64
	Public         bool
	Pinned         bool
	Slug           string // "" for conversations and deleted items
	Deleted        sql.Null[time.Time]
}

// Content is an article, event, gallery, file or poll.
type Content struct {
	ID       int64
	Title    string
	ImageID  int64
	Place    string
	StartsAt sql.Null[time.Time]
	EndsAt   sql.Null[time.Time]
	AllDay   bool
	PollID   int64
}

// Version is one state of a content's text.
type Version struct {
	ID          int64
	ContentID   int64
	AuthorID    int64
	Text        string
	TimeCreated time.Time
}

// Contribution is a comment on a content or a message in a conversation.
type Contribution struct {
	ID             int64
	ContentID      int64 // or
	ConversationID int64
	AuthorID       int64
	Kind           string // text, file or application
	Text           string
	FileID         int64
	ApplicationID  int64
	InReplyToID    int64
	AttachedToID   int64
	TimeCreated    time.Time
	Deleted        sql.Null[time.Time]
	Public         bool
}

// File is a stored upload or mail attachment.
type File struct {
	ID        int64
	File      string // the stored name below media_root
	Filename  string // the original name ("" for mail attachments)
	VersionID int64
}

// CreateAssociation publishes a content or conversation.
func (q *Queries) CreateAssociation(ctx context.Context, a *Association) (int64, error) {
	var slug any
	if a.Slug != "" {
		slug = a.Slug
	}
	id, err := q.insert(ctx, `INSERT INTO associations (content_id, conversation_id, group_id, gestalt_id, public, pinned, slug)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, nullID(a.ContentID), nullID(a.ConversationID), nullID(a.GroupID),
		nullID(a.GestaltID), a.Public, a.Pinned, slug)
	if err != nil {
		return 0, fmt.Errorf("store: create association: %w", err)
	}
	a.ID = id
	return id, nil
}

// CreateContent inserts a content and its first version.
func (q *Queries) CreateContent(ctx context.Context, c *Content, v *Version) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO contents (title, image_id, place, starts_at, ends_at, all_day, time_created, poll_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.Title, nullID(c.ImageID), c.Place, c.StartsAt, c.EndsAt, c.AllDay, v.TimeCreated,
		nullID(c.PollID))
	if err != nil {
		return 0, fmt.Errorf("store: create content: %w", err)
	}
	c.ID = id
	v.ContentID = id
	if _, err := q.AddVersion(ctx, v); err != nil {
		return 0, err
	}
	return id, nil
}

// AddVersion adds a new state of a content's text.
func (q *Queries) AddVersion(ctx context.Context, v *Version) (int64, error) {
	id, err := q.insert(ctx, `INSERT INTO content_versions (content_id, author_id, text, time_created) VALUES (?, ?, ?, ?)`,
		v.ContentID, v.AuthorID, v.Text, v.TimeCreated)
	if err != nil {
		return 0, fmt.Errorf("store: add version: %w", err)
	}
	v.ID = id
	return id, nil
}

// AddContribution inserts a comment or message.
func (q *Queries) AddContribution(ctx context.Context, c *Contribution) (int64, error) {
	if c.Kind == "" {
		c.Kind = "text"
	}
	id, err := q.insert(ctx, `INSERT INTO contributions (content_id, conversation_id, author_id, kind, text, file_id,
		application_id, in_reply_to_id, attached_to_id, time_created, public) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullID(c.ContentID), nullID(c.ConversationID), c.AuthorID, c.Kind, c.Text, nullID(c.FileID),
		nullID(c.ApplicationID), nullID(c.InReplyToID), nullID(c.AttachedToID), c.TimeCreated, c.Public)
	if err != nil {
		return 0, fmt.Errorf("store: add contribution: %w", err)
	}
	c.ID = id
	return id, nil
}

// AddFile records a stored file.
func (q *Queries) AddFile(ctx context.Context, f *File) (int64, error) {
	var filename any
	if f.Filename != "" {
		filename = f.Filename
	}
	id, err := q.insert(ctx, `INSERT INTO files (file, filename, version_id) VALUES (?, ?, ?)`,
		f.File, filename, nullID(f.VersionID))
	if err != nil {
		return 0, fmt.Errorf("store: add file: %w", err)
	}
	f.ID = id
	return id, nil
}

const associationColumns = `a.id, COALESCE(a.content_id, 0), COALESCE(a.conversation_id, 0), COALESCE(a.group_id, 0),
	COALESCE(a.gestalt_id, 0), a.public, a.pinned, COALESCE(a.slug, ''), a.deleted`

func scanAssociation(row interface{ Scan(...any) error }) (*Association, error) {
	var a Association
	err := row.Scan(&a.ID, &a.ContentID, &a.ConversationID, &a.GroupID, &a.GestaltID, &a.Public, &a.Pinned, &a.Slug, &a.Deleted)
	if err != nil {
		return nil, classify(err)
	}
	return &a, nil
}

// AssociationOf returns the association of a content (contentID) or a conversation.
func (q *Queries) AssociationOf(ctx context.Context, contentID, conversationID int64) (*Association, error) {
	column, id := "content_id", contentID
	if contentID == 0 {
		column, id = "conversation_id", conversationID
	}
	a, err := scanAssociation(q.queryRow(ctx, `SELECT `+associationColumns+` FROM associations a
		WHERE a.`+column+` = ? ORDER BY a.id LIMIT 1`, id))
	if err != nil {
		return nil, fmt.Errorf("store: association of %s %d: %w", column, id, err)
	}
	return a, nil
}

// ContentByID returns a content.
func (q *Queries) ContentByID(ctx context.Context, id int64) (*Content, error) {
	var c Content
	err := q.queryRow(ctx, `SELECT id, title, COALESCE(image_id, 0), place, starts_at, ends_at, all_day, COALESCE(poll_id, 0)
		FROM contents WHERE id = ?`, id).Scan(&c.ID, &c.Title, &c.ImageID, &c.Place, &c.StartsAt, &c.EndsAt, &c.AllDay, &c.PollID)
	if err != nil {
		return nil, fmt.Errorf("store: content %d: %w", id, classify(err))
	}
	return &c, nil
}

// Versions returns a content's versions, oldest first: the first names the author, the last
// holds the current text.
func (q *Queries) Versions(ctx context.Context, contentID int64) ([]*Version, error) {
	rows, err := q.query(ctx, `SELECT id, content_id, author_id, text, time_created FROM content_versions
		WHERE content_id = ? ORDER BY time_created, id`, contentID)
	if err != nil {
		return nil, fmt.Errorf("store: versions of %d: %w", contentID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*Version, error) {
		var v Version
		return &v, r.Scan(&v.ID, &v.ContentID, &v.AuthorID, &v.Text, &v.TimeCreated)
	})
}

const contributionColumns = `c.id, COALESCE(c.content_id, 0), COALESCE(c.conversation_id, 0), c.author_id, c.kind, c.text,
	COALESCE(c.file_id, 0), COALESCE(c.application_id, 0), COALESCE(c.in_reply_to_id, 0), COALESCE(c.attached_to_id, 0),
	c.time_created, c.deleted, c.public`

func scanContribution(row interface{ Scan(...any) error }) (*Contribution, error) {
	var c Contribution
	err := row.Scan(&c.ID, &c.ContentID, &c.ConversationID, &c.AuthorID, &c.Kind, &c.Text, &c.FileID,
		&c.ApplicationID, &c.InReplyToID, &c.AttachedToID, &c.TimeCreated, &c.Deleted, &c.Public)
	if err != nil {
		return nil, classify(err)
	}
	return &c, nil
}

// ContributionByID returns a contribution, deleted or not.
func (q *Queries) ContributionByID(ctx context.Context, id int64) (*Contribution, error) {
	c, err := scanContribution(q.queryRow(ctx, `SELECT `+contributionColumns+` FROM contributions c WHERE c.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: contribution %d: %w", id, err)
	}
	return c, nil
}

// FirstContribution returns the oldest contribution of a content or conversation.
func (q *Queries) FirstContribution(ctx context.Context, contentID, conversationID int64) (*Contribution, error) {
	column, id := "content_id", contentID
	if contentID == 0 {
		column, id = "conversation_id", conversationID
	}
	c, err := scanContribution(q.queryRow(ctx, `SELECT `+contributionColumns+` FROM contributions c
		WHERE c.`+column+` = ? ORDER BY c.time_created, c.id LIMIT 1`, id))
	if err != nil {
		return nil, fmt.Errorf("store: first contribution of %s %d: %w", column, id, err)
	}
	return c, nil
}

// Attachments returns the files that came with a contribution (from an incoming mail).
func (q *Queries) Attachments(ctx context.Context, contributionID int64) ([]*File, error) {
	rows, err := q.query(ctx, `SELECT f.id, f.file, COALESCE(f.filename, ''), COALESCE(f.version_id, 0)
		FROM contributions c JOIN files f ON f.id = c.file_id
		WHERE c.attached_to_id = ? AND c.kind = 'file' AND c.deleted IS NULL ORDER BY c.id`, contributionID)
	if err != nil {
		return nil, fmt.Errorf("store: attachments of %d: %w", contributionID, err)
	}
	return collect(rows, scanFile)
}

// VersionFile returns the file a version holds (file contents), or ErrNotFound.
func (q *Queries) VersionFile(ctx context.Context, versionID int64) (*File, error) {
	f, err := scanFile(q.queryRow(ctx, `SELECT id, file, COALESCE(filename, ''), COALESCE(version_id, 0)
		FROM files WHERE version_id = ? ORDER BY id LIMIT 1`, versionID))
	if err != nil {
		return nil, fmt.Errorf("store: file of version %d: %w", versionID, classify(err))
	}
	return f, nil
}

func scanFile(r interface{ Scan(...any) error }) (*File, error) {
	var f File
	return &f, r.Scan(&f.ID, &f.File, &f.Filename, &f.VersionID)
}

// GalleryImageCount counts the pictures of a gallery.
func (q *Queries) GalleryImageCount(ctx context.Context, contentID int64) (int, error) {
	var n int
	if err := q.queryRow(ctx, `SELECT COUNT(*) FROM gallery_images WHERE content_id = ?`, contentID).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: gallery %d: %w", contentID, classify(err))
	}
	return n, nil
}

// PollOptions lists a poll's options in order; date options as their start time.
func (q *Queries) PollOptions(ctx context.Context, pollID int64) ([]PollOption, error) {
	rows, err := q.query(ctx, `SELECT id, COALESCE(title, ''), starts_at, ends_at FROM poll_options
		WHERE poll_id = ? ORDER BY id`, pollID)
	if err != nil {
		return nil, fmt.Errorf("store: options of poll %d: %w", pollID, err)
	}
	defer rows.Close()
	var out []PollOption
	for rows.Next() {
		var o PollOption
		if err := rows.Scan(&o.ID, &o.Title, &o.StartsAt, &o.EndsAt); err != nil {
			return nil, fmt.Errorf("store: options of poll %d: %w", pollID, err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// PollOption is a text answer (Title) or a date (StartsAt, EndsAt) of a poll.
type PollOption struct {
	ID       int64
	Title    string
	StartsAt sql.Null[time.Time]
	EndsAt   sql.Null[time.Time]
}

// DeleteContribution hides a contribution (soft delete: the row stays for threads and imports).
func (q *Queries) DeleteContribution(ctx context.Context, id int64, now time.Time) error {
	return q.updateOne(ctx, "delete contribution", `UPDATE contributions SET deleted = ? WHERE id = ? AND deleted IS NULL`, now, id)
}

// ThreadItem is a contribution as a conversation or comment list shows it.
type ThreadItem struct {
	Contribution
	Author        EntityRef
	ApplicationOf int64 // the group of an application (kind application)
	// FileStored and FileName describe the file of a file contribution.
	FileStored, FileName string
}

// Thread lists the contributions of a content or conversation, oldest first, deleted ones
// left out; internal ones only when withInternal.
func (q *Queries) Thread(ctx context.Context, contentID, conversationID int64, withInternal bool) ([]*ThreadItem, error) {
	column, id := "content_id", contentID
	if contentID == 0 {
		column, id = "conversation_id", conversationID
	}
	internal := " AND c.public"
	if withInternal {
		internal = ""
	}
	rows, err := q.query(ctx, `SELECT `+contributionColumns+`, g.id, g.username, g.first_name, g.last_name, g.avatar_color,
		COALESCE(ap.group_id, 0), COALESCE(f.file, ''), COALESCE(f.filename, '')
		FROM contributions c JOIN gestalten g ON g.id = c.author_id
		LEFT JOIN applications ap ON ap.id = c.application_id
		LEFT JOIN files f ON f.id = c.file_id
		WHERE c.`+column+` = ? AND c.deleted IS NULL`+internal+` ORDER BY c.time_created, c.id`, id)
	if err != nil {
		return nil, fmt.Errorf("store: thread of %s %d: %w", column, id, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*ThreadItem, error) {
		var t ThreadItem
		c := &t.Contribution
		err := r.Scan(&c.ID, &c.ContentID, &c.ConversationID, &c.AuthorID, &c.Kind, &c.Text, &c.FileID,
			&c.ApplicationID, &c.InReplyToID, &c.AttachedToID, &c.TimeCreated, &c.Deleted, &c.Public,
			&t.Author.ID, &t.Author.Slug, &t.Author.FirstName, &t.Author.LastName, &t.Author.Color, &t.ApplicationOf,
			&t.FileStored, &t.FileName)
		return &t, err
	})
}

// AssociationByID returns an association.
func (q *Queries) AssociationByID(ctx context.Context, id int64) (*Association, error) {
	a, err := scanAssociation(q.queryRow(ctx, `SELECT `+associationColumns+` FROM associations a WHERE a.id = ?`, id))
	if err != nil {
		return nil, fmt.Errorf("store: association %d: %w", id, err)
	}
	return a, nil
}

// DeleteAssociation hides a publication (soft delete) and frees its slug.
func (q *Queries) DeleteAssociation(ctx context.Context, id int64, now time.Time) error {
	return q.updateOne(ctx, "delete association", `UPDATE associations SET deleted = ?, slug = NULL WHERE id = ? AND deleted IS NULL`, now, id)
}

// RecentAssociations lists the newest publications of every kind and visibility (for site
// administrators).
func (q *Queries) RecentAssociations(ctx context.Context, limit int) ([]*StreamItem, error) {
	return q.Stream(ctx, StreamQuery{Limit: limit, everything: true})
}
