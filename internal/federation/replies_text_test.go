package federation

import (
	"errors"
	"strings"
	"testing"
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
