package web

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// In maintenance (maintenance_mode: true, or the flag file beside the configuration
// directory) every page and form answers 503 with the maintenance page, whoever asks, and
// nothing changes; static files still come. Removing the flag opens the site at once.
func TestMaintenance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		open := newMatrixSiteOn(t, db)
		browsers := make([]*browser, len(roleNames))
		for role := range roleNames {
			browsers[role] = open.as(role)
		}
		configured := newSite(t, db, "maintenance_mode: true\n")
		flagged, flag := newSiteWithFlag(t, db)
		if err := os.WriteFile(flag, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		css := open.browser().get("/").doc.Find(`link[rel="stylesheet"]`).AttrOr("href", "")
		members := func() int {
			m, err := db.Members(context.Background(), mustGroup(t, db, "garten").ID)
			if err != nil {
				t.Fatal(err)
			}
			return len(m)
		}
		before := members()
		for _, closed := range []*site{configured, flagged} {
			for role, b := range browsers {
				b := b.on(closed)
				t.Run(roleNames[role], func(t *testing.T) {
					for _, path := range []string{"/", "/garten/", "/stadt/login/", "/stadt/admin/", "/stadt/settings/"} {
						r := b.get(path)
						r.expect(t, http.StatusServiceUnavailable, "gewartet")
						if got := r.Header.Get("Retry-After"); got != "60" {
							t.Errorf("GET %s: Retry-After %q, want 60", path, got)
						}
					}
					b.post("/garten/actions/join", url.Values{}).expect(t, http.StatusServiceUnavailable, "gewartet")
					b.post("/stadt/login/", url.Values{"login": {"carol"}, "password": {"carol-password"}}).
						expect(t, http.StatusServiceUnavailable)
					b.get(css).expect(t, http.StatusOK)
				})
			}
		}
		if after := members(); after != before {
			t.Errorf("garten has %d members after the joins in maintenance, %d before", after, before)
		}
		if err := os.Remove(flag); err != nil {
			t.Fatal(err)
		}
		browsers[member].on(flagged).get("/garten/").expect(t, http.StatusOK, "Garten")
		browsers[outsider].on(flagged).post("/garten/actions/join", url.Values{}).expect(t, http.StatusSeeOther)
		if after := members(); after != before+1 {
			t.Errorf("garten has %d members after a join with the site open, want %d", after, before+1)
		}
		browsers[anonymous].on(open.site).get("/").expect(t, http.StatusOK)
	})
}

// on returns a browser with b's cookies (and so its session) talking to the daemon of s.
func (b *browser) on(s *site) *browser {
	c := s.browser()
	c.client.Jar = b.client.Jar
	return c
}

func mustGroup(t *testing.T, db *store.DB, slug string) *store.Group {
	t.Helper()
	g, err := db.GroupBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// newSiteWithFlag runs a daemon on db whose configuration is read from a conf.d directory, as
// in the package, and returns it with the path of its maintenance flag.
func newSiteWithFlag(t *testing.T, db *store.DB) (*site, string) {
	t.Helper()
	dir := t.TempDir()
	confd := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(confd, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(confd, "100-test.yaml"), []byte("domain: grouprise.test\n"+
		"transport_security: disabled\nsecret_key: 0123456789abcdef0123\ndata_path: "+dir+"\n"+
		"web: {anonymous_cache: 0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Env: []string{"GROUPRISE_CONFIG=" + confd}, SystemDir: filepath.Join(dir, "nowhere")})
	if err != nil {
		t.Fatal(err)
	}
	return serveSite(t, db, cfg), filepath.Join(dir, "maintenance_mode")
}
