package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MatrixRoom is one of a group's two chat rooms.
type MatrixRoom struct {
	ID         int64
	GroupID    int64
	RoomID     string // !opaque:server
	Private    bool
	Visible    bool   // the group page links it
	Statistics string // JSON: members_count, last_message_timestamp
}

// MatrixRooms returns a group's rooms (public first).
func (q *Queries) MatrixRooms(ctx context.Context, groupID int64) ([]*MatrixRoom, error) {
	rows, err := q.query(ctx, `SELECT id, group_id, room_id, is_private, is_visible, statistics FROM matrix_rooms
		WHERE group_id = ? ORDER BY is_private`, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: matrix rooms of %d: %w", groupID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*MatrixRoom, error) {
		var m MatrixRoom
		return &m, r.Scan(&m.ID, &m.GroupID, &m.RoomID, &m.Private, &m.Visible, &m.Statistics)
	})
}

// SetMatrixRoom records the room of a group (its public or private one), replacing another
// one; a new room starts without invitations.
func (q *Queries) SetMatrixRoom(ctx context.Context, groupID int64, private bool, roomID string) (*MatrixRoom, error) {
	var id int64
	var old string
	err := q.queryRow(ctx, `SELECT id, room_id FROM matrix_rooms WHERE group_id = ? AND is_private = ?`, groupID, private).Scan(&id, &old)
	switch err = classify(err); {
	case errors.Is(err, ErrNotFound):
		id, err = q.insert(ctx, `INSERT INTO matrix_rooms (group_id, room_id, is_private) VALUES (?, ?, ?)`, groupID, roomID, private)
		if err != nil {
			return nil, fmt.Errorf("store: add matrix room: %w", err)
		}
	case err != nil:
		return nil, fmt.Errorf("store: matrix room: %w", err)
	case old != roomID:
		if _, err := q.exec(ctx, `UPDATE matrix_rooms SET room_id = ?, statistics = '{}' WHERE id = ?`, roomID, id); err != nil {
			return nil, fmt.Errorf("store: replace matrix room: %w", err)
		}
		if _, err := q.exec(ctx, `DELETE FROM matrix_room_invitations WHERE room_id = ?`, id); err != nil {
			return nil, fmt.Errorf("store: replace matrix room: %w", err)
		}
	}
	return &MatrixRoom{ID: id, GroupID: groupID, RoomID: roomID, Private: private, Visible: true, Statistics: "{}"}, nil
}

// SetMatrixRoomVisible says whether the group page links a room.
func (q *Queries) SetMatrixRoomVisible(ctx context.Context, id int64, visible bool) error {
	return q.updateOne(ctx, "matrix room visibility", `UPDATE matrix_rooms SET is_visible = ? WHERE id = ?`, visible, id)
}

// SetMatrixRoomStatistics stores a room's statistics (JSON).
func (q *Queries) SetMatrixRoomStatistics(ctx context.Context, id int64, stats string) error {
	return q.updateOne(ctx, "matrix room statistics", `UPDATE matrix_rooms SET statistics = ? WHERE id = ?`, stats, id)
}

// MatrixMember is a member of a group as the chat sees them.
type MatrixMember struct {
	GestaltID int64
	Username  string
	MatrixID  string // the person's own Matrix ID; "" for the site's default
	Invited   bool   // invited into the room asked about (with this Matrix ID)
}

// MatrixMembers lists a group's members with whether they were invited into a room.
func (q *Queries) MatrixMembers(ctx context.Context, groupID, roomID int64) ([]*MatrixMember, error) {
	rows, err := q.query(ctx, `SELECT g.id, g.username, g.matrix_id, i.id IS NOT NULL
		FROM memberships m JOIN gestalten g ON g.id = m.member_id
		LEFT JOIN matrix_room_invitations i ON i.room_id = ? AND i.gestalt_id = g.id
		WHERE m.group_id = ? AND g.is_active ORDER BY g.id`, roomID, groupID)
	if err != nil {
		return nil, fmt.Errorf("store: matrix members of %d: %w", groupID, err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*MatrixMember, error) {
		var m MatrixMember
		return &m, r.Scan(&m.GestaltID, &m.Username, &m.MatrixID, &m.Invited)
	})
}

