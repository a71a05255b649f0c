package tasks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// site is a small grouprise: the group stadtgarten with members alice (German), bob
// (English), carol (unsubscribed) and eve (no mail); dave follows it without being a member,
// frieda is a shadow account following it by e-mail; gustav knows nobody.
type site struct {
	t      *testing.T
	db     *store.DB
	cfg    *config.Config
	sink   *mailtest.Sink
	runner *Runner
	people map[string]*store.Gestalt
	garden *store.Group
}

func newSite(t *testing.T, db *store.DB) *site {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\nlanguage_code: de-de\ndata_path: " + t.TempDir() + "\n")}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, db: db, cfg: cfg, sink: mailtest.Start(t), people: map[string]*store.Gestalt{}}
	s.runner = New(db, quiet, Options{})
	if _, err := Register(s.runner, cfg, catalog, &mail.SMTP{Addr: s.sink.Addr}); err != nil {
		t.Fatal(err)
	}
	acc := accounts.New(db, cfg.SlugReserved, nil)
	names := map[string][2]string{"alice": {"Alice", "Amsel"}, "bob": {"Bob", "Biber"}, "carol": {"Carol", "Chamäleon"},
		"dave": {"Dave", "Dachs"}, "eve": {"Eve", "Eule"}, "gustav": {"Gustav", "Gans"}}
	for name, n := range names {
		g, err := acc.Create(ctx, accounts.NewAccount{Username: name, Email: name + "@example.org", FirstName: n[0], LastName: n[1]})
		if err != nil {
			t.Fatal(err)
		}
		s.people[name] = g
	}
	err = db.Tx(ctx, func(q *store.Queries) error {
		g, _, err := acc.ShadowAccount(ctx, q, "frieda@example.net")
		s.people["frieda"] = g
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	gr := groups.New(db, cfg.SlugReserved, nil)
	if s.garden, err = gr.Create(ctx, groups.NewGroup{Name: "Stadtgarten", Creator: s.people["alice"]}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"bob", "carol", "eve"} {
		if err := gr.AddMember(ctx, s.garden.ID, s.people[m].ID, s.people[m].ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"dave", "frieda"} {
		if err := db.Subscribe(ctx, s.garden.ID, s.people[f].ID); err != nil {
			t.Fatal(err)
		}
	}
	must(t, db.Unsubscribe(ctx, s.garden.ID, s.people["carol"].ID))
	must(t, db.SetPreferences(ctx, s.people["bob"].ID, store.Preferences{Language: "en", ByEmail: true, ByInbox: true}))
	must(t, db.SetPreferences(ctx, s.people["eve"].ID, store.Preferences{ByEmail: false, ByInbox: true}))
	return s
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// article publishes a content in the garden (or for a person) and announces it, in one transaction.
func (s *site) article(author, title, text string, public bool) (contentID, assocID int64) {
	s.t.Helper()
	ctx := context.Background()
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		c := &store.Content{Title: title}
		if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: s.people[author].ID, Text: text, TimeCreated: time.Now()}); err != nil {
			return err
		}
		a := &store.Association{ContentID: c.ID, GroupID: s.garden.ID, Public: public, Slug: "a" + store.NewSecret()}
		if _, err := q.CreateAssociation(ctx, a); err != nil {
			return err
		}
		contentID, assocID = c.ID, a.ID
		return notify.ContentCreated(ctx, q, c.ID, time.Now())
	})
	must(s.t, err)
	return contentID, assocID
}

func (s *site) contribute(c *store.Contribution) int64 {
	s.t.Helper()
	ctx := context.Background()
	must(s.t, s.db.Tx(ctx, func(q *store.Queries) error {
		if _, err := q.AddContribution(ctx, c); err != nil {
			return err
		}
		return notify.ContributionCreated(ctx, q, c.ID, time.Now())
	}))
	return c.ID
}

func (s *site) conversation(author string, subject string, groupID, gestaltID int64) (convID, assocID, firstID int64) {
	s.t.Helper()
	ctx := context.Background()
	must(s.t, s.db.Tx(ctx, func(q *store.Queries) error {
		var err error
		if convID, err = q.CreateConversation(ctx, subject); err != nil {
			return err
		}
		a := &store.Association{ConversationID: convID, GroupID: groupID, GestaltID: gestaltID}
		if _, err := q.CreateAssociation(ctx, a); err != nil {
			return err
		}
		assocID = a.ID
		c := &store.Contribution{ConversationID: convID, AuthorID: s.people[author].ID, Text: "Hallo zusammen!",
			TimeCreated: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC), Public: true}
		if _, err := q.AddContribution(ctx, c); err != nil {
			return err
		}
		firstID = c.ID
		return notify.ContributionCreated(ctx, q, c.ID, time.Now())
	}))
	return convID, assocID, firstID
}

