package contents_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The visibility rule is written twice, as contents.CanView (pages) and as the store's SQL
// condition (lists, calendars, feeds, search). These tests hold the two together: for every
// role and every list the site shows, the list holds exactly what CanView allows. The lists
// are asked for as internal/web asks for them, with the viewer built as its middleware
// builds it.

// site is one site with a publication in every visibility and a person in every role.
type site struct {
	db              *store.DB
	garden, choir   int64                     // two groups
	people          map[string]*store.Gestalt // by role
	labels          map[int64]string          // association id → what it is
	contents, convs []int64                   // association ids
	start           time.Time                 // when the events begin
	tagID           int64                     // the tag every content has
	roles           []string
}

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	s := &site{db: db, people: map[string]*store.Gestalt{}, labels: map[int64]string{},
		start: time.Now().UTC().Truncate(time.Hour).AddDate(0, 1, 0),
		roles: []string{"anonymous", "outsider", "member", "other group's member", "author", "former member", "site administrator"}}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	err := db.Tx(ctx, func(q *store.Queries) error {
		for _, role := range s.roles[1:] {
			g := &store.Gestalt{Username: fmt.Sprintf("p%d", len(s.people)), IsActive: true, DateJoined: day,
				IsStaff: role == "site administrator", IsSuperuser: role == "site administrator"}
			if _, err := q.CreateGestalt(ctx, g); err != nil {
				return err
			}
			s.people[role] = g
		}
		var err error
		for _, g := range []struct {
			id   *int64
			slug string
		}{{&s.garden, "garten"}, {&s.choir, "chor"}} {
			if *g.id, err = q.CreateGroup(ctx, &store.Group{Slug: g.slug, Name: g.slug, DateCreated: day,
				TimeModified: day, DateFounded: day}); err != nil {
				return err
			}
		}
		for _, m := range []struct {
			group int64
			role  string
		}{{s.garden, "member"}, {s.garden, "former member"}, {s.choir, "other group's member"}} {
			if _, err := q.AddMembership(ctx, &store.Membership{GroupID: m.group, MemberID: s.people[m.role].ID,
				DateJoined: day}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	svc := contents.New(db)
	publish := func(label, role string, group int64, public bool) *store.Association {
		t.Helper()
		a, err := svc.Create(ctx, s.people[role], group, contents.Event, contents.Draft{Title: label + " Sommerfest",
			Text: "#Sommer", Public: public, Place: "Hof", Start: s.start.Add(time.Duration(len(s.contents)) * time.Hour)})
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		s.contents = append(s.contents, a.ID)
		s.labels[a.ID] = label
		return a
	}
	publish("garden public", "member", s.garden, true)
	publish("garden internal by the former member", "former member", s.garden, false)
	if err := svc.Delete(ctx, publish("garden deleted", "member", s.garden, true)); err != nil {
		t.Fatal(err)
	}
	publish("choir internal", "other group's member", s.choir, false)
	publish("personal public", "author", 0, true)
	publish("personal internal", "author", 0, false)
	if err := svc.Delete(ctx, publish("personal deleted", "author", 0, true)); err != nil {
		t.Fatal(err)
	}
	// Public once, commented by an outsider, then made internal: the comment grants nothing.
	once := publish("personal internal, public once", "author", 0, true)
	if _, err := svc.Comment(ctx, once, s.people["outsider"], "Schön!", 0, false); err != nil {
		t.Fatal(err)
	}
	if err := svc.Update(ctx, once, s.people["author"], contents.Event, contents.Draft{Title: "Sommerfest", Text: "#Sommer",
		Public: false, Place: "Hof", Start: s.start}); err != nil {
		t.Fatal(err)
	}
	tags, err := db.ContentTags(ctx, once.ContentID)
	if err != nil || len(tags) != 1 {
		t.Fatalf("tags %v, %v", tags, err)
	}
	s.tagID = tags[0].ID

	talk := conversations.New(db)
	for _, c := range []struct{ label, role string }{
		{"garden conversation of a member", "member"},
		{"garden conversation of the former member", "former member"},
		{"garden conversation of an outsider", "outsider"},
		{"choir conversation of the author", "author"},
	} {
		group := s.garden
		if c.role == "author" {
			group = s.choir
		}
		started, err := talk.Start(ctx, conversations.Message{Author: s.people[c.role], Subject: c.label, Text: "Hallo",
			GroupID: group})
		if err != nil {
			t.Fatal(err)
		}
		s.convs = append(s.convs, started.AssociationID)
		s.labels[started.AssociationID] = c.label
	}

	// The former member leaves after having written, commented and started a conversation.
	if err := db.RemoveMembership(ctx, s.garden, s.people["former member"].ID); err != nil {
		t.Fatal(err)
	}
	return s
}

// viewer is the viewer of a role as internal/web's withViewer builds it: the person read anew,
// with their memberships.
func (s *site) viewer(t *testing.T, role string) *access.Viewer {
	t.Helper()
	if role == "anonymous" {
		return access.Anonymous()
	}
	ctx := context.Background()
	g, err := s.db.GestaltByID(ctx, s.people[role].ID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := access.Load(ctx, s.db.Queries, g)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// associations reads the site's publications as they are now.
func (s *site) associations(t *testing.T, ids []int64) []*store.Association {
	t.Helper()
	out := make([]*store.Association, len(ids))
	for i, id := range ids {
		a, err := s.db.AssociationByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a
	}
	return out
}

// stream is what store.Stream lists for a query, by association.
func (s *site) stream(t *testing.T, q store.StreamQuery) []int64 {
	t.Helper()
	items, err := s.db.Stream(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.AssociationID
	}
	return ids
}

func (s *site) names(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = s.labels[id]
	}
	slices.Sort(out)
	return out
}

// contentList is one of the lists of contents the site shows: the query internal/web makes
// for a viewer, and which contents of those a viewer may see belong on it.
type contentList struct {
	name  string
	query func(v *access.Viewer) (store.StreamQuery, bool) // false: not shown to this viewer
	holds func(v *access.Viewer, a *store.Association) bool
}

func (s *site) contentLists() []contentList {
	all := func(*access.Viewer, *store.Association) bool { return true }
	inGarden := func(_ *access.Viewer, a *store.Association) bool { return a.GroupID == s.garden }
	byAuthor := func(_ *access.Viewer, a *store.Association) bool { return a.GestaltID == s.people["author"].ID }
	return []contentList{
		{"front page", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Limit: 100}, true
		}, all},
		{"tag page", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), TagID: s.tagID, Limit: 100}, true
		}, all},
		{"group page", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GroupID: s.garden, Limit: 100}, true
		}, inGarden},
		{"person page", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), GestaltID: s.people["author"].ID, Limit: 100}, true
		}, byAuthor},
		{"upcoming events", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Events: true, Now: time.Now(), Limit: 100}, true
		}, all},
		{"calendar month", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), From: s.start.AddDate(0, 0, -1),
				Until: s.start.AddDate(0, 0, 2), Limit: 100}, true
		}, all},
		{"personal calendar feed", func(v *access.Viewer) (store.StreamQuery, bool) {
			ids := v.GroupIDs()
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: ids, InGroups: ids, Events: true, Now: time.Now(),
				Limit: 100}, v.LoggedIn() && len(ids) > 0
		}, func(v *access.Viewer, a *store.Association) bool { return slices.Contains(v.GroupIDs(), a.GroupID) }},
		{"group's internal calendar feed", func(v *access.Viewer) (store.StreamQuery, bool) {
			return store.StreamQuery{ViewerID: v.ID(), MemberOf: []int64{s.garden}, GroupID: s.garden, Events: true,
				Now: time.Now(), OnlyInternal: true, Limit: 100}, v.IsMember(s.garden)
		}, func(_ *access.Viewer, a *store.Association) bool { return a.GroupID == s.garden && !a.Public }},
	}
}

