package main

import (
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
