package web

import (
	"crypto/sha512"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The operator's stylesheets and scripts are in every page, and the policy allows exactly
// them and the configured sources (F112).
func TestSiteScriptsAndStyles(t *testing.T) {
	const inline = "window.siteCode = 'läuft';"
	s := newSite(t, storetest.Open(t, store.SQLite), "stylesheets: [{path: /-/site/local.css, media: print}, {path: /-/site/all.css}]\n"+
		"scripts: [{path: /-/site/a.js, load: async}, {path: /-/site/b.js, load: blocking}, {path: /-/site/c.js}, {content: \""+inline+"\"}]\n"+
		"csp: {script_src: ['https://cdn.example'], default_src: ['https://fonts.example'], connect_src: ['https://api.example']}\n")
	page := s.browser().get("/")
	for sel, want := range map[string]int{
		`head link[rel=stylesheet][href="/-/site/local.css"][media=print]`: 1,
		`head link[rel=stylesheet][href="/-/site/all.css"]:not([media])`:   1,
		`head script[src="/-/site/a.js"][async]:not([defer])`:              1,
		`head script[src="/-/site/b.js"]:not([async]):not([defer])`:        1,
		`head script[src="/-/site/c.js"][defer]`:                           1,
	} {
		if n := page.doc.Find(sel).Length(); n != want {
			t.Errorf("%s: %d, want %d", sel, n, want)
		}
	}
	var code string
	page.doc.Find("head script:not([src])").Each(func(_ int, s *goquery.Selection) { code += s.Text() })
	if code != inline {
		t.Errorf("inline script %q, want %q", code, inline)
	}
	sum := sha512.Sum384([]byte(inline))
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self' https://cdn.example 'sha384-" + base64.StdEncoding.EncodeToString(sum[:]) + "';",
		"default-src 'self' https://fonts.example;", "connect-src 'self' https://api.example;"} {
		if !strings.Contains(csp, want) {
			t.Errorf("policy %q lacks %q", csp, want)
		}
	}
	// Without configuration the policy stays as strict as before.
	plain := newSite(t, storetest.Open(t, store.SQLite), "").browser().get("/").Header.Get("Content-Security-Policy")
	if !strings.Contains(plain, "script-src 'self';") || strings.Contains(plain, "connect-src") || strings.Contains(plain, "sha384") {
		t.Errorf("default policy %q", plain)
	}
}
