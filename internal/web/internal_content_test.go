package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// internalSite is garten with alice and bob (members), carol (no member) and an internal
// article with an internal comment of bob's that carries a file, and a public article.
type internalSite struct {
	*site
	alice, bob, carol *store.Gestalt
	garden            *store.Group
	internal, public  *store.Association
	file              string // the stored name of bob's attachment
}

func newInternalSite(t *testing.T, db *store.DB) *internalSite {
	t.Helper()
	ctx := context.Background()
	s := &internalSite{site: newSite(t, db, "")}
	s.alice, s.bob, s.carol = s.person("alice", "alice-password"), s.person("bob", "bob-password"), s.person("carol", "carol-password")
	s.garden = s.group("Garten", s.alice)
	if err := groups.New(db, s.cfg.SlugReserved, nil).AddMember(ctx, s.garden.ID, s.bob.ID, s.alice.ID); err != nil {
		t.Fatal(err)
	}
	svc := contents.New(db)
	var err error
	if s.internal, err = svc.Create(ctx, s.alice, s.garden.ID, contents.Article, contents.Draft{Title: "Kassenstand", Text: "Nur für uns", Public: false}); err != nil {
		t.Fatal(err)
	}
	if s.public, err = svc.Create(ctx, s.alice, s.garden.ID, contents.Article, contents.Draft{Title: "Sommerfest", Text: "Alle sind eingeladen", Public: true}); err != nil {
		t.Fatal(err)
	}
	comment, err := svc.Comment(ctx, s.internal, s.bob, "Hier die Liste", 0, true)
	if err != nil {
		t.Fatal(err)
	}
	s.file = "liste-x7q.txt"
	if err := os.MkdirAll(s.cfg.MediaRoot, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.cfg.MediaRoot, s.file), []byte("Kasse: 12 €"), 0o640); err != nil {
		t.Fatal(err)
	}
	err = db.Tx(ctx, func(q *store.Queries) error {
		f := &store.File{File: s.file, Filename: "liste.txt"}
		if _, err := q.AddFile(ctx, f); err != nil {
			return err
		}
		_, err := q.AddContribution(ctx, &store.Contribution{ContentID: s.internal.ContentID, AuthorID: s.bob.ID, Kind: "file",
			FileID: f.ID, AttachedToID: comment, TimeCreated: time.Now(), Public: false})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A former member loses the internal contents she once commented on: page, comment form,
// her attachment's download, the lists. Membership decides, not the old comment.
func TestFormerMemberLosesInternalContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		page := "/garten/" + s.internal.Slug + "/"
		bob := s.loggedIn("bob", "bob-password")
		// while a member, bob sees it all
		bob.get(page).expect(t, http.StatusOK, "Kassenstand", "Hier die Liste")
		bob.get("/-/files/"+s.file).expect(t, http.StatusOK, "Kasse: 12")
		bob.get("/garten/").expect(t, http.StatusOK, "Kassenstand")

		if err := db.RemoveMembership(context.Background(), s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		bob.get(page).expect(t, http.StatusForbidden)
		bob.post(page, url.Values{"text": {"Ich war mal dabei"}}).expect(t, http.StatusForbidden)
		bob.get("/-/files/"+s.file).expect(t, http.StatusForbidden)
		for _, list := range []string{"/garten/", "/stadt/articles/", "/", "/bob/", "/stadt/search/?q=kassenstand"} {
			r := bob.get(list)
			if r.StatusCode != http.StatusOK {
				t.Errorf("%s: status %d", list, r.StatusCode)
			}
			if strings.Contains(r.body, "Kassenstand") {
				t.Errorf("%s lists the internal content to a former member", list)
			}
		}
		// the public content stays his to read and comment on
		bob.get("/garten/"+s.public.Slug+"/").expect(t, http.StatusOK, "Sommerfest")
	})
}

