package lmtp

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is an LMTP server on a unix socket with a store of its own: anna and bert are
// members of garten, carla of nothing.
type site struct {
	t      testing.TB
	db     *store.DB
	cfg    *config.Config
	sock   string
	people map[string]*store.Gestalt
	garden *store.Group
	// later moves the deliverer's clock forward (an hour later, without waiting).
	later atomic.Int64
	// postmaster alerts go to sink, at postmaster@example.org
	postmaster *Postmaster
	sink       *mailtest.Sink
}

func newSite(t testing.TB, db *store.DB, extra string) *site {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/t.yaml": []byte(
		"domain: grouprise.test\nsecret_key: lmtp-test-secret-0123\ndata_path: " + dir + "\n" + extra)}}, "/t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := &site{t: t, db: db, cfg: cfg, sock: filepath.Join(dir, "lmtp.sock"), people: map[string]*store.Gestalt{}}
	ctx := context.Background()
	acc := accounts.New(db, cfg.SlugReserved, nil)
	for _, name := range []string{"anna", "bert", "carla"} {
		g, err := acc.Create(ctx, accounts.NewAccount{Username: name, Email: name + "@example.org", Password: "x-password-123", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		s.people[name] = g
	}
	gr := groups.New(db, cfg.SlugReserved, nil)
	if s.garden, err = gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: s.people["anna"]}); err != nil {
		t.Fatal(err)
	}
	if err := gr.AddMember(ctx, s.garden.ID, s.people["bert"].ID, s.people["anna"].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := gr.Create(ctx, groups.NewGroup{Name: "Haus", Creator: s.people["bert"]}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", s.sock)
	if err != nil {
		t.Fatal(err)
	}
	d := New(cfg, db, catalog, log, contents.New(db), conversations.New(db))
	d.now = func() time.Time { return time.Now().Add(time.Duration(s.later.Load())) }
	srv := NewServer(d, cfg.Domain, cfg.LMTP.MaxMessageSize, log)
	s.sink = mailtest.Start(t)
	s.postmaster = &Postmaster{To: "postmaster@example.org", From: cfg.DefaultFromEmail, Site: "Testsite", Language: "de",
		Catalog: catalog, Transport: &mail.SMTP{Addr: s.sink.Addr, Encryption: "plain"}, Log: log, now: d.now}
	srv.Postmaster = s.postmaster
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { srv.Serve(sctx, l); close(done) }()
	t.Cleanup(func() { cancel(); <-done; s.postmaster.Wait() })
	return s
}

// conn is a raw LMTP session.
type conn struct {
	t testing.TB
	c net.Conn
	r *bufio.Reader
}

func (s *site) dial() *conn {
	s.t.Helper()
	c, err := net.Dial("unix", s.sock)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { c.Close() })
	lc := &conn{t: s.t, c: c, r: bufio.NewReader(c)}
	if code, _ := lc.reply(); code != 220 {
		s.t.Fatalf("greeting %d", code)
	}
	return lc
}

// send writes lines at once (pipelining).
func (c *conn) send(lines ...string) {
	c.t.Helper()
	c.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(c.c, strings.Join(lines, "\r\n")+"\r\n"); err != nil {
		c.t.Fatal(err)
	}
}

// reply reads one (possibly multi-line) reply.
func (c *conn) reply() (int, string) {
	c.t.Helper()
	var text []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("reading a reply: %v (so far %q)", err, text)
		}
		line = strings.TrimRight(line, "\r\n")
		var code int
		fmt.Sscanf(line, "%d", &code)
		text = append(text, line)
		if len(line) < 4 || line[3] != '-' {
			return code, strings.Join(text, "\n")
		}
	}
}

// replies reads n replies and returns their codes and texts.
func (c *conn) replies(n int) ([]int, []string) {
	c.t.Helper()
	codes, texts := make([]int, n), make([]string, n)
	for i := range n {
		codes[i], texts[i] = c.reply()
	}
	return codes, texts
}

// message builds a mail with CRLF line ends (and dot-stuffing is not needed for these).
func mailText(headers, body string) string {
	return strings.ReplaceAll(headers+"\n\n"+body, "\n", "\r\n")
}

