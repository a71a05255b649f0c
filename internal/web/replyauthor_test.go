package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Anyone who can read a comment may answer its author privately; anonymous visitors as when
// they write to a group: with their address and the sum, never learning the author's address.
func TestReplyToAuthorPerRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMatrixSiteOn(t, db)
		ctx := context.Background()
		alice, err := db.GestaltByEmail(ctx, "alice@example.org")
		if err != nil {
			t.Fatal(err)
		}
		var publicID int64
		for _, c := range m.ids["public"] {
			publicID = publicID*10 + int64(c-'0')
		}
		pub, err := db.AssociationByID(ctx, publicID)
		if err != nil {
			t.Fatal(err)
		}
		internal, err := contents.New(db).Comment(ctx, pub, alice, "Nur für uns", 0, true)
		if err != nil {
			t.Fatal(err)
		}
		m.mails()
		public := "/stadt/associations/" + m.ids["public"] + "/contributions/" + m.ids["comment"] + "/reply-to-author/"
		hidden := "/stadt/associations/" + m.ids["public"] + "/contributions/" + itoa(internal) + "/reply-to-author/"
		inConversation := "/stadt/associations/" + m.ids["conversation"] + "/contributions/" + m.ids["comment"] + "/reply-to-author/"
		for _, c := range []struct {
			path string
			want [5]int
		}{
			{public, [5]int{200, 200, 403, 200, 200}},
			{hidden, [5]int{302, 403, 403, 403, 403}},
			{inConversation, [5]int{302, 404, 404, 404, 404}},
		} {
			for role, want := range c.want {
				r := m.as(role).get(c.path)
				if r.StatusCode != want {
					t.Errorf("%s GET %s: %d, want %d", roleNames[role], c.path, r.StatusCode, want)
				}
				if role == anonymous && want == http.StatusFound && !strings.HasPrefix(r.Header.Get("Location"), "/stadt/login/") {
					t.Errorf("anonymous GET %s: sent to %q, not to the login", c.path, r.Header.Get("Location"))
				}
			}
		}

		// The content page offers the link to anonymous visitors too (the public comment only).
		page := m.browser().get("/garten/oeffentlich/")
		page.expect(t, http.StatusOK, public)
		if strings.Contains(page.body, hidden) {
			t.Error("anonymous visitors are offered an answer to a comment they cannot read")
		}

		anon := m.browser()
		form := anon.get(public)
		form.expect(t, http.StatusOK, `name="captcha"`, `name="email"`, "Alice", "Re: Öffentlich", "&gt; Erster!")
		if strings.Contains(form.body, "alice@example.org") {
			t.Error("the form shows the author's address")
		}
		// without the sum: nothing sent
		anon.post(public, url.Values{"email": {"gast@example.net"}, "subject": {"Hallo"}, "text": {"Frage"}}).
			expect(t, http.StatusUnprocessableEntity)
		r := anon.post(public, merge(url.Values{"email": {"gast@example.net"}, "subject": {"Hallo"}, "text": {"Frage an Alice"}},
			captchaAnswer(form)))
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/stadt/content/"+m.ids["public"]+"/#contribution-"+m.ids["comment"] {
			t.Fatalf("anonymous reply: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		if _, err := db.GestaltByEmail(ctx, "gast@example.net"); err != nil {
			t.Fatalf("no shadow account for the visitor: %v", err)
		}
		if n, _ := db.Count(ctx, "unconfirmed_senders"); n != 1 {
			t.Errorf("%d unconfirmed senders, want the visitor's message", n)
		}
		var toAlice, toGuest bool
		for _, j := range m.mails() {
			for _, to := range j.Envelope.To {
				toAlice = toAlice || to == "alice@example.org" && strings.Contains(j.Message.Text, "Frage an Alice")
				toGuest = toGuest || to == "gast@example.net"
				if to == "gast@example.net" && strings.Contains(j.Message.Text, "alice@example.org") {
					t.Error("the visitor learns the author's address")
				}
			}
		}
		if !toAlice || !toGuest {
			t.Errorf("mails: to the author %v, the confirmation to the visitor %v", toAlice, toGuest)
		}
		m.as(member).get("/stadt/activity").expect(t, http.StatusOK, "Hallo")

		// A logged-in reader writes as themself and lands in the conversation.
		r = m.as(outsider).post(public, url.Values{"subject": {"Auch"}, "text": {"Von Carol"}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/stadt/conversations/") {
			t.Errorf("outsider's reply: %d %q", r.StatusCode, r.Header.Get("Location"))
		}
		// Nobody answers an internal comment from outside, by POST neither.
		m.browser().post(hidden, url.Values{"email": {"x@example.net"}, "subject": {"x"}, "text": {"x"}}).expect(t, http.StatusFound)
		m.as(outsider).post(hidden, url.Values{"subject": {"x"}, "text": {"x"}}).expect(t, http.StatusForbidden)

		// As many confirmation mails to one address as a signup: then the form refuses.
		for i := 2; ; i++ {
			form := anon.get(public)
			r := anon.post(public, merge(url.Values{"email": {"gast@example.net"}, "subject": {"Noch"}, "text": {"Noch eine"}}, captchaAnswer(form)))
			if i <= mailPerAddress {
				r.expect(t, http.StatusSeeOther)
				continue
			}
			r.expect(t, http.StatusUnprocessableEntity, "zu viele Nachrichten")
			break
		}
	})
}