// /stadt/content/ID/ leads only those who may see a content to its address: others get 404,
// as for a missing one, and learn nothing of it, not even its slug.
func TestPermalinkRevealsNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		if err := db.RemoveMembership(context.Background(), s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		internal := "/stadt/content/" + itoa(s.internal.ID) + "/"
		public := "/stadt/content/" + itoa(s.public.ID) + "/"
		for _, c := range []struct {
			role     string
			b        *browser
			path     string
			status   int
			location string
		}{
			{"anonymous", s.browser(), internal, http.StatusNotFound, ""},
			{"outsider", s.loggedIn("carol", "carol-password"), internal, http.StatusNotFound, ""},
			{"former member who commented", s.loggedIn("bob", "bob-password"), internal, http.StatusNotFound, ""},
			{"member", s.loggedIn("alice", "alice-password"), internal, http.StatusFound, "/garten/" + s.internal.Slug + "/"},
			{"anonymous, public content", s.browser(), public, http.StatusFound, "/garten/" + s.public.Slug + "/"},
			{"outsider, public content", s.loggedIn("carol", "carol-password"), public, http.StatusFound, "/garten/" + s.public.Slug + "/"},
			{"anonymous, missing content", s.browser(), "/stadt/content/999999/", http.StatusNotFound, ""},
		} {
			r := c.b.get(c.path)
			if r.StatusCode != c.status || r.Header.Get("Location") != c.location {
				t.Errorf("%s: %d to %q, want %d to %q", c.role, r.StatusCode, r.Header.Get("Location"), c.status, c.location)
			}
			if c.status == http.StatusNotFound && strings.Contains(r.body, s.internal.Slug) {
				t.Errorf("%s: the answer names the slug", c.role)
			}
		}
		// To a visitor who is not logged in, hidden and missing look alike, and both offer the
		// login, which brings a member (following a mail's link) to the content.
		hidden, missing := s.browser().get(internal), s.browser().get("/stadt/content/999999/")
		if hidden.text(".error-page h1") != missing.text(".error-page h1") {
			t.Errorf("hidden %q, missing %q: they must look alike", hidden.text(".error-page h1"), missing.text(".error-page h1"))
		}
		login := hidden.doc.Find(`.error-page a[href^="/stadt/login/"]`).AttrOr("href", "")
		if login != "/stadt/login/?next="+url.QueryEscape(internal) {
			t.Fatalf("login link %q", login)
		}
		member := s.browser()
		r := member.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"alice-password"}, "next": {internal}})
		if r.Header.Get("Location") != internal {
			t.Fatalf("after the login: to %q, want %q", r.Header.Get("Location"), internal)
		}
		if r := member.get(internal); r.Header.Get("Location") != "/garten/"+s.internal.Slug+"/" {
			t.Errorf("the member logged in from the page: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

// Feeds are read anonymously, so they name the authors only where the pages do so for
// anonymous visitors: a person's contents show their person, a group's show the group.
func TestFeedsShowAuthorsAsPagesDo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		if _, err := contents.New(db).Create(context.Background(), s.carol, 0, contents.Article,
			contents.Draft{Title: "Mein Balkon", Text: "Tomaten", Public: true}); err != nil {
			t.Fatal(err)
		}
		// the pages, to an anonymous visitor
		anon := s.browser()
		if r := anon.get("/garten/" + s.public.Slug + "/"); strings.Contains(r.text("main"), "Alice") {
			t.Fatal("the group's page names the author; the feed test assumes it does not")
		}
		anon.get("/carol/mein-balkon/").expect(t, http.StatusOK, "Carol")
		for _, feed := range []string{"/stadt/feed/", "/stadt/feed/atom/", "/stadt/groups/" + itoa(s.garden.ID) + "/feed/",
			"/stadt/groups/" + itoa(s.garden.ID) + "/feed/atom/"} {
			r := anon.get(feed)
			r.expect(t, http.StatusOK, "Sommerfest")
			if strings.Contains(r.body, "Alice") || strings.Contains(r.body, "alice") {
				t.Errorf("%s names the author of a group's content", feed)
			}
			if strings.Contains(r.body, "Kassenstand") {
				t.Errorf("%s lists an internal content", feed)
			}
			group := "<author>Garten</author>"
			if strings.Contains(feed, "atom") {
				group = "<name>Garten</name>"
			}
			if !strings.Contains(r.body, group) {
				t.Errorf("%s: the group's content is not by the group (%s)", feed, group)
			}
			if !strings.Contains(feed, "groups") && !strings.Contains(r.body, "Carol") {
				t.Errorf("%s does not name the person of a personal content", feed)
			}
		}
	})
}

