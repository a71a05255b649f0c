package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

var captchaSum = regexp.MustCompile(`(\d+)\D+(\d+)`)

// solveCaptcha reads the sum of a form page as a person would and answers it.
func solveCaptcha(t *testing.T, page *response) url.Values {
	t.Helper()
	token, _ := page.doc.Find(`input[name="captcha_token"]`).Attr("value")
	m := captchaSum.FindStringSubmatch(page.text(`label[for="f-captcha"]`))
	if token == "" || m == nil {
		t.Fatalf("no captcha on %s", page.Request.URL)
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	return url.Values{"captcha_token": {token}, "captcha": {strconv.Itoa(a + b)}}
}

func addresses(from, n int) string {
	var out []string
	for i := from; i < from+n; i++ {
		out = append(out, fmt.Sprintf("friend%d@example.net", i))
	}
	return strings.Join(out, ", ")
}

// The recommend form is no relay: a visitor sends only the site's own text, and nobody
// more than a few recommendations an hour; a captcha answer counts once.
func TestRecommendIsNoRelay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.group("Garten", anna)
		const form = "/garten/actions/recommend"

		// A visitor's own text never goes out: the site's text does.
		visitor := s.browser()
		page := visitor.get(form)
		page.expect(t, http.StatusOK, "Garten", "http://grouprise.test/garten/")
		if page.doc.Find(`textarea[name="text"]`).Length() != 0 {
			t.Error("visitors are offered a text field")
		}
		values := solveCaptcha(t, page)
		values.Set("recipients", "victim@example.net")
		values.Set("text", "Cheap pills at https://evil.example/")
		if r := visitor.post(form, values); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recommendation: %d %s", r.StatusCode, r.text(".field-error"))
		}
		mails := s.mails()
		if len(mails) != 1 || strings.Contains(mails[0].Message.Text, "evil") || !strings.Contains(mails[0].Message.Text, "http://grouprise.test/garten/") {
			t.Errorf("mails %+v", mails)
		}

		// The same captcha answer again: refused, nothing sent.
		values.Set("recipients", "other@example.net")
		visitor.post(form, values).expect(t, http.StatusUnprocessableEntity, "Das Ergebnis stimmt nicht")
		if n := len(s.mails()); n != 0 {
			t.Errorf("a replayed captcha answer sent %d mails", n)
		}

		// Ten an hour for a visitor's address; the eleventh is refused with a message.
		values = solveCaptcha(t, visitor.get(form))
		values.Set("recipients", addresses(0, 9))
		values.Set("text", "Hallo")
		if r := visitor.post(form, values); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("nine more: %d %s", r.StatusCode, r.text(".field-error"))
		}
		values = solveCaptcha(t, s.browser().get(form))
		values.Set("recipients", addresses(9, 1))
		values.Set("text", "Hallo")
		s.browser().post(form, values).expect(t, http.StatusUnprocessableEntity, "zu viele Empfehlungen")
		if n := len(s.mails()); n != 9 {
			t.Errorf("%d mails, want 9", n)
		}

		// A person who is logged in writes their own text, and has a limit of their own.
		b := s.loggedIn("anna", "anna-password")
		r := b.post(form, url.Values{"recipients": {addresses(100, 20)}, "text": {"Schaut mal!"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logged in: %d %s", r.StatusCode, r.text(".field-error"))
		}
		r = b.post(form, url.Values{"recipients": {addresses(120, 20)}, "text": {"Schaut mal!"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("logged in, 40: %d %s", r.StatusCode, r.text(".field-error"))
		}
		b.post(form, url.Values{"recipients": {addresses(140, 1)}, "text": {"Schaut mal!"}}).
			expect(t, http.StatusUnprocessableEntity, "zu viele Empfehlungen")
		mails = s.mails()
		if len(mails) != 40 || !strings.Contains(mails[0].Message.Text, "Schaut mal!") {
			t.Errorf("%d mails by a person", len(mails))
		}
	})
}

// postFrom posts a form as a visitor at addr, named by the trusted proxy (the unix socket).
func (b *browser) postFrom(addr, path string, values url.Values) *response {
	b.s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://grouprise.test"+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://grouprise.test")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("X-Real-IP", addr)
	return b.do(req)
}

// A visitor's budget counts an IPv6 /64 as one address, as the login limit does: another
// address of the same /64 does not start a fresh hour.
func TestRecommendBudgetPerIPv6Network(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		s.group("Garten", anna)
		const form = "/garten/actions/recommend"
		send := func(addr string, from, n int) *response {
			t.Helper()
			b := s.browser()
			values := solveCaptcha(t, b.get(form))
			values.Set("recipients", addresses(from, n))
			return b.postFrom(addr, form, values)
		}
		if r := send("2001:db8:1:2::1", 0, recommendPerHourByVisitor); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a visitor's budget: %d %s", r.StatusCode, r.text(".field-error"))
		}
		send("2001:db8:1:2:ffff:ffff:ffff:fffe", 10, 1).expect(t, http.StatusUnprocessableEntity, "zu viele Empfehlungen")
		if r := send("2001:db8:1:3::1", 20, 1); r.StatusCode != http.StatusSeeOther {
			t.Errorf("another /64: %d %s", r.StatusCode, r.text(".field-error"))
		}
		if r := send("198.51.100.7", 30, 1); r.StatusCode != http.StatusSeeOther {
			t.Errorf("an IPv4 address: %d %s", r.StatusCode, r.text(".field-error"))
		}
		if n := len(s.mails()); n != recommendPerHourByVisitor+2 {
			t.Errorf("%d mails, want %d", n, recommendPerHourByVisitor+2)
		}
	})
}

