package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestAnnounceID: the id of the group's Announce of a reply answers the Announce to
// ActivityPub and the comment's page to browsers while it stands, 410 after its Undo, and
// 404 for ids the group never announced, another group's, and a group not in the Fediverse.
func TestAnnounceID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, garten := fediSite(t, db, "")
		alice, err := db.GestaltByUsername(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.srv.contents.Create(ctx, alice, garten.ID, contents.Article,
			contents.Draft{Title: "Beete", Text: "Text", Public: true}); err != nil {
			t.Fatal(err)
		}
		s.group("Hof", alice) // visible too
		s.publishJobs()
		m := newAuthor(t, "mallory", "Mallory Remote")
		b := s.browser()
		reply := m.note(10, "http://grouprise.test/garten/beete/", "<p>Schöne Beete!</p>")
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeCreate, 10, activitypub.Embed(reply)), m.keyID, m.key).
			expect(t, http.StatusAccepted)
		r, err := db.FediverseReplyByNote(ctx, reply.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := strconv.FormatInt(r.ContributionID, 10)
		path := "/garten/-/announce/" + n

		resp := b.getAs(path, activitypub.MediaType)
		resp.expect(t, http.StatusOK)
		var ann activitypub.Activity
		if err := json.Unmarshal([]byte(resp.body), &ann); err != nil {
			t.Fatal(err)
		}
		if ann.ID != "http://grouprise.test"+path || ann.Type != activitypub.TypeAnnounce || ann.Object.ID() != reply.ID ||
			string(ann.Actor) != "http://grouprise.test/garten/" || resp.Header.Get("Content-Type") != activitypub.MediaType {
			t.Errorf("the Announce: %s (%s)", resp.body, resp.Header.Get("Content-Type"))
		}
		b.getAs(path, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`).expect(t, http.StatusOK)
		page := b.get(path)
		if page.StatusCode != http.StatusSeeOther || page.Header.Get("Location") != "http://grouprise.test/garten/beete/#contribution-"+n {
			t.Errorf("browser: %d to %q", page.StatusCode, page.Header.Get("Location"))
		}
		for _, p := range []string{"/garten/-/announce/999999", "/garten/-/announce/0" + n, "/garten/-/announce/x",
			"/hof/-/announce/" + n, "/kreis/-/announce/" + n, "/versteckt/-/announce/" + n, "/niemand/-/announce/" + n} {
			b.getAs(p, activitypub.MediaType).expect(t, http.StatusNotFound)
		}

		// the author deletes it: the group Undid its Announce
		b.postActivity("/garten/-/inbox", m.activity(t, activitypub.TypeDelete, 11, activitypub.Ref(reply.ID)), m.keyID, m.key).
			expect(t, http.StatusAccepted)
		b.getAs(path, activitypub.MediaType).expect(t, http.StatusGone)
		b.get(path).expect(t, http.StatusGone)

		// the group leaves the Fediverse
		if err := s.srv.federation.SetVisible(ctx, garten, false); err != nil {
			t.Fatal(err)
		}
		b.getAs(path, activitypub.MediaType).expect(t, http.StatusNotFound)
	})
}
