package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// Identity comes only from a proven address: these are the ways a stranger took over
// accounts before (issue "Trust"), each tried as the attacker would.

// signupAs fills the signup form as a visitor and returns the answer.
func signupAs(t *testing.T, b *browser, email string) *response {
	t.Helper()
	form := b.get("/stadt/signup/")
	return b.post("/stadt/signup/", merge(url.Values{"email": {email}}, captchaAnswer(form)))
}

// finishSignup follows a signup link and chooses the password there.
func finishSignup(t *testing.T, b *browser, link, password string) *response {
	t.Helper()
	b.get(link).expect(t, http.StatusOK, `name="password2"`)
	return b.post(link, url.Values{"password": {password}, "password2": {password}})
}

// loggedInAs tells who the browser is logged in as ("" for nobody), from the settings page.
func loggedInAs(t *testing.T, b *browser) string {
	t.Helper()
	r := b.get("/stadt/settings/")
	if r.StatusCode != http.StatusOK {
		return ""
	}
	return r.doc.Find(`input[name=username]`).AttrOr("value", "?")
}

func mailTo(mails []mail.Job, address string) []mail.Job {
	var out []mail.Job
	for _, m := range mails {
		for _, to := range m.Envelope.To {
			if to == address {
				out = append(out, m)
			}
		}
	}
	return out
}

func TestSignupDoesNotClaimAShadowAccountWithoutTheMailedLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		alice := s.person("alice", "alices-password")
		closed := s.group("Geheim", alice)
		storetest.Exec(t, db, `UPDATE groups SET closed = TRUE WHERE id = `+itoa(closed.ID))
		shadow, err := groups.New(db, s.cfg.SlugReserved, nil).AddByEmail(ctx, closed, "frieda@example.net", alice)
		if err != nil {
			t.Fatal(err)
		}
		s.mails()

		attacker := s.browser()
		signupAs(t, attacker, "frieda@example.net").expect(t, http.StatusSeeOther)
		if who := loggedInAs(t, attacker); who != "" {
			t.Fatalf("the signup logged the visitor in as %q, the shadow member of a closed group", who)
		}
		if g, _ := db.GestaltByID(ctx, shadow.ID); !strings.HasPrefix(g.Password, "!") {
			t.Error("the signup gave the shadow account a password")
		}
		// The link goes to the address only, and only there is a password chosen: whoever
		// follows it — the address's owner — chooses it, not whoever filled in the form.
		mails := mailTo(s.mails(), "frieda@example.net")
		if len(mails) != 1 {
			t.Fatalf("%d mails to the address, want the link", len(mails))
		}
		owner := s.browser()
		finishSignup(t, owner, link(t, mails[0], "http://grouprise.test/stadt/signup/confirm/"), "friedas-password").
			expect(t, http.StatusSeeOther)
		if who := loggedInAs(t, owner); who != shadow.Username {
			t.Fatalf("after the link: logged in as %q, want the shadow account %q", who, shadow.Username)
		}
		s.loggedIn("frieda@example.net", "friedas-password")
		// The link is spent with it.
		again := s.browser()
		again.post(link(t, mails[0], "http://grouprise.test/stadt/signup/confirm/"),
			url.Values{"password": {"attackers-password"}, "password2": {"attackers-password"}}).expect(t, http.StatusSeeOther)
		if who := loggedInAs(t, again); who != "" {
			t.Errorf("the spent link logged in as %q", who)
		}
		s.browser().post("/stadt/login/", url.Values{"login": {"frieda@example.net"}, "password": {"attackers-password"}}).
			expect(t, http.StatusUnprocessableEntity)
	})
}

func TestSignupAnswersTheSameForKnownAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("alice", "alices-password")
		known := signupAs(t, s.browser(), "alice@example.org")
		unknown := signupAs(t, s.browser(), "nobody@example.org")
		if known.StatusCode != unknown.StatusCode || known.Header.Get("Location") != unknown.Header.Get("Location") {
			t.Errorf("known address: %d %s, unknown: %d %s", known.StatusCode, known.Header.Get("Location"),
				unknown.StatusCode, unknown.Header.Get("Location"))
		}
		mails := s.mails()
		toAlice := mailTo(mails, "alice@example.org")
		if len(toAlice) != 1 || !strings.Contains(toAlice[0].Message.Text, "alice") ||
			!strings.Contains(toAlice[0].Message.Text, "/stadt/password/reset/") {
			t.Errorf("the owner of the known address gets %+v, want a note with her username and the reset link", toAlice)
		}
		if len(mailTo(mails, "nobody@example.org")) != 1 {
			t.Errorf("the unknown address gets no link")
		}
		if n, _ := db.Count(context.Background(), "gestalten"); n != 1 {
			t.Errorf("%d accounts; no account is made before its link is followed", n)
		}
	})
}