// MarkMatrixInvited remembers that a person was invited into a room.
func (q *Queries) MarkMatrixInvited(ctx context.Context, roomID, gestaltID int64, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO matrix_room_invitations (room_id, gestalt_id, time_invited) VALUES (?, ?, ?)
		ON CONFLICT (room_id, gestalt_id) DO NOTHING`, roomID, gestaltID, at)
	if err != nil {
		return fmt.Errorf("store: matrix invitation: %w", err)
	}
	return nil
}

// ForgetMatrixInvitations forgets a person's invitations (left the group, or a new Matrix ID
// to be invited again); groupID 0 means all groups.
func (q *Queries) ForgetMatrixInvitations(ctx context.Context, gestaltID, groupID int64) error {
	query := `DELETE FROM matrix_room_invitations WHERE gestalt_id = ?`
	args := []any{gestaltID}
	if groupID != 0 {
		query += ` AND room_id IN (SELECT id FROM matrix_rooms WHERE group_id = ?)`
		args = append(args, groupID)
	}
	if _, err := q.exec(ctx, query, args...); err != nil {
		return fmt.Errorf("store: forget matrix invitations: %w", err)
	}
	return nil
}

// SetMatrixID stores a person's own Matrix ID ("" for the site's default).
func (q *Queries) SetMatrixID(ctx context.Context, gestaltID int64, matrixID string) error {
	return q.updateOne(ctx, "matrix id", `UPDATE gestalten SET matrix_id = ? WHERE id = ?`, matrixID, gestaltID)
}

// GestaltSetting returns a person's setting, or "" when unset.
func (q *Queries) GestaltSetting(ctx context.Context, gestaltID int64, category, name string) (string, error) {
	var v string
	err := q.queryRow(ctx, `SELECT value FROM gestalt_settings WHERE gestalt_id = ? AND category = ? AND name = ?`,
		gestaltID, category, name).Scan(&v)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", fmt.Errorf("store: setting %s/%s: %w", category, name, err)
	}
	return v, nil
}

// SetGestaltSetting stores a person's setting.
func (q *Queries) SetGestaltSetting(ctx context.Context, gestaltID int64, category, name, value string) error {
	_, err := q.exec(ctx, `INSERT INTO gestalt_settings (gestalt_id, category, name, value) VALUES (?, ?, ?, ?)
		ON CONFLICT (gestalt_id, category, name) DO UPDATE SET value = excluded.value`, gestaltID, category, name, value)
	if err != nil {
		return fmt.Errorf("store: setting %s/%s: %w", category, name, err)
	}
	return nil
}

// GroupIDs lists the ids of all groups (for the hourly chat sync).
func (q *Queries) GroupIDs(ctx context.Context) ([]int64, error) {
	return q.ids(ctx, `SELECT id FROM groups ORDER BY id`)
}

// MatrixIDOf returns a person's own Matrix ID ("" for the site's default).
func (q *Queries) MatrixIDOf(ctx context.Context, gestaltID int64) (string, error) {
	var id string
	if err := q.queryRow(ctx, `SELECT matrix_id FROM gestalten WHERE id = ?`, gestaltID).Scan(&id); err != nil {
		return "", fmt.Errorf("store: matrix id of %d: %w", gestaltID, classify(err))
	}
	return id, nil
}

// MatrixRoomTaken tells whether the bot uses a room already: as a room of any group, or as
// someone's notification room (a room that members may not take over for their group).
func (q *Queries) MatrixRoomTaken(ctx context.Context, roomID string) (bool, error) {
	var taken bool
	err := q.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM matrix_rooms WHERE room_id = ?)
		OR EXISTS (SELECT 1 FROM gestalt_settings WHERE category = 'matrix_chat' AND value = ?)`, roomID, roomID).Scan(&taken)
	if err != nil {
		return false, fmt.Errorf("store: matrix room %s: %w", roomID, classify(err))
	}
	return taken, nil
}

// ForgetPersonalRoom forgets a person's notification room (their Matrix ID changed: the
// next notification makes a room with the new one).
func (q *Queries) ForgetPersonalRoom(ctx context.Context, gestaltID int64) error {
	if _, err := q.exec(ctx, `DELETE FROM gestalt_settings WHERE gestalt_id = ? AND category = 'matrix_chat'
		AND name = 'private_notifications_room_id'`, gestaltID); err != nil {
		return fmt.Errorf("store: forget notification room: %w", err)
	}
	return nil
}
