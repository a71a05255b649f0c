package matrix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// Chat keeps the groups' rooms in order and delivers messages.
type Chat struct {
	DB     *store.DB
	Client Client
	// Domain is the homeserver's name: #slug:Domain, @username:Domain.
	Domain string
	// BaseURL is the site's address (room topics link the group page).
	BaseURL  string
	SiteName string
	// Texts of room names and topics.
	Texts Texts
	Log   *slog.Logger
	Now   func() time.Time
}

// Texts are the words the bot writes into rooms, in the site's language.
type Texts struct {
	PrivateTopic      string // "{url} – members only"
	NotificationsRoom string // "{site} – notifications"
	Moved             string // "This room moved: {room}"
}

func (c *Chat) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// UserID is a person's Matrix ID: their own, or @username:domain on the site's homeserver.
func (c *Chat) UserID(username, own string) string {
	if own != "" {
		return own
	}
	return "@" + strings.ToLower(username) + ":" + c.Domain
}

// Alias is the alias of a group's room.
func (c *Chat) Alias(slug string, private bool) string {
	return "#" + aliasName(slug, private) + ":" + c.Domain
}

func aliasName(slug string, private bool) string {
	name := strings.ToLower(slug)
	if private {
		name += "-private"
	}
	return name
}

// validUserID matches a Matrix user ID (@localpart:server[:port]).
var validUserID = regexp.MustCompile(`^@[a-z0-9._=/+-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$`)

// ValidUserID tells whether s is a Matrix user ID.
func ValidUserID(s string) bool { return validUserID.MatchString(s) }

// validRoomID matches a room ID (!opaque:server), which rooms of a group must be.
var validRoomID = regexp.MustCompile(`^![A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+(:[0-9]{1,5})?$`)

// ValidRoomID tells whether s is a room ID (not an alias).
func ValidRoomID(s string) bool { return validRoomID.MatchString(s) }

// EnsureRooms makes sure that a group has its public and its private room: found by alias
// (a room made before, or by hand) or created, and recorded.
func (c *Chat) EnsureRooms(ctx context.Context, g *store.Group) ([]*store.MatrixRoom, error) {
	rooms, err := c.DB.MatrixRooms(ctx, g.ID)
	if err != nil {
		return nil, err
	}
	for _, private := range []bool{false, true} {
		if slices.ContainsFunc(rooms, func(r *store.MatrixRoom) bool { return r.Private == private }) {
			continue
		}
		roomID, err := c.Client.ResolveAlias(ctx, c.Alias(g.Slug, private))
		if errors.Is(err, ErrNotFound) {
			spec := RoomSpec{AliasName: aliasName(g.Slug, private), Name: g.Name, Topic: c.BaseURL + "/" + g.Slug + "/"}
			if private {
				spec.Private, spec.UsersDefault = true, 50
				spec.Topic = strings.ReplaceAll(c.Texts.PrivateTopic, "{url}", spec.Topic)
			}
			roomID, err = c.Client.CreateRoom(ctx, spec)
			if err == nil {
				c.Log.Info("matrix room created", "group", g.Slug, "private", private, "room", roomID)
			}
		} else if err == nil {
			err = c.Client.Join(ctx, roomID) // a room found by its alias: the bot belongs in it
		}
		if err != nil {
			return nil, err
		}
		r, err := c.setRoom(ctx, g.ID, private, roomID)
		if err != nil {
			return nil, err
		}
		rooms = append(rooms, r)
	}
	slices.SortFunc(rooms, func(a, b *store.MatrixRoom) int {
		if a.Private == b.Private {
			return 0
		} else if a.Private {
			return 1
		}
		return -1
	})
	return rooms, nil
}

// setRoom records a group's room; a replaced room's invitations go in the same transaction.
func (c *Chat) setRoom(ctx context.Context, groupID int64, private bool, roomID string) (*store.MatrixRoom, error) {
	var r *store.MatrixRoom
	err := c.DB.Tx(ctx, func(q *store.Queries) error {
		var err error
		r, err = q.SetMatrixRoom(ctx, groupID, private, roomID)
		return err
	})
	return r, err
}

