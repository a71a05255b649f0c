package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Polls work without JavaScript: more option rows by a button, voting by radio buttons and
// selects (B7).
func TestPolls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.person("bert", "bert-password")
		s.group("Garten", anna)
		a := s.loggedIn("anna", "anna-password")
		form := a.get("/garten/polls/add/")
		if n := form.doc.Find(`input[name="option"]`).Length(); n != 4 {
			t.Errorf("%d option rows", n)
		}
		more := a.post("/garten/polls/add/", url.Values{"title": {"Obst"}, "option": {"Apfel", "", "", ""}, "option_id": {"", "", "", ""}, "more": {"1"}})
		more.expect(t, http.StatusOK)
		if n := more.doc.Find(`input[name="option"]`).Length(); n != 7 || more.doc.Find(`input[name="option"]`).First().AttrOr("value", "") != "Apfel" {
			t.Errorf("more rows: %d, first %q", n, more.doc.Find(`input[name="option"]`).First().AttrOr("value", ""))
		}
		if n, _ := db.Count(ctx, "contents"); n != 0 {
			t.Fatal("more rows saved the poll")
		}
		a.post("/garten/polls/add/", url.Values{"title": {"Obst"}, "option": {"", ""}}).
			expect(t, http.StatusUnprocessableEntity, "mindestens eine Antwort")
		r := a.post("/garten/polls/add/", url.Values{"title": {"Welches Obst pflanzen wir?"}, "public": {"on"},
			"option": {"Apfel", "Birne", " ", "Quitte"}, "option_id": {"", "", "", ""}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create: %d %s", r.StatusCode, r.text(".field-error"))
		}
		poll := r.Header.Get("Location")
		page := a.get(poll)
		page.expect(t, http.StatusOK, "Noch hat niemand abgestimmt.", "Apfel", "Quitte")
		if n := page.doc.Find(`.vote-form fieldset.endorse`).Length(); n != 3 {
			t.Fatalf("%d options to vote on", n)
		}
		var names []string
		page.doc.Find(`.vote-form input[value="yes"]`).Each(func(_ int, sel *goquery.Selection) { names = append(names, sel.AttrOr("name", "")) })
		vote := url.Values{names[0]: {"yes"}, names[1]: {"maybe"}}
		a.post(poll+"vote/", vote).expect(t, http.StatusUnprocessableEntity, "Bitte beantworte jede Antwortmöglichkeit.")
		vote.Set(names[2], "no")
		a.post(poll+"vote/", vote).expect(t, http.StatusSeeOther)
		a.post(poll+"vote/", vote).expect(t, http.StatusUnprocessableEntity, "Du hast hier schon abgestimmt.")
		// anonymous visitors vote on public polls under a unique name
		anon := s.browser()
		anon.get(poll+"vote/").expect(t, http.StatusSeeOther)
		anon.post(poll+"vote/", vote).expect(t, http.StatusUnprocessableEntity, "Bitte gib einen Namen an.")
		vote.Set("name", "Gast")
		anon.post(poll+"vote/", vote).expect(t, http.StatusSeeOther)
		vote.Set("name", "GAST")
		anon.post(poll+"vote/", vote).expect(t, http.StatusUnprocessableEntity, "Unter diesem Namen wurde schon abgestimmt.")
		result := anon.get(poll)
		result.expect(t, http.StatusOK, "Vorne: Apfel", "2 × Ja, 0 × Vielleicht", "Gast")
		if n, _ := db.Count(ctx, "poll_votes"); n != 6 {
			t.Errorf("%d votes stored", n)
		}

		// a ranked poll with dates, internal: anonymous visitors must log in
		r = a.post("/garten/polls/add/", url.Values{"title": {"Wann treffen wir uns?"}, "vote_type": {"condorcet"},
			"answer_type": {"date"}, "option_id": {"", "", ""}, "option_start": {"2031-05-01T18:00", "2031-05-02T18:00", "2031-05-03T18:00"},
			"option_end": {"2031-05-01T20:00", "", ""}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("create ranked: %d %s", r.StatusCode, r.text(".field-error"))
		}
		ranked := r.Header.Get("Location")
		s.browser().post(ranked+"vote/", url.Values{"name": {"Gast"}}).expect(t, http.StatusFound)
		s.loggedIn("bert", "bert-password").get(ranked).expect(t, http.StatusForbidden)
		page = a.get(ranked)
		page.expect(t, http.StatusOK, "1. Mai 2031 um 18:00 Uhr bis 20:00 Uhr")
		var selects []string
		page.doc.Find(`.vote-form select`).Each(func(_ int, sel *goquery.Selection) { selects = append(selects, sel.AttrOr("name", "")) })
		if len(selects) != 3 {
			t.Fatalf("%d rank selects", len(selects))
		}
		a.post(ranked+"vote/", url.Values{selects[0]: {"1"}, selects[1]: {"1"}, selects[2]: {"2"}}).
			expect(t, http.StatusUnprocessableEntity, "Jeder Platz darf nur einmal vergeben werden.")
		a.post(ranked+"vote/", url.Values{selects[0]: {"3"}, selects[1]: {"1"}, selects[2]: {"2"}}).expect(t, http.StatusSeeOther)
		a.get(ranked).expect(t, http.StatusOK, "Vorne: 2. Mai 2031")

		// editing options: rename one, drop one, add one
		edit := a.get(poll + "edit/")
		var optionIDs []string
		edit.doc.Find(`input[name="option_id"]`).Each(func(_ int, sel *goquery.Selection) { optionIDs = append(optionIDs, sel.AttrOr("value", "")) })
		if len(optionIDs) < 4 || optionIDs[0] == "" || optionIDs[3] != "" {
			t.Fatalf("edit rows %q", optionIDs)
		}
		a.post(poll+"edit/", url.Values{"title": {"Welches Obst pflanzen wir?"}, "public": {"on"},
			"option_id": {optionIDs[0], optionIDs[1], optionIDs[2], ""}, "option": {"Apfel (alt)", "", "Quitte", "Kirsche"}}).
			expect(t, http.StatusSeeOther)
		page = a.get(poll)
		page.expect(t, http.StatusOK, "Apfel (alt)", "Kirsche")
		if strings.Contains(page.body, "Birne") {
			t.Error("the emptied option is still there")
		}
	})
}
