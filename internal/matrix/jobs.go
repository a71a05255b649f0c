package matrix

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// Kinds of the chat's jobs.
const (
	JobSync = "matrix.sync-group" // a group's rooms, invitations, moderators
	JobKick = "matrix.kick"       // someone left a group
	JobSend = "matrix.send"       // a message
	// JobReplace moves a group's room to another one.
	JobReplace = "matrix.replace"
)

// SyncJob names a group.
type SyncJob struct {
	GroupID int64 `json:"group_id"`
}

// KickJob names who left which group.
type KickJob struct {
	GroupID int64  `json:"group_id"`
	UserID  string `json:"user_id"`
}

// SendJob is one message; its transaction id makes a retried send arrive once.
type SendJob struct {
	Target  Target  `json:"target"`
	TxnID   string  `json:"txn_id"`
	Message Message `json:"message"`
}

// ReplaceJob moves a room.
type ReplaceJob struct {
	GroupID int64  `json:"group_id"`
	Private bool   `json:"private"`
	RoomID  string `json:"room_id"`
	TxnID   string `json:"txn_id"`
}

// NewTxnID is a transaction id for a message, made when the message is queued.
func NewTxnID() string { return "grouprise-" + rand.Text() }

// QueueSync asks for a group's rooms to be brought up to date, in the caller's transaction.
func QueueSync(ctx context.Context, q *store.Queries, groupID int64, now time.Time) error {
	_, err := q.Enqueue(ctx, JobSync, SyncJob{GroupID: groupID}, now)
	return err
}

// QueueKick asks for someone to be removed from a group's rooms.
func QueueKick(ctx context.Context, q *store.Queries, groupID int64, userID string, now time.Time) error {
	_, err := q.Enqueue(ctx, JobKick, KickJob{GroupID: groupID, UserID: userID}, now)
	return err
}

// QueueSend queues messages.
func QueueSend(ctx context.Context, q *store.Queries, jobs []SendJob, now time.Time) error {
	payloads := make([]any, len(jobs))
	for i, j := range jobs {
		payloads[i] = j
	}
	return q.EnqueueMany(ctx, JobSend, payloads, now)
}

// QueueReplace asks for a group's room to move to roomID.
func QueueReplace(ctx context.Context, q *store.Queries, groupID int64, private bool, roomID string, now time.Time) error {
	_, err := q.Enqueue(ctx, JobReplace, ReplaceJob{GroupID: groupID, Private: private, RoomID: roomID, TxnID: NewTxnID()}, now)
	return err
}

// HandleSync, HandleKick, HandleSend and HandleReplace are the job handlers.
func (c *Chat) HandleSync(ctx context.Context, j *store.Job) error {
	var p SyncJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("matrix: job %d: %w", j.ID, err)
	}
	return c.SyncGroup(ctx, p.GroupID)
}

func (c *Chat) HandleKick(ctx context.Context, j *store.Job) error {
	var p KickJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("matrix: job %d: %w", j.ID, err)
	}
	return c.Kick(ctx, p.GroupID, p.UserID, "")
}

func (c *Chat) HandleSend(ctx context.Context, j *store.Job) error {
	var p SendJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("matrix: job %d: %w", j.ID, err)
	}
	return c.Deliver(ctx, p.Target, p.TxnID, p.Message)
}

func (c *Chat) HandleReplace(ctx context.Context, j *store.Job) error {
	var p ReplaceJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return fmt.Errorf("matrix: job %d: %w", j.ID, err)
	}
	return c.Replace(ctx, p.GroupID, p.Private, p.RoomID, p.TxnID)
}

// SyncAll is the hourly work: every group's rooms.
func (c *Chat) SyncAll(ctx context.Context) error {
	ids, err := c.DB.GroupIDs(ctx)
	if err != nil {
		return err
	}
	var failed int
	for _, id := range ids {
		if err := c.SyncGroup(ctx, id); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			c.Log.Warn("matrix sync of a group failed", "group", id, "err", err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("matrix: the sync of %d of %d groups failed", failed, len(ids))
	}
	return nil
}
