// Package groups creates groups and manages who belongs to them: joining subscribes, leaving
// unsubscribes, and group slugs share one namespace with usernames.
package groups

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/avatars"
	"grouprise.org/grouprise/internal/hooks"
	"grouprise.org/grouprise/internal/matrix"
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
	accounts *accounts.Accounts
	letters  accounts.Letters
	now      func() time.Time
	hooks    bool
	// chatDomain is the Matrix homeserver's name when matrix_chat is enabled, else "".
	chatDomain string
	fed        Fediverse // nil: no federation
}

// Fediverse hears, in the transaction of the change, of what changes a group's actor in the
// Fediverse (federation.Service): what it shows, and its end (the group is deleted, or its
// actor's id changes with its slug).
type Fediverse interface {
	ActorChanged(ctx context.Context, q *store.Queries, groupID int64) error
	ActorGone(ctx context.Context, q *store.Queries, g *store.Group) error
}

// WithFediverse tells the Fediverse of changes of groups' actors.
func (g *Groups) WithFediverse(f Fediverse) *Groups {
	g.fed = f
	return g
}

// actorChanged tells the Fediverse that what a group's actor shows changed.
func (g *Groups) actorChanged(ctx context.Context, q *store.Queries, id int64) error {
	if g.fed == nil {
		return nil
	}
	return g.fed.ActorChanged(ctx, q, id)
}

// WithChat makes memberships keep the groups' Matrix rooms in step (invitations, kicks);
// domain is matrix_chat.domain, "" when the chat is off.
func (g *Groups) WithChat(domain string) *Groups {
	g.chatDomain = domain
	return g
}

// kick queues the removal of a former member from the group's rooms.
func (g *Groups) kick(ctx context.Context, q *store.Queries, groupID, memberID int64) error {
	person, err := q.GestaltByID(ctx, memberID)
	if err != nil {
		return err
	}
	own, err := q.MatrixIDOf(ctx, memberID)
	if err != nil {
		return err
	}
	chat := matrix.Chat{Domain: g.chatDomain}
	if err := q.ForgetMatrixInvitations(ctx, memberID, groupID); err != nil {
		return err
	}
	return matrix.QueueKick(ctx, q, groupID, chat.UserID(person.Username, own), g.now())
}

// WithHooks makes changes of groups call the administrator's hook scripts (hook_script_paths).
func (g *Groups) WithHooks(on bool) *Groups {
	g.hooks = on
	return g
}

// hook enqueues the hook scripts' call for an event, in the transaction of the change.
func (g *Groups) hook(ctx context.Context, q *store.Queries, event string, id int64, slug string) error {
	if !g.hooks {
		return nil
	}
	return hooks.Group(ctx, q, event, id, slug, g.now())
}

// New returns the group service; reserved tells which slugs nobody may take. letters may be
// nil where no mail is sent (the command line).
func New(db *store.DB, reserved func(string) bool, letters accounts.Letters) *Groups {
	return &Groups{db: db, reserved: reserved, accounts: accounts.New(db, reserved, letters), letters: letters, now: time.Now}
}

