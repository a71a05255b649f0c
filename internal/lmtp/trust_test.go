package lmtp

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// explanations counts the explanation mails queued for an address.
func (s *site) explanations(addr string) int {
	s.t.Helper()
	n := 0
	for _, p := range storetest.Rows(s.t, s.db, `SELECT payload FROM jobs WHERE kind = 'mail'`) {
		if strings.Contains(p, "auto-replied") && strings.Contains(p, `"`+addr+`"`) {
			n++
		}
	}
	return n
}

// token makes a reply address of a person for a content.
func (s *site) token(gestaltID, contentID int64) string {
	s.t.Helper()
	tk := &store.Token{GestaltID: gestaltID, Feature: store.FeatureReply, Created: time.Now(), ContentID: contentID}
	if err := s.db.Tx(context.Background(), func(q *store.Queries) error { return q.CreateToken(context.Background(), tk) }); err != nil {
		s.t.Fatal(err)
	}
	return tk.Secret
}

// lhlo opens a session that has greeted.
func (s *site) lhlo() *conn {
	c := s.dial()
	c.send("LHLO mta.example.org")
	c.reply()
	return c
}

// No backscatter: an unknown reply address is refused at RCPT (the MTA, not grouprise,
// answers), and a sender whose mail is refused hears of it at most once per message and
// hour, never when the mail was automatic or came from the null sender.
func TestNoBackscatter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		a, err := contents.New(db).Create(context.Background(), s.people["anna"], s.garden.ID, contents.Article,
			contents.Draft{Title: "Fest", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		known := s.token(s.people["bert"].ID, a.ContentID)
		c := s.lhlo()
		c.send("MAIL FROM:<carla@example.org>", "RCPT TO:<reply+unbekannt@grouprise.test>",
			"RCPT TO:<reply+"+known+"@grouprise.test>", "RCPT TO:<REPLY+"+strings.ToUpper(known)+"@grouprise.test>", "RSET")
		codes, texts := c.replies(5)
		for i, want := range []int{250, 550, 250, 250, 250} {
			if codes[i] != want {
				t.Errorf("reply %d: %d, want %d (%s)", i, codes[i], want, texts[i])
			}
		}

		// One message to two groups carla is no member of: one explanation, not two.
		_, data, texts := c.transaction("carla@example.org", []string{"garten@grouprise.test", "haus@grouprise.test"},
			mailText("Message-ID: <spam1@example.org>\nSubject: Angebot", "Kaufen Sie!"))
		if len(data) != 2 || data[0] != 250 || data[1] != 250 || !strings.Contains(texts[0], "explanation") {
			t.Fatalf("refused: %v %q", data, texts)
		}
		if n := s.explanations("carla@example.org"); n != 1 {
			t.Errorf("%d explanations for one message, want 1", n)
		}
		// Another message within the hour: refused, not explained again.
		_, data, texts = c.transaction("carla@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <spam2@example.org>\nSubject: Angebot", "Kaufen Sie!"))
		if data[0] != 250 || strings.Contains(texts[0], "explanation") {
			t.Errorf("second refusal: %v %q", data, texts)
		}
		if n := s.explanations("carla@example.org"); n != 1 {
			t.Errorf("%d explanations within an hour, want 1", n)
		}
		// An hour later she is told again.
		s.later.Store(int64(61 * time.Minute))
		c.transaction("Carla@Example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <spam3@example.org>\nSubject: Angebot", "Kaufen Sie!"))
		if n := s.explanations("Carla@Example.org") + s.explanations("carla@example.org"); n != 2 {
			t.Errorf("%d explanations after an hour, want 2", n)
		}
		// Automatic mail and the null sender: never an answer.
		jobs := s.count("jobs")
		s.later.Store(int64(3 * time.Hour))
		c.transaction("dora@example.org", []string{"garten@grouprise.test"},
			mailText("Message-ID: <auto1@example.org>\nAuto-Submitted: auto-replied\nSubject: Abwesend", "Urlaub"))
		c.transaction("", []string{"garten@grouprise.test"}, mailText("Message-ID: <bounce1@example.org>\nSubject: Undelivered", "x"))
		if n := s.count("jobs"); n != jobs {
			t.Errorf("automatic mail answered: %d jobs, was %d", n, jobs)
		}
	})
}

