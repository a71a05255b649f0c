package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		garden, err := gr.Create(ctx, groups.NewGroup{Name: "Interkulturelle Gärten", Creator: anna})
		if err != nil {
			t.Fatal(err)
		}
		if err := gr.UpdateSettings(ctx, garden, store.GroupSettings{Name: garden.Name, Slug: garden.Slug,
			Description: "Wir gärtnern gemeinsam im Hinterhof.", DateFounded: garden.DateFounded}); err != nil {
			t.Fatal(err)
		}
		svc := contents.New(db)
		pub, err := svc.Create(ctx, anna, garden.ID, contents.Article, contents.Draft{Title: "Saatgutbörse im Frühling",
			Text: "Tomatensamen und Kürbiskerne zum Tauschen.", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Create(ctx, anna, garden.ID, contents.Article, contents.Draft{Title: "Schlüsselübergabe",
			Text: "Der Schlüssel zum Tauschschrank liegt bei Anna.", Public: false}); err != nil {
			t.Fatal(err)
		}
		find := func(q string) []string {
			t.Helper()
			page := s.browser().get("/stadt/search/?q=" + url.QueryEscape(q))
			if page.StatusCode != http.StatusOK {
				t.Fatalf("search %q: %d", q, page.StatusCode)
			}
			var titles []string
			page.doc.Find(".item-title a").Each(func(_ int, sel *goquery.Selection) { titles = append(titles, sel.Text()) })
			return titles
		}
		cases := map[string]string{
			"Saatgut":             "Saatgutbörse im Frühling", // a prefix
			"saatgutbörse":        "Saatgutbörse im Frühling", // case and umlaut
			"kürbis":              "Saatgutbörse im Frühling", // the text
			"tausch":              "Saatgutbörse im Frühling", // not the internal one
			"Gärten":              "Interkulturelle Gärten",   // groups
			"hinterhof":           "Interkulturelle Gärten",   // by description
			"interkult gärt":      "Interkulturelle Gärten",   // all words, prefixes
			`"tomaten" -kürbis*:`: "Saatgutbörse im Frühling", // search syntax is stripped
			"Schlüssel":           "",                         // internal contents are not found
			"tomaten hinterhof":   "",                         // both words must match one item
		}
		for q, want := range cases {
			if got := strings.Join(find(q), ","); got != want {
				t.Errorf("search %q: %q, want %q", q, got, want)
			}
		}
		// a comment makes the content findable; deleting it hides it
		if _, err := svc.Comment(ctx, pub, anna, "Auch Zucchini!", 0, false); err != nil {
			t.Fatal(err)
		}
		if got := find("zucchini"); len(got) != 1 {
			t.Errorf("found by comment: %q", got)
		}
		if err := svc.Delete(ctx, pub); err != nil {
			t.Fatal(err)
		}
		if got := find("saatgut"); len(got) != 0 {
			t.Errorf("a deleted content is found: %q", got)
		}
		s.browser().get("/stadt/search/?q=").expect(t, http.StatusOK)
		s.browser().get("/stadt/search/?q=xyzzy").expect(t, http.StatusOK, "keine öffentlichen Beiträge")
		// rebuilding yields the same
		if err := db.Tx(ctx, func(q *store.Queries) error { return q.RebuildSearchIndex(ctx) }); err != nil {
			t.Fatal(err)
		}
		if got := find("gärten"); len(got) != 1 {
			t.Errorf("after a rebuild: %q", got)
		}
	})
}
