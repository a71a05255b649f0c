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

func TestGroupLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		s.person("alice", "peer-password")
		bob := s.person("bob", "bob-password")
		alice := s.loggedIn("alice", "peer-password")

		// Anonymous visitors cannot create groups.
		s.browser().post("/stadt/groups/add/", url.Values{"name": {"Schwarzbau"}}).expect(t, http.StatusFound)
		alice.post("/stadt/groups/add/", url.Values{"name": {""}}).expect(t, http.StatusUnprocessableEntity, "Eine Gruppe braucht einen Namen.")
		r := alice.post("/stadt/groups/add/", url.Values{"name": {"Stadtgarten"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/stadtgarten/" {
			t.Fatalf("create: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		page := alice.get("/stadtgarten/")
		page.expect(t, http.StatusOK, "Stadtgarten", "ein Mitglied", "Einstellungen", "Austreten")
		g, _ := db.GroupBySlug(ctx, "stadtgarten")
		gid := itoa(g.ID)

		// Settings: members only; a bad slug gives the form back.
		s.loggedIn("bob", "bob-password").get("/stadt/settings/group/?group=stadtgarten").expect(t, http.StatusForbidden)
		alice.post("/stadt/settings/group/?group=stadtgarten", url.Values{"name": {"Stadtgarten"}, "slug": {"bob"}}).
			expect(t, http.StatusUnprocessableEntity, "gehört schon einer Gruppe oder Person")
		alice.post("/stadt/settings/group/?group=stadtgarten", url.Values{"name": {"Stadtgarten e.V."}, "slug": {"stadtgarten"},
			"description": {"Wir gärtnern."}, "url": {"https://garten.example.org"}, "date_founded": {"2015-03-01"}}).expect(t, http.StatusSeeOther)
		s.browser().get("/stadtgarten/").expect(t, http.StatusOK, "Stadtgarten e.V.", "Wir gärtnern.", "gegründet 2015", "https://garten.example.org")

		// bob joins (the page asks first), is a subscriber then, and leaves again.
		b := s.loggedIn("bob", "bob-password")
		b.get("/stadtgarten/actions/join").expect(t, http.StatusOK, "Möchtest du Mitglied der Gruppe")
		b.post("/stadtgarten/actions/join", nil).expect(t, http.StatusSeeOther)
		if ok, _ := db.IsSubscribed(ctx, g.ID, bob.ID); !ok {
			t.Error("joining did not subscribe")
		}
		b.get("/stadt/groups/"+gid+"/members/").expect(t, http.StatusOK, "Alice", "Bob")
		s.browser().get("/stadt/groups/"+gid+"/members/").expect(t, http.StatusFound)
		b.post("/stadt/groups/"+gid+"/resign/", nil).expect(t, http.StatusSeeOther)
		if ok, _ := db.IsSubscribed(ctx, g.ID, bob.ID); ok {
			t.Error("leaving did not unsubscribe")
		}
		b.get("/stadt/groups/"+gid+"/members/").expect(t, http.StatusForbidden)

		// Closed groups: no joining; members add people by e-mail, everybody hears of it.
		alice.post("/stadt/settings/group/?group=stadtgarten", url.Values{"name": {"Stadtgarten e.V."}, "slug": {"stadtgarten"},
			"closed": {"on"}}).expect(t, http.StatusSeeOther)
		b.get("/stadtgarten/actions/join").expect(t, http.StatusForbidden)
		b.post("/stadtgarten/actions/join", nil).expect(t, http.StatusForbidden)
		alice.post("/stadt/groups/"+gid+"/members/add/", url.Values{"email": {"gustav@example.net"}}).expect(t, http.StatusSeeOther)
		alice.get("/stadt/groups/"+gid+"/members/").expect(t, http.StatusOK, "gustav ist nun Mitglied")
		alice.post("/stadt/groups/"+gid+"/members/add/", url.Values{"email": {"kein-mail"}}).expect(t, http.StatusUnprocessableEntity, "keine gültige E-Mail-Adresse")
		if n := len(s.mails()); n != 2 { // alice and gustav hear of gustav's membership
			t.Errorf("%d mails about the new member, want 2", n)
		}
	})
}

func TestAnonymousSubscriptionByMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		alice := s.person("alice", "peer-password")
		g, err := groups.New(db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Stadtgarten", Creator: alice})
		if err != nil {
			t.Fatal(err)
		}
		visitor := s.browser()
		form := visitor.get("/stadtgarten/actions/subscribe")
		form.expect(t, http.StatusOK, "Gib deine E-Mail-Adresse an")
		// The address of an account with a password gets the same answer and a link of its own:
		// the form tells nobody whether an address has an account.
		known := visitor.post("/stadtgarten/actions/subscribe", merge(url.Values{"email": {"alice@example.org"}}, captchaAnswer(form)))
		known.expect(t, http.StatusSeeOther)
		if mails := mailTo(s.mails(), "alice@example.org"); len(mails) != 1 || !strings.Contains(mails[0].Message.Text, "/stadt/groups/subscribe/confirm/") {
			t.Errorf("to the known address: %+v", mails)
		}
		form = visitor.get("/stadtgarten/actions/subscribe")
		visitor.post("/stadtgarten/actions/subscribe", merge(url.Values{"email": {"frieda@example.net"}}, captchaAnswer(form))).
			expect(t, http.StatusSeeOther)
		frieda, err := db.GestaltByEmail(ctx, "frieda@example.net")
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.IsSubscribed(ctx, g.ID, frieda.ID); ok {
			t.Fatal("subscribed before the address's owner confirmed")
		}
		confirm := link(t, s.mails()[0], "http://grouprise.test/stadt/groups/subscribe/confirm/")
		visitor.get(confirm).expect(t, http.StatusOK, "Möchtest du die Gruppe abonnieren?")
		if ok, _ := db.IsSubscribed(ctx, g.ID, frieda.ID); ok {
			t.Fatal("a GET subscribed")
		}
		visitor.post(confirm, nil).expect(t, http.StatusSeeOther)
		if ok, _ := db.IsSubscribed(ctx, g.ID, frieda.ID); !ok {
			t.Fatal("not subscribed after confirming")
		}
		visitor.post(confirm, nil).expect(t, http.StatusSeeOther) // used: a message, no change
		// Unsubscribing by mail: the link works without logging in (and for one-click POSTs).
		form = visitor.get("/stadt/groups/" + itoa(g.ID) + "/unsubscribe/request/")
		visitor.post("/stadt/groups/"+itoa(g.ID)+"/unsubscribe/request/", merge(url.Values{"email": {"frieda@example.net"}}, captchaAnswer(form))).
			expect(t, http.StatusSeeOther)
		unsub := link(t, s.mails()[0], "http://grouprise.test/stadt/unsubscribe/confirm/")
		req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+unsub, nil)
		req.Body = http.NoBody
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// A mail client's one-click request carries no browser headers.
		s.browser().do(req).expect(t, http.StatusSeeOther)
		if ok, _ := db.IsSubscribed(ctx, g.ID, frieda.ID); ok {
			t.Error("still subscribed after the one-click unsubscribe")
		}
	})
}
