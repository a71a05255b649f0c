package federation

import (
	"errors"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
)

// A reply's HTML is read only within bounds: deep nesting and great length are refused before
// the converter sees them (its work grows with depth times lines), and a refused reply costs
// next to nothing.
func TestReplyTextBounds(t *testing.T) {
	for name, c := range map[string]struct {
		html string
		bad  bool
	}{
		"ordinary":                {"<p>Schön, <a href=\"https://example.org/\">hier</a>!</p><blockquote><p>zitiert</p></blockquote>", false},
		"nested to the limit":     {strings.Repeat("<blockquote>", maxReplyDepth) + "x" + strings.Repeat("</blockquote>", maxReplyDepth), false},
		"nested past the limit":   {strings.Repeat("<blockquote>", maxReplyDepth+1) + "x", true},
		"nested quotes and lines": {strings.Repeat("<blockquote>", 500) + strings.Repeat("a<br>", 4000), true},
		"void elements only":      {strings.Repeat("a<br>", 3000), false},
		"too long":                {"<p>" + strings.Repeat("a", maxReplyHTML) + "</p>", true},
	} {
		t.Run(name, func(t *testing.T) {
			text, err := replyText(c.html)
			if c.bad != errors.Is(err, errReplyShape) {
				t.Fatalf("error %v, refused %v want %v", err, errors.Is(err, errReplyShape), c.bad)
			}
			if !c.bad && text == "" {
				t.Fatal("nothing left of an ordinary reply")
			}
		})
	}
}

// What the comments show of a remote author cannot pass for somebody else: a username that
// is not a plain one gives no handle of its own (the actor's address may give one), and
// characters that reverse the text or hide are taken out of the name.
func TestAuthorOfHostileActor(t *testing.T) {
	for name, c := range map[string]struct {
		actor      activitypub.Actor
		handle     string
		authorName string
	}{
		"plain": {activitypub.Actor{ID: "https://peer.example/users/anna", PreferredUsername: "anna", Name: "Anna"},
			"@anna@peer.example", "Anna"},
		"username with a server in it": {activitypub.Actor{ID: "https://peer.example/users/x1", PreferredUsername: "alice@mastodon.social", Name: "Alice"},
			"@x1@peer.example", "Alice"},
		"username with a line break, address of no known shape": {activitypub.Actor{ID: "https://peer.example/actor/9", PreferredUsername: "bob\nadmin"},
			"", "peer.example"},
		"name reversed by a control": {activitypub.Actor{ID: "https://peer.example/users/eve", PreferredUsername: "eve", Name: "Eve \u202egnp.exe\u202c  \t Admin"},
			"@eve@peer.example", "Eve gnp.exe Admin"},
	} {
		t.Run(name, func(t *testing.T) {
			a := authorOf(&c.actor)
			if a.Handle != c.handle || a.Name != c.authorName {
				t.Fatalf("handle %q, name %q; want %q, %q", a.Handle, a.Name, c.handle, c.authorName)
			}
		})
	}
}