// deliver runs the queue and returns the new mails by recipient.
func (s *site) deliver() map[string]parsed {
	s.t.Helper()
	before := len(s.sink.Messages())
	if _, err := s.runner.RunOnce(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]parsed{}
	for _, m := range s.sink.Messages()[before:] {
		if len(m.To) != 1 {
			s.t.Fatalf("a mail to %d recipients", len(m.To))
		}
		if _, dup := out[m.To[0]]; dup {
			s.t.Fatalf("two mails to %s", m.To[0])
		}
		if m.From != "noreply@grouprise.test" {
			s.t.Errorf("envelope sender %q", m.From)
		}
		out[m.To[0]] = parseMail(s.t, m.Data)
	}
	return out
}

type parsed struct {
	h    gomail.Header
	text string
	att  map[string]string
}

func parseMail(t *testing.T, data []byte) parsed {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{h: r.Header, att: map[string]string{}}
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part.Body)
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			p.text = strings.ReplaceAll(string(b), "\r\n", "\n")
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			p.att[name] = string(b)
		}
	}
	return p
}

func (p parsed) get(name string) string { return p.h.Get(name) }
func (p parsed) from() string {
	l, _ := p.h.AddressList("From")
	return l[0].Name + " <" + l[0].Address + ">"
}
func (p parsed) subject() string { s, _ := p.h.Subject(); return s }
func (p parsed) ids(name string) []string {
	l, _ := p.h.MsgIDList(name)
	return l
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var replyTo = regexp.MustCompile(`^<reply\+([a-z0-9]{15})@grouprise\.test>$`)

func TestNotificationsOfContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db)
		contentID, assocID := s.article("alice", "Frühjahrsputz", "Wir treffen uns am Samstag.", true)
		mails := s.deliver()
		// Subscribers of a public item: the author too (a copy), not carol (unsubscribed), not
		// eve (no mail wanted).
		want := []string{"alice@example.org", "bob@example.org", "dave@example.org", "frieda@example.net"}
		if got := keys(mails); !slices.Equal(got, want) {
			t.Fatalf("mails to %v, want %v", got, want)
		}
		bob, dave := mails["bob@example.org"], mails["dave@example.org"]
		permalink := "https://grouprise.test/stadt/content/" + itoa(assocID) + "/"
		checks := []struct{ name, got, want string }{
			{"From (member)", bob.from(), "Alice Amsel via grouprise.test <noreply+alice@grouprise.test>"},
			{"From (outsider sees the group)", dave.from(), "Stadtgarten via grouprise.test <noreply+stadtgarten@grouprise.test>"},
			{"Subject", bob.subject(), "[stadtgarten] Frühjahrsputz"},
			{"Message-ID", bob.get("Message-Id"), "<content." + itoa(contentID) + "-" + mail.RecipientHash("bob@example.org") + "@grouprise.test>"},
			{"List-Id", bob.get("List-Id"), "<stadtgarten.grouprise.test>"},
			{"Archived-At", bob.get("Archived-At"), "<" + permalink + ">"},
			{"Auto-Submitted", bob.get("Auto-Submitted"), "auto-generated"},
			{"List-Unsubscribe-Post", bob.get("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click"},
			{"In-Reply-To", bob.get("In-Reply-To"), ""},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
			}
		}
		// The reply address is a token bound to the recipient and the content.
		m := replyTo.FindStringSubmatch(bob.get("Reply-To"))
		if m == nil {
			t.Fatalf("Reply-To %q", bob.get("Reply-To"))
		}
		tok, err := db.TokenBySecret(ctx, store.FeatureReply, m[1], time.Now())
		if err != nil || tok.GestaltID != s.people["bob"].ID || tok.ContentID != contentID {
			t.Errorf("reply token %+v, %v", tok, err)
		}
		unsub := regexp.MustCompile(`^<https://grouprise\.test/stadt/unsubscribe/confirm/([a-z0-9]{15})/>$`).FindStringSubmatch(bob.get("List-Unsubscribe"))
		if unsub == nil {
			t.Fatalf("List-Unsubscribe %q", bob.get("List-Unsubscribe"))
		}
		if tok, err := db.TokenBySecret(ctx, store.FeatureUnsubscribe, unsub[1], time.Now()); err != nil ||
			tok.GestaltID != s.people["bob"].ID || tok.GroupID != s.garden.ID {
			t.Errorf("unsubscribe token %+v, %v", tok, err)
		}
		// Texts in the recipient's language.
		for _, c := range []struct {
			to   string
			want []string
		}{
			{"bob@example.org", []string{"Read and comment online:\n" + permalink + "\n\nWir treffen uns am Samstag.\n",
				"You get this message because you follow the group “Stadtgarten”. Unsubscribe:\nhttps://grouprise.test/stadt/unsubscribe/confirm/"}},
			{"alice@example.org", []string{"Online lesen und kommentieren:\n" + permalink + "\n",
				"Du bekommst diese Nachricht, weil du der Gruppe „Stadtgarten“ folgst."}},
		} {
			for _, w := range c.want {
				if !strings.Contains(mails[c.to].text, w) {
					t.Errorf("mail to %s lacks %q:\n%s", c.to, w, mails[c.to].text)
				}
			}
		}
		// The inbox: everybody reached but the author, eve included (she wants no mail).
		if n, _ := db.Count(ctx, "inbox_notifications"); n != 4 {
			t.Errorf("%d inbox rows, want 4 (bob, dave, eve, frieda)", n)
		}
		if s.deliver(); len(s.sink.Messages()) != 4 {
			t.Error("a second run sent mails again")
		}

		// Internal content reaches the subscribed members only.
		s.article("bob", "Kassenstand", "intern", false)
		internal := s.deliver()
		if got := keys(internal); !slices.Equal(got, []string{"alice@example.org", "bob@example.org"}) {
			t.Errorf("internal content mailed to %v", got)
		}
		if !strings.Contains(internal["alice@example.org"].text, "deine Antwort sehen nur die Mitglieder") {
			t.Errorf("internal mail lacks the hint:\n%s", internal["alice@example.org"].text)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestNotificationsOfComments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		contentID, assocID := s.article("alice", "Frühjahrsputz", "Samstag", true)
		s.deliver()
		created := time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)
		bobsID := s.contribute(&store.Contribution{ContentID: contentID, AuthorID: s.people["bob"].ID, Text: "Ich bringe Handschuhe mit.",
			TimeCreated: created, Public: true})
		mails := s.deliver()
		alice := mails["alice@example.org"]
		thread := "content." + itoa(contentID) + "-" + mail.RecipientHash("alice@example.org") + "@grouprise.test"
		if alice.subject() != "Re: [stadtgarten] Frühjahrsputz" || alice.from() != "Bob Biber via grouprise.test <noreply+bob@grouprise.test>" {
			t.Errorf("subject %q from %q", alice.subject(), alice.from())
		}
		if got := alice.ids("In-Reply-To"); !slices.Equal(got, []string{thread}) {
			t.Errorf("In-Reply-To %v, want %s", got, thread)
		}
		if got := alice.ids("References"); !slices.Equal(got, []string{thread}) {
			t.Errorf("References %v", got)
		}
		if d, _ := alice.h.Date(); !d.Equal(created) {
			t.Errorf("Date %v, want the comment's time %v", d, created)
		}
		wantLink := "https://grouprise.test/stadt/content/" + itoa(assocID) + "/#contribution-" + itoa(bobsID)
		if !strings.Contains(alice.text, "Online lesen und antworten:\n"+wantLink+"\n\nIch bringe Handschuhe mit.") {
			t.Errorf("comment mail:\n%s", alice.text)
		}
		toAuthor := "Nur Bob Biber antworten (eine persönliche Nachricht):\nhttps://grouprise.test/stadt/associations/" +
			itoa(assocID) + "/contributions/" + itoa(bobsID) + "/reply-to-author/"
		if !strings.Contains(alice.text, toAuthor) || strings.Contains(mails["bob@example.org"].text, "reply-to-author") {
			t.Errorf("the reply-to-author link belongs into every mail but the author's:\n%s", alice.text)
		}
		// A reply to bob's comment threads under it.
		daveID := s.contribute(&store.Contribution{ContentID: contentID, AuthorID: s.people["dave"].ID, Text: "Ich auch.",
			InReplyToID: bobsID, TimeCreated: time.Now(), Public: true})
		alice = s.deliver()["alice@example.org"]
		parent := "content." + itoa(contentID) + ".contribution." + itoa(bobsID) + "-" + mail.RecipientHash("alice@example.org") + "@grouprise.test"
		if got := alice.ids("References"); !slices.Equal(got, []string{thread, parent}) {
			t.Errorf("References %v, want %s %s", got, thread, parent)
		}
		if got := alice.get("Message-Id"); got != "<content."+itoa(contentID)+".contribution."+itoa(daveID)+"-"+mail.RecipientHash("alice@example.org")+"@grouprise.test>" {
			t.Errorf("Message-ID %s", got)
		}
		// An internal comment (a mail reply) on public content reaches the members only.
		s.contribute(&store.Contribution{ContentID: contentID, AuthorID: s.people["bob"].ID, Text: "nur für uns",
			TimeCreated: time.Now(), Public: false})
		if got := keys(s.deliver()); !slices.Equal(got, []string{"alice@example.org", "bob@example.org"}) {
			t.Errorf("internal comment mailed to %v", got)
		}
	})
}

func TestNotificationsOfConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db)
		// gustav, who knows nobody, writes to the group.
		convID, assocID, firstID := s.conversation("gustav", "Frage zum Beet", s.garden.ID, 0)
		mails := s.deliver()
		if got := keys(mails); !slices.Equal(got, []string{"alice@example.org", "bob@example.org", "gustav@example.org"}) {
			t.Fatalf("first message mailed to %v", got)
		}
		first := mails["alice@example.org"]
		if first.subject() != "[stadtgarten] Frage zum Beet" || first.get("In-Reply-To") != "" {
			t.Errorf("first message: subject %q, In-Reply-To %q", first.subject(), first.get("In-Reply-To"))
		}
		if want := "<https://grouprise.test/stadt/conversations/" + itoa(assocID) + "/#contribution-" + itoa(firstID) + ">"; first.get("Archived-At") != want {
			t.Errorf("Archived-At %q, want %q", first.get("Archived-At"), want)
		}
		// alice answers; the outsider who started it hears of it.
		s.contribute(&store.Contribution{ConversationID: convID, AuthorID: s.people["alice"].ID, Text: "Gern!",
			TimeCreated: time.Now(), Public: true})
		mails = s.deliver()
		g, ok := mails["gustav@example.org"]
		if !ok {
			t.Fatalf("the outsider who started the conversation got no reply; mails to %v", keys(mails))
		}
		threadID := "conversation." + itoa(convID) + ".contribution." + itoa(firstID) + "-" + mail.RecipientHash("gustav@example.org") + "@grouprise.test"
		if g.subject() != "Re: [stadtgarten] Frage zum Beet" || !slices.Equal(g.ids("In-Reply-To"), []string{threadID}) {
			t.Errorf("reply: subject %q In-Reply-To %v", g.subject(), g.ids("In-Reply-To"))
		}
		if g.get("List-Unsubscribe") != "" || !strings.Contains(g.text, "weil sie an dich gerichtet ist") {
			t.Errorf("the outsider is no subscriber:\n%s\n%s", g.get("List-Unsubscribe"), g.text)
		}

		// A personal message from bob to dave: dave and bob (who started it) are told.
		convID, _, _ = s.conversation("bob", "Gießkannen", 0, s.people["dave"].ID)
		mails = s.deliver()
		if got := keys(mails); !slices.Equal(got, []string{"bob@example.org", "dave@example.org"}) {
			t.Errorf("personal message mailed to %v", got)
		}
		d := mails["dave@example.org"]
		if d.subject() != "Gießkannen" || d.get("List-Id") != "" || d.from() != "Bob Biber via grouprise.test <noreply+bob@grouprise.test>" {
			t.Errorf("personal: subject %q List-Id %q From %q", d.subject(), d.get("List-Id"), d.from())
		}
	})
}

func TestNotificationAttachmentsAndRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db)
		contentID, _ := s.article("alice", "Plan", "Plan", true)
		s.deliver()
		// A reply by mail with a file: the file is attached to the notifications.
		stored := "ab12cd34ef56gh78.txt"
		must(t, os.MkdirAll(s.cfg.MediaRoot, 0o755))
		must(t, os.WriteFile(filepath.Join(s.cfg.MediaRoot, stored), []byte("Beet 1: Tomaten\n"), 0o644))
		must(t, db.Tx(ctx, func(q *store.Queries) error {
			text := &store.Contribution{ContentID: contentID, AuthorID: s.people["bob"].ID, Text: "Anbei der Plan", TimeCreated: time.Now()}
			if _, err := q.AddContribution(ctx, text); err != nil {
				return err
			}
			f := &store.File{File: stored}
			if _, err := q.AddFile(ctx, f); err != nil {
				return err
			}
			att := &store.Contribution{ContentID: contentID, AuthorID: s.people["bob"].ID, Kind: "file", FileID: f.ID,
				AttachedToID: text.ID, TimeCreated: time.Now(), Public: true}
			if _, err := q.AddContribution(ctx, att); err != nil {
				return err
			}
			if err := notify.ContributionCreated(ctx, q, att.ID, time.Now()); err != nil {
				return err
			}
			return notify.ContributionCreated(ctx, q, text.ID, time.Now())
		}))
		mails := s.deliver()
		if len(mails) != 2 || mails["alice@example.org"].att[stored] != "Beet 1: Tomaten\n" {
			t.Errorf("%d mails; attachments %v", len(mails), mails["alice@example.org"].att)
		}
		// An item whose transaction fails is never announced.
		jobs, _ := db.Count(ctx, "jobs")
		err := db.Tx(ctx, func(q *store.Queries) error {
			c := &store.Content{Title: "verworfen"}
			if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: s.people["alice"].ID, TimeCreated: time.Now()}); err != nil {
				return err
			}
			if err := notify.ContentCreated(ctx, q, c.ID, time.Now()); err != nil {
				return err
			}
			return errors.New("the association could not be written")
		})
		if err == nil {
			t.Fatal("no error")
		}
		if n, _ := db.Count(ctx, "jobs"); n != jobs {
			t.Errorf("a rolled back item left a notification job")
		}
	})
}