// A member's internal comment with a hashtag on a public content: others see the tag
// nowhere (the content's page, the tag's page, the search); a public comment's tag they see.
func TestInternalHashtagsStayInternal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		page := "/garten/" + s.public.Slug + "/"
		alice := s.loggedIn("alice", "alice-password")
		alice.post(page, url.Values{"text": {"Schlüssel beim #Hausmeister"}, "internal": {"on"}}).expect(t, http.StatusSeeOther)
		alice.post(page, url.Values{"text": {"Bringt #Kuchen mit"}}).expect(t, http.StatusSeeOther)
		carol := s.loggedIn("carol", "carol-password")
		for _, b := range []*browser{s.browser(), carol} {
			r := b.get(page)
			r.expect(t, http.StatusOK, "Kuchen")
			if strings.Contains(r.body, "Hausmeister") || strings.Contains(r.body, "hausmeister") {
				t.Error("the content's page shows the internal comment's tag")
			}
			b.get("/stadt/tags/kuchen/").expect(t, http.StatusOK, "Sommerfest")
			if r := b.get("/stadt/tags/hausmeister/"); strings.Contains(r.body, "Sommerfest") {
				t.Error("the tag page lists the content by an internal comment's tag")
			}
			b.get("/stadt/search/?q=kuchen").expect(t, http.StatusOK, "Sommerfest")
			if r := b.get("/stadt/search/?q=hausmeister"); strings.Contains(r.body, "Sommerfest") {
				t.Error("the search finds the content by an internal comment's tag")
			}
		}
		// the members read the comment, tag and all
		alice.get(page).expect(t, http.StatusOK, "Hausmeister")
	})
}

// The activity inbox follows the same rule: leaving a group takes its internal items out of
// her inbox (and its unread count), and a subscriber who is no member sees the group, not the
// member who wrote a group's content.
func TestInboxFollowsMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		if err := db.Subscribe(ctx, s.garden.ID, s.carol.ID); err != nil {
			t.Fatal(err)
		}
		s.mails()
		bob := s.loggedIn("bob", "bob-password")
		bob.get("/stadt/activity").expect(t, http.StatusOK, "Kassenstand")
		before, _ := db.UnreadCount(ctx, s.bob.ID)
		if err := db.RemoveMembership(ctx, s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		r := bob.get("/stadt/activity")
		if r.StatusCode != http.StatusOK || strings.Contains(r.body, "Kassenstand") {
			t.Errorf("a former member's inbox: %d, lists the internal item: %v", r.StatusCode, strings.Contains(r.body, "Kassenstand"))
		}
		if after, _ := db.UnreadCount(ctx, s.bob.ID); after >= before {
			t.Errorf("unread count %d after leaving, %d before: the internal item still counts", after, before)
		}
		carol := s.loggedIn("carol", "carol-password").get("/stadt/activity")
		carol.expect(t, http.StatusOK, "Sommerfest")
		if meta := carol.text(".items .meta"); strings.Contains(meta, "Alice") || !strings.Contains(meta, "Garten") {
			t.Errorf("a subscriber who is no member sees %q, want the group instead of the author", meta)
		}
	})
}

// A group's conversation is for its members and whoever started it: bob, who replied while
// a member, loses it with his membership (page, list); carol, the outsider who started it,
// keeps it.
func TestConversationFollowsMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		started, err := conversations.New(db).Start(ctx, conversations.Message{Author: s.carol, Subject: "Mitgärtnern?",
			Text: "Darf ich?", GroupID: s.garden.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conversations.New(db).Reply(ctx, started.ConversationID, s.bob, "Klar!", 0); err != nil {
			t.Fatal(err)
		}
		page := "/stadt/conversations/" + itoa(started.AssociationID) + "/"
		list := "/garten/" // a non-member sees the conversations she started there
		bob := s.loggedIn("bob", "bob-password")
		bob.get(page).expect(t, http.StatusOK, "Darf ich?")
		if err := db.RemoveMembership(ctx, s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		bob.get(page).expect(t, http.StatusForbidden)
		bob.post(page, url.Values{"text": {"Noch da?"}}).expect(t, http.StatusForbidden)
		if r := bob.get(list); strings.Contains(r.body, "Mitgärtnern?") {
			t.Error("the former member's list of the group's conversations shows it")
		}
		carol := s.loggedIn("carol", "carol-password")
		carol.get(page).expect(t, http.StatusOK, "Klar!")
		carol.get(list).expect(t, http.StatusOK, "Mitgärtnern?")
	})
}
