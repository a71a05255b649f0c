package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/calendar"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
)

// dayView is a cell of a month grid with its events.
type dayView struct {
	calendar.Day
	Today  bool
	Events []*store.StreamItem
	Link   string // the event (one) or the day's page (several)
}

// monthView is a month grid.
type monthView struct {
	Title      string
	Weekdays   []string
	Weeks      [][]*dayView
	Prev, Next string // links to the months around
	Large      bool
}

// monthOf reads ?month=&year= (the current month when absent or wrong).
func (s *Server) monthOf(r *http.Request) (int, time.Month) {
	now := s.now().In(s.cfg.Location())
	y, m := now.Year(), now.Month()
	q := r.URL.Query()
	if yy, err := strconv.Atoi(q.Get("year")); err == nil && yy >= 1900 && yy <= 2200 {
		y = yy
	}
	if mm, err := strconv.Atoi(q.Get("month")); err == nil && mm >= 1 && mm <= 12 {
		m = time.Month(mm)
	}
	return y, m
}

// month builds the grid of a month with the events the viewer may see (of one group if
// groupID is set); links to other months go to path.
func (s *Server) month(r *http.Request, year int, month time.Month, groupID int64, path string) (*monthView, error) {
	return s.monthIn(r, year, month, store.StreamQuery{GroupID: groupID}, path)
}

// monthIn builds the grid of a month with the events of scope (its GroupID, GestaltID or
// TagID; the viewer and the dates are set here) that the viewer may see.
func (s *Server) monthIn(r *http.Request, year int, month time.Month, scope store.StreamQuery, path string) (*monthView, error) {
	loc := s.cfg.Location()
	p := s.catalog.Printer(lang(r))
	weeks := calendar.Month(year, month, loc)
	v := viewer(r)
	q := store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: scope.GroupID, GestaltID: scope.GestaltID,
		TagID: scope.TagID, From: weeks[0][0].Date, Until: weeks[len(weeks)-1][6].Date.AddDate(0, 0, 1), Limit: 500}
	events, err := s.db.Stream(r.Context(), q)
	if err != nil {
		return nil, err
	}
	today := s.now().In(loc)
	mv := &monthView{Title: p.T("date.month."+strconv.Itoa(int(month))) + " " + strconv.Itoa(year)}
	for i := 1; i <= 7; i++ {
		mv.Weekdays = append(mv.Weekdays, p.T("date.weekday."+strconv.Itoa(i)))
	}
	for _, week := range weeks {
		row := make([]*dayView, len(week))
		for i, d := range week {
			dv := &dayView{Day: d, Today: sameDate(d.Date, today)}
			next := d.Date.AddDate(0, 0, 1)
			for _, e := range events {
				end := e.StartsAt.V
				if e.EndsAt.Valid && e.EndsAt.V.After(end) {
					end = e.EndsAt.V
				}
				if e.StartsAt.V.Before(next) && !end.Before(d.Date) {
					dv.Events = append(dv.Events, e)
				}
			}
			switch len(dv.Events) {
			case 0:
			case 1:
				dv.Link = "/" + dv.Events[0].Entity.Slug + "/" + dv.Events[0].Slug + "/"
			default:
				dv.Link = fmt.Sprintf("/stadt/events/%d/%d/%d", d.Date.Year(), d.Date.Month(), d.Date.Day())
			}
			row[i] = dv
		}
		mv.Weeks = append(mv.Weeks, row)
	}
	prev := time.Date(year, month-1, 1, 0, 0, 0, 0, loc)
	next := time.Date(year, month+1, 1, 0, 0, 0, 0, loc)
	mv.Prev = fmt.Sprintf("%s?month=%d&year=%d", path, prev.Month(), prev.Year())
	mv.Next = fmt.Sprintf("%s?month=%d&year=%d", path, next.Month(), next.Year())
	return mv, nil
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

type eventsData struct {
	Month    *monthView
	Items    []*store.StreamItem
	Page     int
	NextPage int
	Query    string // ?month=&year= for the pagination
}

