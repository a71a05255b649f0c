package main

import (
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

func TestGroupImportMembers(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	s.expect(exitOK, "applied migration", "", "migrate")
	s.expect(exitOK, "created account anna", "", "user", "create", "--username", "anna", "--email", "anna@example.org")
	s.expect(exitOK, "created account bob", "", "user", "create", "--username", "bob", "--email", "bob@example.org")
	s.expect(exitOK, "created group garten", "", "group", "create", "--name", "Garten", "--creator", "anna")
	list := "Name;Mail\nAnna;<anna@example.org>\nBob Biber;bob@example.org\n\"Carol\" carol@example.net, BOB@example.org.\nkein Eintrag\n"
	out := s.expect(exitOK, "2 added to garten, 1 members already, 0 failed", list, "group", "import-members",
		"--slug", "garten", "--by", "anna", "-")
	for _, want := range []string{"anna@example.org: a member already", "BOB@example.org: more than once in the file"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	members := s.expect(exitOK, "garten", "", "group", "list")
	if !strings.Contains(members, "Garten  3") {
		t.Errorf("garten should have 3 members now:\n%s", members)
	}
	// carol got a shadow account; a second run adds nobody twice
	s.expect(exitOK, "0 added to garten, 3 members already", list, "group", "import-members", "--slug", "garten", "--by", "anna", "-")
	s.expect(exitFailure, "no e-mail addresses", "nothing here", "group", "import-members", "--slug", "garten", "--by", "anna", "-")
	s.expect(exitFailure, `no account "zora"`, list, "group", "import-members", "--slug", "garten", "--by", "zora", "-")
}
