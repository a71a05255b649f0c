package djangoimport_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	cfg "grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/djangoimport/mysqltest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// The fixture is a site written by the Django grouprise 5.5 itself (testdata/README.md).
const (
	fixtureSQLite   = "testdata/django-grouprise-5.5.sqlite3"
	fixturePostgres = "testdata/django-grouprise-5.5.postgresql.sql"
	fixtureMySQL    = "testdata/django-grouprise-5.5.mysql.sql"
	fixtureMedia    = "testdata/django-grouprise-5.5-media"
)

// sqliteSource opens a copy of the SQLite fixture (the import must not need write access,
// and the original stays untouched either way).
func sqliteSource(t *testing.T) *djangoimport.Source {
	t.Helper()
	return openSource(t, fixtureCopy(t, 0o444))
}

// fixtureCopy copies the SQLite fixture to a new file of the given mode.
func fixtureCopy(t *testing.T, mode os.FileMode) string {
	t.Helper()
	data, err := os.ReadFile(fixtureSQLite)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "django.sqlite3")
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func openSource(t *testing.T, spec string) *djangoimport.Source {
	t.Helper()
	src, err := djangoimport.Open(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func importInto(t *testing.T, src *djangoimport.Source, db *store.DB, opts djangoimport.Options) *djangoimport.Report {
	t.Helper()
	if opts.MediaRoot == "" {
		opts.MediaRoot = t.TempDir()
	}
	rep, err := djangoimport.Import(context.Background(), src, db, opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func count(rep *djangoimport.Report, table string) int {
	for _, c := range rep.Imported {
		if c.Table == table {
			return c.Rows
		}
	}
	return 0
}

func TestImportFixture(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		media := t.TempDir()
		rep := importInto(t, sqliteSource(t), db, djangoimport.Options{MediaDir: fixtureMedia, MediaRoot: media})
		checkFixture(t, db, rep)
		for _, name := range []string{"2cnpq9y5uplnby5t.png", "wbb4dzubxc8lkupn.pdf", "6wwjyjsyiiybozmo.pdf"} {
			want, _ := os.ReadFile(filepath.Join(fixtureMedia, name))
			got, err := os.ReadFile(filepath.Join(media, name))
			if err != nil || string(got) != string(want) {
				t.Errorf("media file %s was not copied whole: %v", name, err)
			}
			if fi, err := os.Stat(filepath.Join(media, name)); err != nil || fi.Mode().Perm()&0o007 != 0 {
				t.Errorf("media file %s: mode %v, %v; others must not read it", name, fi.Mode(), err)
			}
		}
		if rep.Files != 8 {
			t.Errorf("copied %d files, want 8", rep.Files)
		}
	})
}

// TestImportFromPostgres reads the same site from the Django grouprise's PostgreSQL dump.
func TestImportFromPostgres(t *testing.T) {
	url := storetest.PostgresFromSQL(t, fixturePostgres)
	src, err := djangoimport.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := storetest.Open(t, store.SQLite)
	checkFixture(t, db, importInto(t, src, db, djangoimport.Options{MediaDir: fixtureMedia}))
}

// TestImportFromMySQL reads the same site from the Django grouprise's MariaDB dump
// (tinyint booleans, datetimes in UTC without a zone, utf8mb4).
func TestImportFromMySQL(t *testing.T) {
	src := openSource(t, mysqltest.FromSQL(t, fixtureMySQL))
	db := storetest.Open(t, store.SQLite)
	checkFixture(t, db, importInto(t, src, db, djangoimport.Options{MediaDir: fixtureMedia}))
}

func checkFixture(t *testing.T, db *store.DB, rep *djangoimport.Report) {
	t.Helper()
	for table, want := range map[string]int{
		"gestalten": 8, "email_addresses": 9, "groups": 4, "memberships": 12, "subscriptions": 14,
		"associations": 28, "contents": 21, "content_versions": 23, "contributions": 23,
		"conversations": 7, "polls": 2, "poll_options": 7, "poll_votes": 31, "event_attendances": 2,
		"files": 4, "images": 4, "gallery_images": 3, "tags": 5, "content_tags": 9,
		"permission_tokens": 84, "inbox_notifications": 63, "applications": 2,
	} {
		if got := count(rep, table); got != want {
			t.Errorf("report: %d rows of %s, want %d", got, table, want)
		}
		if n, _ := db.Count(context.Background(), table); n != want {
			t.Errorf("store: %d rows of %s, want %d", n, table, want)
		}
	}
	if len(rep.Problems) != 0 {
		t.Errorf("problems: %v", rep.Problems)
	}
	var skipped []string
	for _, s := range rep.Skipped {
		skipped = append(skipped, s.Table)
	}
	if !slices.Contains(skipped, "django_session") || slices.Contains(skipped, "auth_user") {
		t.Errorf("skipped tables %v: want django_session, not auth_user", skipped)
	}

	expect := func(query string, want ...string) {
		t.Helper()
		if got := storetest.Rows(t, db, query); !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", query, got, want)
		}
	}
	// People: shadow accounts keep their address, dave stays private, carol's second address.
	expect(`SELECT username, public, password LIKE 'pbkdf2_sha256$%' FROM gestalten ORDER BY id`,
		"admin|1|1", "alice|1|1", "bob|1|1", "carol|1|1", "dave|0|1", "eve|1|1", "frieda|0|0", "gustav|0|0")
	expect(`SELECT email, verified, is_primary FROM email_addresses WHERE gestalt_id IN (4, 7) ORDER BY email`,
		"carol.privat@example.net|1|0", "carol@example.org|1|1", "frieda@example.net|0|1")
	expect(`SELECT slug_key FROM entity_slugs WHERE group_id IS NOT NULL ORDER BY slug_key`,
		"fahrradwerkstatt", "nachbarschaftshilfe", "plattform-betrieb", "stadtgarten")
	// Groups and memberships.
	expect(`SELECT g.username FROM memberships m JOIN gestalten g ON g.id = m.member_id
		WHERE m.group_id = 4 ORDER BY g.username`, "bob", "carol", "dave", "gustav")
	expect(`SELECT closed FROM groups WHERE slug = 'nachbarschaftshilfe'`, "1")
	expect(`SELECT g.username FROM subscriptions s JOIN gestalten g ON g.id = s.subscriber_id
		WHERE s.group_id = 2 AND s.subscriber_id NOT IN (SELECT member_id FROM memberships WHERE group_id = 2)
		ORDER BY g.username`, "dave", "frieda")
	// Contents: versions, comments, tags, visibility, pins.
	expect(`SELECT c.title, (SELECT COUNT(*) FROM content_versions v WHERE v.content_id = c.id)
		FROM contents c JOIN associations a ON a.content_id = c.id WHERE a.slug = 'giessplan-fuer-den-sommer'`,
		"Gießplan für den Sommer 2027|3")
	expect(`SELECT g.username FROM content_versions v JOIN gestalten g ON g.id = v.author_id
		WHERE v.content_id = 17 ORDER BY v.id`, "alice", "alice", "bob")
	expect(`SELECT c.id, g.username, c.kind, c.public, COALESCE(c.attached_to_id, 0) FROM contributions c
		JOIN gestalten g ON g.id = c.author_id WHERE c.content_id = 17 ORDER BY c.id`,
		"10|carol|text|1|0", "11|eve|text|1|0", "18|bob|text|0|0", "19|bob|file|1|18")
	expect(`SELECT t.name FROM content_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.content_id = 17 ORDER BY t.name`,
		"bewaesserung", "garten", "sommer")
	expect(`SELECT slug FROM associations WHERE NOT public AND slug IS NOT NULL ORDER BY slug`,
		"interne-notiz-zur-bewaesserung", "kassenstand-intern", "nachbarschaftstreffen-intern", "telefonliste")
	expect(`SELECT slug FROM associations WHERE pinned ORDER BY slug`, "bilder-vom-stadtgarten", "hausordnung-der-werkstatt")
	expect(`SELECT image_id FROM gallery_images WHERE content_id = 11 ORDER BY image_id`, "1", "2", "3")
	expect(`SELECT image_id FROM contents WHERE id = 12`, "4")
	expect(`SELECT f.filename FROM files f JOIN content_versions v ON v.id = f.version_id WHERE v.content_id = 13`, "preisliste.pdf")
	expect(`SELECT COALESCE(filename, 'NULL'), COALESCE(version_id, 0) FROM files WHERE id = 3`, "NULL|0")
	// Events in UTC, all-day events at local midnight, attendance.
	expect(`SELECT starts_at, ends_at, all_day FROM contents WHERE id = 20`, "2026-11-30 13:00:00|2026-11-30 16:30:00|0")
	expect(`SELECT starts_at, all_day FROM contents WHERE id IN (8, 21) ORDER BY id`,
		"2026-12-02 23:00:00|1", "2026-12-06 23:00:00|1")
	expect(`SELECT g.username FROM event_attendances e JOIN gestalten g ON g.id = e.attendee_id
		WHERE e.content_id = 20 ORDER BY g.username`, "alice", "eve")
	// Polls: options, anonymous voters, yes/no/maybe and ranks.
	expect(`SELECT p.condorcet, COUNT(DISTINCT COALESCE(v.anonymous, CAST(v.voter_id AS TEXT)))
		FROM contents c JOIN polls p ON p.id = c.poll_id JOIN poll_options o ON o.poll_id = p.id
		JOIN poll_votes v ON v.option_id = o.id GROUP BY c.id, p.condorcet ORDER BY c.id`, "0|5", "1|4")
	expect(`SELECT SUM(CASE WHEN endorse THEN 1 ELSE 0 END), SUM(CASE WHEN NOT endorse THEN 1 ELSE 0 END),
		SUM(CASE WHEN endorse IS NULL THEN 1 ELSE 0 END) FROM poll_votes WHERE option_id = 1`, "3|1|1")
	expect(`SELECT o.title FROM poll_votes v JOIN poll_options o ON o.id = v.option_id
		WHERE v.anonymous = 'Nachbarin Nora' ORDER BY v.rank DESC`, "Blau", "Grün", "Rot", "Gelb")
	// Conversations: started by mail, a reply that points to its message.
	expect(`SELECT c.subject, a.group_id FROM conversations c JOIN associations a ON a.conversation_id = c.id WHERE c.id = 7`,
		"Werkzeugausleihe am Wochenende|3")
	expect(`SELECT id, in_reply_to_id FROM contributions WHERE conversation_id = 7 ORDER BY id`, "20|NULL", "23|20")
	// Applications: eve's is pending (no membership), its text is attached.
	expect(`SELECT a.id, a.attached_to_id, c.kind FROM applications a JOIN contributions c ON c.application_id = a.id ORDER BY a.id`,
		"1|12|application", "2|14|application")
	// Reply tokens and the inbox.
	expect(`SELECT g.username, t.content_id FROM permission_tokens t JOIN gestalten g ON g.id = t.gestalt_id
		WHERE t.secret_key = 'lb3g7sfn113wlnp'`, "bob|17")
	expect(`SELECT COUNT(*) FROM inbox_notifications WHERE NOT is_read`, "63")
	expect(`SELECT value FROM site_settings WHERE key = 'name'`, "example.org")
}

func TestImportKeepsIdsAndSequences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importInto(t, sqliteSource(t), db, djangoimport.Options{MediaDir: fixtureMedia})
		// New rows get ids after the imported ones.
		storetest.Exec(t, db, `INSERT INTO conversations (subject) VALUES ('Neu')`)
		if got := storetest.Rows(t, db, `SELECT id FROM conversations WHERE subject = 'Neu'`); !slices.Equal(got, []string{"8"}) {
			t.Errorf("a new conversation got id %v, want 8", got)
		}
		storetest.Exec(t, db, `INSERT INTO email_addresses (gestalt_id, email, email_key) VALUES (2, 'neu@example.org', 'neu@example.org')`)
		if got := storetest.Rows(t, db, `SELECT id FROM email_addresses WHERE email = 'neu@example.org'`); !slices.Equal(got, []string{"10"}) {
			t.Errorf("a new address got id %v, want 10", got)
		}
		// Search finds imported contents.
		hits := storetest.Rows(t, db, `SELECT COUNT(*) FROM search_index`)
		if len(hits) != 1 || hits[0] == "0" {
			t.Errorf("the search index is empty after the import")
		}
	})
}

func TestImportRefusesNonEmptyStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		importInto(t, sqliteSource(t), db, djangoimport.Options{MediaDir: fixtureMedia})
		_, err := djangoimport.Import(context.Background(), sqliteSource(t), db, djangoimport.Options{MediaRoot: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), "empty") {
			t.Fatalf("a second import: %v, want a refusal", err)
		}
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		media := t.TempDir()
		rep := importInto(t, sqliteSource(t), db, djangoimport.Options{MediaDir: fixtureMedia, MediaRoot: media, DryRun: true})
		if !rep.DryRun || count(rep, "contributions") != 23 || rep.Files != 8 {
			t.Errorf("dry run report: %+v", rep)
		}
		if n, _ := db.Count(context.Background(), "gestalten"); n != 0 {
			t.Errorf("a dry run wrote %d people", n)
		}
		if entries, _ := os.ReadDir(media); len(entries) != 0 {
			t.Errorf("a dry run copied %d files", len(entries))
		}
	})
}

// TestProblemsAreListed breaks the source the ways old sites are broken and checks that the
// import goes on, naming each row it changed or left out.
func TestProblemsAreListed(t *testing.T) {
	data, err := os.ReadFile(fixtureSQLite)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "broken.sqlite3")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	broken := storetest.OpenConfig(t, config(path), false)
	storetest.Exec(t, broken,
		`INSERT INTO account_emailaddress (verified, "primary", user_id, email) VALUES (1, 0, 3, 'ALICE@example.org')`,
		`INSERT INTO content2_content (title, all_day, place) VALUES ('Ohne Version', 0, '')`,
		`CREATE TABLE legacy_notes (id INTEGER PRIMARY KEY, body TEXT)`,
		`INSERT INTO legacy_notes (body) VALUES ('x')`,
		`UPDATE images_image SET file = 'missing.png' WHERE id = 1`)
	broken.Close()
	src, err := djangoimport.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	db := storetest.Open(t, store.SQLite)
	rep := importInto(t, src, db, djangoimport.Options{MediaDir: fixtureMedia})
	var problems []string
	for _, p := range rep.Problems {
		problems = append(problems, p.String())
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"ALICE@example.org is already the address", "Ohne Version", "legacy_notes: 1 rows",
		"images_image 1: the file missing.png is not in"} {
		if !strings.Contains(all, want) {
			t.Errorf("problems lack %q:\n%s", want, all)
		}
	}
	if count(rep, "contents") != 21 {
		t.Errorf("%d contents imported, want the 21 good ones", count(rep, "contents"))
	}
}

