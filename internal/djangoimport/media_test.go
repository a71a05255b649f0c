package djangoimport_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/djangoimport/djangoimporttest"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestImportPictures: the pictures of people and groups move into the directories where
// this grouprise keeps them (and stores them with the directory, as its uploads are), and
// every name under which the Django grouprise served a file that is stored under another
// name here is kept for its old URLs: the redirects of its 5.0 upgrade and the renames of
// the import.
func TestImportPictures(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		dbFile, mediaDir := djangoimporttest.WithPictures(t, "testdata")
		media := t.TempDir()
		rep := importInto(t, openSource(t, dbFile), db, djangoimport.Options{MediaDir: mediaDir, MediaRoot: media})

		bob := storetest.Rows(t, db, `SELECT avatar FROM gestalten WHERE username = 'bob'`)
		if len(bob) != 1 || !regexp.MustCompile(`^avatars/[a-z0-9]{16}\.png$`).MatchString(bob[0]) {
			t.Fatalf("bob's avatar %q, want avatars/<new name>.png", bob)
		}
		want := map[string]string{
			`SELECT avatar || '|' || background FROM gestalten WHERE username = 'alice'`: "avatars/alice.png|backgrounds/garten-band.jpg",
			`SELECT background FROM gestalten WHERE username = 'dave'`:                   "backgrounds/dave-band.jpg",
			`SELECT avatar || '|' || logo FROM groups WHERE slug = 'stadtgarten'`:        "avatars/stadtgarten.png|logos/stadtgarten-logo.png",
			`SELECT file FROM images WHERE id = 1`:                                       "2cnpq9y5uplnby5t.png",
		}
		for query, w := range want {
			if got := storetest.Rows(t, db, query); !slices.Equal(got, []string{w}) {
				t.Errorf("%s: %q, want %q", query, got, w)
			}
		}
		for stored, django := range map[string]string{
			"avatars/alice.png": "alice.png", "backgrounds/garten-band.jpg": "garten-band.jpg",
			"logos/stadtgarten-logo.png": "stadtgarten-logo.png", bob[0]: "gestalten/bob mit hut.png",
		} {
			got, err := os.ReadFile(filepath.Join(media, filepath.FromSlash(stored)))
			if err != nil || string(got) != string(djangoimporttest.File(t, "testdata", django)) {
				t.Errorf("%s was not copied whole to %s: %v", django, stored, err)
			}
		}
		if _, err := os.Stat(filepath.Join(media, "alice.png")); err == nil {
			t.Error("an avatar was copied to the top of media_root")
		}

		if got, w := storetest.Rows(t, db, `SELECT old_name, name FROM old_media_names ORDER BY old_name`), []string{
			"alice.png|avatars/alice.png",
			"alt/telefonliste.txt|a91w8jk51xvpkv3q.txt",
			"bilder/beet 1.png|2cnpq9y5uplnby5t.png",
			"contributions/preisliste alt.pdf|wbb4dzubxc8lkupn.pdf",
			"dave-band.jpg|backgrounds/dave-band.jpg",
			"garten-band.jpg|backgrounds/garten-band.jpg",
			"gestalten/bob mit hut.png|" + bob[0],
			"stadtgarten-logo.png|logos/stadtgarten-logo.png",
			"stadtgarten.png|avatars/stadtgarten.png",
		}; !slices.Equal(got, w) {
			t.Errorf("old media names:\n got %q\nwant %q", got, w)
		}
		// The one problem: bob's old name with a directory and a space gets a new name.
		if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0].Reason, "gestalten/bob mit hut.png is stored as "+bob[0]) {
			t.Errorf("problems: %v", rep.Problems)
		}
		for _, s := range rep.Skipped {
			if s.Table == "django_redirect" {
				t.Error("django_redirect is skipped")
			}
		}
		if rep.Files != 8+len(djangoimporttest.Pictures) {
			t.Errorf("copied %d files, want %d", rep.Files, 8+len(djangoimporttest.Pictures))
		}
	})
}

// TestImportRedirectsThatAreNotOfMedia: a redirect the operator made by hand for a page is
// no media file's; the report names it.
func TestImportRedirectsThatAreNotOfMedia(t *testing.T) {
	dbFile, mediaDir := djangoimporttest.WithPictures(t, "testdata")
	djangoimporttest.Exec(t, dbFile, `INSERT INTO django_redirect (site_id, old_path, new_path) VALUES (1, '/alt/', '/stadtgarten/')`,
		`INSERT INTO django_redirect (site_id, old_path, new_path) VALUES (1, '/stadt/media/x.pdf', 'https://example.org/x.pdf')`)
	db := storetest.Open(t, store.SQLite)
	rep := importInto(t, openSource(t, dbFile), db, djangoimport.Options{MediaDir: mediaDir})
	var reasons []string
	for _, p := range rep.Problems {
		if p.Table == "django_redirect" {
			reasons = append(reasons, p.Reason)
		}
	}
	if !slices.Equal(reasons, []string{
		"the redirect from /alt/ to /stadtgarten/ is not one of a media file; not imported",
		"the redirect from /stadt/media/x.pdf to https://example.org/x.pdf does not lead to a file; not imported",
	}) {
		t.Errorf("problems: %q", reasons)
	}
	if got := storetest.Rows(t, db, `SELECT COUNT(*) FROM old_media_names WHERE old_name IN ('alt/', 'x.pdf')`); got[0] != "0" {
		t.Errorf("%s redirects that are not of media files were kept", got[0])
	}
}
