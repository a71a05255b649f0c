package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestStartPageAndBasics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		b := s.browser()
		r := b.get("/")
		r.expect(t, http.StatusOK, `<html lang="de">`, `<meta name="application-name" content="grouprise">`)
		if got := r.text(".counters"); got != "0 Gruppen / 0 Gestalten / 0 Beiträge" {
			t.Errorf("counters %q", got)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("CSP %q", csp)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS with transport_security: disabled")
		}
		// English for a browser that prefers it.
		req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test/", nil)
		req.Header.Set("Accept-Language", "en-GB,en;q=0.8")
		b.do(req).expect(t, http.StatusOK, `<html lang="en">`, "0 groups / 0 people / 0 contributions")

		b.get("/no/such/page/here/").expect(t, http.StatusNotFound, "Diese Seite gibt es nicht")
		robots := b.get("/robots.txt")
		robots.expect(t, http.StatusOK, "Disallow: /stadt/login\n")

		// Static files: immutable under their content hash.
		css := r.doc.Find(`link[rel=stylesheet]`).AttrOr("href", "")
		if !strings.HasPrefix(css, "/stadt/static/css/grouprise.css?v=") {
			t.Fatalf("stylesheet URL %q", css)
		}
		sr := b.get(css)
		sr.expect(t, http.StatusOK, ":root")
		if cc := sr.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" || sr.Header.Get("Set-Cookie") != "" {
			t.Errorf("static: Cache-Control %q, Set-Cookie %q", cc, sr.Header.Get("Set-Cookie"))
		}
		b.get("/stadt/static/css/nothing.css").expect(t, http.StatusNotFound)

		// The language chosen in the footer sticks for the session.
		b.post("/stadt/language/", url.Values{"language": {"en"}, "next": {"/"}}).expect(t, http.StatusSeeOther)
		b.get("/").expect(t, http.StatusOK, `<html lang="en">`)
	})
}

func TestLoginAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("alice", "peer-password")
		b := s.browser()
		b.get("/stadt/login/").expect(t, http.StatusOK, `name="login"`, `name="password"`, `autocomplete="current-password"`)

		r := b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"wrong"}})
		r.expect(t, http.StatusUnprocessableEntity, "Benutzername, E-Mail-Adresse oder Kennwort stimmen nicht.")
		r = b.post("/stadt/login/", url.Values{"login": {""}, "password": {""}})
		r.expect(t, http.StatusUnprocessableEntity)
		if n := r.doc.Find(".field-error").Length(); n != 2 {
			t.Errorf("%d field errors for an empty form, want 2", n)
		}

		// By e-mail address, back to where the visitor came from; an outside target is ignored.
		r = b.post("/stadt/login/", url.Values{"login": {"ALICE@example.org"}, "password": {"peer-password"}, "next": {"/stadt/groups/"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/stadt/groups/" {
			t.Fatalf("login: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		home := b.get("/")
		home.expect(t, http.StatusOK, "Willkommen, Alice!")
		if got := home.text("details.user-menu summary"); got != "Alice" {
			t.Errorf("user menu shows %q", got)
		}
		b2 := s.browser()
		if r := b2.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"peer-password"}, "next": {"//evil.example/"}}); r.Header.Get("Location") != "/" {
			t.Errorf("next=//evil.example/ redirected to %q", r.Header.Get("Location"))
		}

		// Logging out takes a POST; GET only asks.
		b.get("/stadt/logout/").expect(t, http.StatusOK, "Möchtest du dich abmelden?")
		b.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)
		if b.get("/").doc.Find("details.user-menu").Length() != 0 {
			t.Error("still logged in after logout")
		}
	})
}

func TestLoginIsRateLimited(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	s.person("bob", "bob-password")
	b := s.browser()
	for range loginPerAccount {
		b.post("/stadt/login/", url.Values{"login": {"bob"}, "password": {"guess"}}).expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
	}
	// Now even the right password has to wait.
	b.post("/stadt/login/", url.Values{"login": {"bob"}, "password": {"bob-password"}}).
		expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
	// Another account from elsewhere is not affected.
	s.person("carol", "carol-password")
	s.loggedIn("carol", "carol-password")
}