// events shows a month's calendar and the events from then on.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	y, m := s.monthOf(r)
	mv, err := s.month(r, y, m, 0, "/stadt/events")
	if err != nil {
		return fmt.Errorf("events: month: %w", err)
	}
	mv.Large = true
	from := s.now()
	if first := time.Date(y, m, 1, 0, 0, 0, 0, s.cfg.Location()); first.After(from) {
		from = first
	}
	v := viewer(r)
	p := pageOf(r, itemsPerPage)
	items, err := s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Events: true, Now: from,
		Limit: p.Limit(), Offset: p.Offset()})
	if err != nil {
		return fmt.Errorf("events: %w", err)
	}
	d := eventsData{Month: mv, Page: p.Number}
	d.Items, d.NextPage = cut(p, items)
	s.render(w, r, http.StatusOK, "events", s.t(r, "events.title"), d)
	return nil
}

// eventsDay lists the events that take place on a day.
func (s *Server) eventsDay(w http.ResponseWriter, r *http.Request) error {
	y, err1 := strconv.Atoi(r.PathValue("year"))
	m, err2 := strconv.Atoi(r.PathValue("month"))
	d, err3 := strconv.Atoi(r.PathValue("day"))
	loc := s.cfg.Location()
	day := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if err1 != nil || err2 != nil || err3 != nil || day.Year() != y || int(day.Month()) != m || day.Day() != d || y < 1900 || y > 2200 {
		return errNotFound
	}
	v := viewer(r)
	items, err := s.db.Stream(r.Context(), store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(),
		From: day, Until: day.AddDate(0, 0, 1), Limit: 200})
	if err != nil {
		return fmt.Errorf("events of %s: %w", day.Format(time.DateOnly), err)
	}
	title := s.t(r, "events.day", "Day", s.catalog.Printer(lang(r)).Date(day))
	s.render(w, r, http.StatusOK, "events_day", title, listData{Kind: "event", Items: items})
	return nil
}

// exportData shows the addresses of calendar feeds.
type exportData struct {
	Group   *store.Group
	Public  string // the public feed
	Private string // the viewer's private feed, "" when they have none
}

// eventsExport explains the site's public feed and, to logged-in people, their personal one.
func (s *Server) eventsExport(w http.ResponseWriter, r *http.Request) error {
	d := exportData{Public: s.cfg.BaseURL() + "/stadt/events/public.ics"}
	if v := viewer(r); v.LoggedIn() {
		token, err := s.feedToken(r.Context(), v.Gestalt, 0)
		if err != nil {
			return fmt.Errorf("events export: feed token: %w", err)
		}
		d.Private = s.cfg.BaseURL() + "/stadt/events/private.ics?token=" + url.QueryEscape(token)
	}
	s.render(w, r, http.StatusOK, "events_export", s.t(r, "export.title"), d)
	return nil
}

// groupEventsExport explains a group's feeds; members see their private address.
func (s *Server) groupEventsExport(w http.ResponseWriter, r *http.Request) error {
	g, err := s.groupOfSlug(r)
	if err != nil {
		return err
	}
	d := exportData{Group: g, Public: s.cfg.BaseURL() + "/" + g.Slug + "/events/public.ics"}
	if v := viewer(r); v.IsMember(g.ID) {
		token, err := s.feedToken(r.Context(), v.Gestalt, g.ID)
		if err != nil {
			return fmt.Errorf("events export of %s: feed token: %w", g.Slug, err)
		}
		d.Private = s.cfg.BaseURL() + "/" + g.Slug + "/events/private.ics?token=" + url.QueryEscape(token)
	}
	s.render(w, r, http.StatusOK, "events_export", s.t(r, "export.group_title", "Group", g.Name), d)
	return nil
}

// feedToken is "<username>:<secret>" for a private feed: a secret the Django grouprise
// stored keeps working (subscribed calendars keep their address), new ones are derived.
func (s *Server) feedToken(ctx context.Context, g *store.Gestalt, groupID int64) (string, error) {
	tokens, err := s.db.StoredTokens(ctx, g.ID, store.FeatureCalendar, groupID)
	if err != nil {
		return "", err
	}
	if len(tokens) > 0 {
		return g.Username + ":" + tokens[0].Secret, nil
	}
	return g.Username + ":" + calendar.Secret(s.cfg.SecretKey, g.ID, groupID), nil
}

