package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// EntityRef names the group or person a content is published under.
type EntityRef struct {
	ID        int64
	Slug      string
	Name      string
	Color     string
	IsGroup   bool
	FirstName string // people only
	LastName  string
}

// DisplayName is the name shown for the entity.
func (e EntityRef) DisplayName() string {
	if e.IsGroup {
		return e.Name
	}
	g := Gestalt{Username: e.Slug, FirstName: e.FirstName, LastName: e.LastName}
	return g.Name()
}

// StreamItem is a content as lists show it.
type StreamItem struct {
	AssociationID int64
	Slug          string
	Public        bool
	Pinned        bool
	Entity        EntityRef
	ContentID     int64
	Title         string
	Kind          string // poll, gallery, file, event, article
	Place         string
	StartsAt      sql.Null[time.Time]
	EndsAt        sql.Null[time.Time]
	AllDay        bool
	Created       time.Time
	Author        EntityRef
	Text          string // the current version's text
	VersionID     int64  // the current version
	Image         string // the preview picture (a gallery's first), "" without one
	Comments      int
}

// StreamQuery selects the contents a viewer may see.
type StreamQuery struct {
	ViewerID  int64   // 0 for anonymous visitors
	MemberOf  []int64 // the viewer's groups
	GroupID   int64   // only this group's contents
	GestaltID int64   // only this person's contents
	Pinned    *bool   // only pinned (or only unpinned) ones
	Events    bool    // only events that have not ended by Now
	TagID     int64   // only contents with this tag or of a group with it
	Kind      string  // only contents of this kind (article, event, gallery, file, poll)
	// From and Until select the events that take place in [From, Until), soonest first.
	From, Until time.Time
	// OnlyPublic narrows the list to public contents whoever asks (public feeds and calendars
	// show the same to everybody); OnlyInternal to internal ones (a group's private feed).
	// Both narrow what visibleTo lets through, they never widen it.
	OnlyPublic   bool
	OnlyInternal bool
	InGroups     []int64 // only contents of these groups (the personal calendar)
	// AssociationID selects one publication (StreamItemByAssociation), AssociationIDs some.
	AssociationID  int64
	AssociationIDs []int64
	Now            time.Time
	Limit          int
	Offset         int
	// everything leaves visibleTo out: every publication, internal ones too, for the admin
	// area (RecentAssociations) and for reading one by id (StreamItemByAssociation), whose
	// callers check contents.CanView themselves.
	everything bool
}