// transaction sends one message to recipients, pipelined, and returns the replies to
// the recipients and, after DATA, the per-recipient replies.
func (c *conn) transaction(from string, to []string, msg string) (rcpt []int, data []int, texts []string) {
	c.t.Helper()
	lines := []string{"MAIL FROM:<" + from + ">"}
	for _, r := range to {
		lines = append(lines, "RCPT TO:<"+r+">")
	}
	lines = append(lines, "DATA")
	c.send(lines...)
	codes, _ := c.replies(len(lines))
	if codes[0] != 250 {
		c.t.Fatalf("MAIL: %d", codes[0])
	}
	rcpt = codes[1 : len(codes)-1]
	accepted := 0
	for _, code := range rcpt {
		if code == 250 {
			accepted++
		}
	}
	if accepted == 0 {
		return rcpt, nil, nil
	}
	if codes[len(codes)-1] != 354 {
		c.t.Fatalf("DATA: %d", codes[len(codes)-1])
	}
	c.send(msg, ".")
	data, texts = c.replies(accepted)
	return rcpt, data, texts
}

func (s *site) count(table string) int {
	s.t.Helper()
	n, err := s.db.Count(context.Background(), table)
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

func TestSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		c := s.dial()
		c.send("LHLO mta.example.org")
		code, caps := c.reply()
		for _, want := range []string{"SIZE 33554432", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES"} {
			if code != 250 || !strings.Contains(caps, want) {
				t.Errorf("LHLO lacks %s: %d %q", want, code, caps)
			}
		}
		// recipients are checked at RCPT
		c.send("MAIL FROM:<anna@example.org>", "RCPT TO:<unbekannt@grouprise.test>", "RCPT TO:<garten@anderswo.example>",
			"RCPT TO:<noreply@grouprise.test>", "RCPT TO:<postmaster@grouprise.test>", "RCPT TO:<GARTEN@Grouprise.Test>",
			"RCPT TO:<reply+abc123@grouprise.test>", "RSET")
		codes, texts := c.replies(8)
		for i, want := range []int{250, 550, 550, 550, 550, 250, 550, 250} {
			if codes[i] != want {
				t.Errorf("reply %d: %d, want %d (%s)", i, codes[i], want, texts[i])
			}
		}
		if !strings.Contains(texts[1], "5.1.1") {
			t.Errorf("no enhanced status code: %q", texts[1])
		}

		// one transaction, three recipients: an unknown reply address is refused at RCPT, the
		// others get one reply each after DATA
		msg := mailText("Message-ID: <drei@example.org>\nSubject: Gießplan\nDate: "+time.Now().Format(time.RFC1123Z), "Wer gießt am Montag?")
		rcpt, data, texts := c.transaction("bert@example.org", []string{"garten@grouprise.test", "reply+unbekannt@grouprise.test", "haus@grouprise.test"}, msg)
		if len(rcpt) != 3 || rcpt[0] != 250 || rcpt[1] != 550 || rcpt[2] != 250 || len(data) != 2 || data[0] != 250 || data[1] != 250 {
			t.Fatalf("RCPT %v, after DATA: %v %q", rcpt, data, texts)
		}
		if !strings.Contains(texts[0], "Delivered") || !strings.Contains(texts[1], "Delivered") {
			t.Errorf("replies %q", texts)
		}
		if n := s.count("conversations"); n != 2 {
			t.Errorf("%d conversations, want 2 (garten and haus, bert is member of both)", n)
		}
		// redelivery after a timeout creates nothing twice, and explains nothing twice
		jobs := s.count("jobs")
		_, data, _ = c.transaction("bert@example.org", []string{"garten@grouprise.test", "haus@grouprise.test"}, msg)
		if data[0] != 250 || data[1] != 250 || s.count("conversations") != 2 || s.count("jobs") != jobs {
			t.Errorf("redelivery: %v, %d conversations, %d jobs (was %d)", data, s.count("conversations"), s.count("jobs"), jobs)
		}
		// carla is no member: refused with an explanation, which is a job
		_, data, _ = c.transaction("carla@example.org", []string{"garten@grouprise.test"}, mailText("Message-ID: <c1@example.org>\nSubject: Hallo", "Darf ich?"))
		if data[0] != 250 || s.count("conversations") != 2 || s.count("jobs") != jobs+1 {
			t.Errorf("non-member: %v, %d jobs", data, s.count("jobs"))
		}
		// automatic mail and bounces vanish without an answer
		_, data, _ = c.transaction("anna@example.org", []string{"garten@grouprise.test"}, mailText("Message-ID: <auto@example.org>\nAuto-Submitted: auto-replied\nSubject: Abwesend", "Bin im Urlaub."))
		if data[0] != 250 {
			t.Errorf("auto-reply: %v", data)
		}
		_, data, _ = c.transaction("", []string{"garten@grouprise.test"}, mailText("Message-ID: <bounce@example.org>\nSubject: Undelivered", "x"))
		if data[0] != 250 || s.count("conversations") != 2 || s.count("jobs") != jobs+1 {
			t.Errorf("bounce: %v, %d conversations, %d jobs", data, s.count("conversations"), s.count("jobs"))
		}
		c.send("QUIT")
		c.reply()
	})
}