func TestUnconfirmedAddressIdentifiesNobody(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		mallory := s.person("mallory", "mallorys-password")
		b := s.loggedIn("mallory", "mallorys-password")
		b.post("/stadt/email/", url.Values{"action": {"add"}, "email": {"victim@example.net"}}).expect(t, http.StatusSeeOther)
		s.mails()

		// No login with it.
		s.browser().post("/stadt/login/", url.Values{"login": {"victim@example.net"}, "password": {"mallorys-password"}}).
			expect(t, http.StatusUnprocessableEntity)
		// No password reset by it.
		s.browser().post("/stadt/password/reset/", url.Values{"email": {"victim@example.net"}}).expect(t, http.StatusSeeOther)
		if m := s.mails(); len(m) != 0 {
			t.Errorf("a reset for the unconfirmed address mailed %+v", m[0].Message.Text)
		}
		// An invitation to the address does not make mallory a member.
		alice := s.person("alice", "alices-password")
		closed := s.group("Geheim", alice)
		storetest.Exec(t, db, `UPDATE groups SET closed = TRUE WHERE id = `+itoa(closed.ID))
		s.loggedIn("alice", "alices-password").post("/stadt/groups/"+itoa(closed.ID)+"/members/add/",
			url.Values{"email": {"victim@example.net"}}).expect(t, http.StatusSeeOther)
		if member, _ := db.IsMember(ctx, closed.ID, mallory.ID); member {
			t.Fatal("the invitation of an address mallory never confirmed made her a member")
		}
		victim, err := db.GestaltByEmail(ctx, "victim@example.net")
		if err != nil || victim.ID == mallory.ID {
			t.Fatalf("the invited address belongs to %+v, %v; want a new shadow account", victim, err)
		}
		if member, _ := db.IsMember(ctx, closed.ID, victim.ID); !member {
			t.Error("the invited address's shadow account is no member")
		}
	})
}

func TestPasswordResetGoesToTheStoredAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("kim", "kims-password")
		// A Kelvin sign folds to k: such a spelling is no valid address here at all.
		s.browser().post("/stadt/password/reset/", url.Values{"email": {"\u212Aim@example.org"}}).
			expect(t, http.StatusUnprocessableEntity)
		if m := s.mails(); len(m) != 0 {
			t.Fatalf("a reset for the Kelvin spelling mailed %+v", m)
		}
		// Another spelling that matches the account: mail goes only to the address as stored.
		s.browser().post("/stadt/password/reset/", url.Values{"email": {"KIM@Example.org"}}).expect(t, http.StatusSeeOther)
		mails := s.mails()
		if len(mails) != 1 || len(mails[0].Envelope.To) != 1 || mails[0].Envelope.To[0] != "kim@example.org" ||
			mails[0].Message.To[0].Address != "kim@example.org" {
			t.Fatalf("reset mails %+v, want one to kim@example.org", mails)
		}
	})
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("jo", "jos-password")
		laptop := s.loggedIn("jo", "jos-password")
		stolen := s.loggedIn("jo", "jos-password")
		laptop.post("/stadt/settings/password/", url.Values{"current": {"jos-password"}, "password": {"new-password"},
			"password2": {"new-password"}}).expect(t, http.StatusSeeOther)
		if who := loggedInAs(t, laptop); who != "jo" {
			t.Errorf("the session that changed the password: logged in as %q", who)
		}
		if who := loggedInAs(t, stolen); who != "" {
			t.Errorf("another session after the password change: still logged in as %q", who)
		}

		// A reset ends them all but the one it opens.
		other := s.loggedIn("jo", "new-password")
		s.browser().post("/stadt/password/reset/", url.Values{"email": {"jo@example.org"}}).expect(t, http.StatusSeeOther)
		reset := link(t, s.mails()[0], "http://grouprise.test/stadt/password/reset/key/")
		fresh := s.browser()
		fresh.post(reset, url.Values{"password": {"third-password"}, "password2": {"third-password"}}).expect(t, http.StatusSeeOther)
		if who := loggedInAs(t, fresh); who != "jo" {
			t.Errorf("after the reset: logged in as %q", who)
		}
		for name, b := range map[string]*browser{"laptop": laptop, "other": other} {
			if who := loggedInAs(t, b); who != "" {
				t.Errorf("%s after the reset: still logged in as %q", name, who)
			}
		}
	})
}

