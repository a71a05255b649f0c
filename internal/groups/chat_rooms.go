package groups

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/store"
)

// Errors of the chat settings a person can fix.
var (
	ErrMatrixIDInvalid = errors.New("not a Matrix ID of another homeserver")
	ErrRoomInvalid     = errors.New("not a Matrix room ID")
	ErrRoomTaken       = errors.New("the room serves something else already")
)

// SetMatrixID gives a person their own Matrix ID (an account on another homeserver; ""
// returns to the site's default). With a new ID they are invited again into the rooms of all
// their groups, and their notification room is made anew, all in one transaction.
func (g *Groups) SetMatrixID(ctx context.Context, personID int64, own string) error {
	// An account of this homeserver is the person's own by username: nobody enters another's.
	if own != "" && (!matrix.ValidUserID(own) || strings.HasSuffix(own, ":"+g.chatDomain)) {
		return ErrMatrixIDInvalid
	}
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		old, err := q.MatrixIDOf(ctx, personID)
		if err != nil || old == own {
			return err
		}
		if err := q.SetMatrixID(ctx, personID, own); err != nil {
			return err
		}
		if err := q.ForgetMatrixInvitations(ctx, personID, 0); err != nil {
			return err
		}
		if err := q.ForgetPersonalRoom(ctx, personID); err != nil {
			return err
		}
		mine, err := q.GroupsOfMember(ctx, personID)
		if err != nil {
			return err
		}
		for _, group := range mine {
			if err := matrix.QueueSync(ctx, q, group.ID, g.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("groups: set matrix id of %d: %w", personID, err)
	}
	return nil
}

// ChatRoom is what members choose for one of their group's two rooms.
type ChatRoom struct {
	Private bool
	// Visible: the group page links the room.
	Visible bool
	// RoomID moves the room to another one ("" or the current room: it stays).
	RoomID string
}

// ChatRoomErrors are the rooms that cannot be taken, by their Private flag.
type ChatRoomErrors map[bool]error

func (e ChatRoomErrors) Error() string {
	var parts []string
	for private, err := range e {
		parts = append(parts, fmt.Sprintf("private=%t: %v", private, err))
	}
	return "groups: chat rooms: " + strings.Join(parts, "; ")
}

// SetChatRooms stores which of a group's rooms its page links and queues the move of a room
// to another one, in one transaction. A room the bot serves already (another group's,
// someone's notifications, or one that serving names: the listener and admin rooms) is not
// the group's to take; such choices come back as ChatRoomErrors and nothing changes.
func (g *Groups) SetChatRooms(ctx context.Context, group *store.Group, choices []ChatRoom, serving func(roomID string) bool) error {
	rooms, err := g.db.MatrixRooms(ctx, group.ID)
	if err != nil {
		return fmt.Errorf("groups: chat rooms of %s: %w", group.Slug, err)
	}
	current := map[string]bool{}
	for _, room := range rooms {
		current[room.RoomID] = true
	}
	problems := ChatRoomErrors{}
	for _, c := range choices {
		switch {
		case c.RoomID == "" || current[c.RoomID]:
		case !matrix.ValidRoomID(c.RoomID):
			problems[c.Private] = ErrRoomInvalid
		default:
			taken, err := g.db.MatrixRoomTaken(ctx, c.RoomID)
			if err != nil {
				return fmt.Errorf("groups: chat rooms of %s: %w", group.Slug, err)
			}
			if taken || (serving != nil && serving(c.RoomID)) {
				problems[c.Private] = ErrRoomTaken
			}
		}
	}
	if len(problems) > 0 {
		return problems
	}
	chosen := map[bool]ChatRoom{}
	for _, c := range choices {
		chosen[c.Private] = c
	}
	return g.db.Tx(ctx, func(q *store.Queries) error {
		for _, room := range rooms {
			c := chosen[room.Private]
			if err := q.SetMatrixRoomVisible(ctx, room.ID, c.Visible); err != nil {
				return err
			}
			if c.RoomID != "" && c.RoomID != room.RoomID {
				if err := matrix.QueueReplace(ctx, q, group.ID, room.Private, c.RoomID, g.now()); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
