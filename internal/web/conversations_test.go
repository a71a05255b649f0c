package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A closed group: carol applies by message, the member sees it and admits her with a click.
func TestApplicationToClosedGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		dave := s.person("dave", "dave-password")
		carol := s.person("carol", "carol-password")
		g, err := groups.New(db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Nachbarschaftshilfe", Closed: true, Creator: dave})
		if err != nil {
			t.Fatal(err)
		}
		gid := itoa(g.ID)
		c := s.loggedIn("carol", "carol-password")
		c.get("/nachbarschaftshilfe/").expect(t, http.StatusOK, "Mitgliedschaft beantragen")
		c.post("/stadt/groups/"+gid+"/conversations/add/?apply_for_membership=1", url.Values{"subject": {""}, "text": {"Hallo"}}).
			expect(t, http.StatusUnprocessableEntity, "Bitte ausfüllen.")
		r := c.post("/stadt/groups/"+gid+"/conversations/add/?apply_for_membership=1",
			url.Values{"subject": {"Mitgliedschaft"}, "text": {"Ich möchte helfen."}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/stadt/conversations/") {
			t.Fatalf("apply: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		conv := r.Header.Get("Location")
		c.get(conv).expect(t, http.StatusOK, "Ich möchte helfen.", "Carol möchte Mitglied der Gruppe werden.")
		// Outsiders do not see it; the member sees the button.
		s.person("eve", "eve-password")
		s.loggedIn("eve", "eve-password").get(conv).expect(t, http.StatusForbidden)
		s.browser().get(conv).expect(t, http.StatusFound)
		d := s.loggedIn("dave", "dave-password")
		page := d.get(conv)
		accept := page.doc.Find(`a[href^="/stadt/memberships/applications/"]`).AttrOr("href", "")
		if accept == "" {
			t.Fatalf("no accept button for the member:\n%s", page.body)
		}
		c.post(accept, nil).expect(t, http.StatusForbidden)
		d.get(accept).expect(t, http.StatusOK, "Möchtest du Carol in die Gruppe aufnehmen?")
		d.post(accept, nil).expect(t, http.StatusSeeOther)
		if ok, _ := db.IsMember(ctx, g.ID, carol.ID); !ok {
			t.Fatal("carol is no member after the acceptance")
		}
		// The group page and the list show it to members.
		d.get("/nachbarschaftshilfe/").expect(t, http.StatusOK, "Mitgliedschaft", "Gespräch beginnen")
		d.get("/stadt/groups/"+gid+"/conversations/").expect(t, http.StatusOK, "Mitgliedschaft", "eine Nachricht")
		// A reply in the conversation.
		d.post(conv, url.Values{"text": {"Willkommen!"}}).expect(t, http.StatusSeeOther)
		c.get(conv).expect(t, http.StatusOK, "Willkommen!")
		// Mails: the application to dave (and carol's copy), the news of the membership, the reply.
		if n := len(s.mails()); n < 4 {
			t.Errorf("%d mails, want at least 4", n)
		}
	})
}

// Anonymous visitors write to groups (and report abuse) with an address and the sum.
func TestAnonymousMessages(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "operator_group_id: 1\n")
	ctx := context.Background()
	admin := s.person("admin", "admin-password")
	op, err := groups.New(s.db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Plattform-Betrieb", Creator: admin})
	if err != nil || op.ID != 1 {
		t.Fatalf("operator group: %v %v", op, err)
	}
	b := s.browser()
	help := b.get("/stadt/help/")
	help.expect(t, http.StatusOK, "Frage an das Team", `name="captcha"`)
	// In the name of a registered address: the same answer as for any other; the message
	// shows as a guest's until the address's owner confirms it.
	b.post("/stadt/groups/1/conversations/add/", merge(url.Values{"email": {"admin@example.org"}, "subject": {"Hallo"},
		"text": {"Frage"}}, captchaAnswer(help))).expect(t, http.StatusSeeOther)
	if n, _ := s.db.Count(ctx, "unconfirmed_senders"); n != 1 {
		t.Errorf("%d unconfirmed senders, want the message in admin's name", n)
	}
	form := b.get("/stadt/abuse/?path=/some/page/")
	form.expect(t, http.StatusOK, "http://grouprise.test/some/page/")
	values := url.Values{"email": {"visitor@example.net"}, "subject": {form.doc.Find("#f-subject").AttrOr("value", "")},
		"text": {form.doc.Find("#f-text").Text() + "Spam"}}
	r := b.post("/stadt/abuse/?path=/some/page/", merge(values, captchaAnswer(form)))
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/some/page/" {
		t.Fatalf("abuse report: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	mails := s.mails()
	found := false
	for _, m := range mails {
		if m.Envelope.To[0] == "admin@example.org" && strings.Contains(m.Message.Text, "http://grouprise.test/some/page/") {
			found = true
		}
	}
	if !found {
		t.Errorf("the operators got no report: %d mails", len(mails))
	}
	if _, err := s.db.GestaltByEmail(ctx, "visitor@example.net"); err != nil {
		t.Errorf("no shadow account for the anonymous sender: %v", err)
	}
	b.get("/stadt/imprint/").expect(t, http.StatusOK, "Plattform-Betrieb")
	b.get("/stadt/privacy/").expect(t, http.StatusOK, "Cookies")
}

func TestActivityInbox(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	ctx := context.Background()
	alice := s.person("alice", "peer-password")
	bob := s.person("bob", "bob-password")
	g, _ := groups.New(s.db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
	groups.New(s.db, s.cfg.SlugReserved, nil).AddMember(ctx, g.ID, bob.ID, bob.ID)
	b := s.loggedIn("bob", "bob-password")
	b.get("/stadt/activity").expect(t, http.StatusOK, "Noch keine Neuigkeiten")
	s.loggedIn("alice", "peer-password").post("/stadt/groups/"+itoa(g.ID)+"/conversations/add/",
		url.Values{"subject": {"Gießplan"}, "text": {"Wer gießt?"}}).expect(t, http.StatusSeeOther)
	s.mails() // the task runner's fan-out writes the inbox rows
	page := b.get("/stadt/activity")
	page.expect(t, http.StatusOK, "Gießplan", "neu")
	if badge := page.text(".site-nav .badge"); badge != "1" {
		t.Errorf("unread badge %q", badge)
	}
	b.post("/stadt/activity", nil).expect(t, http.StatusSeeOther)
	if b.get("/stadt/activity").doc.Find(".site-nav .badge").Length() != 0 {
		t.Error("still unread after marking all read")
	}
	s.browser().get("/stadt/activity").expect(t, http.StatusFound)
}
