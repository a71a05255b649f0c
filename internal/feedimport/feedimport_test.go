package feedimport_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/feedimport"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// websites serves two group websites that announce their feeds (RSS, Atom) and one without.
type websites struct {
	mu    sync.Mutex
	items []string
}

func (w *websites) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Header.Get("User-Agent") != "grouprise" {
		http.Error(rw, "who are you?", http.StatusForbidden)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch r.URL.Path {
	case "/garten/":
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(rw, `<!doctype html><html><head><title>Garten</title>
			<link rel="stylesheet" href="/style.css">
			<link rel="alternate" type="application/rss+xml" title="Neues" href="news/feed.xml">
			</head><body><a href="/other.xml" type="application/rss+xml">not this one</a></body></html>`)
	case "/garten/news/feed.xml":
		rw.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(rw, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Garten</title>%s</channel></rss>`,
			strings.Join(w.items, ""))
	case "/werkstatt/":
		fmt.Fprint(rw, `<html><head><link rel="alternate" type="application/atom+xml" href="/werkstatt/atom"></head></html>`)
	case "/werkstatt/atom":
		rw.Header().Set("Content-Type", "application/atom+xml")
		fmt.Fprint(rw, `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Werkstatt</title>
			<id>urn:werkstatt</id><updated>2026-11-20T10:00:00Z</updated>
			<entry><title>Offene Werkstatt</title><id>urn:werkstatt:1</id><updated>2026-11-20T10:00:00Z</updated>
			<link href="https://werkstatt.example/offen"/><summary type="html">&lt;p&gt;Jeden &lt;em&gt;Dienstag&lt;/em&gt;.&lt;/p&gt;</summary></entry></feed>`)
	case "/ohne/":
		fmt.Fprint(rw, `<html><head><title>Kein Feed</title></head><body>Hallo</body></html>`)
	default:
		http.NotFound(rw, r)
	}
}

func rssItem(guid, title, link, description, date string) string {
	return fmt.Sprintf(`<item><guid>%s</guid><title>%s</title><link>%s</link><description><![CDATA[%s]]></description><pubDate>%s</pubDate></item>`,
		guid, title, link, description, date)
}

func TestImportFeeds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		sites := &websites{items: []string{
			rssItem("g-2", "Pflanzentausch", "https://garten.example/tausch", `<p>Am <strong>Samstag</strong> tauschen wir Pflanzen.</p>`, "Sat, 21 Nov 2026 10:00:00 +0000"),
			rssItem("g-1", "Frühjahrsputz", "https://garten.example/putz", `<p>Alle helfen mit. <a href="https://garten.example/putz">Mehr</a></p>`, "Fri, 20 Nov 2026 10:00:00 +0000"),
		}}
		srv := httptest.NewServer(sites)
		defer srv.Close()

		acc := accounts.New(db, func(string) bool { return false }, nil)
		importer, err := acc.Create(ctx, accounts.NewAccount{Username: "feed-import", Email: "feed-import@grouprise.test"})
		if err != nil {
			t.Fatal(err)
		}
		anna, _ := acc.Create(ctx, accounts.NewAccount{Username: "anna", Email: "anna@example.org"})
		gs := groups.New(db, func(string) bool { return false }, nil)
		for _, g := range []struct{ name, path string }{{"Garten", "/garten/"}, {"Werkstatt", "/werkstatt/"}, {"Ohne", "/ohne/"}} {
			group, err := gs.Create(ctx, groups.NewGroup{Name: g.name, Creator: anna})
			if err != nil {
				t.Fatal(err)
			}
			if err := gs.UpdateSettings(ctx, group, store.GroupSettings{Name: g.name, Slug: group.Slug,
				URL: srv.URL + g.path, URLImportFeed: true}); err != nil {
				t.Fatal(err)
			}
		}
		catalog, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		im := &feedimport.Importer{DB: db, Contents: contents.New(db), ImporterID: importer.ID, Printer: catalog.Printer("de"),
			Log: slog.New(slog.NewTextHandler(&logs, nil)), Client: srv.Client()}

		res, err := im.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res != (feedimport.Result{Groups: 3, Imported: 3, Failed: 1}) {
			t.Errorf("first run: %+v\n%s", res, logs.String())
		}
		if !strings.Contains(logs.String(), "announces no RSS or Atom feed") {
			t.Errorf("the website without a feed is not logged:\n%s", logs.String())
		}
		articles := storetest.Rows(t, db, `SELECT g.slug, c.title, a.public, v.author_id, v.text FROM associations a
			JOIN groups g ON g.id = a.group_id JOIN contents c ON c.id = a.content_id
			JOIN content_versions v ON v.content_id = c.id ORDER BY c.id`)
		want := []string{
			fmt.Sprintf("garten|Frühjahrsputz|1|%d|Alle helfen mit. [Mehr](https://garten.example/putz)", importer.ID),
			fmt.Sprintf("garten|Pflanzentausch|1|%d|Am **Samstag** tauschen wir Pflanzen.\n\n[Weiterlesen auf der Website](https://garten.example/tausch)", importer.ID),
			fmt.Sprintf("werkstatt|Offene Werkstatt|1|%d|Jeden *Dienstag*.\n\n[Weiterlesen auf der Website](https://werkstatt.example/offen)", importer.ID),
		}
		if !slices.Equal(articles, want) {
			t.Errorf("articles:\n got %q\nwant %q", articles, want)
		}
		if jobs := storetest.Rows(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = '`+notify.JobKind+`'`); jobs[0] != "3" {
			t.Errorf("%s notification jobs, want one per article", jobs[0])
		}

		// Again: nothing new; then a new entry.
		if res, _ := im.Run(ctx); res.Imported != 0 {
			t.Errorf("a second run imported %d entries", res.Imported)
		}
		sites.mu.Lock()
		sites.items = append([]string{rssItem("g-3", "Herbstfest", "https://garten.example/fest", "Wir feiern.", "Sun, 22 Nov 2026 10:00:00 +0000")}, sites.items...)
		sites.mu.Unlock()
		if res, _ := im.Run(ctx); res.Imported != 1 {
			t.Errorf("the new entry: %d imported", res.Imported)
		}
	})
}

