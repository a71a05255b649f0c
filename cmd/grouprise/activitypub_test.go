package main

import (
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
)

// TestRotateKeys: rotate-keys gives the named groups' actors new keys, or every actor that
// has one; an unknown group fails.
func TestRotateKeys(t *testing.T) {
	s := newSite(t, store.SQLite, "activitypub: {enabled: true}\n")
	s.expect(exitOK, "applied migration", "", "migrate")
	s.expect(exitOK, "created group garten", "", "group", "create", "--name", "Garten")
	s.expect(exitOK, "rotated 0 key(s)\n", "", "activitypub", "rotate-keys")
	s.expect(exitOK, "rotated 1 key(s): garten\n", "", "activitypub", "rotate-keys", "garten")
	s.expect(exitOK, "rotated 1 key(s): garten\n", "", "activitypub", "rotate-keys")
	s.expect(exitFailure, `group "nobody"`, "", "activitypub", "rotate-keys", "nobody")
	s.expect(exitConfig, "usage: grouprise activitypub rotate-keys", "", "activitypub")
}

// TestBlockCommands: block, unblock and blocks keep the operator's blocks of actors and
// servers, normalised; what is neither is refused with the usage; unblocking what is not
// blocked fails.
func TestBlockCommands(t *testing.T) {
	s := newSite(t, store.SQLite, "activitypub: {enabled: true}\n")
	s.expect(exitOK, "applied migration", "", "migrate")
	s.expect(exitOK, "", "", "activitypub", "blocks")
	s.expect(exitOK, "blocked spam.example; 0 follow(s) ended\n", "", "activitypub", "block", "Spam.Example.")
	s.expect(exitOK, "blocked https://social.example/users/troll; 0 follow(s) ended\n", "", "activitypub", "block",
		"https://SOCIAL.example/users/troll")
	s.expect(exitOK, "blocked other.example:8443; 0 follow(s) ended\n", "", "activitypub", "block", "other.example:8443")
	out := s.expect(exitOK, "", "", "activitypub", "blocks")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "https://social.example/users/troll\t") ||
		!strings.HasPrefix(lines[1], "other.example:8443\t") || !strings.HasPrefix(lines[2], "spam.example\t") {
		t.Errorf("blocks:\n%s", out)
	}
	s.expect(exitOK, "unblocked spam.example\n", "", "activitypub", "unblock", "spam.example")
	s.expect(exitFailure, "spam.example is not blocked", "", "activitypub", "unblock", "spam.example")
	// accounts are found by WebFinger: one line says why that failed
	s.expect(exitFailure, "the address of 127.0.0.1:1 is refused", "", "activitypub", "block", "@troll@127.0.0.1:1")
	s.write("300-private.yaml", "activitypub: {enabled: true, allowed_private_networks: [127.0.0.0/8]}\n")
	s.expect(exitFailure, "127.0.0.1:1 cannot be asked", "", "activitypub", "unblock", "acct:troll@127.0.0.1:1")
	for _, bad := range []string{"user@spam.example", "@user@spam_example", "@us/er@spam.example", "spam.example/path", "ftp://spam.example", "https://u:p@spam.example/users/x",
		"spam.example:70000", "spam_example.org", ""} {
		s.expect(exitConfig, "expected an actor's https URL, an account (@user@example.org) or a server's name", "", "activitypub", "block", bad)
	}
	s.expect(exitConfig, "wrong number of arguments", "", "activitypub", "block")
	s.expect(exitConfig, "usage: grouprise activitypub", "", "activitypub", "frob")
}