// SyncGroup brings a group's rooms up to date: both exist, every member was invited once
// (again after a change of Matrix ID), members are moderators of the public room, and the
// statistics are fresh.
func (c *Chat) SyncGroup(ctx context.Context, groupID int64) error {
	g, err := c.DB.GroupByID(ctx, groupID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // deleted meanwhile
	} else if err != nil {
		return err
	}
	rooms, err := c.EnsureRooms(ctx, g)
	if err != nil {
		return err
	}
	for _, room := range rooms {
		members, err := c.DB.MatrixMembers(ctx, g.ID, room.ID)
		if err != nil {
			return err
		}
		var moderators []string
		for _, m := range members {
			user := c.UserID(m.Username, m.MatrixID)
			moderators = append(moderators, user)
			if m.Invited {
				continue
			}
			if err := c.Client.Invite(ctx, room.RoomID, user); err != nil {
				if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
					// not on the homeserver (yet): the hourly sync asks again
					c.Log.Info("matrix invitation not possible now", "room", room.RoomID, "user", user, "err", err)
					continue
				}
				return err
			}
			if err := c.DB.MarkMatrixInvited(ctx, room.ID, m.GestaltID, c.now()); err != nil {
				return err
			}
		}
		if !room.Private && len(moderators) > 0 {
			if err := c.Client.SetUserPower(ctx, room.RoomID, moderators, 50); err != nil {
				return err
			}
		}
		if room.Private {
			// Members only: whoever is no member (any more) leaves — also people whose account
			// was deleted, or who left in a way that queued no kick.
			if err := c.kickStrangers(ctx, room, moderators); err != nil {
				return err
			}
		}
		if err := c.updateStatistics(ctx, room); err != nil {
			return err
		}
	}
	return nil
}

// kickStrangers removes everybody but the members and the bot from a private room.
func (c *Chat) kickStrangers(ctx context.Context, room *store.MatrixRoom, members []string) error {
	joined, err := c.Client.JoinedMembers(ctx, room.RoomID)
	if err != nil {
		return err
	}
	for _, user := range joined {
		if user == c.Client.UserID() || slices.Contains(members, user) {
			continue
		}
		err := c.Client.Kick(ctx, room.RoomID, user, "")
		if err != nil && !errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) {
			return err
		}
		c.Log.Info("someone who is no member left the private room", "room", room.RoomID, "user", user)
	}
	return nil
}

// Statistics are what the group page and the administrators see of a room.
type Statistics struct {
	MembersCount int   `json:"members_count"`
	Updated      int64 `json:"updated"`
}

func (c *Chat) updateStatistics(ctx context.Context, room *store.MatrixRoom) error {
	members, err := c.Client.JoinedMembers(ctx, room.RoomID)
	if err != nil {
		return err
	}
	count := 0
	for _, m := range members {
		if m != c.Client.UserID() {
			count++
		}
	}
	data, _ := json.Marshal(Statistics{MembersCount: count, Updated: c.now().Unix()})
	return c.DB.SetMatrixRoomStatistics(ctx, room.ID, string(data))
}