// A mailed reply writes a comment for members only (as the original did): only members of
// the content's group may, like the web form's "internal" box; a former member's old reply
// address and old comments no longer let her write into the group's items.
func TestMailedRepliesNeedMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		anna, bert, carla := s.people["anna"], s.people["bert"], s.people["carla"]
		cs := contents.New(db)
		internal, err := cs.Create(ctx, anna, s.garden.ID, contents.Article, contents.Draft{Title: "Kasse"})
		if err != nil {
			t.Fatal(err)
		}
		public, err := cs.Create(ctx, anna, s.garden.ID, contents.Article, contents.Draft{Title: "Fest", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		personal, err := cs.Create(ctx, anna, 0, contents.Article, contents.Draft{Title: "Mein Garten", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Comment(ctx, internal, bert, "Ich zähle nach.", 0, true); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Comment(ctx, public, carla, "Schön!", 0, false); err != nil {
			t.Fatal(err)
		}
		bertInternal := s.token(bert.ID, internal.ContentID)
		carlaPublic := s.token(carla.ID, public.ContentID)
		carlaPersonal := s.token(carla.ID, personal.ContentID)
		annaInternal := s.token(anna.ID, internal.ContentID)
		comments := func(a *store.Association) int {
			thread, err := db.Thread(ctx, a.ContentID, 0, true)
			if err != nil {
				t.Fatal(err)
			}
			return len(thread)
		}
		c := s.lhlo()
		send := func(from, token, id string) (int, string) {
			t.Helper()
			_, data, texts := c.transaction(from, []string{"reply+" + token + "@grouprise.test"},
				mailText("Message-ID: <"+id+"@example.org>\nSubject: Re", "Per Mail."))
			if len(data) != 1 {
				t.Fatalf("%s: %v", id, data)
			}
			return data[0], texts[0]
		}

		// A member writes into the internal item.
		if code, text := send("anna@example.org", annaInternal, "m1"); code != 250 || !strings.Contains(text, "Delivered") || comments(internal) != 2 {
			t.Errorf("member: %d %q, %d comments", code, text, comments(internal))
		}
		// A non-member's reply to a public item would be a comment for members only: refused.
		if code, text := send("carla@example.org", carlaPublic, "m2"); code != 250 || strings.Contains(text, "Delivered") || comments(public) != 1 {
			t.Errorf("non-member on a public item: %d %q, %d comments", code, text, comments(public))
		}
		// Content under a person has no group: who may comment there still answers by mail.
		if code, text := send("carla@example.org", carlaPersonal, "m3"); code != 250 || !strings.Contains(text, "Delivered") || comments(personal) != 1 {
			t.Errorf("personal content: %d %q, %d comments", code, text, comments(personal))
		}
		// bert leaves; his old comment and reply address no longer let him in.
		if err := groups.New(db, s.cfg.SlugReserved, nil).RemoveMember(ctx, s.garden.ID, bert.ID); err != nil {
			t.Fatal(err)
		}
		if code, text := send("bert@example.org", bertInternal, "m4"); code != 250 || strings.Contains(text, "Delivered") || comments(internal) != 2 {
			t.Errorf("former member: %d %q, %d comments", code, text, comments(internal))
		}
	})
}

// With lmtp.authserv_id set, the local MTA's verdict counts: a member's address on a mail
// that failed DMARC (or SPF without a DKIM signature of its domain) is a stranger's, and not
// answered either; the same verdict under another authserv-id is anybody's word and ignored.
func TestForgedSender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "lmtp: {authserv_id: mx.grouprise.test}\n")
		a, err := contents.New(db).Create(context.Background(), s.people["anna"], s.garden.ID, contents.Article,
			contents.Draft{Title: "Fest", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		bertReply := "reply+" + s.token(s.people["bert"].ID, a.ContentID) + "@grouprise.test"
		c := s.lhlo()
		for i, tc := range []struct {
			name, from, to, results string
			delivered               bool
		}{
			{"dmarc fail", "anna@example.org", "garten@grouprise.test",
				"Authentication-Results: mx.grouprise.test;\n\tdmarc=fail (p=reject dis=none) header.from=example.org", false},
			{"spf fail on a reply", "bert@example.org", bertReply,
				"Authentication-Results: mx.grouprise.test; spf=fail (mx.grouprise.test: 192.0.2.9 is not allowed) smtp.mailfrom=bert@example.org", false},
			{"a forged pass beside the MTA's fail", "anna@example.org", "garten@grouprise.test",
				"Authentication-Results: mx.grouprise.test; dmarc=fail header.from=example.org\nAuthentication-Results: mx.grouprise.test; dmarc=pass", false},
			{"another authserv-id", "anna@example.org", "garten@grouprise.test",
				"Authentication-Results: mx.evil.example; dmarc=fail header.from=example.org", true},
			{"spf fail with a dkim pass", "bert@example.org", bertReply,
				"Authentication-Results: mx.grouprise.test; spf=fail smtp.mailfrom=bert@example.org; dkim=pass header.d=example.org", true},
			// The attack: the member's address in the envelope, the attacker's own domain in
			// From:, signed with the attacker's key — DKIM and even DMARC pass, for evil.example.
			{"spf fail with the attacker's own dkim pass", "anna@example.org", "garten@grouprise.test",
				"Authentication-Results: mx.grouprise.test; spf=fail smtp.mailfrom=anna@example.org;\n\tdkim=pass header.d=evil.example; dmarc=pass header.from=evil.example", false},
			{"spf fail with the attacker's own dkim pass on a reply", "bert@example.org", bertReply,
				"Authentication-Results: mx.grouprise.test; spf=fail smtp.mailfrom=bert@example.org; dkim=pass header.d=evil.example header.i=@evil.example", false},
			{"spf fail with a dkim pass of a subdomain", "bert@example.org", bertReply,
				"Authentication-Results: mx.grouprise.test; spf=fail smtp.mailfrom=bert@example.org; dkim=pass header.d=mail.example.org", true},
			{"all pass", "anna@example.org", "garten@grouprise.test",
				"Authentication-Results: mx.grouprise.test; spf=pass smtp.mailfrom=anna@example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org", true},
		} {
			jobs := s.explanations(tc.from)
			_, data, texts := c.transaction(tc.from, []string{tc.to},
				mailText(tc.results+"\nMessage-ID: <forged"+itoa(int64(i))+"@example.org>\nSubject: Hallo", "Text "+tc.name))
			if len(data) != 1 || data[0] != 250 || strings.Contains(texts[0], "Delivered") != tc.delivered {
				t.Errorf("%s: %v %q, want delivered %v", tc.name, data, texts, tc.delivered)
			}
			if n := s.explanations(tc.from); n != jobs {
				t.Errorf("%s: the address's owner was answered", tc.name)
			}
		}
		if n := s.count("conversations"); n != 2 {
			t.Errorf("%d conversations, want 2", n)
		}
	})
}

