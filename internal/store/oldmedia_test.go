package store_test

import (
	"context"
	"slices"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestMediaPathsMigration: a site imported before schema version 5 stored the Django
// grouprise's bare names of pictures; the migration gives them their directory and leaves
// uploads (already with one) and empty fields alone.
func TestMediaPathsMigration(t *testing.T) {
	for name, d := range map[string]store.Dialect{"sqlite": store.SQLite, "postgres": store.Postgres} {
		t.Run(name, func(t *testing.T) {
			var cfg config.Database
			if d == store.SQLite {
				cfg = storetest.Config(t, d)
			} else {
				cfg = storetest.EmptyPostgres(t)
			}
			db := storetest.OpenConfig(t, cfg, false)
			ctx := context.Background()
			if err := db.MigrateTo(ctx, 4); err != nil {
				t.Fatal(err)
			}
			storetest.Exec(t, db,
				`INSERT INTO gestalten (id, username, date_joined, avatar, background) VALUES (1, 'alice', '2026-11-23 01:00:00', 'a.png', 'b.jpg')`,
				`INSERT INTO gestalten (id, username, date_joined, avatar, background) VALUES (2, 'bob', '2026-11-23 01:00:00', 'avatars/x.jpg', '')`,
				`INSERT INTO groups (id, slug, name, date_created, time_modified, date_founded, avatar, logo)
					VALUES (1, 'g', 'G', '2026-11-23', '2026-11-23 01:00:00', '2026-11-23', 'c.png', 'd.png')`)
			if _, err := db.Migrate(ctx, nil); err != nil {
				t.Fatal(err)
			}
			for query, want := range map[string][]string{
				`SELECT avatar, background FROM gestalten ORDER BY id`: {"avatars/a.png|backgrounds/b.jpg", "avatars/x.jpg|"},
				`SELECT avatar, logo FROM groups`:                      {"avatars/c.png|logos/d.png"},
			} {
				if got := storetest.Rows(t, db, query); !slices.Equal(got, want) {
					t.Errorf("%s: %q, want %q", query, got, want)
				}
			}
			for name, want := range map[string]bool{"avatars/a.png": true, "backgrounds/b.jpg": true, "logos/d.png": true,
				"avatars/c.png": true, "a.png": false, "logos/a.png": false, "": false} {
				if used, err := db.PictureInUse(ctx, name); err != nil || used != want {
					t.Errorf("PictureInUse(%q) = %v, %v; want %v", name, used, err, want)
				}
			}
		})
	}
}