// When a member adds someone, every member hears of it, whatever their settings; a new
// member without a password is told how to get one.
func TestMembershipNews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db)
		gr := groups.New(db, s.cfg.SlugReserved, nil)
		must(t, gr.AddMember(ctx, s.garden.ID, s.people["gustav"].ID, s.people["bob"].ID))
		mails := s.deliver()
		want := []string{"alice@example.org", "bob@example.org", "carol@example.org", "eve@example.org", "gustav@example.org"}
		if got := keys(mails); !slices.Equal(got, want) {
			t.Fatalf("membership news to %v, want %v", got, want)
		}
		g := mails["gustav@example.org"]
		if g.subject() != "Mitgliedschaft" || g.from() != "grouprise.test <noreply@grouprise.test>" ||
			!strings.Contains(g.text, "Bob Biber hat dich in die Gruppe „Stadtgarten“ aufgenommen.") ||
			!strings.Contains(g.text, "https://grouprise.test/stadt/signup/?next=/stadtgarten/") {
			t.Errorf("to the new member: %s / %s\n%s", g.subject(), g.from(), g.text)
		}
		if b := mails["bob@example.org"]; b.subject() != "Membership" ||
			!strings.Contains(b.text, "Bob Biber made Gustav Gans a member of the group “Stadtgarten”.") || strings.Contains(b.text, "signup") {
			t.Errorf("to bob (English):\n%s", b.text)
		}
		// Joining oneself sends nothing.
		must(t, gr.AddMember(ctx, s.garden.ID, s.people["dave"].ID, s.people["dave"].ID))
		if n := len(s.deliver()); n != 0 {
			t.Errorf("%d mails after dave joined by himself", n)
		}
	})
}

