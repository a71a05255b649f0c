package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestAdminEditPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		carolSession := f.loggedIn("carol", "carol-password")
		d := f.as(admin)
		path := "/stadt/admin/people/" + itoa(f.carol.ID) + "/"
		d.get("/stadt/admin/?q=carol").expect(t, http.StatusOK, `href="`+path+`"`)
		d.get(path).expect(t, http.StatusOK, `value="carol"`, "carol@example.org")

		valid := url.Values{"first_name": {"Caroline"}, "last_name": {"Berg"}, "username": {"caro"}, "about": {"Gärtnerin"},
			"public": {"on"}}
		bad := []struct {
			name, field, value, message string
		}{
			{"username of another person", "username", "alice", "error.username_taken"},
			{"username of a group", "username", "garten", "error.username_taken"},
			{"username with spaces", "username", "no way", "error.username_invalid"},
			{"long first name", "first_name", strings.Repeat("x", 151), "error.name_too_long"},
			{"long about", "about", strings.Repeat("x", 20001), "error.about_too_long"},
		}
		for _, c := range bad {
			f.refused(t, d, path, valid, c.field, c.value, c.message)
			if g, _ := db.GestaltByID(ctx, f.carol.ID); g.Username != "carol" || g.FirstName != "Carol" || !g.IsActive {
				t.Errorf("%s: the account changed: %+v", c.name, g)
			}
		}

		// An administrator cannot lock themself out.
		r := d.post("/stadt/admin/people/"+itoa(f.dave.ID)+"/", url.Values{"username": {"dave"}, "first_name": {"Dave"}})
		r.expect(t, http.StatusUnprocessableEntity)
		if got, want := r.text(".field-error"), f.srv.catalog.Printer("de").T("admin.not_yourself"); got != want {
			t.Errorf("deactivating oneself: message %q, want %q", got, want)
		}
		if g, _ := db.GestaltByID(ctx, f.dave.ID); !g.IsActive {
			t.Error("the administrator deactivated themself")
		}

		// Deactivated (active left out): saved, logged out, and the login refused.
		d.post(path, valid).expect(t, http.StatusSeeOther)
		g, err := db.GestaltByUsername(ctx, "caro")
		if err != nil {
			t.Fatal(err)
		}
		if g.FirstName != "Caroline" || g.LastName != "Berg" || g.About != "Gärtnerin" || !g.Public || g.IsActive {
			t.Errorf("the account was not saved as sent: %+v", g)
		}
		d.get("/stadt/admin/?q=caro").expect(t, http.StatusOK, "Caroline Berg", f.srv.catalog.Printer("de").T("admin.inactive"))
		carolSession.get("/stadt/settings/").expect(t, http.StatusFound)
		login := url.Values{"login": {"caro"}, "password": {"carol-password"}}
		if r := f.browser().post("/stadt/login/", login); r.StatusCode == http.StatusSeeOther {
			t.Error("a deactivated account logged in")
		}
		valid.Set("active", "on")
		d.post(path, valid).expect(t, http.StatusSeeOther)
		if r := f.browser().post("/stadt/login/", login); r.StatusCode != http.StatusSeeOther {
			t.Errorf("the account activated again cannot log in: %d", r.StatusCode)
		}
	})
}

func TestAdminPersonAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		confirmed := &store.EmailAddress{GestaltID: f.carol.ID, Email: "carol2@example.org", Verified: true}
		unconfirmed := &store.EmailAddress{GestaltID: f.carol.ID, Email: "carol3@example.org"}
		if err := db.Tx(ctx, func(q *store.Queries) error {
			for _, a := range []*store.EmailAddress{confirmed, unconfirmed} {
				if _, err := q.AddEmailAddress(ctx, a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		before, _ := db.EmailAddresses(ctx, f.carol.ID)
		primary := before[0]
		alice, _ := db.GestaltByUsername(ctx, "alice")
		alicesAddresses, _ := db.EmailAddresses(ctx, alice.ID)
		d := f.as(admin)
		path := "/stadt/admin/people/" + itoa(f.carol.ID) + "/addresses/"
		d.get("/stadt/admin/people/"+itoa(f.carol.ID)+"/").expect(t, http.StatusOK, "carol2@example.org", "carol3@example.org")

		refused := []struct {
			name, action string
			address      int64
			message      string
		}{
			{"main address unconfirmed", "primary", unconfirmed.ID, "error.not_verified"},
			{"main address another's", "primary", alicesAddresses[0].ID, "error.not_verified"},
			{"main address removed", "remove", primary.ID, "error.remove_primary"},
			{"another's address removed", "remove", alicesAddresses[0].ID, "error.remove_primary"},
		}
		for _, c := range refused {
			r := d.post(path, url.Values{"action": {c.action}, "address": {itoa(c.address)}})
			r.expect(t, http.StatusUnprocessableEntity)
			if got, want := r.text(".form-error"), f.srv.catalog.Printer("de").T(c.message); got != want {
				t.Errorf("%s: message %q, want %q", c.name, got, want)
			}
		}
		d.post(path, url.Values{"action": {"drop-table"}, "address": {itoa(confirmed.ID)}}).expect(t, http.StatusNotFound)
		if after, _ := db.EmailAddresses(ctx, f.carol.ID); len(after) != 3 || after[0].ID != primary.ID {
			t.Errorf("a refused change changed carol's addresses: %+v", after)
		}
		if after, _ := db.EmailAddresses(ctx, alice.ID); len(after) != len(alicesAddresses) {
			t.Error("alice lost an address through carol's page")
		}

		d.post(path, url.Values{"action": {"primary"}, "address": {itoa(confirmed.ID)}}).expect(t, http.StatusSeeOther)
		d.post(path, url.Values{"action": {"remove"}, "address": {itoa(unconfirmed.ID)}}).expect(t, http.StatusSeeOther)
		after, _ := db.EmailAddresses(ctx, f.carol.ID)
		if len(after) != 2 || after[0].ID != confirmed.ID || !after[0].Primary || after[1].ID != primary.ID {
			t.Errorf("carol's addresses after the changes: %+v", after)
		}
	})
}