// NewGroup describes a group to create. Without a slug one is made from the name.
type NewGroup struct {
	Name   string
	Slug   string
	Closed bool
	// Creator, when set, becomes the first member.
	Creator *store.Gestalt
	// Tags, when set, are the group's first tags, by the site's rule for featured tags.
	Tags *Tags
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
	if n.Tags != nil {
		if err := n.Tags.check(); err != nil {
			return nil, err
		}
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
				return q.SlugTakenFor(ctx, s, 0, now)
			})
			if err != nil {
				return err
			}
		} else if taken, err := q.SlugTakenFor(ctx, group.Slug, 0, now); err != nil {
			return err
		} else if taken {
			return ErrSlugTaken
		}
		if _, err := q.CreateGroup(ctx, group); err != nil {
			return err
		}
		if n.Tags != nil {
			if err := setTags(ctx, q, group.ID, n.Tags); err != nil {
				return err
			}
		}
		if err := g.hook(ctx, q, hooks.Created, group.ID, group.Slug); err != nil {
			return err
		}
		if g.chatDomain != "" && n.Creator == nil {
			if err := matrix.QueueSync(ctx, q, group.ID, g.now()); err != nil {
				return err
			}
		}
		if n.Creator != nil {
			return g.join(ctx, q, group.ID, n.Creator.ID, n.Creator.ID, today)
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

// MaxDescription is the length of a group's short description, as in the original.
const MaxDescription = 200

// More errors a person can fix.
var (
	ErrDescriptionTooLong = errors.New("the description has at most 200 characters")
	ErrURLInvalid         = errors.New("the website must be an http or https address")
)

// UpdateSettings stores what members edit about their group.
func (g *Groups) UpdateSettings(ctx context.Context, group *store.Group, s store.GroupSettings) error {
	return g.update(ctx, group, s, nil)
}

// UpdateSettingsAndTags stores the settings and the tags of the settings page: both or
// neither.
func (g *Groups) UpdateSettingsAndTags(ctx context.Context, group *store.Group, s store.GroupSettings, t Tags) error {
	if err := t.check(); err != nil {
		return err
	}
	return g.update(ctx, group, s, &t)
}

func (g *Groups) update(ctx context.Context, group *store.Group, s store.GroupSettings, t *Tags) error {
	s.Name, s.Slug = strings.TrimSpace(s.Name), strings.TrimSpace(s.Slug)
	s.Description, s.Address, s.URL = strings.TrimSpace(s.Description), strings.TrimSpace(s.Address), strings.TrimSpace(s.URL)
	switch {
	case s.Name == "":
		return ErrNameMissing
	case len([]rune(s.Name)) > 255:
		return ErrNameTooLong
	case !slugs.Valid(s.Slug):
		return ErrSlugInvalid
	case g.reserved(s.Slug):
		return ErrSlugBlocked
	case len([]rune(s.Description)) > MaxDescription:
		return ErrDescriptionTooLong
	case s.URL != "" && !validURL(s.URL):
		return ErrURLInvalid
	case s.SetLocation && !validLocation(s.Latitude, s.Longitude):
		return ErrLocationInvalid
	}
	if s.DateFounded.IsZero() {
		s.DateFounded = group.DateFounded
	}
	now := g.now()
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		if !strings.EqualFold(s.Slug, group.Slug) {
			if taken, err := q.SlugTakenFor(ctx, s.Slug, group.ID, now); err != nil {
				return err
			} else if taken {
				return ErrSlugTaken
			}
		}
		if err := q.UpdateGroup(ctx, group.ID, s, now); err != nil {
			return err
		}
		if !strings.EqualFold(s.Slug, group.Slug) {
			if err := reserveOldSlug(ctx, q, group, s.Slug, now); err != nil {
				return err
			}
		}
		if t != nil {
			if err := setTags(ctx, q, group.ID, t); err != nil {
				return err
			}
		}
		if s.Slug != group.Slug && g.fed != nil {
			// its actor's id is its address: the old actor goes, with its followers
			if err := g.fed.ActorGone(ctx, q, group); err != nil {
				return err
			}
		}
		if s.Name != group.Name || s.Description != group.Description || s.Closed != group.Closed {
			if err := g.actorChanged(ctx, q, group.ID); err != nil {
				return err
			}
		}
		return g.hook(ctx, q, hooks.Changed, group.ID, s.Slug)
	})
	if errors.Is(err, store.ErrConflict) {
		return ErrSlugTaken
	}
	return err
}

// SetImage stores a group's new avatar or logo ("" removes it).
func (g *Groups) SetImage(ctx context.Context, group *store.Group, kind, file string) error {
	return g.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.SetGroupImage(ctx, group.ID, kind, file); err != nil {
			return err
		}
		if err := g.actorChanged(ctx, q, group.ID); err != nil {
			return err
		}
		return g.hook(ctx, q, hooks.Changed, group.ID, group.Slug)
	})
}

// validLocation: both coordinates on the map, or neither.
func validLocation(lat, lon *float64) bool {
	return (lat == nil) == (lon == nil) && (lat == nil || (*lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180))
}

// ErrLocationInvalid is a place off the map.
var ErrLocationInvalid = errors.New("a location is a latitude from -90 to 90 and a longitude from -180 to 180")

