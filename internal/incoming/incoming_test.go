package incoming_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/incoming"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// newService returns the service on db, for a site where anna is a member of garten and
// carla of nothing.
func newService(t *testing.T, db *store.DB) (*incoming.Service, *config.Config) {
	t.Helper()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/t.yaml": []byte(
		"domain: grouprise.test\nsecret_key: incoming-test-secret-0123\ndata_path: " + t.TempDir() + "\n")}}, "/t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	acc := accounts.New(db, cfg.SlugReserved, nil)
	var anna *store.Gestalt
	for _, name := range []string{"anna", "carla"} {
		g, err := acc.Create(ctx, accounts.NewAccount{Username: name, Email: name + "@example.org", Password: "x-password-123", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if name == "anna" {
			anna = g
		}
	}
	if _, err := groups.New(db, cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: anna}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return incoming.New(cfg, db, catalog, log, contents.New(db), conversations.New(db)), cfg
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	n, err := db.Count(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// What becomes of a mail, in this order on one site: each case names its outcome and what
// it adds to the conversations and the jobs (notifications, explanations).
func TestOutcomes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		for _, tc := range []struct {
			name                string
			mail                incoming.Mail
			want                incoming.Outcome
			conversations, jobs int
		}{
			{"a member's mail to her group starts a conversation", incoming.Mail{Sender: "anna@example.org", MessageID: "<m1@example.org>"},
				incoming.Delivered, 1, 1},
			{"the same mail again changes nothing", incoming.Mail{Sender: "anna@example.org", MessageID: "<m1@example.org>"},
				incoming.Duplicate, 0, 0},
			{"an automatic mail is dropped", incoming.Mail{Sender: "anna@example.org", MessageID: "<m2@example.org>", Auto: true},
				incoming.Dropped, 0, 0},
			{"a bounce (the null sender) is dropped", incoming.Mail{Sender: "<>", MessageID: "<m3@example.org>"},
				incoming.Dropped, 0, 0},
			{"a stranger is refused and told why", incoming.Mail{Sender: "carla@example.org", MessageID: "<m4@example.org>"},
				incoming.Refused, 0, 1},
			{"within the hour she is not told again", incoming.Mail{Sender: "carla@example.org", MessageID: "<m5@example.org>"},
				incoming.Withheld, 0, 0},
			{"a member's address that the MTA found forged is a stranger, not answered",
				incoming.Mail{Sender: "anna@example.org", MessageID: "<m6@example.org>", Forged: true}, incoming.Withheld, 0, 0},
			{"a mail to a group that is gone is refused", incoming.Mail{Sender: "anna@example.org", MessageID: "<m7@example.org>", GroupSlug: "weg"},
				incoming.Refused, 0, 1},
		} {
			m := tc.mail
			m.Recipient, m.Subject, m.Text, m.Received = "garten@grouprise.test", "Gießplan", "Wer gießt?", time.Now()
			if m.GroupSlug == "" {
				m.GroupSlug = "garten"
			}
			conversations, jobs := count(t, db, "conversations"), count(t, db, "jobs")
			got, err := s.Deliver(context.Background(), &m)
			if err != nil || got != tc.want {
				t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
			}
			if n := count(t, db, "conversations") - conversations; n != tc.conversations {
				t.Errorf("%s: %d conversations more, want %d", tc.name, n, tc.conversations)
			}
			if n := count(t, db, "jobs") - jobs; n != tc.jobs {
				t.Errorf("%s: %d jobs more, want %d", tc.name, n, tc.jobs)
			}
		}
	})
}

