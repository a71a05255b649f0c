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

// sendJSON sends a JSON body with any method, from the site's own pages (same origin).
func (b *browser) sendJSON(method, path, body string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(method, "http://grouprise.test"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://grouprise.test")
	return b.do(req)
}

// The own profile and the own settings, per role: only the person themself reads them, and
// only they change their settings; administrators are nobody special here.
func TestAPIGestalten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMatrixSiteOn(t, db)
		alice, _ := m.db.GestaltByUsername(ctx, "alice")
		aliceID := itoa(alice.ID)
		browsers := map[int]*browser{}
		for role := range roleNames {
			browsers[role] = m.as(role)
		}

		// the own profile, and nobody else's
		for role, b := range browsers {
			var list []apiGestalt
			r := b.get("/stadt/api/gestalten/")
			if role == anonymous {
				if r.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: list %d", roleNames[role], r.StatusCode)
				}
				continue
			}
			decode(t, r, &list)
			if len(list) != 1 || (role == member) != (list[0].ID == alice.ID) {
				t.Errorf("%s: list %+v", roleNames[role], list)
			}
			want := http.StatusNotFound
			if role == member {
				want = http.StatusOK
			}
			if r := b.get("/stadt/api/gestalten/" + aliceID + "/"); r.StatusCode != want {
				t.Errorf("%s: alice's profile %d, want %d", roleNames[role], r.StatusCode, want)
			}
		}
		var me apiGestalt
		decode(t, browsers[member].get("/stadt/api/gestalten/"+aliceID+"/"), &me)
		if me.Name != "Alice" || me.Initials != "A" || me.URL != "http://grouprise.test/stadt/gestalten/"+aliceID+"/conversations/add/" {
			t.Errorf("profile: %+v", me)
		}

		// settings: alice makes, reads, changes and removes hers
		a := browsers[member]
		settings := "/stadt/api/gestalten/" + aliceID + "/settings/"
		var st apiSetting
		r := a.sendJSON("POST", settings, `{"category": "dismissible", "name": "intro", "value": "dismissed", "gestalt": 1, "id": 77}`)
		decode(t, r, &st)
		if r.StatusCode != http.StatusCreated || st.Gestalt != alice.ID || st.Category != "dismissible" || st.Name != "intro" || st.ID == 77 {
			t.Fatalf("create: %d %+v", r.StatusCode, st)
		}
		one := settings + itoa(st.ID) + "/"
		if r := a.sendJSON("POST", settings, `{"category": "dismissible", "name": "intro", "value": "x"}`); r.StatusCode != http.StatusBadRequest ||
			!strings.Contains(r.body, "SETTING_TAKEN") {
			t.Errorf("the same name again: %d %s", r.StatusCode, r.body)
		}
		if r := a.sendJSON("POST", settings, `{"category": "matrix_chat", "name": "private_notifications_room_id", "value": "!x:y"}`); r.StatusCode != http.StatusForbidden {
			t.Errorf("the bot's category: %d %s", r.StatusCode, r.body)
		}
		if r := a.sendJSON("POST", settings, `{"name": "`+strings.Repeat("n", 256)+`", "value": "x"}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("a long name: %d", r.StatusCode)
		}
		if r := a.sendJSON("POST", settings, `{"category": "dismissible"}`); r.StatusCode != http.StatusBadRequest {
			t.Errorf("no name: %d", r.StatusCode)
		}
		r = a.post(settings, url.Values{"category": {"dismissible"}, "name": {"calendar"}, "value": {"dismissed"}})
		if r.StatusCode != http.StatusCreated {
			t.Errorf("as a form: %d %s", r.StatusCode, r.body)
		}
		r = a.sendJSON("PATCH", one, `{"value": "shown"}`)
		decode(t, r, &st)
		if r.StatusCode != http.StatusOK || st.Value != "shown" || st.Name != "intro" || st.Category != "dismissible" {
			t.Errorf("patch: %d %+v", r.StatusCode, st)
		}
		r = a.sendJSON("PUT", one, `{"name": "intro2", "value": "v"}`)
		decode(t, r, &st)
		if r.StatusCode != http.StatusOK || st.Name != "intro2" || st.Category != "" {
			t.Errorf("put: %d %+v", r.StatusCode, st)
		}
		// a cross-site page cannot write with alice's cookie
		req, _ := http.NewRequest("PUT", "http://grouprise.test"+one, strings.NewReader(`{"name": "evil", "value": "v"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://evil.example")
		if r := a.do(req); r.StatusCode != http.StatusForbidden {
			t.Errorf("cross-origin put: %d", r.StatusCode)
		}

		// the bot's own setting: listed, but not changed nor removed by hand
		if err := m.db.SetGestaltSetting(ctx, alice.ID, "matrix_chat", "private_notifications_room_id", "!room:grouprise.test"); err != nil {
			t.Fatal(err)
		}
		var list []apiSetting
		decode(t, a.get(settings), &list)
		if len(list) != 3 || list[0].Name != "intro2" || list[2].Category != "matrix_chat" {
			t.Fatalf("list: %+v", list)
		}
		bot := settings + itoa(list[2].ID) + "/"
		if r := a.sendJSON("PATCH", bot, `{"value": "!other:grouprise.test"}`); r.StatusCode != http.StatusForbidden {
			t.Errorf("changing the bot's setting: %d", r.StatusCode)
		}
		if r := a.sendJSON("PATCH", one, `{"category": "matrix_chat"}`); r.StatusCode != http.StatusForbidden {
			t.Errorf("moving into the bot's category: %d", r.StatusCode)
		}
		if r := a.sendJSON("DELETE", bot, ``); r.StatusCode != http.StatusForbidden {
			t.Errorf("removing the bot's setting: %d", r.StatusCode)
		}

		// everybody else: alice's path refuses them, their own path does not reach hers
		for role, b := range browsers {
			if role == member {
				continue
			}
			want := http.StatusForbidden
			if role == anonymous {
				want = http.StatusUnauthorized
			}
			for _, req := range []struct{ method, path, body string }{
				{"GET", settings, ""}, {"POST", settings, `{"name": "n", "value": "v"}`},
				{"GET", one, ""}, {"PATCH", one, `{"value": "x"}`}, {"PUT", one, `{"name": "n", "value": "v"}`}, {"DELETE", one, ""},
			} {
				if r := b.sendJSON(req.method, req.path, req.body); r.StatusCode != want {
					t.Errorf("%s: %s %s: %d, want %d", roleNames[role], req.method, req.path, r.StatusCode, want)
				}
			}
			if role == anonymous {
				continue
			}
			var mine []apiGestalt
			decode(t, b.get("/stadt/api/gestalten/"), &mine)
			theirs := "/stadt/api/gestalten/" + itoa(mine[0].ID) + "/settings/" + itoa(st.ID) + "/"
			for _, method := range []string{"GET", "PATCH", "DELETE"} {
				if r := b.sendJSON(method, theirs, `{"value": "x"}`); r.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %s alice's setting by their own path: %d", roleNames[role], method, r.StatusCode)
				}
			}
			var own []apiSetting
			decode(t, b.get("/stadt/api/gestalten/"+itoa(mine[0].ID)+"/settings/"), &own)
			if len(own) != 0 {
				t.Errorf("%s sees settings: %+v", roleNames[role], own)
			}
		}
		decode(t, a.get(one), &st)
		if st.Name != "intro2" || st.Value != "v" {
			t.Errorf("changed by someone else: %+v", st)
		}

		if r := a.sendJSON("DELETE", one, ""); r.StatusCode != http.StatusNoContent {
			t.Errorf("delete: %d", r.StatusCode)
		}
		if r := a.get(one); r.StatusCode != http.StatusNotFound {
			t.Errorf("after delete: %d", r.StatusCode)
		}
	})
}