// TestImportRefusesLocalAddresses: without a client of its own the importer does not reach
// into the server's network, whatever a group enters as its website.
func TestImportRefusesLocalAddresses(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	srv := httptest.NewServer(&websites{})
	defer srv.Close()
	acc := accounts.New(db, func(string) bool { return false }, nil)
	importer, _ := acc.Create(ctx, accounts.NewAccount{Username: "feed-import", Email: "feed-import@grouprise.test"})
	gs := groups.New(db, func(string) bool { return false }, nil)
	g, _ := gs.Create(ctx, groups.NewGroup{Name: "Werkstatt"})
	if err := gs.UpdateSettings(ctx, g, store.GroupSettings{Name: "Werkstatt", Slug: g.Slug, URL: srv.URL + "/werkstatt/", URLImportFeed: true}); err != nil {
		t.Fatal(err)
	}
	catalog, _ := i18n.Load()
	var logs bytes.Buffer
	im := &feedimport.Importer{DB: db, Contents: contents.New(db), ImporterID: importer.ID, Printer: catalog.Printer("de"), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	res, err := im.Run(ctx)
	if err != nil || res.Failed != 1 || res.Imported != 0 || !strings.Contains(logs.String(), "is not a public address") {
		t.Errorf("a loopback website: %+v, %v\n%s", res, err, logs.String())
	}
	if _, err := (&feedimport.Importer{DB: db, Log: im.Log}).Run(ctx); err != feedimport.ErrNoImporter {
		t.Errorf("without an importer account: %v", err)
	}
}