// TestListsShowWhatCanViewAllows: every list of contents shows a viewer exactly the contents
// contents.CanView lets them see, on both dialects.
func TestListsShowWhatCanViewAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		all := s.associations(t, s.contents)
		for _, role := range s.roles {
			v := s.viewer(t, role)
			for _, l := range s.contentLists() {
				q, shown := l.query(v)
				var want, got []int64
				if shown {
					for _, a := range all {
						if contents.CanView(v, a) && l.holds(v, a) {
							want = append(want, a.ID)
						}
					}
					got = s.stream(t, q)
				}
				if g, w := s.names(got), s.names(want); !slices.Equal(g, w) {
					t.Errorf("%s, %s:\n got  %q\n want %q (contents.CanView)", role, l.name, g, w)
				}
			}
		}
	})
}

// TestEverybodysListsShowWhatAnonymousMayView: public feeds and search show everybody the
// same, which is what contents.CanView allows an anonymous visitor.
func TestEverybodysListsShowWhatAnonymousMayView(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		var want []int64
		for _, a := range s.associations(t, s.contents) {
			if contents.CanView(access.Anonymous(), a) {
				want = append(want, a.ID)
			}
		}
		feed := s.stream(t, store.StreamQuery{Events: true, Now: time.Now(), OnlyPublic: true, Limit: 100})
		if g, w := s.names(feed), s.names(want); !slices.Equal(g, w) {
			t.Errorf("site calendar feed:\n got  %q\n want %q", g, w)
		}
		// Search as internal/web's search page: the index's hits, read as an anonymous stream.
		hits, err := db.Search(ctx, store.SearchTerms("Sommerfest"), 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, h := range hits {
			if h.AssociationID != 0 {
				ids = append(ids, h.AssociationID)
			}
		}
		if g, w := s.names(ids), s.names(want); !slices.Equal(g, w) {
			t.Errorf("search index:\n got  %q\n want %q", g, w)
		}
	})
}

