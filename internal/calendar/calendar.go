// Package calendar lays out months for calendar pages and writes iCalendar feeds
// (RFC 5545) of events.
package calendar

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Day is a cell of a month grid.
type Day struct {
	Date    time.Time // midnight in the calendar's zone
	InMonth bool      // false for the days of the weeks' ends that belong to the months around
}

// Month returns the weeks (Monday to Sunday) that cover a month, in loc.
func Month(year int, month time.Month, loc *time.Location) [][]Day {
	first := time.Date(year, month, 1, 0, 0, 0, 0, loc)
	offset := (int(first.Weekday()) + 6) % 7 // days since Monday
	day := first.AddDate(0, 0, -offset)
	var weeks [][]Day
	for len(weeks) == 0 || day.Month() == month {
		week := make([]Day, 7)
		for i := range week {
			week[i] = Day{Date: day, InMonth: day.Month() == month}
			day = day.AddDate(0, 0, 1)
		}
		weeks = append(weeks, week)
	}
	return weeks
}

// Feed describes a calendar as a whole.
type Feed struct {
	Domain   string // the site's domain, for the product id
	Name     string // shown by calendar programs
	TimeZone string // the site's zone, as a hint for programs
}

// Event is an entry of a feed.
type Event struct {
	UID         string
	Summary     string
	Description string
	Location    string
	URL         string
	Start, End  time.Time // End zero when open
	AllDay      bool
	Public      bool
	Created     time.Time
	Modified    time.Time
}

// Write writes the feed with its events as iCalendar. All-day events are dates in loc
// (the end exclusive, as RFC 5545 wants it); other times are in UTC.
func Write(w io.Writer, f Feed, events []Event, loc *time.Location, now time.Time) error {
	cal := ics.NewCalendar()
	cal.SetMethod(ics.MethodPublish)
	cal.SetProductId(fmt.Sprintf("-//%s//grouprise//DE", f.Domain))
	cal.SetXWRCalName(f.Name)
	cal.SetName(f.Name)
	if f.TimeZone != "" {
		cal.SetXWRTimezone(f.TimeZone)
	}
	for _, e := range events {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(now)
		if !e.Created.IsZero() {
			ev.SetCreatedTime(e.Created)
		}
		if !e.Modified.IsZero() {
			ev.SetLastModifiedAt(e.Modified)
		}
		ev.SetSummary(e.Summary)
		if d := strings.TrimSpace(e.Description); d != "" {
			ev.SetDescription(d)
		}
		if e.Location != "" {
			ev.SetLocation(e.Location)
		}
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
		if e.AllDay {
			start := e.Start.In(loc)
			end := start
			if !e.End.IsZero() && e.End.After(e.Start) {
				end = e.End.In(loc)
			}
			ev.SetAllDayStartAt(start)
			ev.SetAllDayEndAt(time.Date(end.Year(), end.Month(), end.Day()+1, 0, 0, 0, 0, loc))
		} else {
			ev.SetStartAt(e.Start)
			if !e.End.IsZero() {
				ev.SetEndAt(e.End)
			}
		}
		if e.Public {
			ev.SetClass(ics.ClassificationPublic)
		} else {
			ev.SetClass(ics.ClassificationPrivate)
		}
	}
	return cal.SerializeTo(w)
}

// Secret is the secret in the address of a person's private feed of a group (groupID 0:
// of all their groups). It is derived from the site's secret key, so that showing the
// address writes nothing; a new secret key changes every address.
func Secret(key string, gestaltID, groupID int64) string {
	m := hmac.New(sha256.New, []byte(key))
	fmt.Fprintf(m, "grouprise calendar %d %d", gestaltID, groupID)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// SecretMatches compares a secret from an address with the derived one in constant time.
func SecretMatches(key string, gestaltID, groupID int64, secret string) bool {
	return hmac.Equal([]byte(Secret(key, gestaltID, groupID)), []byte(secret))
}
