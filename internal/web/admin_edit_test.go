package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// adminFixture is the matrix site with the ids the edit pages take.
type adminFixture struct {
	*matrixSite
	carol, dave *store.Gestalt
	gardenID    string
	public      *store.Association
	message     int64 // a message of the conversation (not a comment)
}

func newAdminFixture(t *testing.T, db *store.DB) *adminFixture {
	t.Helper()
	ctx := context.Background()
	m := newMatrixSiteOn(t, db)
	f := &adminFixture{matrixSite: m, gardenID: m.ids["garten"]}
	var err error
	if f.carol, err = db.GestaltByUsername(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	if f.dave, err = db.GestaltByUsername(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	publicID, _ := strconv.ParseInt(m.ids["public"], 10, 64)
	if f.public, err = db.AssociationByID(ctx, publicID); err != nil {
		t.Fatal(err)
	}
	convID, _ := strconv.ParseInt(m.ids["conversation"], 10, 64)
	conv, err := db.AssociationByID(ctx, convID)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.FirstContribution(ctx, 0, conv.ConversationID)
	if err != nil {
		t.Fatal(err)
	}
	f.message = first.ID
	return f
}

// refused posts valid with one field changed and expects 422 with the field's message.
func (f *adminFixture) refused(t *testing.T, b *browser, path string, valid url.Values, field, value, message string) {
	t.Helper()
	form := url.Values{}
	for k, v := range valid {
		form[k] = v
	}
	form.Set(field, value)
	r := b.post(path, form)
	r.expect(t, http.StatusUnprocessableEntity)
	if got, want := r.text(".field-error"), f.srv.catalog.Printer("de").T(message); got != want {
		t.Errorf("%s=%.20q: message %q, want %q", field, value, got, want)
	}
}

// Only site administrators reach the edit pages: anonymous visitors go to the login, members
// and outsiders get 403, and their POSTs change nothing.
func TestAdminEditPermissions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		carol := itoa(f.carol.ID)
		paths := []struct {
			path string
			form url.Values
		}{
			{"/stadt/admin/groups/" + f.gardenID + "/", url.Values{"name": {"Übernommen"}, "slug": {"garten"}}},
			{"/stadt/admin/people/" + carol + "/", url.Values{"username": {"carol"}, "first_name": {"Übernommen"}, "active": {"on"}}},
			{"/stadt/admin/contents/" + itoa(f.public.ID) + "/", url.Values{"title": {"Übernommen"}, "text": {"x"}, "public": {"on"}}},
			{"/stadt/admin/comments/" + f.ids["comment"] + "/", url.Values{"text": {"Übernommen"}}},
		}
		// GET and POST answers per role; the administrator's POSTs are the other tests'.
		want := map[int][2]int{anonymous: {http.StatusFound, http.StatusFound}, outsider: {http.StatusForbidden, http.StatusForbidden},
			member: {http.StatusForbidden, http.StatusForbidden}, admin: {http.StatusOK, 0}}
		paths = append(paths, struct {
			path string
			form url.Values
		}{"/stadt/admin/people/" + carol + "/addresses/", url.Values{"action": {"remove"}, "address": {"1"}}})
		for _, role := range []int{anonymous, outsider, member, admin} {
			b := f.as(role)
			for _, p := range paths {
				if !strings.HasSuffix(p.path, "/addresses/") {
					r := b.get(p.path)
					if r.StatusCode != want[role][0] {
						t.Errorf("%s: GET %s: %d, want %d", roleNames[role], p.path, r.StatusCode, want[role][0])
					} else if role == anonymous && !strings.HasPrefix(r.Header.Get("Location"), "/stadt/login/") {
						t.Errorf("GET %s sends anonymous visitors to %q", p.path, r.Header.Get("Location"))
					}
					if role == admin {
						checkPage(t, p.path, r.doc)
					}
				}
				if role == admin {
					continue
				}
				if r := b.post(p.path, p.form); r.StatusCode != want[role][1] {
					t.Errorf("%s: POST %s: %d, want %d", roleNames[role], p.path, r.StatusCode, want[role][1])
				}
			}
		}
		g, _ := db.GroupBySlug(ctx, "garten")
		p, _ := db.GestaltByID(ctx, f.carol.ID)
		c, _ := db.ContentByID(ctx, f.public.ContentID)
		commentID, _ := strconv.ParseInt(f.ids["comment"], 10, 64)
		comment, _ := db.ContributionByID(ctx, commentID)
		if g.Name != "Garten" || p.FirstName != "Carol" || c.Title != "Öffentlich" || strings.Contains(comment.Text, "Übernommen") {
			t.Errorf("a refused POST changed something: %q %q %q %q", g.Name, p.FirstName, c.Title, comment.Text)
		}
		// Unknown ids, conversations and their messages have no edit page.
		d := f.as(admin)
		for _, path := range []string{"/stadt/admin/groups/999999/", "/stadt/admin/people/999999/", "/stadt/admin/contents/999999/",
			"/stadt/admin/comments/999999/", "/stadt/admin/groups/x/", "/stadt/admin/contents/" + f.ids["conversation"] + "/",
			"/stadt/admin/comments/" + itoa(f.message) + "/"} {
			d.get(path).expect(t, http.StatusNotFound)
		}
		d.post("/stadt/admin/comments/"+itoa(f.message)+"/", url.Values{"text": {"Übernommen"}}).expect(t, http.StatusNotFound)
		d.post("/stadt/admin/contents/"+f.ids["conversation"]+"/", url.Values{"title": {"Übernommen"}}).expect(t, http.StatusNotFound)
		if m, _ := db.ContributionByID(ctx, f.message); m.Text != "Wer gießt?" {
			t.Errorf("the conversation's message became %q", m.Text)
		}
	})
}

