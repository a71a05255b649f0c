package calendar

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

func TestMonth(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	weeks := Month(2026, time.November, loc)
	// 1 November 2026 is a Sunday: the grid starts on Monday 26 October, ends on Sunday 6 December
	if len(weeks) != 6 || weeks[0][0].Date.Format("2006-01-02") != "2026-10-26" || weeks[5][6].Date.Format("2006-01-02") != "2026-12-06" {
		t.Fatalf("%d weeks from %v to %v", len(weeks), weeks[0][0].Date, weeks[len(weeks)-1][6].Date)
	}
	if weeks[0][5].InMonth || !weeks[0][6].InMonth || weeks[0][6].Date.Day() != 1 {
		t.Error("the days of other months are marked")
	}
	// across the end of daylight saving every cell is a midnight
	for _, w := range weeks {
		for _, d := range w {
			if h, m, _ := d.Date.Clock(); h != 0 || m != 0 {
				t.Errorf("%v is not midnight", d.Date)
			}
		}
	}
	if n := len(Month(2027, time.February, loc)); n != 4 {
		t.Errorf("February 2027 (Monday the 1st, 28 days) has %d weeks, want 4", n)
	}
}

func TestWriteParsesBack(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2026, 7, 1, 18, 0, 0, 0, loc)
	events := []Event{
		{UID: "Garten.1@example.org", Summary: "Hoffest; mit Musik, Essen", Description: "Zeile 1\nZeile 2", Location: "Hof",
			URL: "https://example.org/stadt/content/1/", Start: start, End: start.Add(3 * time.Hour), Public: true, Created: start.AddDate(0, -1, 0)},
		{UID: "Garten.2@example.org", Summary: "Aufräumen", Start: start.AddDate(0, 0, 2), AllDay: true},
		{UID: "Garten.3@example.org", Summary: "Markt", Start: start.AddDate(0, 0, 5), End: start.AddDate(0, 0, 6), AllDay: true},
		{UID: "Garten.4@example.org", Summary: "Offen", Start: start.AddDate(0, 0, 9)},
	}
	var buf bytes.Buffer
	if err := Write(&buf, Feed{Domain: "example.org", Name: "Garten", TimeZone: "Europe/Berlin"}, events, loc, start); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"PRODID:-//example.org//grouprise//DE", "X-WR-TIMEZONE:Europe/Berlin", "CLASS:PUBLIC", "CLASS:PRIVATE",
		"DTSTART:20260701T160000Z", "DTSTART;VALUE=DATE:20260703", "DTEND;VALUE=DATE:20260704", "DTEND;VALUE=DATE:20260708"} {
		if !strings.Contains(out, want) {
			t.Errorf("feed lacks %q:\n%s", want, out)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	parsed := cal.Events()
	if len(parsed) != 4 {
		t.Fatalf("%d events parsed back", len(parsed))
	}
	first := parsed[0]
	if got := first.GetProperty(ics.ComponentPropertySummary).Value; got != "Hoffest; mit Musik, Essen" {
		t.Errorf("summary %q", got)
	}
	if got := first.GetProperty(ics.ComponentPropertyDescription).Value; got != "Zeile 1\nZeile 2" {
		t.Errorf("description %q", got)
	}
	if s, err := first.GetStartAt(); err != nil || !s.Equal(start) {
		t.Errorf("start %v %v", s, err)
	}
	if e, err := first.GetEndAt(); err != nil || !e.Equal(start.Add(3*time.Hour)) {
		t.Errorf("end %v %v", e, err)
	}
	if d, err := parsed[1].GetAllDayStartAt(); err != nil || d.Day() != 3 {
		t.Errorf("all-day start %v %v", d, err)
	}
	if parsed[3].GetProperty(ics.ComponentPropertyDtEnd) != nil {
		t.Error("an open event has no end")
	}
}

func TestSecret(t *testing.T) {
	a := Secret("key", 1, 2)
	if len(a) != 32 || a == Secret("key", 1, 3) || a == Secret("key", 2, 2) || a == Secret("other", 1, 2) {
		t.Error("secrets differ by person, group and key")
	}
	if !SecretMatches("key", 1, 2, a) || SecretMatches("key", 1, 2, a[:31]+"x") {
		t.Error("SecretMatches")
	}
}
