package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The roles of the permission matrix.
const (
	anonymous = iota
	outsider  // logged in, in no group
	member    // member of garten and haus
	other     // member of another group only
	admin     // site administrator, in no group
)

var roleNames = []string{"anonymous", "outsider", "member", "other group's member", "admin"}

// matrixSite is the fixture: garten (open) and haus (closed) with member alice, werkstatt with
// bob, carol in no group, dave administrating, eve with a private profile, a conversation of
// alice's with garten.
type matrixSite struct {
	*site
	ids map[string]string
}

func newMatrixSite(t *testing.T) *matrixSite {
	return newMatrixSiteOn(t, storetest.Open(t, store.SQLite))
}

// newMatrixSiteOn is newMatrixSite on a given database.
func newMatrixSiteOn(t *testing.T, db *store.DB) *matrixSite {
	ctx := context.Background()
	s := newSite(t, db, "")
	people := map[string]*store.Gestalt{}
	for _, p := range []string{"alice", "bob", "carol", "dave", "eve"} {
		people[p] = s.person(p, p+"-password")
	}
	if err := s.db.SetSuperuser(ctx, people["dave"].ID, true); err != nil {
		t.Fatal(err)
	}
	gr := groups.New(s.db, s.cfg.SlugReserved, nil)
	ids := map[string]string{}
	for _, g := range []struct {
		name, creator string
		closed        bool
	}{{"Garten", "alice", false}, {"Haus", "alice", true}, {"Werkstatt", "bob", false}} {
		group, err := gr.Create(ctx, groups.NewGroup{Name: g.name, Creator: people[g.creator], Closed: g.closed})
		if err != nil {
			t.Fatal(err)
		}
		ids[group.Slug] = itoa(group.ID)
	}
	gid := ids["garten"]
	var gardenID int64
	fmt.Sscan(gid, &gardenID)
	started, err := conversations.New(s.db).Start(ctx, conversations.Message{Author: people["alice"], Subject: "Gießplan",
		Text: "Wer gießt?", GroupID: gardenID})
	if err != nil {
		t.Fatal(err)
	}
	ids["conversation"] = itoa(started.AssociationID)
	svc := contents.New(s.db)
	for _, c := range []struct {
		title  string
		public bool
	}{{"Öffentlich", true}, {"Intern", false}} {
		a, err := svc.Create(ctx, people["alice"], gardenID, contents.Article, contents.Draft{Title: c.title, Text: "Text", Public: c.public})
		if err != nil {
			t.Fatal(err)
		}
		if c.public {
			id, err := svc.Comment(ctx, a, people["alice"], "Erster!", 0, false)
			if err != nil {
				t.Fatal(err)
			}
			ids["comment"] = itoa(id)
			ids["public"] = itoa(a.ID)
		}
	}
	s.mails() // drop the notifications
	return &matrixSite{site: s, ids: ids}
}

// as returns a browser in a role.
func (m *matrixSite) as(role int) *browser {
	switch role {
	case outsider:
		return m.loggedIn("carol", "carol-password")
	case member:
		return m.loggedIn("alice", "alice-password")
	case other:
		return m.loggedIn("bob", "bob-password")
	case admin:
		return m.loggedIn("dave", "dave-password")
	}
	return m.browser()
}

