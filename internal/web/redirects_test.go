package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The targets a browser would resolve to another host, or that only a second decoding step
// could turn into one, fall back; paths on the site come back cleaned as a browser cleans them.
func TestSafeNext(t *testing.T) {
	const fallback = "/fallback/"
	refused := []struct{ name, next string }{
		{"empty", ""},
		{"scheme-relative", "//evil.example"},
		{"three slashes", "///evil.example"},
		{"slash backslash", "/\\evil.example"},
		{"two backslashes", "\\\\evil.example"},
		{"backslash slash", "\\/evil.example"},
		{"dot segment before an encoded backslash", "/./%5Cevil.example/x"},
		{"dot segment before a backslash", "/./\\evil.example/x"},
		{"encoded backslash, lower case", "/%5cevil.example"},
		{"encoded backslash in the query", "/stadt/?q=%5C"},
		{"twice encoded backslash", "/%255Cevil.example"},
		{"tab between the slashes", "/\t/evil.example"},
		{"newline between the slashes", "/\n/evil.example"},
		{"carriage return between the slashes", "/\r/evil.example"},
		{"leading tab", "\t//evil.example"},
		{"leading space", " //evil.example"},
		{"leading NUL", "\x00//evil.example"},
		{"trailing C0", "/stadt/\x1f"},
		{"encoded tab", "/%09/evil.example"},
		{"encoded newline", "/%0a/evil.example"},
		{"encoded NUL", "/stadt/%00"},
		{"encoded DEL", "/stadt/%7F"},
		{"DEL", "/stadt/\x7f"},
		{"C1 next line", "/\u0085/evil.example"},
		{"line separator", "/\u2028"},
		{"paragraph separator", "/\u2029/evil.example"},
		{"zero width space", "/\u200b/evil.example"},
		{"right-to-left override", "/\u202eelpmaxe.live"},
		{"encoded slashes", "/%2F%2Fevil.example"},
		{"encoded slash after a slash", "/%2f/evil.example"},
		{"twice encoded slashes", "/%252F%252Fevil.example"},
		{"dot-dot before two slashes", "/..//evil.example"},
		{"dot before two slashes", "/.//evil.example"},
		{"encoded dot-dot before two slashes", "/%2e%2e//evil.example"},
		{"two slashes later in the path", "/stadt//evil.example"},
		{"scheme without slashes", "https:evil.example"},
		{"absolute URL", "https://evil.example/"},
		{"scheme and one slash", "http:/evil.example"},
		{"javascript", "javascript:alert(1)"},
		{"host only", "evil.example"},
		{"relative path", "stadt/groups/"},
		{"dot-relative path", "./stadt/"},
		{"fullwidth solidus", "／／evil.example"},
		{"fullwidth solidus after a slash", "/／evil.example"},
		{"fullwidth reverse solidus after a slash", "/＼evil.example"},
		{"division slash", "/\u2215evil.example"},
		{"fullwidth full stop segment", "/．．/x"},
		{"small reverse solidus", "/\ufe68evil.example"},
		{"invalid UTF-8", "/stadt/\xff"},
		{"invalid percent-encoding", "/stadt/%zz"},
		{"cut percent-encoding", "/stadt/%2"},
		{"too long", "/" + strings.Repeat("a", 2048)},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeNext(tc.next, fallback); got != fallback {
				t.Errorf("safeNext(%q) = %q, want the fallback", tc.next, got)
			}
		})
	}
	accepted := []struct{ name, next, want string }{
		{"root", "/", "/"},
		{"page", "/stadt/groups/", "/stadt/groups/"},
		{"query and fragment", "/garten/?page=2#contribution-3", "/garten/?page=2#contribution-3"},
		{"encoded text in the query", "/stadt/search/?q=M%C3%BCll", "/stadt/search/?q=M%C3%BCll"},
		{"encoded slash in the query", "/stadt/search/?q=a%2Fb", "/stadt/search/?q=a%2Fb"},
		{"two slashes in the query", "/stadt/login/?next=//evil.example", "/stadt/login/?next=//evil.example"},
		{"dot segments", "/a/./b/../c/", "/a/c/"},
		{"dot-dot above the root", "/../stadt/", "/stadt/"},
		{"encoded dot segments", "/a/%2e%2E/%2e/stadt/", "/stadt/"},
		{"letters outside ASCII", "/gärten/", "/g%C3%A4rten/"},
		{"space", "/a b/", "/a%20b/"},
		{"at sign", "/@evil.example", "/@evil.example"},
		{"colon later in the path", "/stadt/a:b/", "/stadt/a:b/"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			if got := safeNext(tc.next, fallback); got != tc.want {
				t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
			}
			// The login page passes the cleaned target on in its form: it stays as it is.
			if again := safeNext(tc.want, fallback); again != tc.want {
				t.Errorf("safeNext(%q) = %q, want it unchanged", tc.want, again)
			}
		})
	}
}

// Whatever safeNext returns stays on the site after http.Redirect's own cleaning, as a
// browser resolves it against the page.
func TestSafeNextStaysOnTheSite(t *testing.T) {
	base, _ := url.Parse("https://grouprise.test/stadt/login/")
	for _, next := range []string{"/./%5Cevil.example/x", "/./\\evil.example/x", "/a/..\\evil", "/.//evil.example",
		"/stadt/./", "/a/b/../../", "/%2e/x", "/x/%2e%2e/"} {
		w := httptest.NewRecorder()
		redirect(w, httptest.NewRequest(http.MethodPost, "/stadt/login/", nil), safeNext(next, "/"))
		loc := w.Header().Get("Location")
		u, err := base.Parse(loc)
		if err != nil || u.Host != "grouprise.test" || strings.ContainsAny(loc, "\\\t\r\n") || strings.HasPrefix(loc, "//") {
			t.Errorf("next %q: Location %q leads to %v (%v)", next, loc, u, err)
		}
	}
}

// A logged-in visitor who follows a login link with a hostile next stays on the site, and so
// does one who logs in with it; the language switch too.
func TestLoginNextStaysOnTheSite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("alice", "peer-password")
		hostile := []string{"/./%5Cevil.example/x", "/./\\evil.example/x", "/\t/evil.example", "/%09/evil.example",
			"\\\\evil.example", "/%2F%2Fevil.example", "https:evil.example", "/..//evil.example", "//evil.example",
			"／／evil.example", "/\u2028"}
		b := s.browser()
		for _, next := range hostile {
			r := b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"peer-password"}, "next": {next}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Errorf("login with next %q: %d to %q", next, r.StatusCode, r.Header.Get("Location"))
			}
			// Logged in now: the login page sends the visitor on at once.
			r = b.get("/stadt/login/?next=" + url.QueryEscape(next))
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Errorf("login page with next %q: %d to %q", next, r.StatusCode, r.Header.Get("Location"))
			}
			r = b.post("/stadt/language/", url.Values{"language": {"en"}, "next": {next}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Errorf("language with next %q: %d to %q", next, r.StatusCode, r.Header.Get("Location"))
			}
			b.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)
		}
		// The address of the report, as a browser sends it: the query decodes to a backslash.
		b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"peer-password"}}).expect(t, http.StatusSeeOther)
		if r := b.get("/stadt/login/?next=/./%5Cevil.example/x"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("login page with the reported next: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		b.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)
		// A path on the site is kept.
		r := b.post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"peer-password"}, "next": {"/stadt/groups/?page=2"}})
		if r.Header.Get("Location") != "/stadt/groups/?page=2" {
			t.Errorf("login with a path on the site: to %q", r.Header.Get("Location"))
		}
	})
}