// Stream lists contents newest first (events by their start) that the viewer may see
// (visibleTo: public ones, those of the viewer's groups and their own).
func (q *Queries) Stream(ctx context.Context, sq StreamQuery) ([]*StreamItem, error) {
	where := []string{"a.deleted IS NULL", "a.content_id IS NOT NULL"}
	var args []any
	order := "c.time_created DESC, a.id DESC"
	if !sq.everything {
		visible, vargs := visibleTo(sq.ViewerID, sq.MemberOf)
		where = append(where, visible)
		args = append(args, vargs...)
	}
	if sq.GroupID != 0 {
		where = append(where, "a.group_id = ?")
		args = append(args, sq.GroupID)
	}
	if sq.GestaltID != 0 {
		where = append(where, "a.gestalt_id = ?")
		args = append(args, sq.GestaltID)
	}
	if !sq.From.IsZero() {
		where = append(where, "c.starts_at IS NOT NULL", "c.starts_at < ?", "COALESCE(c.ends_at, c.starts_at) >= ?")
		args = append(args, sq.Until, sq.From)
		order = "c.starts_at, a.id"
	}
	if sq.OnlyPublic {
		where = append(where, "a.public")
	}
	if sq.OnlyInternal {
		where = append(where, "NOT a.public")
	}
	if len(sq.InGroups) > 0 {
		where = append(where, "a.group_id IN ("+placeholders(len(sq.InGroups))+")")
		for _, id := range sq.InGroups {
			args = append(args, id)
		}
	}
	if sq.AssociationID != 0 {
		where = append(where, "a.id = ?")
		args = append(args, sq.AssociationID)
	}
	if len(sq.AssociationIDs) > 0 {
		where = append(where, "a.id IN ("+placeholders(len(sq.AssociationIDs))+")")
		for _, id := range sq.AssociationIDs {
			args = append(args, id)
		}
	}
	switch sq.Kind {
	case "article":
		where = append(where, "c.poll_id IS NULL", "c.starts_at IS NULL", kindGallery(false), kindFile(false))
	case "event":
		where = append(where, "c.starts_at IS NOT NULL")
	case "gallery":
		where = append(where, kindGallery(true))
	case "file":
		where = append(where, kindFile(true))
	case "poll":
		where = append(where, "c.poll_id IS NOT NULL")
	}
	if sq.TagID != 0 {
		where = append(where, `(EXISTS (SELECT 1 FROM content_tags ct WHERE ct.content_id = c.id AND ct.tag_id = ?)
			OR EXISTS (SELECT 1 FROM group_tags gt WHERE gt.group_id = a.group_id AND gt.tag_id = ?))`)
		args = append(args, sq.TagID, sq.TagID)
	}
	if sq.Pinned != nil {
		where = append(where, "a.pinned = ?")
		args = append(args, *sq.Pinned)
	}
	if sq.Events {
		// Upcoming and ongoing events, soonest first.
		where = append(where, "c.starts_at IS NOT NULL", "((c.ends_at IS NULL AND c.starts_at >= ?) OR c.ends_at >= ?)")
		args = append(args, sq.Now, sq.Now)
		order = "c.starts_at, a.id"
	}
	limit := sq.Limit
	if limit <= 0 {
		limit = 12
	}
	args = append(args, limit, sq.Offset)
	// MATERIALIZED keeps both planners from folding the page into the outer query, so the
	// per-item subqueries run for the page's items only.
	rows, err := q.query(ctx, `WITH page AS MATERIALIZED (
			SELECT a.id AS aid, c.id AS cid FROM associations a JOIN contents c ON c.id = a.content_id
			WHERE `+strings.Join(where, " AND ")+` ORDER BY `+order+` LIMIT ? OFFSET ?)
		SELECT a.id, COALESCE(a.slug, ''), a.public, a.pinned,
			COALESCE(gr.id, 0), COALESCE(gr.slug, ''), COALESCE(gr.name, ''), COALESCE(gr.avatar_color, ''),
			COALESCE(ge.id, 0), COALESCE(ge.username, ''), COALESCE(ge.first_name, ''), COALESCE(ge.last_name, ''),
			COALESCE(ge.avatar_color, ''),
			c.id, c.title, c.place, c.starts_at, c.ends_at, c.all_day, c.time_created,
			au.id, au.username, au.first_name, au.last_name, au.avatar_color, lv.text, lv.id,
			CASE WHEN c.poll_id IS NOT NULL THEN 'poll'
				WHEN EXISTS (SELECT 1 FROM gallery_images gi WHERE gi.content_id = c.id) THEN 'gallery'
				WHEN EXISTS (SELECT 1 FROM files f WHERE f.version_id = lv.id) THEN 'file'
				WHEN c.starts_at IS NOT NULL THEN 'event' ELSE 'article' END,
			(SELECT COUNT(*) FROM contributions x WHERE x.content_id = c.id AND x.public AND x.deleted IS NULL AND x.kind = 'text'),
			COALESCE((SELECT i.file FROM images i WHERE i.id = c.image_id), (SELECT i.file FROM gallery_images gi
				JOIN images i ON i.id = gi.image_id WHERE gi.content_id = c.id ORDER BY gi.id LIMIT 1), '')
		FROM page
		JOIN associations a ON a.id = page.aid
		JOIN contents c ON c.id = page.cid
		LEFT JOIN groups gr ON gr.id = a.group_id
		LEFT JOIN gestalten ge ON ge.id = a.gestalt_id
		JOIN content_versions fv ON fv.id = (SELECT v.id FROM content_versions v WHERE v.content_id = c.id
			ORDER BY v.time_created, v.id LIMIT 1)
		JOIN gestalten au ON au.id = fv.author_id
		JOIN content_versions lv ON lv.id = (SELECT v.id FROM content_versions v WHERE v.content_id = c.id
			ORDER BY v.time_created DESC, v.id DESC LIMIT 1)
		ORDER BY `+order, args...)
	if err != nil {
		return nil, fmt.Errorf("store: stream: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*StreamItem, error) {
		var it StreamItem
		var g, p EntityRef
		err := r.Scan(&it.AssociationID, &it.Slug, &it.Public, &it.Pinned,
			&g.ID, &g.Slug, &g.Name, &g.Color, &p.ID, &p.Slug, &p.FirstName, &p.LastName, &p.Color,
			&it.ContentID, &it.Title, &it.Place, &it.StartsAt, &it.EndsAt, &it.AllDay, &it.Created,
			&it.Author.ID, &it.Author.Slug, &it.Author.FirstName, &it.Author.LastName, &it.Author.Color, &it.Text, &it.VersionID,
			&it.Kind, &it.Comments, &it.Image)
		if g.ID != 0 {
			g.IsGroup = true
			it.Entity = g
		} else {
			it.Entity = p
		}
		return &it, err
	})
}

// kindGallery and kindFile are conditions on contents c: (not) a gallery, (not) a file.
func kindGallery(is bool) string {
	return not(is) + "EXISTS (SELECT 1 FROM gallery_images gi WHERE gi.content_id = c.id)"
}

func kindFile(is bool) string {
	return not(is) + "EXISTS (SELECT 1 FROM content_versions v JOIN files f ON f.version_id = v.id WHERE v.content_id = c.id)"
}

func not(is bool) string {
	if is {
		return ""
	}
	return "NOT "
}