func TestAnonymousMessageShowsAsGuestUntilConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		alice := s.person("alice", "alices-password")
		g := s.group("Garten", alice)
		// A shadow member: added by address, never signed up.
		bea, err := groups.New(db, s.cfg.SlugReserved, nil).AddByEmail(ctx, g, "bea@example.net", alice)
		if err != nil {
			t.Fatal(err)
		}
		storetest.Exec(t, db, `UPDATE gestalten SET first_name = 'Bea' WHERE id = `+itoa(bea.ID))
		s.mails()

		stranger := s.browser()
		form := stranger.get("/stadt/groups/" + itoa(g.ID) + "/conversations/add/")
		r := stranger.post("/stadt/groups/"+itoa(g.ID)+"/conversations/add/", merge(url.Values{"email": {"bea@example.net"}, "subject": {"Kündigung"},
			"text": {"Ich trete aus, Bea"}}, captchaAnswer(form)))
		r.expect(t, http.StatusSeeOther)
		assoc := storetest.Rows(t, db, `SELECT MAX(id) FROM associations WHERE conversation_id IS NOT NULL`)[0]
		page := s.loggedIn("alice", "alices-password").get("/stadt/conversations/" + assoc + "/")
		page.expect(t, http.StatusOK, "Gast")
		if strings.Contains(page.text(".items .meta strong"), "Bea") {
			t.Errorf("the message shows as from %q before the address's owner confirmed it", page.text(".items .meta strong"))
		}
		groupPage := s.loggedIn("alice", "alices-password").get("/" + g.Slug + "/")
		if strings.Contains(groupPage.body, "· Bea ·") || !strings.Contains(groupPage.body, "· Gast ·") {
			t.Error("the group page's list of conversations names Bea as the last writer, not a guest")
		}
		mails := s.mails()
		for _, m := range mails {
			if m.Envelope.To[0] == "alice@example.org" && strings.Contains(m.Message.From.Name, "Bea") {
				t.Errorf("the members' notification is from %q", m.Message.From.Name)
			}
		}
		toBea := mailTo(mails, "bea@example.net")
		if len(toBea) == 0 {
			t.Fatal("no confirmation link to the address the message was sent in the name of")
		}
		var letter mail.Job
		for _, m := range toBea {
			if strings.Contains(m.Message.Text, "/stadt/conversations/confirm/") {
				letter = m
			}
		}
		confirm := link(t, letter, "http://grouprise.test/stadt/conversations/confirm/")
		s.browser().post(confirm, nil).expect(t, http.StatusSeeOther)
		page = s.loggedIn("alice", "alices-password").get("/stadt/conversations/" + assoc + "/")
		if got := page.text(".items .meta strong"); got != "Bea" {
			t.Errorf("after the owner confirmed: shown as %q, want Bea", got)
		}
	})
}

// TestThirdPartyMailsAreLimited: a visitor cannot make the site mail an address again and
// again (password resets, signup links); past the limit the answer stays the same and
// nothing is sent.
func TestThirdPartyMailsAreLimited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("kim", "kims-password")
		for i := 0; i < mailPerAddress+3; i++ {
			s.browser().post("/stadt/password/reset/", url.Values{"email": {"kim@example.org"}}).expect(t, http.StatusSeeOther)
		}
		if n := len(s.mails()); n != mailPerAddress {
			t.Errorf("%d reset mails to one address within the hour, want %d", n, mailPerAddress)
		}
		for i := 0; i < mailPerAddress+2; i++ {
			signupAs(t, s.browser(), "neu@example.org").expect(t, http.StatusSeeOther)
		}
		if n := len(s.mails()); n != mailPerAddress {
			t.Errorf("%d signup mails to one address within the hour, want %d", n, mailPerAddress)
		}
	})
}
