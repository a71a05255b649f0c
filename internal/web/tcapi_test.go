package web

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The Transition Connect export shows the public events of groups and the groups' public
// data, the same to everybody; internal events, a person's events and deleted ones never.
func TestTransitionConnect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMatrixSiteOn(t, db)
		alice, _ := db.GestaltByUsername(ctx, "alice")
		garten, _ := db.GroupBySlug(ctx, "garten")
		werkstatt, _ := db.GroupBySlug(ctx, "werkstatt")
		bob, _ := db.GestaltByUsername(ctx, "bob")
		describeGarten(t, m, garten)
		svc := contents.New(db)
		start := time.Date(2031, 5, 17, 14, 30, 0, 0, time.UTC)
		event := func(who *store.Gestalt, groupID int64, title string, public bool) int64 {
			a, err := svc.Create(ctx, who, groupID, contents.Event, contents.Draft{Title: title, Text: "Mit Kuchen", Public: public,
				Place: "Hofweg 1", Start: start, End: start.Add(2 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		public := event(alice, garten.ID, "Pflanzentausch", true)
		internal := event(alice, garten.ID, "Plenum", false)
		personal := event(alice, 0, "Geburtstag", true)
		other := event(bob, werkstatt.ID, "Reparaturcafé", true)
		deleted := event(bob, werkstatt.ID, "Abgesagt", true)
		if err := svc.DeleteByID(ctx, deleted); err != nil {
			t.Fatal(err)
		}
		article := m.ids["public"]

		for role := range roleNames {
			b := m.as(role)
			var list []tcRef
			decode(t, b.get("/stadt/tc-api/event/"), &list)
			if len(list) != 2 || list[0].ID != public || list[1].ID != other ||
				list[0].Permalink != "http://grouprise.test/stadt/content/"+itoa(public)+"/" {
				t.Errorf("%s: events %+v", roleNames[role], list)
			}
			for _, id := range []string{itoa(internal), itoa(personal), itoa(deleted), article, "0", "x", "99999"} {
				r := b.get("/stadt/tc-api/event/" + id + "/")
				if r.StatusCode != http.StatusNotFound || strings.Contains(r.body, "Plenum") {
					t.Errorf("%s: event %s: %d", roleNames[role], id, r.StatusCode)
				}
			}
		}
		var ev tcEvent
		decode(t, m.browser().get("/stadt/tc-api/event/"+itoa(public)+"/"), &ev)
		if ev.ID != public || ev.OrgID != garten.ID || ev.Timestamp == "" {
			t.Errorf("event: %+v", ev)
		}
		for _, want := range []string{"BEGIN:VEVENT", "SUMMARY:Pflanzentausch", "DTSTART:20310517T143000Z", "DTEND:20310517T163000Z",
			"LOCATION:Hofweg 1", "URL:http://grouprise.test/stadt/content/" + itoa(public) + "/", "END:VEVENT"} {
			if !strings.Contains(ev.ICal, want) {
				t.Errorf("iCal lacks %q:\n%s", want, ev.ICal)
			}
		}
		if strings.Contains(ev.ICal, "VCALENDAR") {
			t.Errorf("iCal is more than the event:\n%s", ev.ICal)
		}

		var orgs []tcRef
		decode(t, m.browser().get("/stadt/tc-api/organisation/"), &orgs)
		if len(orgs) != 3 {
			t.Errorf("organisations: %+v", orgs)
		}
		for role := range roleNames {
			var org tcOrganisation
			decode(t, m.as(role).get("/stadt/tc-api/organisation/"+itoa(garten.ID)+"/"), &org)
			if org.Name != "Garten" || org.Description != "Wir gärtnern." || org.Website != "https://garten.example/" ||
				len(org.Categories) != 1 || org.Categories[0] != "Umwelt" || len(org.Admins) != 0 ||
				len(org.Locations) != 1 || org.Locations[0].Address != "Hofweg 1, Stadt" || org.Permalink != "http://grouprise.test/garten/" {
				t.Errorf("%s: organisation %+v", roleNames[role], org)
			}
		}
		if r := m.browser().get("/stadt/tc-api/organisation/99999/"); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown organisation: %d", r.StatusCode)
		}
		var index map[string]string
		decode(t, m.browser().get("/stadt/tc-api/"), &index)
		if index["event"] != "http://grouprise.test/stadt/tc-api/event/" {
			t.Errorf("index: %v", index)
		}
		// every page points to it
		for _, path := range []string{"/", "/garten/", "/stadt/login/"} {
			m.browser().get(path).expect(t, http.StatusOK, `<meta name="transition-connect-base" content="/stadt/tc-api/">`)
		}
	})
}

// The export's lists are the same for everybody and may be long: anonymous requests are
// answered from the page cache, so a crowd costs one query a second.
func TestTransitionConnectIsCached(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "web: {anonymous_cache: 60}\n")
	ctx := context.Background()
	alice := s.person("alice", "alice-password")
	g := s.group("Garten", alice)
	event := func(title string) {
		start := time.Date(2031, 5, 17, 14, 30, 0, 0, time.UTC)
		if _, err := contents.New(s.db).Create(ctx, alice, g.ID, contents.Event, contents.Draft{Title: title, Public: true,
			Place: "Hofweg 1", Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	event("Pflanzentausch")
	var first, second []tcRef
	r := s.browser().get("/stadt/tc-api/event/")
	if r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
	}
	decode(t, r, &first)
	event("Tauschbörse")
	decode(t, s.browser().get("/stadt/tc-api/event/"), &second)
	if len(first) != 1 || len(second) != 1 {
		t.Errorf("events %d, then %d: want the cached list within the cache's minute", len(first), len(second))
	}
}
