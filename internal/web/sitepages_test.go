package web

import (
	"context"
	"net/http"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The footer names the operator group with its description and leads to the site's pages,
// the directories and the visitor's account (F109); the help page lists the operator group's
// pinned articles the viewer may read (F111).
func TestFooterAndHelpName(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "operator_group_id: 1\n")
		ctx := context.Background()
		admin := s.person("admin", "admin-password")
		s.person("erna", "erna-password")
		gr := groups.New(s.db, s.cfg.SlugReserved, nil)
		op, err := gr.Create(ctx, groups.NewGroup{Name: "Plattform-Betrieb", Creator: admin})
		if err != nil || op.ID != 1 {
			t.Fatalf("operator group: %v %v", op, err)
		}
		if err := gr.UpdateSettings(ctx, op, store.GroupSettings{Name: op.Name, Slug: op.Slug,
			Description: "Wir betreiben diese Seite ehrenamtlich."}); err != nil {
			t.Fatal(err)
		}
		svc := contents.New(db)
		for _, d := range []contents.Draft{
			{Title: "Über uns", Slug: "about", Text: "Wer wir sind.", Public: true, Pinned: true},
			{Title: "Werkzeuge", Slug: "tools", Text: "Was wir nutzen.", Public: true, Pinned: true},
			{Title: "Wiki", Slug: "wiki", Text: "Nur für uns.", Public: false, Pinned: true},
			{Title: "Neuigkeiten", Text: "Nicht angeheftet.", Public: true},
		} {
			if _, err := svc.Create(ctx, admin, op.ID, contents.Article, d); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			role    string
			b       *browser
			account []string
			wiki    bool
		}{
			{"anonymous", s.browser(), []string{"/stadt/login/?next=%2fstadt%2fhelp%2f", "/stadt/signup/"}, false},
			{"outsider", s.loggedIn("erna", "erna-password"), []string{"/erna/", "/stadt/activity", "/stadt/settings/"}, false},
			{"operator", s.loggedIn("admin", "admin-password"), []string{"/admin/", "/stadt/settings/"}, true},
		} {
			page := c.b.get("/stadt/help/")
			page.expect(t, http.StatusOK)
			footer := page.doc.Find("footer.site-footer")
			if got := footer.Find("p.operator").Text(); got != "Wir betreiben diese Seite ehrenamtlich." {
				t.Errorf("%s: operator's description %q", c.role, got)
			}
			for _, href := range append([]string{"/plattform-betrieb/", "/stadt/imprint/", "/stadt/privacy/", "/stadt/groups/",
				"/stadt/events/", "/stadt/articles/", "/stadt/gestalten/"}, c.account...) {
				if footer.Find(`a[href="`+href+`"]`).Length() != 1 {
					t.Errorf("%s: the footer has no link to %s", c.role, href)
				}
			}
			pinned := page.doc.Find("aside .card ul.facts a")
			want := map[string]bool{"/plattform-betrieb/about/": true, "/plattform-betrieb/tools/": true, "/plattform-betrieb/wiki/": c.wiki}
			got := map[string]bool{}
			pinned.Each(func(_ int, a *goquery.Selection) { got[a.AttrOr("href", "")] = true })
			for href, shown := range want {
				if got[href] != shown {
					t.Errorf("%s: help page lists %s: %v, want %v", c.role, href, got[href], shown)
				}
			}
			if len(got) != len(want)-boolInt(!c.wiki) {
				t.Errorf("%s: help page lists %v", c.role, got)
			}
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