// Kick removes a person from a group's rooms (they left the group).
func (c *Chat) Kick(ctx context.Context, groupID int64, userID, reason string) error {
	rooms, err := c.DB.MatrixRooms(ctx, groupID)
	if err != nil {
		return err
	}
	for _, r := range rooms {
		err := c.Client.Kick(ctx, r.RoomID, userID, reason)
		if errors.Is(err, ErrForbidden) || errors.Is(err, ErrNotFound) {
			continue // not in the room (never joined, or left already)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Target is where a message goes: a group's public or private room, a room named in the
// configuration (a public listener room), or a person's notification room.
type Target struct {
	GroupID   int64  `json:"group_id,omitempty"`
	Private   bool   `json:"private,omitempty"`
	Room      string `json:"room,omitempty"`
	GestaltID int64  `json:"gestalt_id,omitempty"`
}

// Deliver sends a message to its target, making the room first if needed.
func (c *Chat) Deliver(ctx context.Context, t Target, txnID string, m Message) error {
	var roomID string
	switch {
	case t.GroupID != 0:
		g, err := c.DB.GroupByID(ctx, t.GroupID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		rooms, err := c.EnsureRooms(ctx, g)
		if err != nil {
			return err
		}
		for _, r := range rooms {
			if r.Private == t.Private {
				roomID = r.RoomID
			}
		}
	case t.Room != "":
		roomID = t.Room
		if strings.HasPrefix(roomID, "#") {
			id, err := c.Client.ResolveAlias(ctx, roomID)
			if err != nil {
				return err
			}
			roomID = id
		}
		if err := c.Client.Join(ctx, roomID); err != nil {
			return err
		}
	case t.GestaltID != 0:
		var err error
		if roomID, err = c.personalRoom(ctx, t.GestaltID); err != nil || roomID == "" {
			return err
		}
	default:
		return errors.New("matrix: a message without a target")
	}
	return c.Client.Send(ctx, roomID, txnID, m)
}

// Setting names of a person's notification room, as the original stored it.
const (
	settingCategory = "matrix_chat"
	settingRoom     = "private_notifications_room_id"
)

// personalRoom returns a person's notification room, made on the first message: a direct
// chat with the bot in which the person is a moderator.
func (c *Chat) personalRoom(ctx context.Context, gestaltID int64) (string, error) {
	room, err := c.DB.GestaltSetting(ctx, gestaltID, settingCategory, settingRoom)
	if err != nil || room != "" {
		return room, err
	}
	g, err := c.DB.GestaltByID(ctx, gestaltID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	own, err := c.DB.MatrixIDOf(ctx, gestaltID)
	if err != nil {
		return "", err
	}
	user := c.UserID(g.Username, own)
	room, err = c.Client.CreateRoom(ctx, RoomSpec{Name: strings.ReplaceAll(c.Texts.NotificationsRoom, "{site}", c.SiteName),
		Private: true, Invite: []string{user}, Direct: true})
	if err != nil {
		return "", err
	}
	// Remembered at once: a retry after a later failure uses this room, it makes no second.
	if err := c.DB.SetGestaltSetting(ctx, gestaltID, settingCategory, settingRoom, room); err != nil {
		return "", err
	}
	if err := c.Client.SetUserPower(ctx, room, []string{user}, 50); err != nil {
		return "", err
	}
	return room, nil
}

// Replace moves a group's room to another (a room ID the members chose): the old room hears
// where the conversation goes on, and the members are invited into the new one.
func (c *Chat) Replace(ctx context.Context, groupID int64, private bool, newRoomID, txnID string) error {
	rooms, err := c.DB.MatrixRooms(ctx, groupID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rooms, func(r *store.MatrixRoom) bool { return r.RoomID == newRoomID }) {
		// Checked when it was asked for, and again here: another group's room or someone's
		// notification room is never taken over.
		if taken, err := c.DB.MatrixRoomTaken(ctx, newRoomID); err != nil {
			return err
		} else if taken {
			c.Log.Warn("a room move to a room in use was refused", "group", groupID, "room", newRoomID)
			return nil
		}
	}
	for _, r := range rooms {
		if r.Private != private || r.RoomID == newRoomID {
			continue
		}
		msg := strings.ReplaceAll(c.Texts.Moved, "{room}", newRoomID)
		if err := c.Client.Send(ctx, r.RoomID, txnID, Message{Text: msg, Notice: true}); err != nil &&
			!errors.Is(err, ErrForbidden) && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	if err := c.Client.Join(ctx, newRoomID); err != nil {
		return err
	}
	if _, err := c.setRoom(ctx, groupID, private, newRoomID); err != nil {
		return err
	}
	return c.SyncGroup(ctx, groupID)
}

// ErrDisabled is returned where the chat is asked for but not configured.
var ErrDisabled = errors.New("matrix chat is not enabled (matrix_chat.enabled)")

// describe is for logs.
func (t Target) String() string {
	switch {
	case t.GroupID != 0:
		return fmt.Sprintf("group %d private=%v", t.GroupID, t.Private)
	case t.Room != "":
		return t.Room
	}
	return fmt.Sprintf("person %d", t.GestaltID)
}
