package commander_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/commander"
	"grouprise.org/grouprise/internal/matrix/matrixtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestBot: the bot answers commands in its admin room (not what was said before it started),
// and leaves rooms that are not admin rooms.
func TestBot(t *testing.T) {
	c := site(t, storetest.Open(t, store.SQLite))
	srv := matrixtest.Start(t)
	botUser, alice := srv.Register("grouprise-bot", true), srv.Register("alice", false)
	admins := alice.CreateRoom("admins")
	alice.Send(admins, "!grouprise user show dave") // before the bot runs: not answered
	time.Sleep(1100 * time.Millisecond)             // event times have millisecond resolution

	client, err := commander.NewClient(srv.URL(), botUser.ID, botUser.Token)
	if err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	var once sync.Once
	bot := &commander.Bot{Commander: c, Client: client, AdminRooms: []string{"#admins:localhost"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func() { once.Do(func() { close(ready) }) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- bot.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("the bot did not start")
	}

	alice.Send(admins, "grouprise-bot: user show carol")
	replies := func() []string {
		msgs, err := alice.Messages(admins)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			if m.Sender == botUser.ID {
				out = append(out, m.Body)
			}
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(replies()) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	got := replies()
	if len(got) != 1 || !strings.Contains(got[0], "**carol** (Carol Chamäleon)") {
		t.Fatalf("the bot's answers: %q", got)
	}

	other := alice.CreateRoom("plaudern")
	alice.Invite(other, botUser.ID)
	deadline = time.Now().Add(30 * time.Second)
	for botUserMembership(alice, other, botUser.ID) != "leave" && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if m := botUserMembership(alice, other, botUser.ID); m != "leave" {
		t.Errorf("the bot in a room that is not an admin room: %q, want leave", m)
	}
}

func botUserMembership(u *matrixtest.User, room, user string) string { return u.Membership(room, user) }