// A form posted from another site is refused; nothing changes.
func TestCrossOriginPostsAreRefused(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "")
	s.person("alice", "peer-password")
	b := s.browser()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/login/",
		strings.NewReader(url.Values{"login": {"alice"}, "password": {"peer-password"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r := b.do(req)
	r.expect(t, http.StatusForbidden, "von einer anderen Website")
	if r.Header.Get("Set-Cookie") != "" {
		t.Error("a refused request set a cookie")
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"Stadtgarten": "S", "Alice Amsel": "AA", "Die Grünen im Park": "GP",
		"in": "I", "": "", "42 Cafés": "4C", "Ärzte ohne Grenzen": "ÄO"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTeaser(t *testing.T) {
	long := strings.Repeat("Wort ", 60)
	for in, want := range map[string]string{
		"# Titel\n\nAm **Samstag** räumen wir auf.\n\n- Handschuhe": "Titel Am Samstag räumen wir auf. Handschuhe",
		"":   "",
		long: strings.TrimSpace(strings.Repeat("Wort ", 50)) + " …",
	} {
		if got := teaser(in); got != want {
			t.Errorf("teaser(%q) = %q, want %q", in, got, want)
		}
	}
}

// Pages for anonymous visitors come from the cache for a moment; people with a session always
// get a fresh page.
func TestAnonymousPageCache(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "web: {anonymous_cache: 60}\n")
	ctx := context.Background()
	anon := s.browser()
	if got := anon.get("/").text(".counters"); got != "0 Gruppen / 0 Gestalten / 0 Beiträge" {
		t.Fatalf("counters %q", got)
	}
	s.person("alice", "peer-password")
	s.srv.site.expires = time.Time{} // the header's counters are cached on their own
	if got := anon.get("/").text(".counters"); got != "0 Gruppen / 0 Gestalten / 0 Beiträge" {
		t.Errorf("the anonymous page was rendered again within its minute: %q", got)
	}
	// Another language is another page; a logged-in person gets a fresh one.
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test/", nil)
	req.Header.Set("Accept-Language", "en")
	if got := anon.do(req).text(".counters"); got != "0 groups / 1 people / 0 contributions" {
		t.Errorf("English page %q", got)
	}
	if got := s.loggedIn("alice", "peer-password").get("/").text(".counters"); got != "0 Gruppen / 1 Gestalten / 0 Beiträge" {
		t.Errorf("logged in: %q", got)
	}
	if n, _ := s.db.Count(ctx, "gestalten"); n != 1 {
		t.Fatal(n)
	}
}

// A page with a captcha is never cached nor shared between visitors: its token can be answered
// once, so two visitors with one token could not both sign up (the second got "wrong answer").
func TestCaptchaPagesAreNotCached(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "web: {anonymous_cache: 60}\n")
	g := s.group("Garten", s.person("alice", "peer-password"))
	for _, path := range []string{"/stadt/signup/", "/garten/actions/join", "/garten/actions/recommend", "/stadt/groups/" + itoa(g.ID) + "/conversations/add/"} {
		tokens := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				page := s.browser().get(path)
				if got := page.Header.Get("Cache-Control"); got != "private, no-store" {
					t.Errorf("%s: Cache-Control %q", path, got)
				}
				token, _ := page.doc.Find(`input[name="captcha_token"]`).Attr("value")
				tokens <- token
			}()
		}
		wg.Wait()
		close(tokens)
		seen := map[string]bool{}
		for token := range tokens {
			if token == "" || seen[token] {
				t.Errorf("%s: token %q empty or handed out twice", path, token)
			}
			seen[token] = true
		}
	}
	if got := s.browser().get("/garten/").Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("group page: Cache-Control %q, want the cacheable no-cache", got)
	}
}
