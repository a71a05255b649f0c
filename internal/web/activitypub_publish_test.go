package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// publishJobs runs the queued publish jobs as the task runner does, and drops the rest.
func (s *site) publishJobs() {
	s.t.Helper()
	ctx := context.Background()
	for {
		now := time.Now()
		jobs, err := s.db.ClaimJobs(ctx, "test", 100, now.Add(time.Hour), now.Add(2*time.Hour))
		if err != nil {
			s.t.Fatal(err)
		}
		if len(jobs) == 0 {
			return
		}
		for _, j := range jobs {
			err := s.db.Tx(ctx, func(q *store.Queries) error {
				if j.Kind == federation.JobPublish {
					if err := s.srv.federation.Publish(ctx, q, j); err != nil {
						return err
					}
				}
				return q.CompleteJob(ctx, j)
			})
			if err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

// TestContentObject: a public content of a group in the Fediverse answers its page, asked
// for as ActivityPub, with the object its followers got (Vary: Accept; browsers get the
// page); internal contents, those of groups outside the Fediverse, those not published yet
// and those made internal since answer 404; the outbox lists what was published, by pages.
func TestContentObject(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, garten := fediSite(t, db, "")
		ctx := context.Background()
		alice, err := db.GestaltByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		kreis, err := db.GroupBySlug(ctx, "kreis")
		if err != nil {
			t.Fatal(err)
		}
		create := func(g *store.Group, title string, public bool) *store.Association {
			t.Helper()
			a, err := s.srv.contents.Create(ctx, alice, g.ID, contents.Article, contents.Draft{Title: title, Text: "Text von " + title, Public: public})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		pub := create(garten, "Beete", true)
		create(garten, "Kasse", false)
		create(kreis, "Runde", true)
		b := s.browser()
		b.getAs("/garten/beete/", activitypub.MediaType).expect(t, http.StatusNotFound) // not published yet
		s.publishJobs()

		for _, accept := range []string{activitypub.MediaType, activitypub.Accept} {
			r := b.getAs("/garten/beete/", accept)
			r.expect(t, http.StatusOK, `"type":"Article"`, `"name":"Beete"`, `"id":"http://grouprise.test/garten/beete/"`,
				`"attributedTo":"http://grouprise.test/garten/"`, "<p>Text von Beete</p>")
			if r.Header.Get("Content-Type") != activitypub.MediaType || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept") {
				t.Errorf("Accept %s: Content-Type %q, Vary %q", accept, r.Header.Get("Content-Type"), r.Header.Values("Vary"))
			}
		}
		b.getAs("/garten/beete/", "text/html,*/*;q=0.8").expect(t, http.StatusOK, "<html", "Text von Beete")
		b.getAs("/garten/kasse/", activitypub.MediaType).expect(t, http.StatusNotFound)
		b.getAs("/kreis/runde/", activitypub.MediaType).expect(t, http.StatusNotFound)
		b.getAs("/garten/nichts/", activitypub.MediaType).expect(t, http.StatusNotFound)
		b.getAs("/alice/beete/", activitypub.MediaType).expect(t, http.StatusNotFound)

		// the outbox: the collection, its first page, nothing beyond
		b.getAs("/garten/-/outbox", activitypub.MediaType).expect(t, http.StatusOK, `"totalItems":1`,
			`"first":"http://grouprise.test/garten/-/outbox?page=1"`)
		r := b.getAs("/garten/-/outbox?page=1", activitypub.MediaType)
		r.expect(t, http.StatusOK, `"type":"OrderedCollectionPage"`, `"partOf":"http://grouprise.test/garten/-/outbox"`)
		var page struct {
			Items []struct {
				Type   string `json:"type"`
				Actor  string `json:"actor"`
				Object struct {
					ID   string `json:"id"`
					Type string `json:"type"`
				} `json:"object"`
			} `json:"orderedItems"`
		}
		if err := json.Unmarshal([]byte(r.body), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) != 1 || page.Items[0].Type != "Create" || page.Items[0].Object.ID != "http://grouprise.test/garten/beete/" ||
			page.Items[0].Actor != "http://grouprise.test/garten/" {
			t.Errorf("outbox page %+v", page)
		}
		for _, q := range []string{"0", "x", "-1", "2", "922337203685477581", "99999999999999999999"} {
			b.getAs("/garten/-/outbox?page="+q, activitypub.MediaType).expect(t, http.StatusNotFound)
		}
		b.getAs("/kreis/-/outbox", activitypub.MediaType).expect(t, http.StatusNotFound)

		// made internal: gone at once, before its Delete went out
		if err := s.srv.contents.SetPublic(ctx, pub, false); err != nil {
			t.Fatal(err)
		}
		b.getAs("/garten/beete/", activitypub.MediaType).expect(t, http.StatusNotFound)
		b.getAs("/garten/-/outbox", activitypub.MediaType).expect(t, http.StatusOK, `"totalItems":0`)
		if r := b.getAs("/garten/-/outbox?page=1", activitypub.MediaType); strings.Contains(r.body, "Text von Beete") {
			t.Error("the outbox still shows a content made internal before its Delete went out")
		}
		s.publishJobs()
		b.getAs("/garten/-/outbox", activitypub.MediaType).expect(t, http.StatusOK, `"totalItems":0`)

		// federation off: the page
		off := newSite(t, storetest.Open(t, db.Dialect()), "")
		offAlice := off.person("alice", "alice-password")
		g := off.group("Garten", offAlice)
		if _, err := off.srv.contents.Create(ctx, offAlice, g.ID, contents.Article, contents.Draft{Title: "Beete", Text: "x", Public: true}); err != nil {
			t.Fatal(err)
		}
		if n, _ := off.db.Count(ctx, "jobs"); n != 1 {
			t.Errorf("%d jobs with federation off, want the notification only", n)
		}
		r = off.browser().getAs("/garten/beete/", activitypub.MediaType)
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("federation off: %d %s, want the page", r.StatusCode, r.Header.Get("Content-Type"))
		}
	})
}