func TestOpenRefusesOtherDatabases(t *testing.T) {
	db := storetest.Open(t, store.SQLite) // a grouprise (Go) store is no Django grouprise
	_, err := djangoimport.Open(context.Background(), db.Location)
	if err == nil || !strings.Contains(err.Error(), "not a Django grouprise") {
		t.Fatalf("open: %v", err)
	}
	if _, err := djangoimport.Open(context.Background(), filepath.Join(t.TempDir(), "none.sqlite3")); err == nil {
		t.Fatal("a missing file opened")
	}
}

func config(path string) cfg.Database { return cfg.Database{Engine: "sqlite", Name: path} }

// withConversations adds n conversations to a Django database, for a table with many rows.
func withConversations(t *testing.T, driver, dsn string, n int) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString("INSERT INTO conversations_conversation (id, subject) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d, 'Gespräch %d')", 1000+i, i)
	}
	if _, err := db.Exec(b.String()); err != nil {
		t.Fatal(err)
	}
}

// TestImportProgress: the import reports rows within each kind, so that a big table moves
// it row by row, and the media files copied; done never goes back and ends at the total.
func TestImportProgress(t *testing.T) {
	const many = 2000
	check := func(t *testing.T, src *djangoimport.Source, db *store.DB) {
		var steps []djangoimport.Step
		rep := importInto(t, src, db, djangoimport.Options{MediaDir: fixtureMedia,
			Progress: func(s djangoimport.Step) { steps = append(steps, s) }})
		if len(steps) == 0 {
			t.Fatal("no progress reported")
		}
		conversations := 0
		for i, s := range steps {
			if s.Done < 0 || s.Done > s.Total {
				t.Errorf("progress: done %d of %d (%s)", s.Done, s.Total, s.What)
			}
			if s.What == "conversations" {
				conversations++
			}
			if i == 0 {
				continue
			}
			if prev := steps[i-1]; s.Done < prev.Done || s.Total != prev.Total || s.Files < prev.Files {
				t.Errorf("progress: %+v after %+v", s, prev)
			}
		}
		last := steps[len(steps)-1]
		if last.Done != last.Total || last.Total < many || last.What != "search index" || last.Files != int64(rep.Files) {
			t.Errorf("progress ends with %+v; %d files copied", last, rep.Files)
		}
		if conversations < many/100 {
			t.Errorf("progress: %d reports during %d conversations", conversations, many)
		}
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		path := fixtureCopy(t, 0o644)
		withConversations(t, "sqlite3", path, many)
		check(t, openSource(t, path), db)
	})
	t.Run("from-postgresql", func(t *testing.T) {
		url := storetest.PostgresFromSQL(t, fixturePostgres)
		withConversations(t, "pgx", url, many)
		check(t, openSource(t, url), storetest.Open(t, store.SQLite))
	})
	t.Run("from-mysql", func(t *testing.T) {
		url := mysqltest.FromSQL(t, fixtureMySQL)
		withConversations(t, "mysql", mysqltest.DSN(url), many)
		check(t, openSource(t, url), storetest.Open(t, store.SQLite))
	})
}