// feedViewer finds who asks for a private feed: by ?token=<username>:<secret>, or by HTTP
// Basic authentication with their login. nil when neither is right.
func (s *Server) feedViewer(r *http.Request, groupID int64) (*store.Gestalt, error) {
	ctx := r.Context()
	if token := r.URL.Query().Get("token"); token != "" {
		name, secret, ok := strings.Cut(token, ":")
		if !ok {
			return nil, nil
		}
		g, err := s.db.GestaltByUsername(ctx, name)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if calendar.SecretMatches(s.cfg.SecretKey, g.ID, groupID, secret) {
			return g, nil
		}
		stored, err := s.db.StoredTokens(ctx, g.ID, store.FeatureCalendar, groupID)
		if err != nil {
			return nil, err
		}
		for _, t := range stored {
			if t.Secret == secret {
				return g, nil
			}
		}
		return nil, nil
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		return nil, nil
	}
	// The limits of the login form hold here too, but a calendar program carries no device
	// cookie: past the account's limit it is refused like any stranger. accounts.ErrBusy
	// reaches the adapter, which answers 503 with Retry-After; so does a check while another one from
	// the same address runs, which calendar programs retry like a busy hasher.
	g, err := s.authenticate(r, strings.ToLower(name), password)
	if errors.Is(err, accounts.ErrBadLogin) || errors.Is(err, errTooManyAttempts) {
		return nil, nil
	}
	if errors.Is(err, errCheckInFlight) {
		return nil, fmt.Errorf("%w: %w", err, accounts.ErrBusy)
	}
	return g, err
}