func TestAdminEditGroup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		d := f.as(admin)
		path := "/stadt/admin/groups/" + f.gardenID + "/"
		d.get("/stadt/admin/?q=gart").expect(t, http.StatusOK, `href="`+path+`"`)
		d.get(path).expect(t, http.StatusOK, `value="Garten"`)

		valid := url.Values{"name": {"Gemeinschaftsgarten"}, "slug": {"gemeinschaftsgarten"}, "description": {"Wir gärtnern."},
			"address": {"Hof 1"}, "url": {"https://garten.example.org/"}, "closed": {"on"}}
		bad := []struct {
			name, field, value, message string
		}{
			{"no name", "name", "", "error.group_name_missing"},
			{"slug with spaces", "slug", "kein slug", "error.slug_invalid"},
			{"slug of another group", "slug", "haus", "error.slug_taken"},
			{"slug of a person", "slug", "alice", "error.slug_taken"},
			{"long description", "description", strings.Repeat("x", 201), "error.description_too_long"},
			{"script as website", "url", "javascript:alert(1)", "error.url_invalid"},
		}
		for _, c := range bad {
			f.refused(t, d, path, valid, c.field, c.value, c.message)
			if g, _ := db.GroupByID(ctx, f.public.GroupID); g.Name != "Garten" || g.Slug != "garten" || g.Closed {
				t.Errorf("%s: the group changed: %+v", c.name, g)
			}
		}

		d.post(path, valid).expect(t, http.StatusSeeOther)
		g, err := db.GroupBySlug(ctx, "gemeinschaftsgarten")
		if err != nil {
			t.Fatal(err)
		}
		if g.Name != "Gemeinschaftsgarten" || g.Description != "Wir gärtnern." || g.Address != "Hof 1" ||
			g.URL != "https://garten.example.org/" || !g.Closed {
			t.Errorf("the group was not saved as sent: %+v", g)
		}
		f.browser().get("/gemeinschaftsgarten/").expect(t, http.StatusOK, "Gemeinschaftsgarten", "Wir gärtnern.")
		if page := f.browser().get("/stadt/search/?q=Gemeinschaftsgarten"); !strings.Contains(page.body, `href="/gemeinschaftsgarten/"`) {
			t.Error("the search does not find the group by its new name")
		}
	})
}
