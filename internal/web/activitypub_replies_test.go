package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// newAuthor is a remote actor with a display name, a profile page and an avatar, as
// GoToSocial and Mastodon serve them.
func newAuthor(t *testing.T, username, name string) *remote {
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r := &remote{key: key}
	pub, _ := activitypub.EncodePublicKey(&key.PublicKey)
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/users/"+username {
			http.NotFound(w, req)
			return
		}
		r.fetches.Add(1)
		w.Header().Set("Content-Type", activitypub.MediaType)
		b, _ := activitypub.Encode(&activitypub.Actor{ID: r.id, Type: activitypub.TypePerson, PreferredUsername: username,
			Name: name, URL: activitypub.Href(r.srv.URL + "/@" + username), Inbox: r.id + "/inbox",
			Icon:      &activitypub.Image{Type: activitypub.TypeImage, URL: activitypub.Href(r.srv.URL + "/avatar.png")},
			PublicKey: activitypub.PublicKey{ID: r.keyID, Owner: r.id, PublicKeyPEM: pub}})
		w.Write(b)
	}))
	t.Cleanup(r.srv.Close)
	r.id = r.srv.URL + "/users/" + username
	r.keyID = r.id + "#main-key"
	return r
}

// profile is the remote's actor with another name, as an Update of its profile embeds it.
func (r *remote) profile(username, name string) *activitypub.Actor {
	pub, _ := activitypub.EncodePublicKey(&r.key.PublicKey)
	return &activitypub.Actor{ID: r.id, Type: activitypub.TypePerson, PreferredUsername: username, Name: name,
		URL: activitypub.Href(r.srv.URL + "/@" + username), Inbox: r.id + "/inbox",
		PublicKey: activitypub.PublicKey{ID: r.keyID, Owner: r.id, PublicKeyPEM: pub}}
}

// note is the remote's Note n in reply to inReplyTo, public unless to says otherwise.
func (r *remote) note(n int, inReplyTo, content string, to ...string) *activitypub.Post {
	if to == nil {
		to = []string{activitypub.Public}
	}
	return &activitypub.Post{ID: fmt.Sprintf("%s/statuses/%d", r.id, n), Type: activitypub.TypeNote,
		AttributedTo: activitypub.IRI(r.id), InReplyTo: activitypub.IRI(inReplyTo), Content: content, To: to}
}

