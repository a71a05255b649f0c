package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// feed fetches an iCalendar and parses it back; it returns the summaries.
func (b *browser) feed(t *testing.T, path string, user, password string) (int, []string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test"+path, nil)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	r := b.do(req)
	if r.StatusCode != http.StatusOK {
		return r.StatusCode, nil, r.Header
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("%s: content type %q", path, ct)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, r.body)
	}
	var out []string
	for _, e := range cal.Events() {
		out = append(out, e.GetProperty(ics.ComponentPropertySummary).Value)
	}
	return r.StatusCode, out, r.Header
}

func TestCalendarFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "time_zone: Europe/Berlin\n")
		anna := s.person("anna", "anna-password")
		s.person("bert", "bert-password")
		garden := s.group("Garten", anna)
		house := s.group("Haus", anna)
		svc := contents.New(db)
		soon := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
		for _, e := range []struct {
			group  int64
			title  string
			public bool
			allDay bool
			past   bool
		}{
			{garden.ID, "Hoffest", true, false, false},
			{garden.ID, "Plenum", false, false, false},
			{garden.ID, "Aufräumtag", true, true, false},
			{garden.ID, "Vorbei", true, false, true},
			{house.ID, "Hausversammlung", false, false, false},
		} {
			start := soon
			if e.past {
				start = soon.AddDate(0, 0, -10)
			}
			_, err := svc.Create(ctx, anna, e.group, contents.Event, contents.Draft{Title: e.title, Place: "Hof", Start: start,
				Public: e.public, AllDay: e.allDay})
			if err != nil {
				t.Fatal(err)
			}
		}
		anon := s.browser()
		_, got, header := anon.feed(t, "/garten/events/public.ics", "", "")
		if strings.Join(got, ",") != "Hoffest,Aufräumtag" || !strings.Contains(header.Get("Cache-Control"), "public") {
			t.Errorf("public group feed: %q", got)
		}
		if _, got, _ := anon.feed(t, "/stadt/events/public.ics", "", ""); strings.Join(got, ",") != "[garten] Hoffest,[garten] Aufräumtag" {
			t.Errorf("site feed: %q", got)
		}

		// the member's export page shows the private address; bert's shows none
		a := s.loggedIn("anna", "anna-password")
		page := a.get("/garten/events/export")
		page.expect(t, http.StatusOK, "http://grouprise.test/garten/events/public.ics")
		private := page.doc.Find(`input[value*="private.ics"]`).AttrOr("value", "")
		if !strings.Contains(private, "?token=anna%3A") {
			t.Fatalf("private address %q", private)
		}
		if strings.Contains(s.loggedIn("bert", "bert-password").get("/garten/events/export").body, "private.ics") {
			t.Error("a non-member sees a private address")
		}
		path := strings.TrimPrefix(private, "http://grouprise.test")
		if _, got, header := anon.feed(t, path, "", ""); strings.Join(got, ",") != "Plenum" || !strings.Contains(header.Get("Cache-Control"), "no-store") {
			t.Errorf("private feed: %q", got)
		}
		token, _ := url.QueryUnescape(strings.SplitN(path, "token=", 2)[1])
		secret := strings.SplitN(token, ":", 2)[1]
		for _, bad := range []string{"/garten/events/private.ics", "/garten/events/private.ics?token=anna:" + secret[:31] + "0",
			"/garten/events/private.ics?token=bert:" + secret, "/garten/events/private.ics?token=" + secret,
			"/haus/events/private.ics?token=anna:" + secret} {
			status, _, header := anon.feed(t, bad, "", "")
			if status != http.StatusUnauthorized || !strings.Contains(header.Get("WWW-Authenticate"), `Basic realm="grouprise.test"`) {
				t.Errorf("%s: %d %q", bad, status, header.Get("WWW-Authenticate"))
			}
		}
		if _, got, _ := anon.feed(t, "/garten/events/private.ics", "anna", "anna-password"); strings.Join(got, ",") != "Plenum" {
			t.Errorf("private feed with HTTP Basic: %q", got)
		}
		if status, _, _ := anon.feed(t, "/garten/events/private.ics", "bert", "bert-password"); status != http.StatusUnauthorized {
			t.Errorf("a non-member's login: %d", status)
		}
		if status, _, _ := anon.feed(t, "/garten/events/private.ics", "anna", "wrong"); status != http.StatusUnauthorized {
			t.Errorf("a wrong password: %d", status)
		}

		// one personal address for the events of all of anna's groups (B11)
		personal := a.get("/stadt/events/export").doc.Find(`input[value*="/stadt/events/private.ics"]`).AttrOr("value", "")
		_, got, _ = anon.feed(t, strings.TrimPrefix(personal, "http://grouprise.test"), "", "")
		if strings.Join(got, ",") != "[garten] Hoffest,[garten] Plenum,[garten] Aufräumtag,[haus] Hausversammlung" {
			t.Errorf("personal feed: %q", got)
		}
		if status, _, _ := anon.feed(t, strings.Replace(strings.TrimPrefix(personal, "http://grouprise.test"), "anna", "bert", 1), "", ""); status != http.StatusUnauthorized {
			t.Errorf("anna's secret for bert: %d", status)
		}

		// a secret the Django grouprise stored keeps working
		if err := db.Tx(ctx, func(q *store.Queries) error {
			return q.CreateToken(ctx, &store.Token{GestaltID: anna.ID, Secret: "oldsecret", Feature: store.FeatureCalendar,
				Created: time.Now(), GroupID: garden.ID})
		}); err != nil {
			t.Fatal(err)
		}
		if _, got, _ := anon.feed(t, "/garten/events/private.ics?token=anna:oldsecret", "", ""); strings.Join(got, ",") != "Plenum" {
			t.Errorf("imported token: %q", got)
		}
		if !strings.Contains(a.get("/garten/events/export").body, "anna%3Aoldsecret") {
			t.Error("the export page shows the stored secret")
		}
	})
}

func TestCalendarPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "time_zone: Europe/Berlin\n")
		anna := s.person("anna", "anna-password")
		garden := s.group("Garten", anna)
		svc := contents.New(db)
		loc := s.cfg.Location()
		day := time.Date(2031, 3, 12, 18, 0, 0, 0, loc)
		for _, e := range []struct {
			title  string
			start  time.Time
			public bool
		}{{"Saatgut tauschen", day, true}, {"Beete planen", day.Add(time.Hour), false}, {"Einzeltermin", day.AddDate(0, 0, 3), true}} {
			if _, err := svc.Create(ctx, anna, garden.ID, contents.Event, contents.Draft{Title: e.title, Place: "Laube", Start: e.start,
				Public: e.public}); err != nil {
				t.Fatal(err)
			}
		}
		anon := s.browser()
		page := anon.get("/stadt/events?month=3&year=2031")
		page.expect(t, http.StatusOK, "März 2031", "Saatgut tauschen", "Einzeltermin")
		if strings.Contains(page.body, "Beete planen") {
			t.Error("an internal event in the public calendar")
		}
		if href := page.doc.Find(`td.busy a[title="Einzeltermin"]`).AttrOr("href", ""); href != "/garten/einzeltermin/" {
			t.Errorf("a day with one event links to it: %q", href)
		}
		member := s.loggedIn("anna", "anna-password").get("/stadt/events?month=3&year=2031")
		if href := member.doc.Find(`td.busy a[title="Saatgut tauschen, Beete planen"]`).AttrOr("href", ""); href != "/stadt/events/2031/3/12" {
			t.Errorf("a day with two events links to the day: %q", href)
		}
		anon.get("/stadt/events/2031/3/12").expect(t, http.StatusOK, "Veranstaltungen am 12. März 2031", "Saatgut tauschen")
		anon.get("/stadt/events/2031/2/30").expect(t, http.StatusNotFound)
		if !strings.Contains(page.doc.Find(".month-head a[rel=next]").AttrOr("href", ""), "month=4&year=2031") {
			t.Error("no link to the next month")
		}
	})
}

func TestAttendance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "events: {enable_attendance: true}\n")
		anna := s.person("anna", "anna-password")
		ben := s.person("ben", "ben-password")
		s.person("carla", "carla-password")
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		garden := s.group("Garten", anna)
		if err := gr.AddMember(ctx, garden.ID, ben.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		a, err := contents.New(db).Create(ctx, anna, garden.ID, contents.Event, contents.Draft{Title: "Fest", Place: "Hof",
			Start: time.Now().Add(time.Hour), Public: true})
		if err != nil {
			t.Fatal(err)
		}
		path := "/stadt/content/" + itoa(a.ID) + "/events/attendees"
		c := s.loggedIn("carla", "carla-password")
		c.get("/garten/fest/").expect(t, http.StatusOK, "Interesse anzeigen")
		// a GET changes nothing (B10)
		c.get(path).expect(t, http.StatusSeeOther)
		if n, _ := db.Count(ctx, "event_attendances"); n != 0 {
			t.Fatal("a GET recorded an attendance")
		}
		c.post(path, url.Values{"action": {"attend"}}).expect(t, http.StatusSeeOther)
		c.get("/garten/fest/").expect(t, http.StatusOK, "Eine Person hat Interesse angemeldet.", "Interesse zurückziehen")
		// nobody changes someone else's attendance unless the setting allows it to members
		s.loggedIn("anna", "anna-password").post(path, url.Values{"action": {"attend"}, "other_gestalt": {itoa(ben.ID)}}).
			expect(t, http.StatusForbidden)
		c.post(path, url.Values{"action": {"abstain"}}).expect(t, http.StatusSeeOther)
		if n, _ := db.Count(ctx, "event_attendances"); n != 0 {
			t.Errorf("%d attendances after abstaining", n)
		}
		s.browser().post(path, url.Values{"action": {"attend"}}).expect(t, http.StatusFound)

		managed := newSite(t, db, "events: {enable_attendance: true, allow_attendance_management_for_group_members: true}\n")
		am := managed.loggedIn("anna", "anna-password")
		am.get("/garten/fest/").expect(t, http.StatusOK, "Mitglied eintragen")
		am.post(path, url.Values{"action": {"attend"}, "other_gestalt": {itoa(ben.ID)}}).expect(t, http.StatusSeeOther)
		carla, _ := db.GestaltByUsername(ctx, "carla")
		am.post(path, url.Values{"action": {"attend"}, "other_gestalt": {itoa(carla.ID)}}).expect(t, http.StatusForbidden)
		attendees, _ := db.Attendees(ctx, a.ContentID)
		if len(attendees) != 1 || attendees[0].ID != ben.ID {
			t.Errorf("attendees %+v", attendees)
		}
	})
}
