// Package groups creates groups and manages who belongs to them: joining subscribes, leaving
// unsubscribes, and group slugs share one namespace with usernames.
package groups

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/avatars"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/slugs"
	"grouprise.org/grouprise/internal/store"
)

// Errors a person can fix; the web and the CLI turn them into messages.
var (
	ErrNameMissing    = errors.New("a group needs a name")
	ErrSlugInvalid    = errors.New("a group's short name consists of letters, digits, '-' and '_', at most 50")
	ErrSlugTaken      = errors.New("the short name is taken by a group or a person")
	ErrSlugBlocked    = errors.New("the short name is reserved")
	ErrAlreadyMember  = errors.New("already a member of the group")
	ErrNotMember      = errors.New("not a member of the group")
	ErrNameTooLong    = errors.New("a group's name has at most 255 characters")
	errNoSlugFromName = errors.New("no short name can be made from the name; give one")
)

// Groups manages groups and memberships.
type Groups struct {
	db       *store.DB
	reserved func(string) bool
	now      func() time.Time
}

// New returns the group service; reserved tells which slugs nobody may take.
func New(db *store.DB, reserved func(string) bool) *Groups {
	return &Groups{db: db, reserved: reserved, now: time.Now}
}

// NewGroup describes a group to create. Without a slug one is made from the name.
type NewGroup struct {
	Name   string
	Slug   string
	Closed bool
	// Creator, when set, becomes the first member.
	Creator *store.Gestalt
}

// Create makes a group; its creator (if any) becomes its first member and subscriber.
func (g *Groups) Create(ctx context.Context, n NewGroup) (*store.Group, error) {
	name := strings.TrimSpace(n.Name)
	switch {
	case name == "":
		return nil, ErrNameMissing
	case len([]rune(name)) > 255:
		return nil, ErrNameTooLong
	}
	slug := strings.TrimSpace(n.Slug)
	if slug != "" {
		if !slugs.Valid(slug) {
			return nil, ErrSlugInvalid
		}
		if g.reserved(slug) {
			return nil, ErrSlugBlocked
		}
	} else if slugs.Make(name) == "" {
		return nil, errNoSlugFromName
	}
	now := g.now().UTC()
	today := now.Truncate(24 * time.Hour)
	group := &store.Group{Slug: slug, Name: name, DateCreated: today, TimeModified: now, DateFounded: today,
		AvatarColor: avatars.RandomColor(), Closed: n.Closed}
	if n.Creator != nil {
		group.GestaltCreatedID = sql.Null[int64]{V: n.Creator.ID, Valid: true}
	}
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		if group.Slug == "" {
			var err error
			group.Slug, err = slugs.Unique(ctx, slugs.Make(name), func(ctx context.Context, s string) (bool, error) {
				if g.reserved(s) {
					return true, nil
				}
				return q.SlugTaken(ctx, s)
			})
			if err != nil {
				return err
			}
		} else if taken, err := q.SlugTaken(ctx, group.Slug); err != nil {
			return err
		} else if taken {
			return ErrSlugTaken
		}
		if _, err := q.CreateGroup(ctx, group); err != nil {
			return err
		}
		if n.Creator != nil {
			return join(ctx, q, group.ID, n.Creator.ID, n.Creator.ID, today)
		}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, ErrSlugTaken
	}
	if err != nil {
		return nil, fmt.Errorf("groups: create %s: %w", name, err)
	}
	return group, nil
}

// AddMember makes member a member of the group and subscribes them to it; createdBy is who
// added them (the member themself when they joined).
func (g *Groups) AddMember(ctx context.Context, groupID, memberID, createdByID int64) error {
	today := g.now().UTC().Truncate(24 * time.Hour)
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		return join(ctx, q, groupID, memberID, createdByID, today)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrAlreadyMember
	}
	if err != nil {
		return fmt.Errorf("groups: add member: %w", err)
	}
	return nil
}

// join adds the membership and its subscription; when someone else added the member, all
// members hear of it.
func join(ctx context.Context, q *store.Queries, groupID, memberID, createdByID int64, day time.Time) error {
	m := &store.Membership{GroupID: groupID, MemberID: memberID,
		CreatedByID: sql.Null[int64]{V: createdByID, Valid: true}, DateJoined: day}
	if _, err := q.AddMembership(ctx, m); err != nil {
		return err
	}
	if err := q.Subscribe(ctx, groupID, memberID); err != nil {
		return err
	}
	if createdByID != memberID {
		return notify.MembershipCreated(ctx, q, m.ID, time.Now())
	}
	return nil
}

// RemoveMember ends a membership and the subscription that came with it.
func (g *Groups) RemoveMember(ctx context.Context, groupID, memberID int64) error {
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.RemoveMembership(ctx, groupID, memberID); err != nil {
			return err
		}
		return q.Unsubscribe(ctx, groupID, memberID)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotMember
	}
	if err != nil {
		return fmt.Errorf("groups: remove member: %w", err)
	}
	return nil
}