// Replies by mail go into their threads: comments on contents (internal), messages in
// conversations, in reply to the contribution the mail answers.
func TestReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		ctx := context.Background()
		anna, bert := s.people["anna"], s.people["bert"]
		a, err := contents.New(db).Create(ctx, anna, s.garden.ID, contents.Article, contents.Draft{Title: "Fest", Public: true})
		if err != nil {
			t.Fatal(err)
		}
		first, err := contents.New(db).Comment(ctx, a, anna, "Wer bringt Kuchen?", 0, false)
		if err != nil {
			t.Fatal(err)
		}
		started, err := conversations.New(db).Start(ctx, conversations.Message{Author: anna, Subject: "Schlüssel", Text: "Wo ist er?", GroupID: s.garden.ID})
		if err != nil {
			t.Fatal(err)
		}
		token := func(gestaltID, contentID, contributionID int64) string {
			tk := &store.Token{GestaltID: gestaltID, Feature: store.FeatureReply, Created: time.Now(), ContentID: contentID, ContributionID: contributionID}
			if err := db.Tx(ctx, func(q *store.Queries) error { return q.CreateToken(ctx, tk) }); err != nil {
				t.Fatal(err)
			}
			return tk.Secret
		}
		onContent := token(bert.ID, a.ContentID, 0)
		onConversation := token(bert.ID, 0, started.ContributionID)
		c := s.dial()
		c.send("LHLO mta")
		c.reply()
		_, data, texts := c.transaction("Bert@Example.org", []string{"reply+" + onContent + "@grouprise.test"},
			mailText("Message-ID: <r1@example.org>\nIn-Reply-To: <content.1.contribution."+itoa(first)+"-0123456789abcdef@grouprise.test>\nSubject: Re: Fest", "Ich!\n\n> Wer bringt Kuchen?"))
		if data[0] != 250 || !strings.Contains(texts[0], "Delivered") {
			t.Fatalf("reply to a content: %v %q", data, texts)
		}
		thread, _ := db.Thread(ctx, a.ContentID, 0, true)
		last := thread[len(thread)-1]
		if len(thread) != 2 || last.AuthorID != bert.ID || last.Public || last.InReplyToID != first || !strings.HasPrefix(last.Text, "Ich!") {
			t.Errorf("comment by mail: %+v", last.Contribution)
		}
		_, data, _ = c.transaction("bert@example.org", []string{"reply+" + onConversation + "@grouprise.test"},
			mailText("Message-ID: <r2@example.org>\nSubject: Re: Schlüssel", "Beim Nachbarn."))
		msgs, _ := db.Thread(ctx, 0, started.ConversationID, true)
		if data[0] != 250 || len(msgs) != 2 || !msgs[1].Public || msgs[1].Text != "Beim Nachbarn." {
			t.Errorf("message by mail: %v %d", data, len(msgs))
		}
		// someone else with bert's reply address is refused (and told)
		jobs := s.count("jobs")
		_, data, texts = c.transaction("carla@example.org", []string{"reply+" + onContent + "@grouprise.test"},
			mailText("Message-ID: <r3@example.org>\nSubject: Re: Fest", "Ich auch"))
		if data[0] != 250 || !strings.Contains(texts[0], "explanation") || s.count("jobs") != jobs+1 {
			t.Errorf("wrong sender: %v %q", data, texts)
		}
	})
}

func itoa(n int64) string { return fmt.Sprint(n) }
