package matrix_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/matrix/matrixtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is a store, a homeserver with the bot and two people, and the task runner wired as in
// production (tasks.Register with matrix_chat enabled).
type site struct {
	t       *testing.T
	db      *store.DB
	srv     *matrixtest.Server
	bot     *matrixtest.User
	alice   *matrixtest.User
	bob     *matrixtest.User
	cfg     *config.Config
	runner  *tasks.Runner
	groups  *groups.Groups
	people  map[string]*store.Gestalt
	catalog *i18n.Catalog
}

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	srv := matrixtest.Start(t)
	s := &site{t: t, db: db, srv: srv, bot: srv.Register("grouprise-bot", true), alice: srv.Register("alice", false),
		bob: srv.Register("bob", false), people: map[string]*store.Gestalt{}}
	var err error
	s.cfg, err = config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(fmt.Sprintf(
		"domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ntransport_security: disabled\ndata_path: %s\n"+
			"email_submission: {backend: console}\n"+
			"matrix_chat: {enabled: true, domain: localhost, admin_api_url: %q, bot_username: grouprise-bot, "+
			"bot_access_token: %q, public_listener_rooms: ['#neues:localhost']}\n",
		t.TempDir(), srv.URL(), s.bot.Token))}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s.catalog, err = i18n.Load(); err != nil {
		t.Fatal(err)
	}
	s.runner = tasks.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), tasks.Options{})
	if _, err := tasks.Register(s.runner, s.cfg, s.catalog, &mail.Console{}); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(db, s.cfg.SlugReserved, nil)
	for _, name := range []string{"alice", "bob"} {
		g, err := acc.Create(context.Background(), accounts.NewAccount{Username: name, Email: name + "@example.org",
			Password: name + "-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		s.people[name] = g
	}
	s.groups = groups.New(db, s.cfg.SlugReserved, nil).WithChat(s.cfg.ChatDomain())
	return s
}

// work runs the queue until nothing is due.
func (s *site) work() {
	s.t.Helper()
	if _, err := s.runner.RunOnce(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// eventually polls a condition (the homeserver's sync API is fed asynchronously).
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 15 s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func bodies(t *testing.T, u *matrixtest.User, room string) []string {
	t.Helper()
	msgs, err := u.Messages(room)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range msgs {
		out = append(out, m.Body)
	}
	return out
}

func TestGroupRoomsInvitationsAndAnnouncements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		garten, err := s.groups.Create(ctx, groups.NewGroup{Name: "Garten", Creator: s.people["alice"]})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.groups.AddMember(ctx, garten.ID, s.people["bob"].ID, s.people["alice"].ID); err != nil {
			t.Fatal(err)
		}
		s.work()

		public, private := s.srv.ResolveAlias("#garten:localhost"), s.srv.ResolveAlias("#garten-private:localhost")
		if public == "" || private == "" {
			t.Fatalf("the group's rooms were not made: %q %q", public, private)
		}
		for _, room := range []string{public, private} {
			for _, u := range []*matrixtest.User{s.alice, s.bob} {
				if m := s.bot.Membership(room, u.ID); m != "invite" {
					t.Errorf("%s in %s: %q, want invite", u.ID, room, m)
				}
			}
		}
		if err := s.alice.Join(private); err != nil {
			t.Fatal(err)
		}
		if err := s.alice.Join(public); err != nil {
			t.Fatal(err)
		}
		if err := s.bob.Join(private); err != nil {
			t.Fatal(err)
		}
		// The hourly sync invites nobody twice.
		if err := s.db.Tx(ctx, func(q *store.Queries) error {
			_, err := q.Enqueue(ctx, "matrix.sync", struct{}{}, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.work()
		if n := storetest.Rows(t, db, `SELECT COUNT(*) FROM matrix_room_invitations`); n[0] != "4" {
			t.Errorf("%s invitations remembered, want 4", n[0])
		}

		// A room that hears of every public content (public_listener_rooms).
		listener := s.alice.CreateRoom("neues")
		// A public article: both rooms hear of it, without the group's name in front.
		svc := contents.New(db)
		if _, err := svc.Create(ctx, s.people["bob"], garten.ID, contents.Article, contents.Draft{Title: "Beete im Herbst",
			Text: "Wir mulchen.", Public: true}); err != nil {
			t.Fatal(err)
		}
		// An internal one: only the private room.
		if _, err := svc.Create(ctx, s.people["bob"], garten.ID, contents.Article, contents.Draft{Title: "Kasse",
			Text: "Intern.", Public: false}); err != nil {
			t.Fatal(err)
		}
		s.work()
		s.work()
		want := []string{"Artikel: [Beete im Herbst](http://grouprise.test/stadt/content/1/)",
			"Artikel: [Kasse](http://grouprise.test/stadt/content/2/)"}
		eventually(t, "the private room's announcements", func() bool { return slices.Equal(bodies(t, s.alice, private), want) })
		eventually(t, "the public room's announcement", func() bool { return slices.Equal(bodies(t, s.alice, public), want[:1]) })
		msgs, _ := s.alice.Messages(public)
		if !strings.Contains(msgs[0].FormattedBody, `<a href="http://grouprise.test/stadt/content/1/">Beete im Herbst</a>`) {
			t.Errorf("the HTML of the announcement: %q", msgs[0].FormattedBody)
		}
		// The public listener room heard of the public article, with the group in front.
		eventually(t, "the listener room's announcement", func() bool {
			return slices.Equal(bodies(t, s.alice, listener), []string{"[Garten] " + want[0]})
		})

		// carol is in the private room without being a member (her account was deleted, or she
		// was invited by hand): the hourly sync makes her leave.
		carol := s.srv.Register("carol", false)
		s.alice.Invite(private, carol.ID)
		if err := carol.Join(private); err != nil {
			t.Fatal(err)
		}
		if err := s.db.Tx(ctx, func(q *store.Queries) error {
			_, err := q.Enqueue(ctx, "matrix.sync", struct{}{}, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		s.work()
		eventually(t, "carol out of the private room", func() bool { return s.bot.Membership(private, carol.ID) == "leave" })
		if m := s.bot.Membership(private, s.alice.ID); m != "join" {
			t.Errorf("alice, a member, in the private room: %q", m)
		}

		// bob leaves: he is kicked from both rooms.
		if err := s.groups.RemoveMember(ctx, garten.ID, s.people["bob"].ID); err != nil {
			t.Fatal(err)
		}
		s.work()
		eventually(t, "bob kicked", func() bool {
			return s.bot.Membership(private, s.bob.ID) == "leave" && s.bot.Membership(public, s.bob.ID) == "leave"
		})
	})
}

// TestHomeserverOutage: messages queued while the homeserver is down wait, are tried again
// and arrive once — none lost, none twice.
func TestHomeserverOutage(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	garten, err := s.groups.Create(ctx, groups.NewGroup{Name: "Garten", Creator: s.people["alice"]})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	private := s.srv.ResolveAlias("#garten-private:localhost")
	if err := s.alice.Join(private); err != nil {
		t.Fatal(err)
	}

	s.srv.Stop()
	var want []string
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		var jobs []matrix.SendJob
		for i := 1; i <= 5; i++ {
			text := fmt.Sprintf("Nachricht %d", i)
			want = append(want, text)
			jobs = append(jobs, matrix.SendJob{Target: matrix.Target{GroupID: garten.ID, Private: true},
				TxnID: matrix.NewTxnID(), Message: matrix.Message{Text: text}})
		}
		return matrix.QueueSend(ctx, q, jobs, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	waiting := storetest.Rows(t, s.db, `SELECT state, attempts FROM jobs WHERE kind = 'matrix.send' ORDER BY id`)
	if len(waiting) != 5 || waiting[0] != "waiting|1" || waiting[4] != "waiting|1" {
		t.Fatalf("during the outage the jobs should wait for their next attempt: %v", waiting)
	}

	s.srv.Resume()
	// Ten minutes later (the retry interval of chat jobs):
	storetest.Exec(t, s.db, `UPDATE jobs SET run_at = '2000-01-01 00:00:00' WHERE kind = 'matrix.send'`)
	s.work()
	eventually(t, "all messages after the outage", func() bool { return slices.Equal(bodies(t, s.alice, private), want) })
	if n := storetest.Rows(t, s.db, `SELECT COUNT(*) FROM jobs`); n[0] != "0" {
		t.Errorf("%s jobs left", n[0])
	}
	// A retry of a send that reached the server (its answer lost) arrives once too.
	if err := s.db.Tx(ctx, func(q *store.Queries) error {
		txn := matrix.NewTxnID()
		job := matrix.SendJob{Target: matrix.Target{GroupID: garten.ID, Private: true}, TxnID: txn, Message: matrix.Message{Text: "Einmal"}}
		return matrix.QueueSend(ctx, q, []matrix.SendJob{job, job}, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	s.work()
	eventually(t, "the repeated transaction once", func() bool {
		return slices.Equal(bodies(t, s.alice, private), append(slices.Clone(want), "Einmal"))
	})
}

func TestPersonalRoomAndMatrixIDChange(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	// A private message to alice goes into her notification room.
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		return matrix.QueueSend(ctx, q, []matrix.SendJob{{Target: matrix.Target{GestaltID: s.people["alice"].ID},
			TxnID: matrix.NewTxnID(), Message: matrix.Message{Text: "[Bob] Nachricht: Hallo"}}}, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	var room string
	eventually(t, "alice's invitation into her notification room", func() bool {
		invites := s.alice.Invites()
		if len(invites) == 1 {
			room = invites[0]
		}
		return room != ""
	})
	if err := s.alice.Join(room); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the message in the notification room", func() bool {
		return slices.Equal(bodies(t, s.alice, room), []string{"[Bob] Nachricht: Hallo"})
	})
	if got := storetest.Rows(t, s.db, `SELECT value FROM gestalt_settings WHERE category = 'matrix_chat'`); !slices.Equal(got, []string{room}) {
		t.Errorf("the room is not remembered: %v", got)
	}

	// bob uses another account: the group's rooms invite that one.
	bob2 := s.srv.Register("bob2", false)
	garten, err := s.groups.Create(ctx, groups.NewGroup{Name: "Garten", Creator: s.people["bob"]})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	private := s.srv.ResolveAlias("#garten-private:localhost")
	err = s.db.Tx(ctx, func(q *store.Queries) error {
		if err := q.SetMatrixID(ctx, s.people["bob"].ID, bob2.ID); err != nil {
			return err
		}
		if err := q.ForgetMatrixInvitations(ctx, s.people["bob"].ID, 0); err != nil {
			return err
		}
		return matrix.QueueSync(ctx, q, garten.ID, time.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	if m := s.bot.Membership(private, bob2.ID); m != "invite" {
		t.Errorf("bob's new ID in the private room: %q, want invite", m)
	}
}

// TestReplaceRoom: members move a room to another one; the old room hears where it went and
// the members are invited into the new one.
func TestReplaceRoom(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	garten, err := s.groups.Create(ctx, groups.NewGroup{Name: "Garten", Creator: s.people["alice"]})
	if err != nil {
		t.Fatal(err)
	}
	s.work()
	old := s.srv.ResolveAlias("#garten-private:localhost")
	if err := s.alice.Join(old); err != nil {
		t.Fatal(err)
	}
	moved := s.bob.CreateRoom("gartenchat") // a room made elsewhere, open to join
	if err := s.db.Tx(ctx, func(q *store.Queries) error {
		return matrix.QueueReplace(ctx, q, garten.ID, true, moved, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	s.work()
	eventually(t, "the migration message", func() bool {
		return slices.Equal(bodies(t, s.alice, old), []string{"Dieser Raum ist umgezogen: " + moved})
	})
	if m := s.bot.Membership(moved, s.alice.ID); m != "invite" {
		t.Errorf("alice in the new room: %q, want invite", m)
	}
	if got := storetest.Rows(t, s.db, `SELECT room_id FROM matrix_rooms WHERE is_private`); !slices.Equal(got, []string{moved}) {
		t.Errorf("the group's private room is %v, want %s", got, moved)
	}
}
