package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/djangoimport/mysqltest"
	"grouprise.org/grouprise/internal/store"
)

// TestImportDjangoFromMySQL moves a Django grouprise from MariaDB as an operator would: a
// mysql:// URL with a user who may only read, over the server's unix socket. The password
// never shows in the output, media come from media_root unless --media says otherwise.
func TestImportDjangoFromMySQL(t *testing.T) {
	url := mysqltest.FromSQL(t, "../../internal/djangoimport/testdata/django-grouprise-5.5.mysql.sql")
	dsn := mysqltest.DSN(url)
	database := dsn[strings.LastIndex(dsn, "/")+1:]
	raw, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{
		"CREATE USER IF NOT EXISTS 'django_reader'@'localhost' IDENTIFIED BY 'Geheim@42'",
		"GRANT SELECT ON `" + database + "`.* TO 'django_reader'@'localhost'",
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	socket := url[strings.Index(url, "?socket=")+len("?socket="):]
	reader := "mysql://django_reader:Geheim%4042@/" + database + "?socket=" + socket

	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "applied migration", "", "migrate")
	wrong := "mysql://django_reader:Falsch99@/" + database + "?socket=" + socket
	code, out, errOut := s.run("", "import-django", wrong)
	if code != exitFailure || !strings.Contains(errOut, "Access denied") || strings.Contains(out+errOut, "Falsch99") {
		t.Errorf("a wrong password: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	out = s.expect(exitOK, "would import (dry run", "", "import-django", "--dry-run", reader)
	if want := "media from " + filepath.Join(s.data, "media"); !strings.Contains(out, want) {
		t.Errorf("dry run: output lacks %q:\n%s", want, out)
	}
	out = s.expect(exitOK, "8  gestalten", "", "import-django", "--media", "../../internal/djangoimport/testdata/django-grouprise-5.5-media", reader)
	for _, want := range []string{"mysql://django_reader:***@/" + database, "23  contributions", "8 media files copied", "no problems"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Geheim") {
		t.Errorf("the report shows the password:\n%s", out)
	}
	s.expect(exitOK, "carol", "", "user", "list")
}
