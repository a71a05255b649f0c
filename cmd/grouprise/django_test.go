package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

const djangoFixture = "../../internal/djangoimport/testdata/django-grouprise-5.5.sqlite3"

func copyFixture(t *testing.T, to string) {
	t.Helper()
	data, err := os.ReadFile(djangoFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
	media := filepath.Join(filepath.Dir(djangoFixture), "django-grouprise-5.5-media")
	entries, err := os.ReadDir(media)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(filepath.Dir(to), "media")
	os.MkdirAll(dst, 0o755)
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(media, e.Name()))
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestImportDjangoCommand(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			s := newSite(t, d, "")
			old := filepath.Join(t.TempDir(), "django.sqlite3")
			copyFixture(t, old)
			s.expect(exitOK, "applied migration", "", "migrate")
			out := s.expect(exitOK, "would import (dry run", "", "import-django", "--dry-run", old)
			if !strings.Contains(out, "23  contributions") || !strings.Contains(out, "no problems") {
				t.Errorf("dry run report:\n%s", out)
			}
			s.expect(exitOK, "8  gestalten", "", "import-django", old)
			if _, err := os.Stat(filepath.Join(s.data, "media", "wbb4dzubxc8lkupn.pdf")); err != nil {
				t.Errorf("media beside the SQLite file were not copied: %v", err)
			}
			s.expect(exitOK, "alice", "", "user", "list")
			s.expect(exitFailure, "import into an empty one", "", "import-django", old)
			s.expect(exitConfig, "wrong number of arguments", "", "import-django")
		})
	}
}

// TestConvertDjangoInPlace is the package upgrade from the Django grouprise: its database is
// where ours is configured, migrate refuses it, and --convert-django replaces it.
func TestConvertDjangoInPlace(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	dbFile := filepath.Join(s.data, "grouprise.sqlite3")
	copyFixture(t, dbFile)
	s.expect(exitConfig, "belongs to a Django grouprise", "", "migrate")
	s.expect(exitConfig, "belongs to a Django grouprise", "", "user", "list")
	out := s.expect(exitOK, "converting it", "", "migrate", "--backup", filepath.Join(filepath.Dir(s.data), "backups"), "--convert-django")
	if !strings.Contains(out, "copied to") || !strings.Contains(out, "84  permission_tokens") {
		t.Errorf("convert output:\n%s", out)
	}
	kept, _ := filepath.Glob(dbFile + ".django-*")
	if len(kept) != 1 {
		t.Errorf("the Django database was not kept beside: %v", kept)
	}
	s.expect(exitOK, "carol", "", "user", "list")
	s.expect(exitOK, "nothing to do", "", "migrate", "--convert-django")
	s.expect(exitOK, "all checks passed", "", "check")
}

func TestMatrixCommanderConsole(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	old := filepath.Join(t.TempDir(), "django.sqlite3")
	copyFixture(t, old)
	s.expect(exitOK, "applied migration", "", "migrate")
	s.expect(exitOK, "no problems", "", "import-django", old)
	out := s.expect(exitOK, "**carol** (Carol Chamäleon)", "user show carol\ngroup show stadtgartn\nquit\nuser show bob\n",
		"matrix-commander", "--console")
	if !strings.Contains(out, "did you mean stadtgarten") || strings.Contains(out, "**bob**") {
		t.Errorf("console:\n%s", out)
	}
	s.expect(exitConfig, "matrix_commander.enabled is not true", "", "matrix-commander")
}
