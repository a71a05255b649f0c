package commander_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/commander"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is the Django fixture imported: people, groups, contents and comments to command.
func site(t *testing.T, db *store.DB) *commander.Commander {
	t.Helper()
	ctx := context.Background()
	src, err := djangoimport.Open(ctx, "../djangoimport/testdata/django-grouprise-5.5.sqlite3")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := djangoimport.Import(ctx, src, db, djangoimport.Options{MediaRoot: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	reserved := func(string) bool { return false }
	return &commander.Commander{DB: db, Accounts: accounts.New(db, reserved, nil), Groups: groups.New(db, reserved, nil), Contents: contents.New(db),
		BaseURL: "https://example.org", UnknownID: 1,
		Now: func() time.Time { return time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC) }}
}

func TestCommands(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := site(t, db)
		ctx := context.Background()
		expect := func(line string, want ...string) string {
			t.Helper()
			got := c.Run(ctx, line)
			for _, w := range want {
				if !strings.Contains(got, w) {
					t.Errorf("%s:\n%s\nlacks %q", line, got, w)
				}
			}
			return got
		}
		expect("help", "user show USERNAME", "comment remove")
		expect("user show carol", "**carol** (Carol Chamäleon)", "e-mail: carol@example.org", "memberships: 2")
		expect("user show karol", "no user \"karol\"; did you mean carol")
		expect("user join dave stadtgarten", "dave is a member of stadtgarten now")
		expect("user leave dave https://example.org/stadtgarten/", "dave is no longer a member of stadtgarten")
		expect("user leave dave stadtgarten", "**Error:**")
		expect("user admin list", "Administrators: admin")
		expect("user admin grant bob", "bob is an administrator now")
		expect("user admin list", "admin, bob")
		expect("user admin revoke bob", "no longer an administrator")
		// frieda (a shadow account that only subscribed) counts as used; nobody is unused here.
		expect("user list-unused", "0 unused accounts")
		// Two accounts that never did anything, joined long ago: one never came back after
		// signing up (unused), one logged in a week later (used).
		storetest.Exec(t, db, `INSERT INTO gestalten (id, username, date_joined, last_login) VALUES
			(100, 'karl', '2027-01-01 10:00:00', '2027-01-01 10:00:20'),
			(101, 'lotte', '2027-01-01 10:00:00', '2027-01-08 10:00:00')`)
		expect("user list-unused", "1 unused accounts", "karl (joined 2027-01-01)")
		expect("user remove-unused limit=5", "removed karl", "1 unused accounts removed, 0 left")
		expect("group show fahrradwerkstatt", "[Fahrradwerkstatt](https://example.org/fahrradwerkstatt/)** (open)", "members: 3", "subscribers: 3")
		expect("group show nachbarschaftshilfe", "(closed)", "members: 4")
		expect("group list-members nachbarschaftshilfe", "4 members of nachbarschaftshilfe", "gustav")
		expect("group show stadtgartn", "did you mean stadtgarten")
		expect("content show https://example.org/stadtgarten/giessplan-fuer-den-sommer/", "**Gießplan für den Sommer 2027** (group stadtgarten, public)")
		expect("content show /stadt/conversations/28/", "Conversation with group fahrradwerkstatt (private)")
		expect("content visibility /stadtgarten/giessplan-fuer-den-sommer/ private", "private now")
		if got := storetest.Rows(t, db, `SELECT public FROM associations WHERE id = 20`); got[0] != "0" {
			t.Errorf("visibility not changed: %v", got)
		}
		expect("content ownership /stadt/content/20/ fahrradwerkstatt", "belongs to fahrradwerkstatt now")
		expect("content show /fahrradwerkstatt/giessplan-fuer-den-sommer/", "(group fahrradwerkstatt, private)")
		expect("content ownership /stadt/content/1/ alice", "belongs to alice now")
		expect("content show /alice/fruehjahrsputz-im-stadtgarten/", "(user alice, public)")
		expect("content ownership /stadt/content/1/ nobody-here", "no group or user")
		expect("comment show /stadtgarten/fruehjahrsputz-im-stadtgarten/#contribution-1", "**bob**")
		expect("comment remove https://example.org/x/#contribution-1", "Comment 1 removed")
		if got := storetest.Rows(t, db, `SELECT COUNT(*) FROM contributions WHERE id = 1`); got[0] != "0" {
			t.Error("the comment is still there")
		}
		expect("content remove /stadt/content/5/", "was removed")
		expect("content show /stadt/content/5/", "nothing is published")
		expect("user remove eve", "eve removed")
		expect("user remove admin", "special accounts")
		expect("group remove plattform-betrieb", "Group plattform-betrieb removed")
		expect("frobnicate", "unknown command")
	})
}

func TestSimilar(t *testing.T) {
	got := commander.Similar("stadgarten", []string{"stadtgarten", "fahrradwerkstatt", "garten", "stadtgaerten"}, 10)
	if strings.Join(got, ",") != "stadtgarten,stadtgaerten,garten" {
		t.Errorf("similar names: %v", got)
	}
}
