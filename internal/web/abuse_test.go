package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// feedFrom asks for the personal calendar feed with HTTP Basic auth, for a visitor at addr.
func (b *browser) feedFrom(addr, login, password string) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://grouprise.test/stadt/events/private.ics", nil)
	req.SetBasicAuth(login, password)
	req.Header.Set("X-Real-IP", addr)
	return b.do(req)
}

// Guessing a password is limited per account, however the account is spelt, from however
// many addresses, through the login form and the feeds' HTTP Basic auth together: past the
// limit even the right password waits (unless it comes from a browser that logged in to the
// account before, see TestKnownDeviceGetsPastTheAccountLimit).
func TestPasswordGuessingIsLimitedPerAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("carol", "carol-password")
		// Each case guesses at an account of its own: bob0, bob1, …
		spellings := func(n int) []string {
			name := fmt.Sprintf("bob%d", n)
			return []string{name, strings.ToUpper(name) + "@example.org", "Bob" + name[3:], name + "@EXAMPLE.org"}
		}
		wrongForm := func(b *browser, n, i int) {
			t.Helper()
			b.loginFrom(fmt.Sprintf("198.51.100.%d", i), spellings(n)[i%4], "guess").
				expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
		}
		wrongFeed := func(b *browser, n, i int) {
			t.Helper()
			if r := b.feedFrom(fmt.Sprintf("203.0.113.%d", i), spellings(n)[i%4], "guess"); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("wrong Basic auth %d: status %d", i, r.StatusCode)
			}
		}
		cases := []struct {
			name  string
			wrong func(b *browser, n, i int)
		}{
			{"login form", wrongForm},
			{"HTTP Basic auth", wrongFeed},
			{"both", func(b *browser, n, i int) {
				if i%2 == 0 {
					wrongForm(b, n, i)
				} else {
					wrongFeed(b, n, i)
				}
			}},
		}
		for n, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				name := fmt.Sprintf("bob%d", n)
				s.person(name, "bob-password")
				b := s.browser()
				for i := range loginPerAccount {
					tc.wrong(b, n, i)
				}
				for _, login := range []string{name, name + "@example.org"} {
					b.loginFrom("192.0.2.1", login, "bob-password").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
					if r := b.feedFrom("192.0.2.2", login, "bob-password"); r.StatusCode != http.StatusUnauthorized {
						t.Errorf("Basic auth as %s with the right password past the limit: status %d", login, r.StatusCode)
					}
				}
				s.loggedIn("carol", "carol-password") // another account is not affected
			})
		}

		t.Run("below the limit", func(t *testing.T) {
			s.person("bob9", "bob-password")
			b := s.browser()
			for i := range loginPerAccount - 1 {
				wrongForm(b, 9, i)
			}
			if r := b.loginFrom("192.0.2.1", "BOB9@example.org", "bob-password"); r.StatusCode != http.StatusSeeOther {
				t.Errorf("right password after %d wrong ones: status %d", loginPerAccount-1, r.StatusCode)
			}
		})

		t.Run("unknown names", func(t *testing.T) {
			b := s.browser()
			for i := range loginPerAccount {
				b.loginFrom(fmt.Sprintf("198.51.100.%d", i), []string{"nobody", "NOBODY", "Nobody"}[i%3], "guess").
					expect(t, http.StatusUnprocessableEntity, "stimmen nicht")
			}
			b.loginFrom("192.0.2.1", "nobody", "guess").expect(t, http.StatusUnprocessableEntity, "Zu viele Versuche")
		})
	})
}

// An IPv6 visitor has a /64 to choose addresses from: it counts as one address.
func TestAddressKey(t *testing.T) {
	for addr, want := range map[string]string{
		"198.51.100.7":         "198.51.100.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "2001:db8:1:2::/64",
		"::1":                  "::/64",
		"local":                "local",
	} {
		if got := addressKey(addr); got != want {
			t.Errorf("addressKey(%q) = %q, want %q", addr, got, want)
		}
	}
}
