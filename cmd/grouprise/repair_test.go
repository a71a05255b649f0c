package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestUpgradeUntagsInternalComments: a site upgraded from schema 3, whose internal comments
// tagged their public contents, loses those tags with the migration (and keeps the others).
func TestUpgradeUntagsInternalComments(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	newer := migrations(t, 4)
	s.expect(exitOK, "schema version "+newer.last, "", "migrate")
	ctx := context.Background()
	db := storetest.OpenConfig(t, config.Database{Engine: "sqlite", Name: filepath.Join(s.data, "grouprise.sqlite3")}, false)
	alice, err := accounts.New(db, func(string) bool { return false }, nil).Create(ctx,
		accounts.NewAccount{Username: "alice", Email: "alice@example.org", Verified: true})
	if err != nil {
		t.Fatal(err)
	}
	g, err := groups.New(db, func(string) bool { return false }, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
	if err != nil {
		t.Fatal(err)
	}
	svc := contents.New(db)
	a, err := svc.Create(ctx, alice, g.ID, contents.Article, contents.Draft{Title: "Fest", Text: "Wir feiern #sommer", Public: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Comment(ctx, a, alice, "Unter uns: #kasse", 0, true); err != nil {
		t.Fatal(err)
	}
	// What schema 3 left: the internal comment's tag on the content.
	for _, trigger := range storetest.Strings(t, db, `SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%_generation_%'`) {
		storetest.Exec(t, db, `DROP TRIGGER `+trigger)
	}
	storetest.Exec(t, db, `DROP TABLE generation`)
	storetest.Exec(t, db,
		`INSERT INTO tags (name, slug) VALUES ('kasse', 'kasse')`,
		`INSERT INTO content_tags (content_id, tag_id) SELECT `+strconv.FormatInt(a.ContentID, 10)+`, id FROM tags WHERE slug = 'kasse'`,
		`DROP TABLE unconfirmed_senders`, `DROP TABLE pending_signups`, `DROP TABLE old_media_names`,
		`DROP TABLE activitypub_keys`, `DROP TABLE activitypub_group_settings`, `DROP TABLE activitypub_followers`,
		`DROP TABLE activitypub_remote_actors`, `DROP TABLE activitypub_objects`, `DROP TABLE activitypub_deliveries`,
		`DROP TABLE activitypub_instances`, `DROP TABLE activitypub_replies`, `DROP TABLE activitypub_remote_authors`,
		`DROP TABLE activitypub_conversation_notes`,
		`DROP TABLE activitypub_retired_keys`, `DROP TABLE slug_reservations`,
		`DELETE FROM goose_db_version WHERE version_id >= 4`)
	db.Close()

	out := s.expect(exitOK, "applied migration(s) "+newer.list+"; schema version "+newer.last, "", "migrate")
	if !strings.Contains(out, "removed 1 tag(s) that only internal comments named") {
		t.Errorf("migrate said:\n%s", out)
	}
	tags := storetest.Rows(t, storetest.OpenConfig(t, config.Database{Engine: "sqlite", Name: filepath.Join(s.data, "grouprise.sqlite3")}, false),
		`SELECT t.slug FROM content_tags c JOIN tags t ON t.id = c.tag_id ORDER BY t.slug`)
	if strings.Join(tags, ",") != "sommer" {
		t.Errorf("tags after the upgrade: %q, want only sommer", tags)
	}
}

// versions are the schema versions from one on, as `grouprise migrate` names them: list
// ("4, 5, 6") and the last.
type versions struct{ list, last string }

// migrations reads the versions from the migration files, so that a new migration does not
// change these tests.
func migrations(t *testing.T, from int) versions {
	t.Helper()
	entries, err := os.ReadDir("../../internal/store/migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		number, _, ok := strings.Cut(e.Name(), "_")
		n, err := strconv.Atoi(number)
		if !ok || err != nil {
			continue
		}
		if n >= from {
			got = append(got, strconv.Itoa(n))
		}
	}
	if len(got) == 0 {
		t.Fatalf("no migrations from %d", from)
	}
	return versions{list: strings.Join(got, ", "), last: got[len(got)-1]}
}