// Every route × every role → the expected status. 302 sends anonymous visitors to the login;
// 403 refuses logged-in people; 303 follows a successful POST.
func TestPermissionMatrix(t *testing.T) {
	type row struct {
		method, path string
		form         url.Values
		want         [5]int
	}
	rows := []row{
		{"GET", "/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/groups/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/gestalten/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/help/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/groups/add/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/settings/group/?group=garten", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/stadt/settings/group/images/?group=garten", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/stadt/settings/group/subscriptions-memberships?group=garten", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/settings/group/subscriptions-memberships/?group=haus", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/groups/{garten}/members/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/actions/join", nil, [5]int{200, 200, 303, 200, 200}},
		{"GET", "/haus/actions/join", nil, [5]int{302, 403, 303, 403, 403}},
		{"GET", "/stadt/groups/{garten}/resign/", nil, [5]int{200, 403, 200, 403, 403}},
		{"GET", "/garten/actions/subscribe", nil, [5]int{200, 200, 303, 200, 200}},
		{"GET", "/stadt/groups/{garten}/unsubscribe/", nil, [5]int{200, 303, 200, 303, 303}},
		{"GET", "/stadt/groups/{garten}/conversations/add/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/groups/{haus}/conversations/add/?apply_for_membership=1", nil, [5]int{302, 200, 403, 200, 200}},
		{"GET", "/stadt/conversations/{conversation}/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/stadt/groups/{garten}/conversations/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/eve/", nil, [5]int{302, 403, 403, 403, 403}},
		{"GET", "/stadt/settings/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/settings/notifications/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/settings/images/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/email/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/settings/gestalt/delete/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/admin/", nil, [5]int{302, 403, 403, 403, 200}},
		{"GET", "/stadt/articles/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/oeffentlich/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/intern/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/fehlt/", nil, [5]int{404, 404, 404, 404, 404}},
		{"GET", "/garten/oeffentlich/edit/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/intern/edit/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/oeffentlich/delete/", nil, [5]int{302, 403, 200, 403, 200}},
		{"GET", "/garten/oeffentlich/unbekannt/", nil, [5]int{404, 404, 404, 404, 404}},
		{"GET", "/garten/oeffentlich/contributions/{comment}/delete/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/stadt/associations/{public}/contributions/{comment}/reply-to-author/", nil, [5]int{200, 200, 403, 200, 200}},
		{"GET", "/stadt/associations/{conversation}/contributions/{comment}/reply-to-author/", nil, [5]int{302, 404, 404, 404, 404}},
		{"GET", "/stadt/articles/add/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/galleries/add/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/garten/galleries/add/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/files/add/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/garten/polls/add/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/stadt/polls/add/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/garten/oeffentlich/vote/", nil, [5]int{303, 303, 303, 303, 303}},
		{"GET", "/stadt/search/?q=garten", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/feed/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/groups/{garten}/feed/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/markdown/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/tags/garten/", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/tags/garten/tag-group/", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/stadt/api/groups/?name=gar", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/api/images/", nil, [5]int{401, 200, 200, 200, 200}},
		{"GET", "/stadt/events", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/events/2030/1/1", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/events/export", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/events/export", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/stadt/events/public.ics", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/events/public.ics", nil, [5]int{200, 200, 200, 200, 200}},
		{"GET", "/garten/events/private.ics", nil, [5]int{401, 401, 401, 401, 401}},
		{"GET", "/stadt/events/private.ics", nil, [5]int{401, 401, 401, 401, 401}},
		{"GET", "/garten/articles/add/", nil, [5]int{302, 403, 200, 403, 403}},
		{"GET", "/niemand/articles/add/", nil, [5]int{302, 404, 404, 404, 404}},
		{"GET", "/stadt/events/add", nil, [5]int{302, 200, 200, 200, 200}},
		{"GET", "/garten/events/add", nil, [5]int{302, 403, 200, 403, 403}},
		// the Django grouprise's old addresses (oldurls.go; files in TestOldMediaURLs)
		{"GET", "/stadt/media/gibt-es-nicht.pdf", nil, [5]int{404, 404, 404, 404, 404}},
		{"GET", "/stadt/abuse/path=/garten/oeffentlich/", nil, [5]int{301, 301, 301, 301, 301}},
		{"GET", "/stadt/abuse/path=/%2F%2Fevil.example/", nil, [5]int{404, 404, 404, 404, 404}},
		{"GET", "/stadt/associations/{conversation}/apply/", nil, [5]int{302, 403, 301, 403, 403}},
		{"GET", "/stadt/associations/{public}/apply/", nil, [5]int{404, 404, 404, 404, 404}},
		{"GET", "/stadt/associations/999999/apply/", nil, [5]int{404, 404, 404, 404, 404}},
		// state changes
		{"POST", "/stadt/settings/group/?group=garten", url.Values{"name": {"Garten"}, "slug": {"garten"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/stadt/groups/{haus}/members/add/", url.Values{"email": {"new@example.org"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/haus/actions/join", nil, [5]int{302, 403, 403, 403, 403}},
		{"POST", "/garten/actions/subscribe", nil, [5]int{422, 303, 303, 303, 303}},
		{"POST", "/stadt/conversations/{conversation}/", url.Values{"text": {"Ich!"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/garten/oeffentlich/", url.Values{"text": {"Schön!"}}, [5]int{302, 303, 303, 303, 303}},
		{"POST", "/garten/intern/", url.Values{"text": {"Schön!"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/garten/articles/add/", url.Values{"title": {"Neu"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/stadt/articles/add/", url.Values{"title": {"Neu"}, "where": {"{garten}"}}, [5]int{302, 422, 303, 422, 422}},
		{"POST", "/garten/oeffentlich/edit/", url.Values{"title": {"Öffentlich"}, "public": {"on"}}, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/garten/oeffentlich/contributions/{comment}/delete/", nil, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/garten/intern/delete/", nil, [5]int{302, 403, 303, 403, 403}},
		{"POST", "/stadt/admin/promote/{werkstatt}/", nil, [5]int{302, 403, 403, 403, 303}},
		{"POST", "/stadt/admin/delete-group/{werkstatt}/", nil, [5]int{302, 403, 403, 403, 303}},
		{"POST", "/stadt/email/", url.Values{"action": {"frobnicate"}}, [5]int{302, 404, 404, 404, 404}},
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for role := range roleNames {
			// each role on a site of its own, so that one role's POSTs do not change another's
			t.Run(d.String()+"/"+roleNames[role], func(t *testing.T) {
				m := newMatrixSiteOn(t, storetest.Open(t, d))
				b := m.as(role)
				for _, r := range rows {
					path := r.path
					for k, v := range m.ids {
						path = strings.ReplaceAll(path, "{"+k+"}", v)
					}
					var resp *response
					if r.method == "POST" {
						form := url.Values{}
						for k, vs := range r.form {
							for _, v := range vs {
								for id, value := range m.ids {
									v = strings.ReplaceAll(v, "{"+id+"}", value)
								}
								form.Add(k, v)
							}
						}
						resp = b.post(path, form)
					} else {
						resp = b.get(path)
					}
					if resp.StatusCode != r.want[role] {
						t.Errorf("%s %s as %s: %d, want %d", r.method, r.path, roleNames[role], resp.StatusCode, r.want[role])
					}
					if resp.StatusCode == http.StatusFound && !strings.HasPrefix(resp.Header.Get("Location"), "/stadt/login/?next=") {
						t.Errorf("%s %s as %s: redirected to %q, not to the login", r.method, r.path, roleNames[role], resp.Header.Get("Location"))
					}
				}
			})
		}
	}
}

// No GET changes anything: requesting the pages that sit beside a state change, as every
// role, leaves the database as it was. Each path must still reach its handler (a path that
// stopped matching would answer 404 and prove nothing), on both dialects.
func TestNoStateChangeOnGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMatrixSiteOn(t, db)
		ctx := context.Background()
		tables := []string{"memberships", "subscriptions", "groups", "gestalten", "contributions", "permission_tokens", "jobs",
			"contents", "content_versions", "associations", "tags"}
		count := func() map[string]int {
			out := map[string]int{}
			for _, tb := range tables {
				n, err := m.db.Count(ctx, tb)
				if err != nil {
					t.Fatal(err)
				}
				out[tb] = n
			}
			return out
		}
		before := count()
		for role := range roleNames {
			b := m.as(role)
			for _, p := range []string{"/garten/actions/join", "/stadt/groups/{garten}/resign/", "/garten/actions/subscribe",
				"/stadt/groups/{garten}/unsubscribe/", "/stadt/logout/", "/haus/actions/join", "/garten/oeffentlich/delete/",
				"/garten/oeffentlich/contributions/{comment}/delete/", "/garten/articles/add/?title=x", "/garten/oeffentlich/edit/",
				"/stadt/settings/group/subscriptions-memberships/?group=garten", "/garten/", "/stadt/settings/group/?group=garten"} {
				for k, v := range m.ids {
					p = strings.ReplaceAll(p, "{"+k+"}", v)
				}
				switch code := b.get(p).StatusCode; code {
				case http.StatusOK, http.StatusFound, http.StatusSeeOther, http.StatusForbidden:
				default:
					t.Errorf("GET %s as %s: %d; the path no longer reaches its handler", p, roleNames[role], code)
				}
			}
		}
		after := count()
		for _, tb := range tables {
			if before[tb] != after[tb] {
				t.Errorf("%s: %d rows before the GETs, %d after", tb, before[tb], after[tb])
			}
		}
	})
}

func TestAdminActions(t *testing.T) {
	m := newMatrixSite(t)
	ctx := context.Background()
	d := m.as(admin)
	d.get("/stadt/admin/?q=werk").expect(t, http.StatusOK, "Werkstatt")
	d.post("/stadt/admin/delete-group/"+m.ids["werkstatt"]+"/", nil).expect(t, http.StatusSeeOther)
	if _, err := m.db.GroupBySlug(ctx, "werkstatt"); err == nil {
		t.Error("the group still exists")
	}
	carol, _ := m.db.GestaltByUsername(ctx, "carol")
	d.post("/stadt/admin/promote/"+itoa(carol.ID)+"/", nil).expect(t, http.StatusSeeOther)
	if g, _ := m.db.GestaltByID(ctx, carol.ID); !g.IsSuperuser {
		t.Error("carol was not promoted")
	}
	dave, _ := m.db.GestaltByUsername(ctx, "dave")
	d.post("/stadt/admin/demote/"+itoa(dave.ID)+"/", nil).expect(t, http.StatusSeeOther)
	if g, _ := m.db.GestaltByID(ctx, dave.ID); !g.IsSuperuser {
		t.Error("an administrator demoted themself")
	}

	// A content the administrator deletes leaves the search too, as when its author does.
	anon := m.browser()
	if page := anon.get("/stadt/search/?q=%C3%96ffentlich"); !strings.Contains(page.body, "Öffentlich") {
		t.Fatal("the public content is not found before it is deleted")
	}
	d.post("/stadt/admin/delete-content/"+m.ids["public"]+"/", nil).expect(t, http.StatusSeeOther)
	if page := anon.get("/stadt/search/?q=%C3%96ffentlich"); page.doc.Find(".item-title a").Length() != 0 {
		t.Error("the search still finds a content the administrator deleted")
	}
	// and its words leave the index (which would otherwise fill pages of results with holes)
	if hits, err := m.db.Search(ctx, []string{"öffentlich"}, 10, 0); err != nil || len(hits) != 0 {
		t.Errorf("the search index still holds the deleted content: %v, %v", hits, err)
	}
}
