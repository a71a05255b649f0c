package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A member writes an article with a mention and a tag, another comments, the article is
// edited and deleted; outsiders see only what is public.
func TestArticleLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		ben := s.person("ben", "ben-password")
		s.person("clara", "clara-password")
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		g, err := gr.Create(ctx, groups.NewGroup{Name: "Gemeinschaftsgarten", Creator: anna})
		if err != nil {
			t.Fatal(err)
		}
		if err := gr.AddMember(ctx, g.ID, ben.ID, anna.ID); err != nil {
			t.Fatal(err)
		}
		s.mails()
		a := s.loggedIn("anna", "anna-password")

		// the form: a group to choose, public ticked
		form := a.get("/stadt/articles/add/")
		form.expect(t, http.StatusOK, "Gemeinschaftsgarten", "Unter meinem persönlichen Profil")
		if _, ok := form.doc.Find(`input[name="public"]`).Attr("checked"); !ok {
			t.Error("new contents are public by default")
		}
		// no group chosen, no title: the form comes back, nothing is written
		a.post("/stadt/articles/add/", url.Values{"title": {""}, "text": {"Hallo"}}).
			expect(t, http.StatusUnprocessableEntity, "Bitte wähle eine Gruppe oder dein Profil.", "Bitte gib einen Titel an.", "Hallo")
		if n, _ := db.Count(ctx, "contents"); n != 0 {
			t.Fatalf("%d contents after a refused form", n)
		}
		r := a.post("/stadt/articles/add/", url.Values{"where": {itoa(g.ID)}, "title": {"Gießplan für den #Sommer"},
			"text": {"Hallo @ben, wer gießt?\n\n<script>alert(1)</script>\n\n#Beete"}, "public": {"on"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/gemeinschaftsgarten/giessplan-fuer-den-sommer/" {
			t.Fatalf("create: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		page := a.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/")
		page.expect(t, http.StatusOK, "Der Beitrag ist veröffentlicht.", `data-component="gestaltlink"`, `property="og:description"`)
		if strings.Contains(page.body, "<script>alert") {
			t.Error("the script came through")
		}
		if href := page.doc.Find(`.text a[data-component="gestaltlink"]`).AttrOr("href", ""); href != "http://grouprise.test/ben/" {
			t.Errorf("mention links to %q", href)
		}
		tags := page.doc.Find(".tags a.tag").Map(func(_ int, sel *goquery.Selection) string { return sel.Text() })
		if strings.Join(tags, " ") != "#Beete #Sommer" {
			t.Errorf("tags %q", tags)
		}
		// both members get the article by mail
		if mails := s.mails(); len(mails) != 2 {
			t.Errorf("%d mails for the article, want 2", len(mails))
		}

		// ben comments; clara (no member) too, since it is public; anonymous visitors must log in
		b := s.loggedIn("ben", "ben-password")
		b.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/", url.Values{"text": {" "}}).
			expect(t, http.StatusUnprocessableEntity, "Der Kommentar braucht einen Text.")
		r = b.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/", url.Values{"text": {"Ich gieße **montags**."}})
		if r.StatusCode != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "#contribution-") {
			t.Fatalf("comment: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		b.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/", url.Values{"text": {"Schlüssel liegt beim Nachbarn."}, "internal": {"on"}}).
			expect(t, http.StatusSeeOther)
		c := s.loggedIn("clara", "clara-password")
		c.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/", url.Values{"text": {"Ich helfe auch, #Gießkanne"}}).
			expect(t, http.StatusSeeOther)
		anon := s.browser()
		anon.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/", url.Values{"text": {"Spam"}}).expect(t, http.StatusFound)
		public := anon.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/")
		public.expect(t, http.StatusOK, "<strong>montags</strong>", "Anmelden zum Kommentieren")
		if strings.Contains(public.body, "Schlüssel") || strings.Contains(c.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/").body, "Schlüssel") {
			t.Error("outsiders see the internal comment")
		}
		a.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/").expect(t, http.StatusOK, "Schlüssel liegt beim Nachbarn.", "nur für Mitglieder")
		if tags, _ := db.ContentTags(ctx, 1); len(tags) != 3 {
			t.Errorf("a comment's tag tags the content: %d tags", len(tags))
		}

		// reply: the form comes prefilled with the quote
		first := a.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/").doc.Find("li.item[id^=contribution-]").First().AttrOr("id", "")
		reply := a.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/?reply=" + strings.TrimPrefix(first, "contribution-"))
		want := "Ben schrieb (http://grouprise.test/stadt/content/1/#" + first + "):\n\n> Ich gieße **montags**."
		if got := reply.doc.Find("#comment-form textarea").Text(); got != want {
			t.Errorf("reply prefill %q, want %q", got, want)
		}

		// clara answers ben privately: a conversation with him, the quote prefilled
		private := "/stadt/associations/1/contributions/" + strings.TrimPrefix(first, "contribution-") + "/reply-to-author/"
		pre := c.get(private)
		pre.expect(t, http.StatusOK, "Re: Gießplan für den #Sommer", "&gt; Ich gieße **montags**.", "/stadt/content/1/#contribution-")
		r = c.post(private, url.Values{"subject": {"Gießen"}, "text": {"Ich kann dienstags."}})
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/stadt/conversations/") {
			t.Fatalf("private reply: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		b.get(r.Header.Get("Location")).expect(t, http.StatusOK, "Ich kann dienstags.")
		b.get(private).expect(t, http.StatusForbidden)

		// ben deletes his comment; anna cannot
		del := "/gemeinschaftsgarten/giessplan-fuer-den-sommer/contributions/" + strings.TrimPrefix(first, "contribution-") + "/delete/"
		a.post(del, nil).expect(t, http.StatusForbidden)
		b.get(del).expect(t, http.StatusOK, "Soll dein Kommentar gelöscht werden?")
		b.post(del, nil).expect(t, http.StatusSeeOther)
		if strings.Contains(anon.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/").body, "montags") {
			t.Error("the deleted comment is still shown")
		}

		// ben edits: new version, new slug; the old address is gone
		edit := b.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/edit/")
		edit.expect(t, http.StatusOK, "Gießplan für den #Sommer")
		b.post("/gemeinschaftsgarten/giessplan-fuer-den-sommer/edit/", url.Values{"title": {"Gießplan"}, "text": {"Neu"}, "slug": {"giessplan"}}).
			expect(t, http.StatusSeeOther)
		anon.get("/gemeinschaftsgarten/giessplan-fuer-den-sommer/").expect(t, http.StatusNotFound)
		// unticked "public": now internal
		anon.get("/gemeinschaftsgarten/giessplan/").expect(t, http.StatusFound)
		a.get("/gemeinschaftsgarten/giessplan/").expect(t, http.StatusOK, "2 Autorinnen", "Neu")
		if n, _ := db.Count(ctx, "content_versions"); n != 2 {
			t.Errorf("%d versions", n)
		}

		// anna wrote it, so she deletes it; it leaves the group page
		a.post("/gemeinschaftsgarten/giessplan/delete/", nil).expect(t, http.StatusSeeOther)
		a.get("/gemeinschaftsgarten/giessplan/").expect(t, http.StatusNotFound)
		if strings.Contains(a.get("/gemeinschaftsgarten/").body, "Gießplan") {
			t.Error("the deleted article is still on the group page")
		}
		_ = ben
	})
}

// Events: checked dates, the time shown on the page, personal events.
func TestEventForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "time_zone: Europe/Berlin\n")
		s.person("anna", "anna-password")
		a := s.loggedIn("anna", "anna-password")
		bad := []struct {
			form url.Values
			want string
		}{
			{url.Values{"title": {"Fest"}, "start": {"2026-07-01T18:00"}}, "Bitte gib einen Ort an."},
			{url.Values{"title": {"Fest"}, "place": {"Hof"}}, "Bitte gib an, wann es beginnt."},
			{url.Values{"title": {"Fest"}, "place": {"Hof"}, "start": {"morgen"}}, "Das Datum ist nicht lesbar"},
			{url.Values{"title": {"Fest"}, "place": {"Hof"}, "start": {"2026-07-01T18:00"}, "end": {"2026-07-01T17:00"}}, "Das Ende liegt vor dem Beginn."},
			{url.Values{"title": {"Fest"}, "place": {"Hof"}, "start": {"1066-10-14T09:00"}}, "zwischen 1900 und 2200"},
		}
		for _, c := range bad {
			c.form.Set("where", "me")
			a.post("/stadt/events/add", c.form).expect(t, http.StatusUnprocessableEntity, c.want)
		}
		if n, _ := db.Count(ctx, "contents"); n != 0 {
			t.Fatalf("%d contents after refused forms", n)
		}
		r := a.post("/stadt/events/add", url.Values{"where": {"me"}, "title": {"Hoffest"}, "place": {"Hinterhof"},
			"start": {"01.07.2026 18:00"}, "end": {"2026-07-01T22:30"}, "public": {"on"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/anna/hoffest/" {
			t.Fatalf("create: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		page := s.browser().get("/anna/hoffest/")
		page.expect(t, http.StatusOK, "1. Juli 2026 um 18:00 Uhr bis 22:30 Uhr", "Hinterhof")
		items, _ := db.Stream(ctx, store.StreamQuery{Kind: "event", Limit: 5})
		if len(items) != 1 || items[0].StartsAt.V.UTC().Hour() != 16 {
			t.Errorf("stored start %v (18:00 in Berlin is 16:00 UTC)", items)
		}
		// the edit form shows the times as entered
		edit := a.get("/anna/hoffest/edit/")
		if v := edit.doc.Find(`input[name="start"]`).AttrOr("value", ""); v != "2026-07-01T18:00" {
			t.Errorf("edit form start %q", v)
		}
	})
}