// SetLocation places a group on the map (lat and lon both given) or takes it off (both nil).
func (g *Groups) SetLocation(ctx context.Context, group *store.Group, lat, lon *float64) error {
	if !validLocation(lat, lon) {
		return ErrLocationInvalid
	}
	return g.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.SetGroupLocation(ctx, group.ID, lat, lon); err != nil {
			return err
		}
		return g.hook(ctx, q, hooks.Changed, group.ID, group.Slug)
	})
}

// Delete removes a group with its memberships, subscriptions and publications (the contents
// stay, as in the original). Its slug stays reserved for SlugReservation (reserveSlug).
func (g *Groups) Delete(ctx context.Context, id int64) error {
	now := g.now()
	return g.db.Tx(ctx, func(q *store.Queries) error {
		group, err := q.GroupByID(ctx, id)
		if err != nil {
			return err
		}
		if g.fed != nil {
			// before the rows go: the followers and the key
			if err := g.fed.ActorGone(ctx, q, group); err != nil {
				return err
			}
		}
		if err := q.DeleteGroup(ctx, id); err != nil {
			return err
		}
		if err := reserveSlug(ctx, q, group, now); err != nil {
			return err
		}
		return g.hook(ctx, q, hooks.Deleted, id, group.Slug)
	})
}

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// AddMember makes member a member of the group and subscribes them to it; createdBy is who
// added them (the member themself when they joined).
func (g *Groups) AddMember(ctx context.Context, groupID, memberID, createdByID int64) error {
	today := g.now().UTC().Truncate(24 * time.Hour)
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		return g.join(ctx, q, groupID, memberID, createdByID, today)
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
func (g *Groups) join(ctx context.Context, q *store.Queries, groupID, memberID, createdByID int64, day time.Time) error {
	m := &store.Membership{GroupID: groupID, MemberID: memberID,
		CreatedByID: sql.Null[int64]{V: createdByID, Valid: true}, DateJoined: day}
	if _, err := q.AddMembership(ctx, m); err != nil {
		return err
	}
	if err := q.Subscribe(ctx, groupID, memberID); err != nil {
		return err
	}
	if g.chatDomain != "" {
		if err := matrix.QueueSync(ctx, q, groupID, g.now()); err != nil {
			return err
		}
	}
	if createdByID != memberID {
		return notify.MembershipCreated(ctx, q, m.ID, time.Now())
	}
	return nil
}

// AddByEmail makes the owner of an address a member, added by a member; an unknown address
// gets a shadow account. All members hear of it.
func (g *Groups) AddByEmail(ctx context.Context, group *store.Group, email string, by *store.Gestalt) (*store.Gestalt, error) {
	var person *store.Gestalt
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		if person, _, err = g.accounts.ShadowAccount(ctx, q, email); err != nil {
			return err
		}
		if member, err := q.IsMember(ctx, group.ID, person.ID); err != nil {
			return err
		} else if member {
			return ErrAlreadyMember
		}
		return g.join(ctx, q, group.ID, person.ID, by.ID, g.now().UTC().Truncate(24*time.Hour))
	})
	if err != nil {
		return nil, err
	}
	return person, nil
}

// RemoveMember ends a membership and the subscription that came with it.
func (g *Groups) RemoveMember(ctx context.Context, groupID, memberID int64) error {
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.RemoveMembership(ctx, groupID, memberID); err != nil {
			return err
		}
		if g.chatDomain != "" {
			if err := g.kick(ctx, q, groupID, memberID); err != nil {
				return err
			}
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

// ErrApplicationDone: the applicant is a member already.
var ErrApplicationDone = errors.New("the applicant is a member already")

// AcceptApplication admits the applicant of an application; the accepting member is recorded
// as who added them, and all members hear of it.
func (g *Groups) AcceptApplication(ctx context.Context, applicationID int64, by *store.Gestalt) (*store.Application, error) {
	var app *store.Application
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		if app, err = q.ApplicationByID(ctx, applicationID); err != nil {
			return err
		}
		if member, err := q.IsMember(ctx, app.GroupID, app.ApplicantID); err != nil {
			return err
		} else if member {
			return ErrApplicationDone
		}
		return g.join(ctx, q, app.GroupID, app.ApplicantID, by.ID, g.now().UTC().Truncate(24*time.Hour))
	})
	return app, err
}
