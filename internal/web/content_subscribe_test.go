package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A group's content page offers visitors and everybody who does not follow the group a box
// to subscribe to it (F47); followers and personal contents have none; showing the box
// changes nothing.
func TestContentPageOffersSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.person("carla", "carla-password")
		garden := s.group("Garten", anna)
		svc := contents.New(db)
		if _, err := svc.Create(ctx, anna, garden.ID, contents.Article, contents.Draft{Title: "Ernte", Text: "Viel Kürbis.", Public: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, anna, 0, contents.Article, contents.Draft{Title: "Mein Tagebuch", Text: "Heute.", Public: true}); err != nil {
			t.Fatal(err)
		}
		// visitors follow a link to the form that asks for their address; people logged in
		// subscribe with one click and come back to the page
		box := func(r *response) bool {
			return r.doc.Find(`.subscribe-box a.button[href="/garten/actions/subscribe"]`).Length()+
				r.doc.Find(`.subscribe-box form[method=post][action="/garten/actions/subscribe"] input[name=next][value="/garten/ernte/"]`).Length() == 1
		}
		before, _ := db.Count(ctx, "subscriptions")
		carla := s.loggedIn("carla", "carla-password")
		for _, c := range []struct {
			role string
			b    *browser
			want bool
		}{
			{"anonymous", s.browser(), true},
			{"outsider", carla, true},
			{"member and subscriber", s.loggedIn("anna", "anna-password"), false},
		} {
			page := c.b.get("/garten/ernte/")
			page.expect(t, http.StatusOK)
			checkPage(t, "/garten/ernte/ as "+c.role, page.doc)
			if box(page) != c.want {
				t.Errorf("%s: subscription box %v, want %v", c.role, box(page), c.want)
			}
			if c.want && page.text(".subscribe-box h2") != "Gruppe „Garten“ abonnieren" {
				t.Errorf("%s: the box says %q", c.role, page.text(".subscribe-box h2"))
			}
			if personal := c.b.get("/anna/mein-tagebuch/"); personal.doc.Find(".subscribe-box").Length() != 0 {
				t.Errorf("%s: a personal content offers a subscription", c.role)
			}
		}
		if after, _ := db.Count(ctx, "subscriptions"); after != before {
			t.Fatalf("showing the pages changed the subscriptions: %d → %d", before, after)
		}
		// The box leads to the group's subscription; once subscribed, it is gone.
		if s.browser().get("/garten/ernte/").doc.Find(`.subscribe-box a.button`).Length() != 1 {
			t.Error("visitors get no link to the subscription form")
		}
		r := carla.post("/garten/actions/subscribe", url.Values{"next": {"/garten/ernte/"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/garten/ernte/" {
			t.Errorf("subscribing from the box: %d to %q, want back to the content", r.StatusCode, r.Header.Get("Location"))
		}
		if box(carla.get("/garten/ernte/")) {
			t.Error("a subscriber is offered the subscription again")
		}
	})
}
