package web

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The memo keeps parts of members' pages until the store changes (issue 20). Every change
// shows on the next page, whoever made it and whichever way: a web form, a domain service,
// another process writing SQL, another web daemon on the same database.
func TestMemoShowsEveryChangeAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		bob := s.loggedIn("bob", "bob-password")
		carol := s.loggedIn("carol", "carol-password")
		// Twice, so that the second answer comes from the memo.
		publicPage := "/garten/" + s.public.Slug + "/"
		for range 2 {
			bob.get("/garten/").expect(t, http.StatusOK, "Kassenstand", "Sommerfest")
			bob.get("/").expect(t, http.StatusOK, "Kassenstand", "Sommerfest")
			bob.get(publicPage).expect(t, http.StatusOK, "Sommerfest")
			bob.get("/bob/").expect(t, http.StatusOK, "Bob")
			if r := carol.get("/garten/"); strings.Contains(r.body, "Kassenstand") || !strings.Contains(r.body, "Sommerfest") {
				t.Fatal("carol, no member, sees the wrong list")
			}
		}

		// Another process changes a title with plain SQL.
		storetest.Exec(t, db, `UPDATE contents SET title = 'Sommerfest am See' WHERE id = `+itoa(s.public.ContentID))
		for _, path := range []string{"/garten/", "/", publicPage} {
			bob.get(path).expect(t, http.StatusOK, "Sommerfest am See")
			carol.get(path).expect(t, http.StatusOK, "Sommerfest am See")
		}
		storetest.Exec(t, db, `UPDATE gestalten SET about = 'Gießt dienstags' WHERE id = `+itoa(s.bob.ID))
		bob.get("/bob/").expect(t, http.StatusOK, "Gießt dienstags")

		// A comment through the web shows in the count.
		if strings.Contains(bob.get("/garten/").body, "ein Kommentar") {
			t.Fatal("a comment counted before there is one")
		}
		alice := s.loggedIn("alice", "alice-password")
		alice.post("/garten/"+s.public.Slug+"/", url.Values{"text": {"Ich bringe Kuchen"}})
		bob.get("/garten/").expect(t, http.StatusOK, "ein Kommentar")
		bob.get(publicPage).expect(t, http.StatusOK, "Ich bringe Kuchen")

		// The group's description (the part every viewer shares).
		storetest.Exec(t, db, `UPDATE groups SET description = 'Wir gärtnern am Fluss' WHERE id = `+itoa(s.garden.ID))
		carol.get("/garten/").expect(t, http.StatusOK, "Wir gärtnern am Fluss")

		// Subscriptions show on the subscriber's next page (members are subscribed).
		subscribe, unsubscribe := "/"+s.garden.Slug+"/actions/subscribe", "/stadt/groups/"+itoa(s.garden.ID)+"/unsubscribe/"
		bob.get("/garten/").expect(t, http.StatusOK, unsubscribe)
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		if err := gr.Unsubscribe(ctx, s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		bob.get("/garten/").expect(t, http.StatusOK, subscribe)
		if err := gr.Subscribe(ctx, s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		bob.get("/garten/").expect(t, http.StatusOK, unsubscribe)

		// Leaving the group: the next page shows no internal item, neither in the stream nor in
		// the header's list of his groups; joining again shows them at once.
		if err := db.RemoveMembership(ctx, s.garden.ID, s.bob.ID); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/garten/", "/", "/stadt/articles/"} {
			if r := bob.get(path); strings.Contains(r.body, "Kassenstand") {
				t.Errorf("%s: a former member sees the internal article", path)
			}
		}
		if err := gr.AddMember(ctx, s.garden.ID, s.bob.ID, s.alice.ID); err != nil {
			t.Fatal(err)
		}
		bob.get("/garten/").expect(t, http.StatusOK, "Kassenstand")

		// A second web daemon on the same database: a change made through one shows on the
		// other's next page.
		other := newSite(t, db, "")
		bobThere := other.loggedIn("bob", "bob-password")
		bobThere.get("/garten/").expect(t, http.StatusOK, "Kassenstand")
		bob.get("/garten/").expect(t, http.StatusOK, "Kassenstand")
		storetest.Exec(t, db, `UPDATE contents SET title = 'Kassenbericht' WHERE id = `+itoa(s.internal.ContentID))
		bobThere.get("/garten/").expect(t, http.StatusOK, "Kassenbericht")
		bob.get("/garten/").expect(t, http.StatusOK, "Kassenbericht")
	})
}

// Reading pages changes nothing the memo depends on: a page that wrote to a tracked table
// on every view would empty the memo for everybody all the time.
func TestReadingPagesLeavesTheGenerationAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newInternalSite(t, db)
		ctx := context.Background()
		bob := s.loggedIn("bob", "bob-password")
		visitor := s.browser()
		before, err := db.Generation(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/garten/", "/garten/" + s.internal.Slug + "/", "/garten/" + s.public.Slug + "/",
			"/stadt/articles/", "/stadt/events/", "/stadt/groups/", "/bob/", "/stadt/search/?q=sommer", "/stadt/conversations/"} {
			bob.get(path)
			visitor.get(path)
		}
		if after, err := db.Generation(ctx); err != nil || after != before {
			t.Fatalf("generation %d before reading pages, %d after (%v)", before, after, err)
		}
	})
}

// Requests that miss one key at once share the first one's load; when that request's client
// goes away (its context ends the load), the others still get their answer.
func TestMemoSharedLoadOfAGoneClient(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, "")
	gone, cancel := context.WithCancel(context.Background())
	first := withGeneration(httptest.NewRequest(http.MethodGet, "/", nil).WithContext(gone))
	second := withGeneration(httptest.NewRequest(http.MethodGet, "/", nil))
	started, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := cached(s.srv, first, "shared", func() (string, int, error) {
			close(started)
			<-release
			return "", 0, first.Context().Err()
		})
		done <- err
	}()
	<-started
	result := make(chan string, 1)
	go func() {
		v, err := cached(s.srv, second, "shared", func() (string, int, error) { return "fresh", 5, nil })
		if err != nil {
			t.Error(err)
		}
		result <- v
	}()
	time.Sleep(50 * time.Millisecond) // the second request joins the first one's load
	cancel()
	close(release)
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the gone client's request: %v", err)
	}
	if v := <-result; v != "fresh" {
		t.Fatalf("the other request got %q", v)
	}
}

// Made-up query parameters do not make pages of their own in the memo: a visitor cannot push
// the memo's parts out with /?x=1, /?x=2, …
func TestMemoIgnoresMadeUpQueries(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	s := newSite(t, db, "")
	visitor := s.browser()
	visitor.get("/").expect(t, http.StatusOK)
	visitor.get("/?page=1").expect(t, http.StatusOK)
	before := s.srv.memo.Stats().Entries
	for i := range 20 {
		visitor.get("/?x="+itoa(int64(i))).expect(t, http.StatusOK)
		visitor.get("/?page=1&page="+itoa(int64(i))).expect(t, http.StatusOK)
	}
	if after := s.srv.memo.Stats().Entries; after != before {
		t.Fatalf("%d parts in the memo after 40 made-up addresses, %d before", after, before)
	}
}
