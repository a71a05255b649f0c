package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// loginAnswer is what one login of a burst got back.
type loginAnswer struct {
	status int
	body   string
	took   time.Duration
}

// loginBurst posts n login forms at once, each from a browser of its own, the i-th as
// login(i) from the client address addr(i).
func (s *site) loginBurst(n int, addr, login func(i int) string, password string) []loginAnswer {
	s.t.Helper()
	answers := make([]loginAnswer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		b := s.browser()
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test/stadt/login/",
				strings.NewReader(url.Values{"login": {login(i)}, "password": {password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://grouprise.test")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Real-IP", addr(i))
			<-start
			began := time.Now()
			resp, err := b.client.Do(req)
			if err != nil {
				s.t.Errorf("login %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			data, _ := io.ReadAll(resp.Body)
			answers[i] = loginAnswer{status: resp.StatusCode, body: string(data), took: time.Since(began)}
		}()
	}
	close(start)
	wg.Wait()
	return answers
}

// kind names an answer to a login: "wrong" (the password was checked), "too many" (the
// limits refused it unchecked), "in flight" (another check from the address ran), "busy"
// (the hasher had no room) or its status.
func (a loginAnswer) kind() string {
	switch {
	case a.status == http.StatusUnprocessableEntity && strings.Contains(a.body, "stimmen nicht"):
		return "wrong"
	case a.status == http.StatusUnprocessableEntity && strings.Contains(a.body, "Zu viele Versuche"):
		return "too many"
	case a.status == http.StatusTooManyRequests && strings.Contains(a.body, "gerade schon eine Anmeldung"):
		return "in flight"
	case a.status == http.StatusServiceUnavailable:
		return "busy"
	}
	return fmt.Sprint(a.status)
}

func tally(answers []loginAnswer) map[string]int {
	n := map[string]int{}
	for _, a := range answers {
		n[a.kind()]++
	}
	return n
}

// A burst of concurrent guesses at one account, each from an address of its own, gets no
// more passwords checked than the limit allows: the attempt is counted before the check.
func TestConcurrentGuessesAreLimitedPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("bob", "bob-password")
		answers := s.loginBurst(30, func(i int) string { return fmt.Sprintf("198.51.100.%d", i) },
			func(int) string { return "bob" }, "guess")
		n := tally(answers)
		t.Logf("answers: %v", n)
		if n["wrong"] < 1 || n["wrong"] > loginPerAccount || n["wrong"]+n["too many"]+n["busy"] != len(answers) {
			t.Errorf("30 concurrent guesses at one account: %v, want at most %d checked (wrong), the rest refused",
				n, loginPerAccount)
		}
		s.browser().loginFrom("192.0.2.1", "bob", "bob-password").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
	})
}

// deviceCookie is the value of the browser's known-device cookie ("" for none).
func (b *browser) deviceCookie() string {
	for _, c := range b.client.Jar.Cookies(&url.URL{Scheme: "http", Host: "grouprise.test", Path: "/"}) {
		if c.Name == deviceCookieName {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setDeviceCookie(value string) {
	b.client.Jar.SetCookies(&url.URL{Scheme: "http", Host: "grouprise.test", Path: "/"},
		[]*http.Cookie{{Name: deviceCookieName, Value: value, Path: "/"}})
}

// Anyone can lock an account against guessing, but not its owner out: a browser that logged
// in to the account before still gets in with the right password. Its failures still count,
// and the cookie that marks it cannot be forged or carried to another account.
func TestKnownDeviceGetsPastTheAccountLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		dave := s.person("dave", "dave-password")
		s.person("carol", "carol-password")

		owner := s.browser()
		r := owner.loginFrom("192.0.2.10", "dave", "dave-password")
		r.expect(t, http.StatusSeeOther)
		setCookie := strings.Join(r.Header.Values("Set-Cookie"), "\n")
		if !strings.Contains(setCookie, deviceCookieName+"=") || !strings.Contains(setCookie, "HttpOnly") ||
			!strings.Contains(setCookie, "Max-Age=") || !strings.Contains(setCookie, "SameSite=Lax") {
			t.Errorf("a login sets no long-lived HttpOnly device cookie:\n%s", setCookie)
		}
		ownerCookie := owner.deviceCookie()
		owner.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)
		carols := s.browser()
		carols.loginFrom("192.0.2.11", "carol", "carol-password").expect(t, http.StatusSeeOther)
		carols.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)

		attacker := s.browser()
		for i := range loginPerAccount {
			attacker.loginFrom(fmt.Sprintf("198.51.100.%d", i), "dave", "guess").expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
		}

		// A cookie is "<account id>.<device id>.<signature>".
		id, device, _ := strings.Cut(ownerCookie, ".")
		device, _, _ = strings.Cut(device, ".")
		_, carolsDevice, _ := strings.Cut(carols.deviceCookie(), ".")
		forgeries := map[string]string{
			"no cookie":               "",
			"another account's":       carols.deviceCookie(),
			"forged signature":        id + "." + device + ".AAAAAAAAAAAAAAAAAAAAAA",
			"carol's renamed to dave": fmt.Sprint(dave.ID) + "." + carolsDevice,
			"garbage":                 "x.y.z",
		}
		for name, value := range forgeries {
			t.Run(name, func(t *testing.T) {
				b := s.browser()
				if value != "" {
					b.setDeviceCookie(value)
				}
				b.loginFrom("192.0.2.20", "dave", "dave-password").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
			})
		}

		// The owner's browser: its failures are checked and counted, the right password works.
		owner.loginFrom("192.0.2.10", "dave", "typo").expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
		owner.loginFrom("192.0.2.10", "DAVE@example.org", "dave-password").expect(t, http.StatusSeeOther)

		// A new password ends the marks of the browsers that logged in with the old one.
		owner.post("/stadt/logout/", nil).expect(t, http.StatusSeeOther)
		for i := range loginPerAccount + 1 {
			attacker.loginFrom(fmt.Sprintf("198.51.100.%d", i), "dave", "guess")
		}
		if err := accounts.New(db, s.cfg.SlugReserved, nil).SetPassword(context.Background(), "dave", "new-password"); err != nil {
			t.Fatal(err)
		}
		owner.loginFrom("192.0.2.10", "dave", "new-password").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
		// Carol's browser knows carol, not dave; Basic auth carries no cookie.
		s.loggedIn("carol", "carol-password")
	})
}