// A failure after an attachment was stored leaves no row and no file behind, and the
// redelivery is no duplicate: the claim of the Message-ID went with the rest.
func TestAttachmentsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, cfg := newService(t, db)
		ctx := context.Background()
		if db.Dialect() == store.Postgres {
			storetest.Exec(t, db, `CREATE FUNCTION fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql`,
				`CREATE TRIGGER fail BEFORE INSERT ON contributions FOR EACH ROW WHEN (NEW.kind = 'file') EXECUTE FUNCTION fail()`)
		} else {
			storetest.Exec(t, db, `CREATE TRIGGER fail BEFORE INSERT ON contributions WHEN NEW.kind = 'file' BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`)
		}
		m := incoming.Mail{Sender: "anna@example.org", Recipient: "garten@grouprise.test", GroupSlug: "garten",
			MessageID: "<a1@example.org>", Subject: "Beet", Text: "Der Plan:", Received: time.Now(),
			Attachments: []incoming.Attachment{{Filename: "plan.txt", ContentType: "text/plain", Data: []byte("Tomaten")}}}
		tables := []string{"incoming_mails", "conversations", "contributions", "files"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = count(t, db, tb)
		}
		if got, err := s.Deliver(ctx, &m); err == nil {
			t.Fatalf("a failing attachment: %v, no error", got)
		}
		for _, tb := range tables {
			if n := count(t, db, tb); n != before[tb] {
				t.Errorf("%s: %d rows, was %d", tb, n, before[tb])
			}
		}
		if stored, _ := os.ReadDir(cfg.MediaRoot); len(stored) != 0 {
			t.Errorf("files left below media_root: %v", stored)
		}
		storetest.Exec(t, db, `DROP TRIGGER fail`+map[bool]string{true: " ON contributions", false: ""}[db.Dialect() == store.Postgres])
		if got, err := s.Deliver(ctx, &m); err != nil || got != incoming.Delivered {
			t.Fatalf("the redelivery: %v, %v", got, err)
		}
		if stored, _ := os.ReadDir(cfg.MediaRoot); len(stored) != 1 || count(t, db, "files") != before["files"]+1 {
			t.Errorf("after the redelivery: %v stored, %d file rows", stored, count(t, db, "files"))
		}
	})
}

// A mail delivered several times at once (the MTA retrying while the first delivery still
// runs, or two lmtpd processes) is published once: one Delivered, the others Duplicate.
func TestRedeliveredAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		const n = 6
		outcomes := make(chan incoming.Outcome, n)
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				m := incoming.Mail{Sender: "anna@example.org", Recipient: "garten@grouprise.test", GroupSlug: "garten",
					MessageID: "<twice@example.org>", Subject: "Gießplan", Text: "Wer gießt?", Received: time.Now()}
				got, err := s.Deliver(context.Background(), &m)
				if err != nil {
					t.Error(err)
				}
				outcomes <- got
			})
		}
		wg.Wait()
		close(outcomes)
		seen := map[incoming.Outcome]int{}
		for o := range outcomes {
			seen[o]++
		}
		if seen[incoming.Delivered] != 1 || seen[incoming.Duplicate] != n-1 {
			t.Errorf("outcomes %v, want one delivered and %d duplicates", seen, n-1)
		}
		for table, want := range map[string]int{"conversations": 1, "incoming_mails": 1, "jobs": 1} {
			if got := count(t, db, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
	})
}

// A refused sender is told why: a group that is gone, or a sender who is no member of it.
func TestRefusalReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newService(t, db)
		for i, tc := range []struct {
			name, sender, slug, want string
		}{
			{"a member's mail to a group that is gone", "anna@example.org", "weg", "lmtp.error.no_group"},
			{"a stranger's mail to a group", "carla@example.org", "garten", "lmtp.error.not_member"},
			{"a stranger's mail to a group that is gone", "dora@example.org", "weg", "lmtp.error.no_group"},
		} {
			m := incoming.Mail{Sender: tc.sender, Recipient: tc.slug + "@grouprise.test", GroupSlug: tc.slug,
				MessageID: fmt.Sprintf("<why%d@example.org>", i), Subject: "Gießplan", Text: "Wer gießt?", Received: time.Now()}
			if got, err := s.Deliver(context.Background(), &m); err != nil || got != incoming.Refused {
				t.Fatalf("%s: %v, %v; want refused", tc.name, got, err)
			}
			rows := storetest.Rows(t, db, `SELECT payload FROM jobs WHERE kind = 'mail' ORDER BY id DESC LIMIT 1`)
			if len(rows) != 1 || !strings.Contains(rows[0], reasons[tc.want]) {
				t.Errorf("%s: explanation %q, want the text of %s", tc.name, rows, tc.want)
			}
		}
	})
}

// reasons are words from the German texts of the refusals, as they appear in the queued mail.
var reasons = map[string]string{
	"lmtp.error.no_group":   "Diese Gruppe gibt es (nicht mehr)",
	"lmtp.error.not_member": "zu keinem Mitglied",
}