// A group conversation is for the group's members and whoever started it: a member who
// replied and then left cannot reply by mail any more; the outsider who started it can.
func TestMailedConversationRepliesFollowMembership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		bert, carla := s.people["bert"], s.people["carla"]
		started, err := conversations.New(db).Start(ctx, conversations.Message{Author: carla, Subject: "Frage",
			Text: "Darf ich mitgärtnern?", GroupID: s.garden.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conversations.New(db).Reply(ctx, started.ConversationID, bert, "Klar!", 0); err != nil {
			t.Fatal(err)
		}
		token := func(id int64) string {
			tk := &store.Token{GestaltID: id, Feature: store.FeatureReply, Created: time.Now(), ContributionID: started.ContributionID}
			if err := db.Tx(ctx, func(q *store.Queries) error { return q.CreateToken(ctx, tk) }); err != nil {
				t.Fatal(err)
			}
			return tk.Secret
		}
		bertToken, carlaToken := token(bert.ID), token(carla.ID)
		if err := groups.New(db, s.cfg.SlugReserved, nil).RemoveMember(ctx, s.garden.ID, bert.ID); err != nil {
			t.Fatal(err)
		}
		messages := func() int {
			thread, err := db.Thread(ctx, 0, started.ConversationID, true)
			if err != nil {
				t.Fatal(err)
			}
			return len(thread)
		}
		c := s.lhlo()
		for i, tc := range []struct {
			who, from, token string
			delivered        bool
		}{
			{"the former member who replied", "bert@example.org", bertToken, false},
			{"the outsider who started it", "carla@example.org", carlaToken, true},
		} {
			before := messages()
			_, data, texts := c.transaction(tc.from, []string{"reply+" + tc.token + "@grouprise.test"},
				mailText("Message-ID: <conv-"+strconv.Itoa(i)+"@example.org>\nSubject: Re: Frage", "Per Mail."))
			if len(data) != 1 || data[0] != 250 || strings.Contains(texts[0], "Delivered") != tc.delivered ||
				(messages() > before) != tc.delivered {
				t.Errorf("%s: %v %q, %d messages before, %d after", tc.who, data, texts, before, messages())
			}
		}
	})
}
