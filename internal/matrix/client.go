// Package matrix connects groups to Matrix chat rooms, as the Django grouprise's matrix_chat
// app did: every group has a public and a private room, members are invited into them, new
// contents and comments are announced there and in personal notification rooms. The calls to
// the homeserver (the client-server API, through mautrix-go) sit behind the Client interface,
// and all of them run in jobs, so that a homeserver that is down delays messages but loses
// none.
package matrix

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"maunium.net/go/mautrix"
	"maunium.net/go/mautrix/event"
	"maunium.net/go/mautrix/id"
)

// Errors of the homeserver that the callers treat apart from passing trouble.
var (
	ErrNotFound  = errors.New("matrix: not found")
	ErrForbidden = errors.New("matrix: forbidden")
)

// RoomSpec describes a room to create.
type RoomSpec struct {
	AliasName string // the local part of #alias:server
	Name      string
	Topic     string
	Private   bool // private_chat preset, not in the room directory
	// UsersDefault is the power level of everybody in the room (private rooms: moderators).
	UsersDefault int
	// Invite and Direct make a direct chat (a personal notification room).
	Invite []string
	Direct bool
}

// Message is a text message: plain and HTML.
type Message struct {
	Text string `json:"text"`
	HTML string `json:"html,omitempty"`
	// Notice marks a message from a bot (m.notice): clients do not answer it automatically.
	Notice bool `json:"notice,omitempty"`
}

// Client is what grouprise asks of a homeserver, as the bot account.
type Client interface {
	UserID() string
	CreateRoom(ctx context.Context, spec RoomSpec) (string, error)
	// ResolveAlias returns the room of #alias:server, or ErrNotFound.
	ResolveAlias(ctx context.Context, alias string) (string, error)
	Join(ctx context.Context, roomIDOrAlias string) error
	Invite(ctx context.Context, roomID, userID string) error
	Kick(ctx context.Context, roomID, userID, reason string) error
	// Send delivers a message once per txnID (the homeserver drops a repeated transaction).
	Send(ctx context.Context, roomID, txnID string, m Message) error
	JoinedMembers(ctx context.Context, roomID string) ([]string, error)
	// SetUserPower gives users a power level in a room (others keep theirs).
	SetUserPower(ctx context.Context, roomID string, users []string, level int) error
}

// HTTPClient is the Client of a homeserver over its client-server API.
type HTTPClient struct {
	cli *mautrix.Client
}

// NewHTTPClient connects to the homeserver at baseURL as userID with an access token.
func NewHTTPClient(baseURL, userID, token string) (*HTTPClient, error) {
	cli, err := mautrix.NewClient(baseURL, id.UserID(userID), token)
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	cli.Client = &http.Client{Timeout: 30 * time.Second}
	cli.DefaultHTTPRetries = 0 // the job queue retries
	return &HTTPClient{cli: cli}, nil
}

// UserID is the bot's Matrix ID.
func (c *HTTPClient) UserID() string { return c.cli.UserID.String() }

// classify maps the homeserver's errors onto ErrNotFound and ErrForbidden.
func classify(what string, err error) error {
	if err == nil {
		return nil
	}
	var httpErr mautrix.HTTPError
	status := 0
	if errors.As(err, &httpErr) && httpErr.Response != nil {
		status = httpErr.Response.StatusCode
	}
	switch {
	case errors.Is(err, mautrix.MNotFound) || status == http.StatusNotFound:
		return fmt.Errorf("%s: %w (%v)", what, ErrNotFound, err)
	case errors.Is(err, mautrix.MForbidden) || status == http.StatusForbidden:
		return fmt.Errorf("%s: %w (%v)", what, ErrForbidden, err)
	}
	return fmt.Errorf("matrix: %s: %w", what, err)
}

func (c *HTTPClient) CreateRoom(ctx context.Context, spec RoomSpec) (string, error) {
	req := &mautrix.ReqCreateRoom{RoomAliasName: spec.AliasName, Name: spec.Name, Topic: spec.Topic,
		Preset: "public_chat", Visibility: "public", IsDirect: spec.Direct}
	if spec.Private {
		req.Preset, req.Visibility = "private_chat", "private"
	}
	for _, u := range spec.Invite {
		req.Invite = append(req.Invite, id.UserID(u))
	}
	users := map[id.UserID]int{c.cli.UserID: 100}
	req.PowerLevelOverride = &event.PowerLevelsEventContent{Users: users, UsersDefault: spec.UsersDefault}
	resp, err := c.cli.CreateRoom(ctx, req)
	if err != nil {
		return "", classify("create room "+spec.AliasName, err)
	}
	return resp.RoomID.String(), nil
}

func (c *HTTPClient) ResolveAlias(ctx context.Context, alias string) (string, error) {
	resp, err := c.cli.ResolveAlias(ctx, id.RoomAlias(alias))
	if err != nil {
		return "", classify("resolve "+alias, err)
	}
	return resp.RoomID.String(), nil
}

func (c *HTTPClient) Join(ctx context.Context, room string) error {
	_, err := c.cli.JoinRoom(ctx, room, nil)
	return classify("join "+room, err)
}

func (c *HTTPClient) Invite(ctx context.Context, roomID, userID string) error {
	_, err := c.cli.InviteUser(ctx, id.RoomID(roomID), &mautrix.ReqInviteUser{UserID: id.UserID(userID)})
	if err != nil && strings.Contains(err.Error(), "already in the room") {
		return nil
	}
	return classify("invite "+userID, err)
}

func (c *HTTPClient) Kick(ctx context.Context, roomID, userID, reason string) error {
	_, err := c.cli.KickUser(ctx, id.RoomID(roomID), &mautrix.ReqKickUser{UserID: id.UserID(userID), Reason: reason})
	return classify("kick "+userID, err)
}

func (c *HTTPClient) Send(ctx context.Context, roomID, txnID string, m Message) error {
	content := &event.MessageEventContent{MsgType: event.MsgText, Body: m.Text}
	if m.Notice {
		content.MsgType = event.MsgNotice
	}
	if m.HTML != "" {
		content.Format, content.FormattedBody = event.FormatHTML, m.HTML
	}
	_, err := c.cli.SendMessageEvent(ctx, id.RoomID(roomID), event.EventMessage, content,
		mautrix.ReqSendEvent{TransactionID: txnID})
	return classify("send to "+roomID, err)
}

func (c *HTTPClient) JoinedMembers(ctx context.Context, roomID string) ([]string, error) {
	resp, err := c.cli.JoinedMembers(ctx, id.RoomID(roomID))
	if err != nil {
		return nil, classify("members of "+roomID, err)
	}
	out := make([]string, 0, len(resp.Joined))
	for u := range resp.Joined {
		out = append(out, u.String())
	}
	return out, nil
}

func (c *HTTPClient) SetUserPower(ctx context.Context, roomID string, users []string, level int) error {
	var pl event.PowerLevelsEventContent
	if err := c.cli.StateEvent(ctx, id.RoomID(roomID), event.StatePowerLevels, "", &pl); err != nil {
		return classify("power levels of "+roomID, err)
	}
	changed := false
	if pl.Users == nil {
		pl.Users = map[id.UserID]int{}
	}
	for _, u := range users {
		if pl.GetUserLevel(id.UserID(u)) < level {
			pl.Users[id.UserID(u)] = level
			changed = true
		}
	}
	if !changed {
		return nil
	}
	_, err := c.cli.SendStateEvent(ctx, id.RoomID(roomID), event.StatePowerLevels, "", &pl)
	return classify("set power levels of "+roomID, err)
}
