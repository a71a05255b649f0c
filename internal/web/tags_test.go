package web

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestTagsAndFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		garden := s.group("Garten", anna)
		house := s.group("Haus", anna)
		svc := contents.New(db)
		for _, c := range []struct {
			group  int64
			title  string
			text   string
			public bool
		}{
			{garden.ID, "Kompost", "Wie wir #Kompost machen", true},
			{garden.ID, "Intern", "Über #Kompost, nur für uns", false},
			{house.ID, "Flur", "Der Flur wird gestrichen.", true},
		} {
			if _, err := svc.Create(ctx, anna, c.group, contents.Article, contents.Draft{Title: c.title, Text: c.text, Public: c.public}); err != nil {
				t.Fatal(err)
			}
		}
		// tagged contents; the internal one only for members
		anon := s.browser()
		page := anon.get("/stadt/tags/kompost/")
		page.expect(t, http.StatusOK, "#Kompost", "Wie wir")
		if strings.Contains(page.body, "nur für uns") || strings.Contains(page.body, "Flur") {
			t.Error("the tag page shows what it should not")
		}
		s.loggedIn("anna", "anna-password").get("/stadt/tags/kompost/").expect(t, http.StatusOK, "nur für uns")
		anon.get("/stadt/tags/nie-benutzt/").expect(t, http.StatusOK, "#nie-benutzt")
		// a group gets the tag: its contents appear
		a := s.loggedIn("anna", "anna-password")
		a.get("/stadt/tags/kompost/tag-group/").expect(t, http.StatusOK, "Haus")
		a.post("/stadt/tags/kompost/tag-group/", url.Values{"group": {"999"}}).expect(t, http.StatusUnprocessableEntity)
		a.post("/stadt/tags/kompost/tag-group/", url.Values{"group": {itoa(house.ID)}}).expect(t, http.StatusSeeOther)
		anon.get("/stadt/tags/kompost/").expect(t, http.StatusOK, "Flur", `href="/haus/"`)
		anon.get("/haus/").expect(t, http.StatusOK, "#Kompost")
		anon.post("/stadt/tags/kompost/tag-group/", url.Values{"group": {itoa(garden.ID)}}).expect(t, http.StatusFound)

		// RSS: the public articles, parsed back
		var rss struct {
			Channel struct {
				Title string `xml:"title"`
				Items []struct {
					Title       string `xml:"title"`
					Link        string `xml:"link"`
					Description string `xml:"description"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		r := anon.get("/stadt/feed/")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/rss+xml") {
			t.Fatalf("feed: %d %q", r.StatusCode, r.Header.Get("Content-Type"))
		}
		if err := xml.Unmarshal([]byte(r.body), &rss); err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, it := range rss.Channel.Items {
			titles = append(titles, it.Title)
		}
		if strings.Join(titles, ",") != "Flur,Kompost" || rss.Channel.Items[1].Link != "http://grouprise.test/garten/kompost/" ||
			!strings.Contains(rss.Channel.Items[1].Description, `class="tag"`) {
			t.Errorf("feed items %q", titles)
		}
		rss.Channel.Items = nil
		if err := xml.Unmarshal([]byte(anon.get("/stadt/groups/"+itoa(garden.ID)+"/feed/").body), &rss); err != nil || len(rss.Channel.Items) != 1 {
			t.Errorf("group feed: %v %d", err, len(rss.Channel.Items))
		}
		var atom struct {
			Entries []struct {
				Title string `xml:"title"`
			} `xml:"entry"`
		}
		if err := xml.Unmarshal([]byte(anon.get("/stadt/feed/atom/").body), &atom); err != nil || len(atom.Entries) != 2 {
			t.Errorf("atom: %v %d", err, len(atom.Entries))
		}
		if !strings.Contains(anon.get("/garten/").body, `href="/stadt/groups/`+itoa(garden.ID)+`/feed/"`) {
			t.Error("the group page does not point to its feed")
		}
		// the Markdown help renders its examples
		anon.get("/stadt/markdown/").expect(t, http.StatusOK, "<em>kursiv</em>", `<ul class="toc">`, "🙂")
	})
}