// unauthorized asks calendar programs for a login.
func (s *Server) unauthorized(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Basic realm="`+s.cfg.Domain+`", charset="UTF-8"`)
	http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
}

// siteFeed is the iCalendar of all upcoming public events; group events are marked with
// the group's slug.
func (s *Server) siteFeed(w http.ResponseWriter, r *http.Request) error {
	items, err := s.db.Stream(r.Context(), store.StreamQuery{Events: true, Now: s.now(), OnlyPublic: true, Limit: 1000})
	if err != nil {
		return fmt.Errorf("site calendar: %w", err)
	}
	return s.writeFeed(w, s.siteInfo(r).Name, items, true, true)
}

// personalFeed is the iCalendar of the upcoming events of all the person's groups (B11).
func (s *Server) personalFeed(w http.ResponseWriter, r *http.Request) error {
	g, err := s.feedViewer(r, 0)
	if err != nil {
		// accounts.ErrBusy among them: 503 through the adapter.
		return fmt.Errorf("personal calendar: %w", err)
	}
	if g == nil {
		s.unauthorized(w)
		return nil
	}
	groups, err := s.db.GroupsOfMember(r.Context(), g.ID)
	if err != nil {
		return fmt.Errorf("personal calendar of %d: groups: %w", g.ID, err)
	}
	var items []*store.StreamItem
	if len(groups) > 0 {
		ids := make([]int64, len(groups))
		for i, gr := range groups {
			ids[i] = gr.ID
		}
		items, err = s.db.Stream(r.Context(), store.StreamQuery{ViewerID: g.ID, MemberOf: ids, InGroups: ids, Events: true,
			Now: s.now(), Limit: 1000})
		if err != nil {
			return fmt.Errorf("personal calendar of %d: %w", g.ID, err)
		}
	}
	return s.writeFeed(w, s.t(r, "export.personal_name", "Name", g.Name(), "Site", s.siteInfo(r).Name), items, true, false)
}

// groupFeed is the iCalendar of a group's upcoming public events, or with private of its
// internal ones for its members.
func (s *Server) groupFeed(private bool) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		g, err := s.groupOfSlug(r)
		if err != nil {
			return err
		}
		q := store.StreamQuery{GroupID: g.ID, Events: true, Now: s.now(), Limit: 1000, OnlyPublic: !private, OnlyInternal: private}
		if private {
			who, err := s.feedViewer(r, g.ID)
			if err != nil {
				return fmt.Errorf("calendar of %s: %w", g.Slug, err)
			}
			member := false
			if who != nil {
				if member, err = s.db.IsMember(r.Context(), g.ID, who.ID); err != nil {
					return fmt.Errorf("calendar of %s: membership: %w", g.Slug, err)
				}
			}
			if !member {
				s.unauthorized(w)
				return nil
			}
			q.ViewerID, q.MemberOf = who.ID, []int64{g.ID}
		}
		items, err := s.db.Stream(r.Context(), q)
		if err != nil {
			return fmt.Errorf("calendar of %s: %w", g.Slug, err)
		}
		return s.writeFeed(w, g.Name, items, false, !private)
	}
}

// writeFeed answers with an iCalendar of items; prefix marks group events with the group's
// slug (site-wide feeds). An error comes before anything is written.
func (s *Server) writeFeed(w http.ResponseWriter, name string, items []*store.StreamItem, prefix, public bool) error {
	base := s.cfg.BaseURL()
	events := make([]calendar.Event, 0, len(items))
	for _, it := range items {
		e := calendar.Event{
			UID:     fmt.Sprintf("%s.%d@%s", it.Entity.DisplayName(), it.AssociationID, s.cfg.Domain),
			Summary: it.Title, Description: it.Text, Location: it.Place,
			URL:   base + "/stadt/content/" + itoa(it.AssociationID) + "/",
			Start: it.StartsAt.V, AllDay: it.AllDay, Public: it.Public, Created: it.Created,
		}
		if it.EndsAt.Valid {
			e.End = it.EndsAt.V
		}
		if prefix && it.Entity.IsGroup {
			e.Summary = "[" + it.Entity.Slug + "] " + e.Summary
		}
		events = append(events, e)
	}
	var buf bytes.Buffer
	if err := calendar.Write(&buf, calendar.Feed{Domain: s.cfg.Domain, Name: name, TimeZone: s.cfg.Location().String()},
		events, s.cfg.Location(), s.now()); err != nil {
		return fmt.Errorf("calendar %q: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	if public {
		w.Header().Set("Cache-Control", "public, max-age=300")
	} else {
		w.Header().Set("Cache-Control", "private, no-store")
	}
	w.Write(buf.Bytes())
	return nil
}

type attendanceData struct {
	Count     int
	Attending bool
	// Manage is set when members may manage each other's attendance: the attendees and the
	// members who may still be added.
	Manage    bool
	Attendees []store.EntityRef
	Members   []*store.Gestalt
}

// attendance loads the attendance box of an event page.
func (s *Server) attendance(ctx context.Context, r *http.Request, a *store.Association) (*attendanceData, error) {
	attendees, err := s.db.Attendees(ctx, a.ContentID)
	if err != nil {
		return nil, err
	}
	v := viewer(r)
	d := &attendanceData{Count: len(attendees)}
	for _, e := range attendees {
		d.Attending = d.Attending || v.Is(e.ID)
	}
	if s.cfg.Events.AllowAttendanceManagementForGroupMembers && v.IsMember(a.GroupID) {
		d.Manage, d.Attendees = true, attendees
		members, err := s.db.Members(ctx, a.GroupID)
		if err != nil {
			return nil, err
		}
		in := map[int64]bool{}
		for _, e := range attendees {
			in[e.ID] = true
		}
		for _, m := range members {
			if !in[m.ID] {
				d.Members = append(d.Members, m)
			}
		}
	}
	return d, nil
}

// changeAttendance adds or removes an attendance (POST only; B10): one's own, or, where
// the setting allows it, a fellow member's.
func (s *Server) changeAttendance(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("assoc"), 10, 64)
	if err != nil {
		return errNotFound
	}
	if r.Method == http.MethodGet {
		redirect(w, r, "/stadt/content/"+itoa(id)+"/")
		return nil
	}
	if !s.cfg.Events.EnableAttendance {
		return errNotFound
	}
	v := viewer(r)
	if !v.LoggedIn() {
		return errForbidden
	}
	ctx := r.Context()
	a, err := s.db.AssociationByID(ctx, id)
	if err != nil {
		return fmt.Errorf("attendance: publication %d: %w", id, err)
	}
	c, err := s.db.ContentByID(ctx, a.ContentID)
	if err != nil || a.ContentID == 0 || !c.StartsAt.Valid {
		return errNotFound
	}
	f := newForm(r)
	if !contents.CanView(v, a) {
		return errForbidden
	}
	who := v.ID()
	if other := f.Get("other_gestalt"); other != "" && other != itoa(who) {
		if who, err = strconv.ParseInt(other, 10, 64); err != nil {
			return errNotFound
		}
	}
	attend := f.Get("action") != "abstain" && r.Method != http.MethodDelete
	err = s.contents.SetAttendance(ctx, v, a, who, attend, s.cfg.Events.AllowAttendanceManagementForGroupMembers)
	if err != nil {
		// contents.ErrNotAllowed, someone else's attendance without the setting: 403
		// through the adapter.
		return fmt.Errorf("attendance of %d at %d: %w", who, id, err)
	}
	redirect(w, r, safeNext(f.Get("redirect_url"), "/stadt/content/"+itoa(id)+"/"))
	return nil
}