// TestFediverseReplies: a public Note in reply to a published content becomes a comment by
// its remote author (name, handle, link to the profile), its HTML sanitised, its members
// notified; a redelivery adds nothing; replies to internal, unknown or unpublished contents,
// non-public ones and too long ones are dropped (202); the author's Update and Delete are
// honoured, another actor's refused (401).
func TestFediverseReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		alice, err := db.GestaltByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		create := func(title string, public bool) {
			t.Helper()
			if _, err := s.srv.contents.Create(ctx, alice, garten.ID, contents.Article,
				contents.Draft{Title: title, Text: "Text von " + title, Public: public}); err != nil {
				t.Fatal(err)
			}
		}
		create("Beete", true)
		create("Kasse", false)
		s.publishJobs()
		s.mails() // what publishing queued

		m := newAuthor(t, "mallory", "Mallory Remote")
		eve := newAuthor(t, "eve", "Eve")
		b := s.browser()
		send := func(r *remote, typ activitypub.Type, n int, object activitypub.ObjectRef, status int) {
			t.Helper()
			b.postActivity("/garten/-/inbox", r.activity(t, typ, n, object), r.keyID, r.key).expect(t, status)
		}
		comments := func() []string {
			return storetest.Strings(t, db, `SELECT text FROM contributions WHERE deleted IS NULL AND author_id <> `+itoa(alice.ID)+` ORDER BY id`)
		}
		beete := "http://grouprise.test/garten/beete/"

		// dropped: to an internal (never published) content, to what is not ours, not public,
		// too long, without text
		send(m, activitypub.TypeCreate, 1, activitypub.Embed(m.note(1, "http://grouprise.test/garten/kasse/", "<p>intern?</p>")), http.StatusAccepted)
		send(m, activitypub.TypeCreate, 2, activitypub.Embed(m.note(2, "https://example.org/notes/1", "<p>fremd</p>")), http.StatusAccepted)
		send(m, activitypub.TypeCreate, 3, activitypub.Embed(m.note(3, beete, "<p>nur für dich</p>", "http://grouprise.test/garten/")), http.StatusAccepted)
		send(m, activitypub.TypeCreate, 4, activitypub.Embed(m.note(4, beete, "<p>"+strings.Repeat("lang ", 5000)+"</p>")), http.StatusAccepted)
		send(m, activitypub.TypeCreate, 5, activitypub.Embed(m.note(5, beete, "<script>alert(1)</script>")), http.StatusAccepted)
		if c := comments(); len(c) != 0 {
			t.Fatalf("dropped replies became comments: %q", c)
		}
		// a Create of a Note by another author than the actor is refused
		forged := m.note(6, beete, "<p>im Namen von Eve</p>")
		forged.AttributedTo = activitypub.IRI(eve.id)
		send(m, activitypub.TypeCreate, 6, activitypub.Embed(forged), http.StatusUnauthorized)

		hostile := `<p><span class="h-card"><a href="http://grouprise.test/garten/" class="u-url mention">@<span>garten</span></a></span> Schöne <strong>Beete</strong>! <script>alert("x")</script><img src="x" onerror="alert('y')">` +
			`<a href="javascript:alert('z')">klick</a> <a href="https://example.org/tomaten" onclick="alert('w')">Tomaten</a></p>` +
			`<style>body{display:none}</style><iframe src="https://example.org/"></iframe>`
		reply := m.note(10, beete, hostile)
		send(m, activitypub.TypeCreate, 10, activitypub.Embed(reply), http.StatusAccepted)
		send(m, activitypub.TypeCreate, 10, activitypub.Embed(reply), http.StatusAccepted) // redelivered
		if c := comments(); len(c) != 1 || !strings.HasPrefix(c[0], "Schöne **Beete**") || !strings.Contains(c[0], "[Tomaten](https://example.org/tomaten)") {
			t.Fatalf("comments %q, want the reply once as Markdown, without the group's mention", c)
		}
		page := b.get("/garten/beete/")
		page.expect(t, http.StatusOK, "Mallory Remote", "@mallory@"+strings.TrimPrefix(m.srv.URL, "http://"),
			`href="`+m.srv.URL+`/@mallory"`, "<strong>Beete</strong>", `href="https://example.org/tomaten"`)
		comment := page.text("#comments-title + ul.items")
		html, _ := page.doc.Find("#comments-title + ul.items").Html()
		for _, bad := range []string{"alert", "<script", "onerror", "onclick", "javascript:", "<iframe", "<style", "display:none"} {
			if strings.Contains(html, bad) {
				t.Errorf("the comment keeps %q: %s", bad, html)
			}
		}
		if !strings.Contains(comment, "Schöne Beete!") {
			t.Errorf("comment text %q", comment)
		}
		if n := m.fetches.Load(); n != 2 {
			t.Errorf("the author was fetched %d times, want twice (its key, then its profile once)", n)
		}

		// the author renames itself: the comment shows the new name; nobody else renames it
		send(eve, activitypub.TypeUpdate, 3, activitypub.Embed(m.profile("mallory", "Eve war hier")), http.StatusUnauthorized)
		send(m, activitypub.TypeUpdate, 30, activitypub.Embed(m.profile("mallory", "Mallory Neu")), http.StatusAccepted)
		if body := b.get("/garten/beete/").body; !strings.Contains(body, "Mallory Neu") || strings.Contains(body, "Eve war hier") {
			t.Error("the renamed author does not show under the new name")
		}
		send(eve, activitypub.TypeUpdate, 4, activitypub.Embed(eve.profile("eve", "Eve")), http.StatusAccepted) // never commented

		// the members hear of it as of any comment
		mails := s.mails()
		var toAlice bool
		for _, ml := range mails {
			for _, to := range ml.Envelope.To {
				if to == "alice@example.org" && strings.Contains(ml.Message.Text, "Schöne **Beete**") {
					toAlice = true
					// somebody in the Fediverse reads no personal messages here
					if strings.Contains(ml.Message.Text, "/reply-to-author/") {
						t.Errorf("the mail offers a personal message to the remote author:\n%s", ml.Message.Text)
					}
				}
			}
		}
		if !toAlice {
			t.Errorf("no notification to alice among %d mails", len(mails))
		}

		// Update and Delete: another actor's refused, the author's honoured
		edited := m.note(10, beete, "<p>Schöne Beete, wirklich!</p>")
		evil := *edited
		evil.AttributedTo = activitypub.IRI(eve.id)
		send(eve, activitypub.TypeUpdate, 1, activitypub.Embed(&evil), http.StatusUnauthorized)
		send(eve, activitypub.TypeDelete, 2, activitypub.Ref(reply.ID), http.StatusUnauthorized)
		if c := comments(); len(c) != 1 || !strings.Contains(c[0], "**Beete**") {
			t.Fatalf("after another's Update and Delete: %q", c)
		}
		send(m, activitypub.TypeUpdate, 11, activitypub.Embed(edited), http.StatusAccepted)
		b.get("/garten/beete/").expect(t, http.StatusOK, "Schöne Beete, wirklich!")
		send(m, activitypub.TypeDelete, 12, activitypub.Embed(&activitypub.Tombstone{ID: reply.ID, Type: activitypub.TypeTombstone}), http.StatusAccepted)
		if c := comments(); len(c) != 0 {
			t.Fatalf("after the author's Delete: %q", c)
		}
		if strings.Contains(b.get("/garten/beete/").body, "Mallory Remote") {
			t.Error("the deleted comment still shows")
		}
		// a new reply after the Delete is a new comment; an Update of the deleted one is dropped
		send(m, activitypub.TypeUpdate, 13, activitypub.Embed(edited), http.StatusAccepted)
		if c := comments(); len(c) != 0 {
			t.Fatalf("an Update brought the deleted comment back: %q", c)
		}

		// a content warning comes first, in bold, before the text (after the mention)
		cw := m.note(15, beete, `<p><a href="http://grouprise.test/garten/" class="mention">@garten</a> Die Ernte ist verdorben.</p>`)
		cw.Summary = "Gartenfrust"
		send(m, activitypub.TypeCreate, 15, activitypub.Embed(cw), http.StatusAccepted)
		if c := comments(); len(c) != 1 || c[0] != "**Gartenfrust**\n\nDie Ernte ist verdorben." {
			t.Fatalf("with a content warning: %q", c)
		}
		send(m, activitypub.TypeDelete, 16, activitypub.Ref(cw.ID), http.StatusAccepted)

		// the group's members may delete a comment from the Fediverse; others may not
		send(eve, activitypub.TypeCreate, 20, activitypub.Embed(eve.note(20, beete, "<p>Werbung</p>")), http.StatusAccepted)
		ids := storetest.Strings(t, db, `SELECT id FROM contributions WHERE deleted IS NULL AND text = 'Werbung'`)
		if len(ids) != 1 {
			t.Fatalf("eve's reply: %q", ids)
		}
		del := "/garten/beete/contributions/" + ids[0] + "/delete/"
		s.person("otto", "otto-password")
		otto := s.loggedIn("otto", "otto-password")
		if strings.Contains(otto.get("/garten/beete/").body, del) {
			t.Error("an outsider is offered to delete the comment")
		}
		s.browser().get(del).expect(t, http.StatusFound)
		otto.get(del).expect(t, http.StatusForbidden)
		otto.post(del, nil).expect(t, http.StatusForbidden)
		member := s.loggedIn("alice", "alice-password")
		assoc, err := db.AssociationBySlug(ctx, "garten", "beete")
		if err != nil {
			t.Fatal(err)
		}
		member.get("/stadt/associations/"+itoa(assoc.ID)+"/contributions/"+ids[0]+"/reply-to-author/").expect(t, http.StatusNotFound)
		member.get("/garten/beete/").expect(t, http.StatusOK, `href="`+del+`"`)
		member.get(del).expect(t, http.StatusOK)
		member.post(del, nil).expect(t, http.StatusSeeOther)
		if c := comments(); len(c) != 0 {
			t.Fatalf("after the member's delete: %q", c)
		}

		// a blocked actor's reply is refused; one to a content made internal since is dropped
		if _, _, err := s.srv.federation.Block(ctx, eve.id); err != nil {
			t.Fatal(err)
		}
		send(eve, activitypub.TypeCreate, 21, activitypub.Embed(eve.note(21, beete, "<p>wieder ich</p>")), http.StatusForbidden)
		a, err := db.AssociationBySlug(ctx, "garten", "beete")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.srv.contents.Update(ctx, a, alice, contents.Article, contents.Draft{Title: "Beete", Text: "Nur für uns.", Public: false}); err != nil {
			t.Fatal(err)
		}
		s.publishJobs()
		send(m, activitypub.TypeCreate, 22, activitypub.Embed(m.note(22, beete, "<p>noch da?</p>")), http.StatusAccepted)
		if c := comments(); len(c) != 0 {
			t.Fatalf("replies after the block and to the internal content: %q", c)
		}
	})
}