// A person recommends to addresses and to people here by @username; each gets one mail (in
// their own language), the sender never sees a person's address, and a name that reaches
// nobody comes back as a message. The offered text names how to subscribe and, for an open
// group, how to join.
func TestRecommendToUsernames(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		anna := s.person("anna", "anna-password")
		bert := s.person("bert", "bert-password")
		if err := accounts.New(s.db, s.cfg.SlugReserved, nil).SetPreferences(context.Background(), bert.ID,
			store.Preferences{Language: "en"}); err != nil {
			t.Fatal(err)
		}
		s.group("Garten", anna)
		const form = "/garten/actions/recommend"
		b := s.loggedIn("anna", "anna-password")
		text := b.get(form).doc.Find(`textarea[name="text"]`).Text()
		for _, want := range []string{"http://grouprise.test/garten/", "/garten/actions/subscribe", "/garten/actions/join", "Anna"} {
			if !strings.Contains(text, want) {
				t.Errorf("the offered text lacks %q:\n%s", want, text)
			}
		}
		r := b.post(form, url.Values{"recipients": {"@bert, carla@example.net @nobody"}, "text": {"Schaut mal!"}})
		r.expect(t, http.StatusUnprocessableEntity, "@nobody")
		if n := len(s.mails()); n != 0 {
			t.Fatalf("%d mails sent although a recipient was unknown", n)
		}
		r = b.post(form, url.Values{"recipients": {"@Bert,\nbert@example.org carla@example.net"}, "text": {"Schaut mal!"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("recommend: %d %s", r.StatusCode, r.text(".field-error"))
		}
		got := map[string]string{}
		mails := s.mails()
		for _, m := range mails {
			got[m.Envelope.To[0]] = m.Message.Subject
		}
		if len(mails) != 2 || len(got) != 2 || got["carla@example.net"] == "" || got["bert@example.org"] == "" || got["bert@example.org"] == got["carla@example.net"] {
			t.Errorf("mails (recipient → subject): %v, want one for carla in German and one for bert in English", got)
		}
		// Visitors name addresses only, and solve the sum before any name is looked up.
		visitor := s.browser()
		values := solveCaptcha(t, visitor.get(form))
		values.Set("recipients", "@bert")
		visitor.post(form, values).expect(t, http.StatusUnprocessableEntity, "nicht an @Namen")
		values = solveCaptcha(t, visitor.get(form))
		values.Set("captcha", "1000")
		values.Set("recipients", "@nobody")
		values.Set("recipients", "nobody@example.net @nobody")
		if r := visitor.post(form, values); r.StatusCode != http.StatusUnprocessableEntity || strings.Contains(r.text(".field-error"), "@nobody") {
			t.Errorf("a visitor with a wrong sum learns about @nobody: %d %q", r.StatusCode, r.text(".field-error"))
		}
		if n := len(s.mails()); n != 0 {
			t.Errorf("%d mails from refused visitors", n)
		}

		// A closed group is joined by invitation: the text offers no join link.
		if _, err := groups.New(s.db, s.cfg.SlugReserved, nil).Create(context.Background(),
			groups.NewGroup{Name: "Rat", Creator: anna, Closed: true}); err != nil {
			t.Fatal(err)
		}
		text = b.get("/rat/actions/recommend").doc.Find(`textarea[name="text"]`).Text()
		if !strings.Contains(text, "/rat/actions/subscribe") || strings.Contains(text, "/rat/actions/join") {
			t.Errorf("a closed group's text:\n%s", text)
		}
	})
}