// TestGroupConversationsShowWhatCanViewAllows: a group's page lists (to logged-in people)
// exactly the conversations conversations.CanView lets them read; a member who left keeps
// only the ones she started.
func TestGroupConversationsShowWhatCanViewAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		all := s.associations(t, s.convs)
		for _, role := range s.roles {
			v := s.viewer(t, role)
			for _, group := range []struct {
				id   int64
				name string
			}{{s.garden, "garden"}, {s.choir, "choir"}} {
				var want, got []int64
				if v.LoggedIn() { // as internal/web's group page
					for _, a := range all {
						starter, err := db.ConversationStarter(ctx, a.ConversationID)
						if err != nil {
							t.Fatal(err)
						}
						if a.GroupID == group.id && conversations.CanView(v, a, starter) {
							want = append(want, a.ID)
						}
					}
					items, err := db.GroupConversations(ctx, group.id, v.ID(), v.IsMember(group.id), 100, 0)
					if err != nil {
						t.Fatal(err)
					}
					for _, it := range items {
						got = append(got, it.AssociationID)
					}
				}
				if g, w := s.names(got), s.names(want); !slices.Equal(g, w) {
					t.Errorf("%s, conversations of the %s:\n got  %q\n want %q (conversations.CanView)", role, group.name, g, w)
				}
			}
		}
	})
}

// TestInboxShowsWhatCanViewAllows: a person's activity inbox keeps of its entries exactly the
// contents CanView lets them see now, and of the comments the public ones of those and the
// internal ones only where CanViewInternal allows: leaving a group takes its internal items
// out of the inbox too.
func TestInboxShowsWhatCanViewAllows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		ctx := context.Background()
		svc := contents.New(db)
		all := s.associations(t, s.contents)
		commented := all[0] // the garden's public content
		if s.labels[commented.ID] != "garden public" {
			t.Fatalf("the first content is %q", s.labels[commented.ID])
		}
		comments := map[int64]string{}
		for _, c := range []struct {
			label, role string
			internal    bool
		}{{"internal comment of a member", "member", true}, {"internal comment of the former member", "former member", true}, // written after she left
			{"public comment", "member", false}} {
			id, err := svc.Comment(ctx, commented, s.people[c.role], c.label, 0, c.internal)
			if err != nil {
				t.Fatal(err)
			}
			comments[id] = c.label
		}
		for _, role := range s.roles[1:] {
			v := s.viewer(t, role)
			var rows []store.InboxRow
			var want []string
			for _, a := range all {
				rows = append(rows, store.InboxRow{ReceiverID: v.ID(), ContentID: a.ContentID})
				if contents.CanView(v, a) {
					want = append(want, s.labels[a.ID])
				}
			}
			for id, label := range comments {
				rows = append(rows, store.InboxRow{ReceiverID: v.ID(), ContributionID: id})
				c, err := db.ContributionByID(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if contents.CanView(v, commented) && (c.Public || contents.CanViewInternal(v, commented)) {
					want = append(want, label)
				}
			}
			if err := db.AddInboxNotifications(ctx, rows, time.Now()); err != nil {
				t.Fatal(err)
			}
			items, err := db.Inbox(ctx, v.ID(), 100, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				if label, ok := comments[it.ContributionID]; ok {
					got = append(got, label)
				} else {
					got = append(got, s.labels[it.AssociationID])
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("%s's inbox:\n got  %q\n want %q (CanView, CanViewInternal)", role, got, want)
			}
			if n, err := db.UnreadCount(ctx, v.ID()); err != nil || n != len(want) {
				t.Errorf("%s: %d unread, %v; want %d", role, n, err, len(want))
			}
		}
	})
}

// TestFrontPagePerRole spells the rule out once, so that CanView and the SQL cannot drift
// away together: what the front page shows each role.
func TestFrontPagePerRole(t *testing.T) {
	public := []string{"garden public", "personal public"}
	want := map[string][]string{
		"anonymous":            public,
		"outsider":             public, // commenting granted nothing
		"member":               append([]string{"garden internal by the former member"}, public...),
		"other group's member": append([]string{"choir internal"}, public...),
		"author":               append([]string{"personal internal", "personal internal, public once"}, public...),
		"former member":        public, // what she wrote stayed with the group
		"site administrator":   public, // the admin area lists everything, the site does not
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		for _, role := range s.roles {
			v := s.viewer(t, role)
			ids := s.stream(t, store.StreamQuery{ViewerID: v.ID(), MemberOf: v.GroupIDs(), Limit: 100})
			w := slices.Clone(want[role])
			slices.Sort(w)
			if g := s.names(ids); !slices.Equal(g, w) {
				t.Errorf("%s:\n got  %q\n want %q", role, g, w)
			}
		}
	})
}
