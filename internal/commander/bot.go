package commander

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/yuin/goldmark"
	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Bot listens in the administrators' rooms (matrix_commander.admin_rooms) and answers the
// commands addressed to it: "grouprise-bot: user show alice", "!grouprise help". It joins
// the admin rooms it is invited to and leaves every other room; messages from before its
// start are not answered.
type Bot struct {
	Commander *Commander
	Client    *mautrix.Client
	// AdminRooms are room IDs or aliases.
	AdminRooms []string
	Log        *slog.Logger
	// Ready is called once after the first sync (sd_notify READY=1).
	Ready func()

	rooms []string // the admin rooms' IDs
	start time.Time
}

// NewClient connects the bot's account.
func NewClient(homeserver, userID, token string) (*mautrix.Client, error) {
	cli, err := mautrix.NewClient(homeserver, id.UserID(userID), token)
	if err != nil {
		return nil, err
	}
	cli.Client = &http.Client{Timeout: 60 * time.Second}
	cli.DefaultHTTPRetries = 0
	return cli, nil
}

// Run syncs until ctx ends, retrying with a growing pause while the homeserver is away.
func (b *Bot) Run(ctx context.Context) error {
	b.start = time.Now()
	for _, r := range b.AdminRooms {
		if strings.HasPrefix(r, "#") {
			resp, err := b.Client.ResolveAlias(ctx, id.RoomAlias(r))
			if err != nil {
				return fmt.Errorf("commander: admin room %s: %w", r, err)
			}
			r = resp.RoomID.String()
		}
		b.rooms = append(b.rooms, r)
	}
	since, pause, first := "", time.Second, true
	for ctx.Err() == nil {
		timeout := 30000
		if first {
			timeout = 0
		}
		resp, err := b.Client.SyncRequest(ctx, timeout, since, "", false, event.PresenceOnline)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			b.Log.Warn("matrix sync failed; trying again", "err", err, "in", pause)
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
			pause = min(pause*2, time.Minute)
			continue
		}
		pause = time.Second
		since = resp.NextBatch
		b.handle(ctx, resp)
		if first {
			first = false
			for _, r := range b.rooms {
				if _, err := b.Client.JoinRoomByID(ctx, id.RoomID(r)); err != nil {
					b.Log.Warn("joining an admin room failed", "room", r, "err", err)
				}
			}
			if b.Ready != nil {
				b.Ready()
			}
		}
	}
	return nil
}

func (b *Bot) admin(room id.RoomID) bool { return slices.Contains(b.rooms, room.String()) }

func (b *Bot) handle(ctx context.Context, resp *mautrix.RespSync) {
	for room := range resp.Rooms.Invite {
		if b.admin(room) {
			if _, err := b.Client.JoinRoomByID(ctx, room); err != nil {
				b.Log.Warn("joining an admin room failed", "room", room, "err", err)
			}
			continue
		}
		b.Log.Info("declining an invitation into a room that is not an admin room", "room", room)
		if _, err := b.Client.LeaveRoom(ctx, room); err != nil {
			b.Log.Warn("declining an invitation failed", "room", room, "err", err)
		}
	}
	for room, joined := range resp.Rooms.Join {
		for _, evt := range joined.Timeline.Events {
			if evt.Sender == b.Client.UserID || time.UnixMilli(evt.Timestamp).Before(b.start) {
				continue // its own words, and what was said before it started
			}
			switch evt.Type {
			case event.EventEncrypted:
				if b.admin(room) {
					b.reply(ctx, room, "Encrypted messages are not supported; use an unencrypted admin room.")
				}
			case event.EventMessage:
				b.message(ctx, room, evt)
			}
		}
	}
}

func (b *Bot) message(ctx context.Context, room id.RoomID, evt *event.Event) {
	if err := evt.Content.ParseRaw(evt.Type); err != nil {
		return
	}
	msg := evt.Content.AsMessage()
	if msg == nil || (msg.MsgType != event.MsgText && msg.MsgType != "") {
		return
	}
	line, ok := b.addressed(msg.Body)
	if !ok {
		return
	}
	if !b.admin(room) {
		b.reply(ctx, room, "This room is not an admin room; commands are only taken in admin rooms.")
		return
	}
	b.Log.Info("command", "room", room, "sender", evt.Sender, "command", line)
	b.reply(ctx, room, b.Commander.Run(ctx, line))
}

// addressed strips the prefix of a command for the bot: its user ID or name (optionally with
// ":") or "!grouprise".
func (b *Bot) addressed(body string) (string, bool) {
	body = strings.TrimSpace(body)
	user := b.Client.UserID.String()
	local := strings.TrimPrefix(strings.SplitN(user, ":", 2)[0], "@")
	for _, prefix := range []string{"!grouprise", user, local} {
		if len(body) > len(prefix) && strings.EqualFold(body[:len(prefix)], prefix) {
			rest := strings.TrimSpace(strings.TrimPrefix(body[len(prefix):], ":"))
			return rest, true
		}
		if strings.EqualFold(body, prefix) {
			return "help", true
		}
	}
	return "", false
}

// reply sends an answer: Markdown as text, rendered as HTML.
func (b *Bot) reply(ctx context.Context, room id.RoomID, markdown string) {
	content := &event.MessageEventContent{MsgType: event.MsgNotice, Body: markdown}
	var html bytes.Buffer
	if err := goldmark.Convert([]byte(markdown), &html); err == nil {
		content.Format, content.FormattedBody = event.FormatHTML, html.String()
	}
	if _, err := b.Client.SendMessageEvent(ctx, room, event.EventMessage, content); err != nil {
		b.Log.Warn("answering failed", "room", room, "err", err)
	}
}
