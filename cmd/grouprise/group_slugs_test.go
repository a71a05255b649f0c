package main

import (
	"context"
	"regexp"
	"testing"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// TestGroupReservedSlugs: `group reserved-slugs` lists what renamed and deleted groups hold
// (a header line, then SLUG GROUP UNTIL); `group release-slug` frees one, and refuses with
// one line a slug that nothing holds.
func TestGroupReservedSlugs(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			s := newSite(t, d, "")
			s.expect(exitOK, "applied migration", "", "migrate")
			s.expect(exitOK, "created group garten", "", "group", "create", "--name", "Garten")
			s.expect(exitOK, "created group hof", "", "group", "create", "--name", "Hof")
			if out := s.expect(exitOK, "SLUG", "", "group", "reserved-slugs"); out != "SLUG  GROUP  UNTIL\n" {
				t.Errorf("no reservations yet:\n%q", out)
			}

			cfg, err := config.Load(config.Options{Env: []string{"GROUPRISE_CONFIG=" + s.dir}})
			if err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, cfg.Database, store.OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			gr := groups.New(db, cfg.SlugReserved, nil)
			garten, err := db.GroupBySlug(ctx, "garten")
			if err != nil {
				t.Fatal(err)
			}
			if err := gr.UpdateSettings(ctx, garten, store.GroupSettings{Name: garten.Name, Slug: "beet", DateFounded: garten.DateFounded}); err != nil {
				t.Fatal(err)
			}
			hof, err := db.GroupBySlug(ctx, "hof")
			if err != nil {
				t.Fatal(err)
			}
			if err := gr.Delete(ctx, hof.ID); err != nil {
				t.Fatal(err)
			}

			out := s.expect(exitOK, "SLUG", "", "group", "reserved-slugs")
			want := regexp.MustCompile(`^SLUG    GROUP      UNTIL\n` +
				`garten  beet       \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n` +
				`hof     \(deleted\)  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$`)
			if !want.MatchString(out) {
				t.Errorf("reserved-slugs:\n%s", out)
			}
			s.expect(exitFailure, "the short name is taken by a group or a person", "", "group", "create", "--name", "Hof", "--slug", "hof")

			s.expect(exitOK, "released HOF: a group or person may take it now\n", "", "group", "release-slug", "HOF")
			code, stdout, stderr := s.run("", "group", "release-slug", "hof")
			if code != exitFailure || stdout != "" || stderr != "grouprise group: hof is not reserved\n" {
				t.Errorf("release twice: exit %d, stdout %q, stderr %q; want 1 and one line", code, stdout, stderr)
			}
			s.expect(exitFailure, "beet is not reserved", "", "group", "release-slug", "beet")
			s.expect(exitConfig, "wrong number of arguments", "", "group", "release-slug")
			s.expect(exitOK, "created group hof", "", "group", "create", "--name", "Hof", "--slug", "hof")
			if out := s.expect(exitOK, "garten", "", "group", "reserved-slugs"); regexp.MustCompile(`\bhof\b`).MatchString(out) {
				t.Errorf("hof is still listed:\n%s", out)
			}
		})
	}
}