// A fan-out larger than one batch is mailed by a chain of jobs: every recipient gets exactly
// one mail, with a reply address and an unsubscribe link of their own, and the inbox rows
// are written once.
func TestLargeFanoutMailsEveryoneOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db)
		const extra = 250
		want := []string{"alice@example.org", "bob@example.org", "dave@example.org", "frieda@example.net"}
		must(t, db.Tx(ctx, func(q *store.Queries) error {
			for i := range extra {
				p := &store.Gestalt{Username: fmt.Sprintf("s%03d", i), FirstName: "Person", IsActive: true, DateJoined: time.Now()}
				if _, err := q.CreateGestalt(ctx, p); err != nil {
					return err
				}
				email := p.Username + "@example.org"
				if _, err := q.AddEmailAddress(ctx, &store.EmailAddress{GestaltID: p.ID, Email: email, Primary: true, Verified: true}); err != nil {
					return err
				}
				want = append(want, email)
				if err := q.Subscribe(ctx, s.garden.ID, p.ID); err != nil {
					return err
				}
			}
			return nil
		}))
		contentID, _ := s.article("alice", "Frühjahrsputz", "Samstag", true)
		before := len(s.sink.Messages())
		item, err := db.ClaimJobs(ctx, "test", 1, time.Now(), time.Now().Add(time.Minute))
		if err != nil || len(item) != 1 {
			t.Fatalf("the item's job: %v, %v", item, err)
		}
		s.runner.process(ctx, item[0])
		// The last of them turns mails off after the item's job ran: the job that mails her
		// reads her as she is now.
		last := want[len(want)-1]
		must(t, db.SetPreferences(ctx, recipientID(t, db, last), store.Preferences{ByEmail: false, ByInbox: true}))
		want = want[:len(want)-1]
		ran, err := s.runner.RunOnce(ctx)
		must(t, err)
		// Two more jobs for the people past the first 100 and past 200, and a mail each.
		if ran != 2+len(want) {
			t.Errorf("%d jobs ran, want %d", ran, 2+len(want))
		}
		replies, unsubscribes := map[string]string{}, map[string]string{}
		unsubLink := regexp.MustCompile(`^<https://grouprise\.test/stadt/unsubscribe/confirm/([a-z0-9]{15})/>$`)
		for _, m := range s.sink.Messages()[before:] {
			to := m.To[0]
			if _, dup := replies[to]; dup {
				t.Fatalf("two mails to %s", to)
			}
			p := parseMail(t, m.Data)
			reply := replyTo.FindStringSubmatch(p.get("Reply-To"))
			if reply == nil {
				t.Fatalf("Reply-To %q", p.get("Reply-To"))
			}
			tok, err := db.TokenBySecret(ctx, store.FeatureReply, reply[1], time.Now())
			if err != nil || tok.ContentID != contentID {
				t.Fatalf("reply token of %s: %+v, %v", to, tok, err)
			}
			replies[to] = reply[1]
			if u := unsubLink.FindStringSubmatch(p.get("List-Unsubscribe")); u != nil {
				if tok, err := db.TokenBySecret(ctx, store.FeatureUnsubscribe, u[1], time.Now()); err != nil || tok.GroupID != s.garden.ID ||
					tok.GestaltID != recipientID(t, db, to) {
					t.Fatalf("unsubscribe token of %s: %+v, %v", to, tok, err)
				}
				unsubscribes[to] = u[1]
				if !strings.Contains(p.text, "\nhttps://grouprise.test/stadt/unsubscribe/confirm/"+u[1]+"/\n") {
					t.Errorf("the text to %s lacks its unsubscribe link:\n%s", to, p.text)
				}
			}
			if tok.GestaltID != recipientID(t, db, to) {
				t.Errorf("the reply address of %s belongs to gestalt %d", to, tok.GestaltID)
			}
		}
		if got := keys(replies); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("mailed %d people, want %d: %v", len(got), len(want), got)
		}
		distinct := map[string]bool{}
		for _, secret := range replies {
			distinct[secret] = true
		}
		if len(distinct) != len(want) {
			t.Errorf("%d reply addresses for %d mails", len(distinct), len(want))
		}
		// Everybody mailed follows the group (alice, its founder, too): an unsubscribe link each.
		distinct = map[string]bool{}
		for _, secret := range unsubscribes {
			distinct[secret] = true
		}
		if len(unsubscribes) != len(want) || len(distinct) != len(want) {
			t.Errorf("%d unsubscribe links (%d different) for %d mails", len(unsubscribes), len(distinct), len(want))
		}
		// Everybody reached but the author: bob, dave, eve, frieda and the extra subscribers.
		if n, _ := db.Count(ctx, "inbox_notifications"); n != 4+extra {
			t.Errorf("%d inbox rows, want %d", n, 4+extra)
		}
		if n, _ := db.Count(ctx, "jobs"); n != 0 {
			t.Errorf("%d jobs left", n)
		}
	})
}

// recipientID is the gestalt with the primary address email.
func recipientID(t *testing.T, db *store.DB, email string) int64 {
	t.Helper()
	rows := storetest.Rows(t, db, `SELECT gestalt_id FROM email_addresses WHERE email = '`+email+`' AND is_primary`)
	if len(rows) != 1 {
		t.Fatalf("%s: %v", email, rows)
	}
	id, _ := strconv.ParseInt(rows[0], 10, 64)
	return id
}
