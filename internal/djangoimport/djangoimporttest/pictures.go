// Package djangoimporttest gives tests a Django grouprise site with the pictures the
// fixture lacks: avatars, a logo, profile backgrounds and the media redirects of 5.0.
package djangoimporttest

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3" // the Django site's database
)

// Pictures are the files of the site from WithPictures, by the name the Django grouprise
// stored, with the fixture's file each is a copy of.
var Pictures = map[string]string{
	"alice.png":                 "2cnpq9y5uplnby5t.png", // alice's avatar
	"garten-band.jpg":           "7izuiz5cmmhwnr44.jpg", // alice's background
	"dave-band.jpg":             "qx5i9lm998t8vbk1.jpg", // the background of dave's private profile
	"gestalten/bob mit hut.png": "ivw3fkm22lmxyuxc.png", // bob's avatar, a name from before 5.0
	"stadtgarten.png":           "cdzqsi70pjnxhgb7.png", // stadtgarten's avatar
	"stadtgarten-logo.png":      "ivw3fkm22lmxyuxc.png", // stadtgarten's logo
}

// Redirects are the rows of django_redirect in the site from WithPictures: the links to
// files that the Django grouprise renamed when it moved to 5.0.
var Redirects = map[string]string{
	"/stadt/media/contributions/preisliste%20alt.pdf": "/-/files/wbb4dzubxc8lkupn.pdf",  // a public file
	"/stadt/media/alt/telefonliste.txt":               "/-/files/a91w8jk51xvpkv3q.txt",  // internal to nachbarschaftshilfe
	"/stadt/media/bilder/beet 1.png":                  "/-/images/2cnpq9y5uplnby5t.png", // a gallery picture
}

// WithPictures copies the fixture (the SQLite database in dir, with its media directory
// beside it) and gives the copy the pictures and redirects above. It returns the database
// file and the media directory.
func WithPictures(t testing.TB, dir string) (string, string) {
	t.Helper()
	tmp := t.TempDir()
	dbFile := filepath.Join(tmp, "django.sqlite3")
	copyFile(t, filepath.Join(dir, "django-grouprise-5.5.sqlite3"), dbFile)
	media := filepath.Join(tmp, "media")
	fixtureMedia := filepath.Join(dir, "django-grouprise-5.5-media")
	entries, err := os.ReadDir(fixtureMedia)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(fixtureMedia, e.Name()), filepath.Join(media, e.Name()))
	}
	for name, from := range Pictures {
		copyFile(t, filepath.Join(fixtureMedia, from), filepath.Join(media, filepath.FromSlash(name)))
	}
	statements := []string{
		`UPDATE gestalten_gestalt SET avatar = 'alice.png', background = 'garten-band.jpg' WHERE id = 2`,
		`UPDATE gestalten_gestalt SET avatar = 'gestalten/bob mit hut.png' WHERE id = 3`,
		`UPDATE gestalten_gestalt SET background = 'dave-band.jpg' WHERE id = 5`,
		`UPDATE groups_group SET avatar = 'stadtgarten.png', logo = 'stadtgarten-logo.png' WHERE id = 2`,
	}
	for from, to := range Redirects {
		statements = append(statements, `INSERT INTO django_redirect (site_id, old_path, new_path) VALUES (1, '`+from+`', '`+to+`')`)
	}
	Exec(t, dbFile, statements...)
	return dbFile, media
}

// Exec runs statements on the Django site's SQLite database.
func Exec(t testing.TB, dbFile string, statements ...string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+dbFile)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range statements {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// File returns the bytes of a picture of WithPictures.
func File(t testing.TB, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "django-grouprise-5.5-media", Pictures[name]))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