// One password check at a time per client address (an IPv6 /64 counts as one): more from
// the same address are refused at once instead of queueing at the hasher, new names or not.
func TestOneCheckInFlightPerAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("erin", "erin-password")

		answers := s.loginBurst(20, func(int) string { return "198.51.100.7" },
			func(i int) string { return fmt.Sprintf("nobody%d", i) }, "guess")
		n := tally(answers)
		t.Logf("answers: %v", n)
		if n["wrong"] < 1 || n["in flight"] < 1 || n["wrong"]+n["in flight"] != len(answers) {
			t.Errorf("20 concurrent logins from one address: %v, want some checked (wrong), the rest refused (in flight)", n)
		}
		for _, a := range answers {
			if a.kind() == "in flight" && a.took > 2*time.Second {
				t.Errorf("a refused login took %v: it waited", a.took)
			}
		}
	})
}

// While a check from an address is in flight, the login form answers that address at once
// with 429 and the feeds' Basic auth with 503 (both with Retry-After); other addresses, and
// the address itself once the check is over, get through.
func TestCheckInFlightRefusesOnlyItsAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("erin", "erin-password")
		for _, held := range []string{"198.51.100.7", "2001:db8:1:2::/64"} {
			if !s.srv.loginChecks.start(held) {
				t.Fatalf("%s: a check is in flight already", held)
			}
		}
		for _, addr := range []string{"198.51.100.7", "2001:db8:1:2::5", "2001:db8:1:2:ffff::1"} {
			b := s.browser()
			r := b.loginFrom(addr, "erin", "erin-password")
			r.expect(t, http.StatusTooManyRequests, "gerade schon eine Anmeldung")
			if r.Header.Get("Retry-After") == "" {
				t.Errorf("login from %s while a check is in flight: no Retry-After", addr)
			}
			if r := b.feedFrom(addr, "erin", "erin-password"); r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Errorf("Basic auth from %s while a check is in flight: status %d, Retry-After %q", addr, r.StatusCode, r.Header.Get("Retry-After"))
			}
		}
		s.browser().loginFrom("198.51.100.8", "erin", "erin-password").expect(t, http.StatusSeeOther)
		s.browser().loginFrom("2001:db8:1:3::5", "erin", "erin-password").expect(t, http.StatusSeeOther)
		s.srv.loginChecks.done("198.51.100.7")
		s.browser().loginFrom("198.51.100.7", "erin", "erin-password").expect(t, http.StatusSeeOther)
		if r := s.browser().feedFrom("198.51.100.7", "erin", "erin-password"); r.StatusCode != http.StatusOK {
			t.Errorf("Basic auth once the check is over: status %d", r.StatusCode)
		}
	})
}

// The device cookie is Secure wherever the session cookie is, and a browser keeps the
// entries of the other accounts it logged in to (at most maxKnownAccounts, newest first).
func TestDeviceCookie(t *testing.T) {
	ids := func(r *http.Request) string {
		var ids []string
		for _, e := range deviceEntries(r) {
			ids = append(ids, e[0])
		}
		return strings.Join(ids, " ")
	}
	for _, tc := range []struct {
		transport string
		secure    bool
	}{{"disabled", false}, {"reverse-proxy", true}, {"enabled", true}} {
		s := &Server{cfg: &config.Config{SecretKey: "0123456789abcdef0123", TransportSecurity: tc.transport}}
		r := httptest.NewRequest(http.MethodPost, "/stadt/login/", nil)
		for _, id := range []int64{1, 2, 3, 4, 5, 6, 7, 5} {
			w := httptest.NewRecorder()
			s.rememberDevice(w, r, &store.Gestalt{ID: id, Password: "hash"})
			c := w.Result().Cookies()[0]
			if c.Secure != tc.secure || !c.HttpOnly || c.MaxAge < 365*24*3600 {
				t.Errorf("transport_security %s: cookie Secure %v, HttpOnly %v, MaxAge %d", tc.transport, c.Secure, c.HttpOnly, c.MaxAge)
			}
			r = httptest.NewRequest(http.MethodPost, "/stadt/login/", nil)
			r.AddCookie(c)
		}
		if got, want := ids(r), "5 7 6 4 3"; got != want {
			t.Errorf("known accounts after logins as 1…7 and 5 again: %s, want %s", got, want)
		}
	}
}
