package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// mails runs the queue as the task runner would, up to the MTA: notification jobs fan out,
// and the mails they and the pages queued are returned (their jobs are done). Any other job
// but remote media (mediaJobs runs those) fails the test.
func (s *site) mails() []mail.Job { return s.drain(false) }

// runJobs is mails for the Fediverse: deliveries (to the remote inboxes) and publications run
// too, and other jobs are completed unrun.
func (s *site) runJobs() []mail.Job { return s.drain(true) }

func (s *site) drain(fediverse bool) []mail.Job {
	s.t.Helper()
	ctx := context.Background()
	var out []mail.Job
	for {
		jobs, err := s.db.ClaimJobs(ctx, "test", 1000, time.Now().Add(time.Second), time.Now().Add(time.Hour))
		if err != nil {
			s.t.Fatal(err)
		}
		if len(jobs) == 0 {
			return out
		}
		for _, j := range jobs {
			switch {
			case j.Kind == mail.JobKind:
				var m mail.Job
				if err := json.Unmarshal(j.Payload, &m); err != nil {
					s.t.Fatal(err)
				}
				out = append(out, m)
			case j.Kind == notify.JobKind:
				if err := s.db.Tx(ctx, func(q *store.Queries) error { return s.srv.notifier.Fanout(ctx, q, j) }); err != nil {
					s.t.Fatal(err)
				}
			case fediverse && j.Kind == federation.JobDeliver:
				if err := s.srv.federation.Deliver(ctx, j); err != nil {
					s.t.Errorf("delivery: %v", err)
				}
			case fediverse && j.Kind == federation.JobPublish:
				if err := s.db.Tx(ctx, func(q *store.Queries) error { return s.srv.federation.Publish(ctx, q, j) }); err != nil {
					s.t.Fatal(err)
				}
			case fediverse, j.Kind == federation.JobAvatar, j.Kind == federation.JobPictures, j.Kind == federation.JobRemoveMedia:
				// other parts' jobs are theirs to test; remote media: mediaJobs runs them
			default:
				s.t.Fatalf("unexpected job %s", j.Kind)
			}
			if err := s.db.CompleteJob(ctx, j); err != nil {
				s.t.Fatal(err)
			}
		}
	}
}

// link finds the first link with prefix in a mail text.
func link(t *testing.T, m mail.Job, prefix string) string {
	t.Helper()
	found := regexp.MustCompile(regexp.QuoteMeta(prefix) + `\S*`).FindString(m.Message.Text)
	if found == "" {
		t.Fatalf("no link %s… in %q", prefix, m.Message.Text)
	}
	return strings.TrimPrefix(found, "http://grouprise.test")
}

// captchaAnswer solves the sum of a page.
func captchaAnswer(r *response) url.Values {
	label := r.text(`label[for=f-captcha]`)
	var a, b int
	for i, f := range regexp.MustCompile(`\d+`).FindAllString(label, 2) {
		n := 0
		for _, c := range f {
			n = n*10 + int(c-'0')
		}
		if i == 0 {
			a = n
		} else {
			b = n
		}
	}
	return url.Values{"captcha_token": {r.doc.Find(`input[name=captcha_token]`).AttrOr("value", "")},
		"captcha": {itoa(int64(a + b))}}
}

func merge(vs ...url.Values) url.Values {
	out := url.Values{}
	for _, v := range vs {
		for k, list := range v {
			out[k] = list
		}
	}
	return out
}

func TestSignupConfirmAndReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		b := s.browser()
		form := b.get("/stadt/signup/")
		form.expect(t, http.StatusOK, `name="captcha_token"`)
		values := url.Values{"email": {"jo@example.org"}}

		// A wrong sum gives the form back, nothing written.
		r := b.post("/stadt/signup/", merge(values, url.Values{"captcha_token": {"1.x"}, "captcha": {"3"}}))
		r.expect(t, http.StatusUnprocessableEntity, "Das Ergebnis stimmt nicht")
		if n, _ := db.Count(context.Background(), "pending_signups"); n != 0 {
			t.Fatalf("%d signups after a refused form", n)
		}

		r = b.post("/stadt/signup/", merge(values, captchaAnswer(r)))
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-up: %d %s", r.StatusCode, r.text(".field-error"))
		}
		b.get("/").expect(t, http.StatusOK, "Fast geschafft")
		if r := b.get("/stadt/settings/"); r.StatusCode != http.StatusFound {
			t.Fatalf("settings before the link: %d, want the login", r.StatusCode)
		}
		mails := s.mails()
		if len(mails) != 1 || mails[0].Envelope.To[0] != "jo@example.org" {
			t.Fatalf("mails %+v", mails)
		}
		confirm := link(t, mails[0], "http://grouprise.test/stadt/signup/confirm/")
		b.get(confirm).expect(t, http.StatusOK, "Registrierung abschließen", "jo@example.org")
		b.post(confirm, url.Values{"password": {"long-enough"}, "password2": {"other"}}).
			expect(t, http.StatusUnprocessableEntity, "Die beiden Kennwörter stimmen nicht überein.")
		b.post(confirm, url.Values{"password": {"long-enough"}, "password2": {"long-enough"}}).expect(t, http.StatusSeeOther)
		b.get("/stadt/settings/").expect(t, http.StatusOK, "Dein Benutzername ist jo")
		b.get("/stadt/email/").expect(t, http.StatusOK, "bestätigt")

		// A second address is confirmed by its own link, by the account that added it only.
		b.post("/stadt/email/", url.Values{"action": {"add"}, "email": {"jo@example.net"}}).expect(t, http.StatusSeeOther)
		second := link(t, s.mails()[0], "http://grouprise.test/stadt/confirm/")
		s.person("kai", "kais-password")
		other := s.loggedIn("kai", "kais-password")
		other.post(second, nil).expect(t, http.StatusSeeOther)
		other.get("/stadt/email/").expect(t, http.StatusOK, "anderes Konto")
		if r := s.browser().get(second); r.StatusCode != http.StatusFound {
			t.Errorf("the link without login: %d, want the login", r.StatusCode)
		}
		b.get(second).expect(t, http.StatusOK, "Bestätigen", "jo@example.net")
		b.post(second, nil).expect(t, http.StatusSeeOther)
		b.get("/stadt/email/").expect(t, http.StatusOK, "Danke, die E-Mail-Adresse ist bestätigt.")

		// Forgotten password: the link sets a new one and logs in.
		other = s.browser()
		other.post("/stadt/password/reset/", url.Values{"email": {"jo@example.org"}}).expect(t, http.StatusSeeOther)
		reset := link(t, s.mails()[0], "http://grouprise.test/stadt/password/reset/key/")
		other.post(reset, url.Values{"password": {"brand-new-pw"}, "password2": {"brand-new-pw"}}).expect(t, http.StatusSeeOther)
		other.get("/").expect(t, http.StatusOK, "Dein neues Kennwort gilt")
		s.loggedIn("jo", "brand-new-pw")
		other.post(reset, url.Values{"password": {"third-pw-xx"}, "password2": {"third-pw-xx"}}).expect(t, http.StatusUnprocessableEntity,
			"Dieser Link ist ungültig oder abgelaufen.")
	})
}

func TestSettingsPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("alice", "peer-password")
		b := s.loggedIn("alice", "peer-password")
		b.post("/stadt/settings/", url.Values{"username": {"amsel"}, "first_name": {"Alice"}, "last_name": {"Amsel"},
			"about": {"Ich gärtnere."}, "public": {"on"}}).expect(t, http.StatusSeeOther)
		// Her profile is public now, under the new name.
		s.browser().get("/amsel/").expect(t, http.StatusOK, "Alice Amsel", "Ich gärtnere.")
		s.browser().get("/alice/").expect(t, http.StatusNotFound)
		// A taken or reserved name gives the form back.
		s.person("bob", "bob-password")
		b.post("/stadt/settings/", url.Values{"username": {"BOB"}}).expect(t, http.StatusUnprocessableEntity, "gehört schon einer Person oder Gruppe")
		b.post("/stadt/settings/", url.Values{"username": {"stadt"}}).expect(t, http.StatusUnprocessableEntity, "reserviert")

		// Preferences: English, no mail.
		b.post("/stadt/settings/notifications/", url.Values{"inbox": {"on"}, "language": {"en"}}).expect(t, http.StatusSeeOther)
		page := b.get("/stadt/settings/notifications/")
		page.expect(t, http.StatusOK, `<html lang="en">`, "Saved.")
		if page.doc.Find(`input[name=email]`).Is(":checked") || !page.doc.Find(`input[name=inbox]`).Is(":checked") {
			t.Error("the checkboxes do not show the saved preferences")
		}

		// Password change needs the current one.
		b.post("/stadt/settings/password/", url.Values{"current": {"wrong"}, "password": {"new-password"}, "password2": {"new-password"}}).
			expect(t, http.StatusUnprocessableEntity, "The current password is wrong.")
		b.post("/stadt/settings/password/", url.Values{"current": {"peer-password"}, "password": {"new-password"}, "password2": {"new-password"}}).
			expect(t, http.StatusSeeOther)
		s.loggedIn("amsel", "new-password")

		// A private profile is the owner's only.
		s.person("dave", "dave-password")
		s.browser().get("/dave/").expect(t, http.StatusFound)
		b.get("/dave/").expect(t, http.StatusForbidden)
		s.loggedIn("dave", "dave-password").get("/dave/").expect(t, http.StatusOK, "privates Profil")
	})
}

func TestDeleteAccount(t *testing.T) {
	s := newSite(t, storetest.Open(t, store.SQLite), "unknown_gestalt_id: 1\n")
	s.person("unbekannt", "unknown-password") // id 1
	s.person("eve", "eve-password")
	b := s.loggedIn("eve", "eve-password")
	b.get("/stadt/settings/gestalt/delete/").expect(t, http.StatusOK, "0 Beiträge")
	b.post("/stadt/settings/gestalt/delete/", url.Values{"username": {"evE"}}).expect(t, http.StatusUnprocessableEntity, "nicht dein Benutzername")
	b.post("/stadt/settings/gestalt/delete/", url.Values{"username": {"eve"}}).expect(t, http.StatusSeeOther)
	if _, err := s.db.GestaltByUsername(context.Background(), "eve"); err == nil {
		t.Error("the account still exists")
	}
	if b.get("/").doc.Find("details.user-menu").Length() != 0 {
		t.Error("still logged in after deleting the account")
	}
}
