package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

const chatConfig = "matrix_chat: {enabled: true, domain: chat.test, bot_access_token: secret-token, " +
	"admin_api_url: 'http://127.0.0.1:8008', public_listener_rooms: ['#neues:chat.test']}\n"

func TestChatPages(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), chatConfig)
	ctx := context.Background()
	alice := s.person("alice", "alice-password")
	s.person("bob", "bob-password")
	garten := s.group("Garten", alice)
	// The task runner made the rooms; someone joined the public one.
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		pub, err := q.SetMatrixRoom(ctx, garten.ID, false, "!pub:chat.test")
		if err != nil {
			return err
		}
		if _, err := q.SetMatrixRoom(ctx, garten.ID, true, "!priv:chat.test"); err != nil {
			return err
		}
		return q.SetMatrixRoomStatistics(ctx, pub.ID, `{"members_count": 3}`)
	})
	if err != nil {
		t.Fatal(err)
	}
	anon, a, bob := s.browser(), s.loggedIn("alice", "alice-password"), s.loggedIn("bob", "bob-password")

	anon.get("/garten/").expect(t, http.StatusOK, `href="/garten/-/chat/public/"`, "3 Personen im Raum")
	if strings.Contains(anon.get("/garten/").body, "/garten/-/chat/private/") {
		t.Error("the private room's link shows to visitors")
	}
	a.get("/garten/").expect(t, http.StatusOK, `href="/garten/-/chat/private/"`, "/stadt/settings/group/matrix-chat/?group=garten")
	anon.get("/").expect(t, http.StatusOK, "/stadt/chat-rooms/public-feed/")

	// Links go to the site's Element for its own accounts, to matrix.to for others.
	if r := anon.get("/garten/-/chat/public/"); r.StatusCode != http.StatusFound || r.Header.Get("Location") != "/stadt/chat/#/room/%23garten:chat.test" {
		t.Errorf("public room: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := a.get("/garten/-/chat/private/"); r.Header.Get("Location") != "/stadt/chat/#/room/%23garten-private:chat.test" {
		t.Errorf("private room for a member: %s", r.Header.Get("Location"))
	}
	bob.get("/garten/-/chat/private/").expect(t, http.StatusForbidden)
	if r := anon.get("/garten/-/chat/private/"); r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), "/stadt/login/") {
		t.Errorf("private room for a visitor: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r := anon.get("/stadt/chat-rooms/public-feed/"); r.Header.Get("Location") != "/stadt/chat/#/room/%23neues:chat.test" {
		t.Errorf("public feed: %s", r.Header.Get("Location"))
	}

	// An own Matrix ID: validated; saved; the rooms invite it (sync queued), links go to matrix.to.
	a.post("/stadt/settings/matrix-chat/", url.Values{"matrix_id": {"alice at matrix.org"}}).
		expect(t, http.StatusUnprocessableEntity, "Eine Matrix-ID sieht so aus")
	// Nobody claims another account of the site's own homeserver.
	a.post("/stadt/settings/matrix-chat/", url.Values{"matrix_id": {"@bob:chat.test"}}).
		expect(t, http.StatusUnprocessableEntity, "Eine Matrix-ID sieht so aus")
	if r := a.post("/stadt/settings/matrix-chat/", url.Values{"matrix_id": {"@alice:matrix.org"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the Matrix ID: %d", r.StatusCode)
	}
	if got := storetest.Rows(t, s.db, `SELECT matrix_id FROM gestalten WHERE username = 'alice'`); got[0] != "@alice:matrix.org" {
		t.Errorf("matrix_id = %v", got)
	}
	if got := storetest.Rows(t, s.db, `SELECT COUNT(*) FROM jobs WHERE kind = 'matrix.sync-group'`); got[0] == "0" {
		t.Error("no sync of alice's groups was queued")
	}
	if r := a.get("/garten/-/chat/public/"); r.Header.Get("Location") != "https://matrix.to/#/%23garten:chat.test" {
		t.Errorf("public room for an account elsewhere: %s", r.Header.Get("Location"))
	}

	// Group settings: hide a link, move a room (a job with the migration message).
	bob.get("/stadt/settings/group/matrix-chat/?group=garten").expect(t, http.StatusForbidden)
	a.post("/stadt/settings/group/matrix-chat/?group=garten", url.Values{"public_room": {"#alias:chat.test"}}).
		expect(t, http.StatusUnprocessableEntity, "Eine Raum-ID sieht so aus")
	// Another group's room is not this group's to take over.
	werkstatt := s.group("Werkstatt", s.person("carol", "carol-password"))
	if err := s.db.Tx(ctx, func(q *store.Queries) error {
		_, err := q.SetMatrixRoom(ctx, werkstatt.ID, true, "!werkstatt:chat.test")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a.post("/stadt/settings/group/matrix-chat/?group=garten", url.Values{"private_room": {"!werkstatt:chat.test"}}).
		expect(t, http.StatusUnprocessableEntity, "gehört schon zu einer anderen Gruppe")
	r := a.post("/stadt/settings/group/matrix-chat/?group=garten", url.Values{"public_visible": {"on"},
		"public_room": {"!pub:chat.test"}, "private_room": {"!neu:chat.test"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("group chat settings: %d", r.StatusCode)
	}
	if got := storetest.Rows(t, s.db, `SELECT is_private, is_visible FROM matrix_rooms WHERE group_id = 1 ORDER BY is_private`); strings.Join(got, ",") != "0|1,1|0" {
		t.Errorf("visibility: %v", got)
	}
	if got := storetest.Rows(t, s.db, `SELECT payload FROM jobs WHERE kind = 'matrix.replace'`); len(got) != 1 || !strings.Contains(got[0], `"room_id":"!neu:chat.test"`) {
		t.Errorf("the move of the private room was not queued: %v", got)
	}
	if strings.Contains(a.get("/garten/").body, "/garten/-/chat/private/") {
		t.Error("a hidden room is still linked")
	}
}

func TestChatPagesWithoutChat(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	alice := s.person("alice", "alice-password")
	s.group("Garten", alice)
	a := s.loggedIn("alice", "alice-password")
	for _, p := range []string{"/garten/-/chat/public/", "/stadt/settings/matrix-chat/", "/stadt/chat-rooms/public-feed/",
		"/stadt/settings/group/matrix-chat/?group=garten", "/stadt/chat/", "/stadt/help/matrix-chat/"} {
		a.get(p).expect(t, http.StatusNotFound)
	}
	if strings.Contains(a.get("/stadt/settings/").body, "matrix-chat") {
		t.Error("the settings link to the chat shows without chat")
	}
}

// /stadt/chat/ is where the web server serves Element; a request that reaches the daemon
// finds none and goes to the configured web client, or learns what is missing. The chat's
// help page names the homeserver and the viewer's Matrix ID (F125).
func TestChatClientAndHelp(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), chatConfig)
	s.person("alice", "alice-password")
	page := s.browser().get("/stadt/chat/")
	page.expect(t, http.StatusOK, "nicht eingerichtet", "chat.test", `href="/stadt/help/matrix-chat/"`)
	help := s.browser().get("/stadt/help/matrix-chat/")
	help.expect(t, http.StatusOK, "chat.test", `href="/stadt/chat/"`)
	if strings.Contains(help.body, "@alice") {
		t.Error("a visitor's help page names a Matrix ID")
	}
	s.loggedIn("alice", "alice-password").get("/stadt/help/matrix-chat/").expect(t, http.StatusOK, "@alice:chat.test",
		`href="/stadt/settings/matrix-chat/"`)
	if !strings.Contains(s.browser().get("/stadt/help/").body, `href="/stadt/help/matrix-chat/"`) {
		t.Error("the help page does not lead to the chat's help")
	}

	client := newSite(t, storetest.Open(t, store.SQLite), strings.Replace(chatConfig, "enabled: true,",
		"enabled: true, web_client_url: 'https://app.element.example/',", 1))
	r := client.browser().get("/stadt/chat/")
	if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "https://app.element.example/" {
		t.Errorf("with web_client_url: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
}
