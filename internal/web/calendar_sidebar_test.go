package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A person's profile shows its address to copy and, beside the contents, a calendar of the
// events published under the profile; a tag page one of the events with the tag (F62). Each
// viewer sees only the events they may see.
func TestProfileAndTagCalendars(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "time_zone: Europe/Berlin\n")
		anna := s.person("anna", "anna-password")
		ben := s.person("ben", "ben-password")
		carla := s.person("carla", "carla-password")
		if err := accounts.New(db, s.cfg.SlugReserved, nil).UpdateProfile(ctx, anna,
			store.Profile{Username: "anna", FirstName: "Anna", Public: true}); err != nil {
			t.Fatal(err)
		}
		garden := s.group("Garten", ben)
		svc := contents.New(db)
		soon := time.Now().Add(48 * time.Hour)
		for _, e := range []struct {
			title  string
			group  int64
			public bool
			author *store.Gestalt
		}{
			{"Lesung im Hof #draussen", 0, true, anna},
			{"Nur für mich", 0, false, anna},
			{"Beetputz #draussen", garden.ID, true, ben},
			{"Internes Treffen #draussen", garden.ID, false, ben},
			{"Flohmarkt", 0, true, carla},
		} {
			if _, err := svc.Create(ctx, e.author, e.group, contents.Event, contents.Draft{Title: e.title, Place: "Hof",
				Start: soon, Public: e.public}); err != nil {
				t.Fatal(err)
			}
		}
		month := "?month=" + itoa(int64(soon.In(s.cfg.Location()).Month())) + "&year=" + itoa(int64(soon.In(s.cfg.Location()).Year()))
		roles := []struct {
			name    string
			b       *browser
			see     []string
			notSee  []string
			addLink bool
		}{
			{"anonymous", s.browser(), []string{"Lesung im Hof"}, []string{"Nur für mich", "Beetputz"}, false},
			{"outsider", s.loggedIn("carla", "carla-password"), []string{"Lesung im Hof"}, []string{"Nur für mich"}, false},
			{"the person themself", s.loggedIn("anna", "anna-password"), []string{"Lesung im Hof", "Nur für mich"}, []string{"Beetputz"}, true},
		}
		for _, role := range roles {
			page := role.b.get("/anna/" + month)
			page.expect(t, http.StatusOK)
			checkPage(t, "/anna/ as "+role.name, page.doc)
			if got := page.doc.Find(".site-url input").AttrOr("value", ""); got != "http://grouprise.test/anna/" {
				t.Errorf("%s: the address to copy is %q", role.name, got)
			}
			if page.doc.Find(`.site-url button[data-copy="http://grouprise.test/anna/"][hidden]`).Length() != 1 {
				t.Errorf("%s: no copy button (hidden until the script can copy)", role.name)
			}
			side := page.doc.Find("aside .calendar-card")
			for _, title := range role.see {
				if !strings.Contains(side.Find(".items").Text(), title) || side.Find(`td.busy a[title*="`+title+`"]`).Length() == 0 {
					t.Errorf("%s: the profile's calendar lacks %q", role.name, title)
				}
			}
			for _, title := range role.notSee {
				if strings.Contains(side.Text(), title) || side.Find(`td.busy a[title*="`+title+`"]`).Length() > 0 {
					t.Errorf("%s: the profile's calendar shows %q", role.name, title)
				}
			}
			if got := side.Find(`a[href="/stadt/events/add?where=me"]`).Length() == 1; got != role.addLink {
				t.Errorf("%s: a link to add an event: %v", role.name, got)
			}
			if next := side.Find(".month-head a[rel=next]").AttrOr("href", ""); !strings.HasPrefix(next, "/anna/?month=") {
				t.Errorf("%s: the next month is at %q", role.name, next)
			}
		}

		// The tag page: events with the tag, those of groups with it, by what each may see.
		s.loggedIn("ben", "ben-password").post("/stadt/tags/draussen/tag-group/", url.Values{"group": {itoa(garden.ID)}}).
			expect(t, http.StatusSeeOther)
		tagRoles := []struct {
			name   string
			b      *browser
			see    []string
			notSee []string
		}{
			{"anonymous", s.browser(), []string{"Lesung im Hof", "Beetputz"}, []string{"Internes Treffen", "Nur für mich", "Flohmarkt"}},
			{"outsider", s.loggedIn("carla", "carla-password"), []string{"Lesung im Hof", "Beetputz"}, []string{"Internes Treffen", "Flohmarkt"}},
			{"member", s.loggedIn("ben", "ben-password"), []string{"Lesung im Hof", "Beetputz", "Internes Treffen"}, []string{"Nur für mich", "Flohmarkt"}},
		}
		for _, role := range tagRoles {
			page := role.b.get("/stadt/tags/draussen/" + month)
			page.expect(t, http.StatusOK)
			checkPage(t, "/stadt/tags/draussen/ as "+role.name, page.doc)
			side := page.doc.Find("aside .calendar-card")
			for _, title := range role.see {
				if !strings.Contains(side.Text(), title) && side.Find(`td.busy a[title*="`+title+`"]`).Length() == 0 {
					t.Errorf("%s: the tag's calendar lacks %q", role.name, title)
				}
			}
			for _, title := range role.notSee {
				if strings.Contains(side.Text(), title) || side.Find(`td.busy a[title*="`+title+`"]`).Length() > 0 {
					t.Errorf("%s: the tag's calendar shows %q", role.name, title)
				}
			}
			if next := side.Find(".month-head a[rel=next]").AttrOr("href", ""); !strings.HasPrefix(next, "/stadt/tags/draussen/?month=") {
				t.Errorf("%s: the next month is at %q", role.name, next)
			}
		}
		// A tag nobody saved yet has no calendar, and the page still answers.
		s.browser().get("/stadt/tags/niemand/").expect(t, http.StatusOK)
	})
}
