package federation

import (
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/activitypub"
)

// A conversation's subject is the post's content warning, else its first words without the
// mentions it starts with, bounded, as one line of plain text.
func TestConversationSubject(t *testing.T) {
	long := strings.Repeat("Tomaten ", 30)
	for name, c := range map[string]struct {
		summary, content, text, want string
	}{
		"content warning": {"Saatgut &amp; Pflanzen", "<p>@garten Habt ihr welches?</p>", "Habt ihr welches?", "Saatgut & Pflanzen"},
		"first words": {"", `<p><span class="h-card"><a href="https://grouprise.test/garten/">@<span>garten</span></a></span> Habt ihr noch Saatgut für Tomaten übrig? Wir tauschen gern, sagt Bescheid.</p>`,
			"", "Habt ihr noch Saatgut für Tomaten übrig? Wir tauschen gern,…"},
		"paragraphs apart":   {"", "<p>Hallo</p><p>ihr da</p>", "", "Hallo ihr da"},
		"no markup, bounded": {"", "<p>" + long + "</p>", "", strings.Repeat("Tomaten ", 9) + "Tomaten…"},
		"one long word":      {"", "<p>" + strings.Repeat("x", 300) + "</p>", "", strings.Repeat("x", maxConversationTitle) + "…"},
		"control characters": {"Hallo\u202eWelt\x00", "", "", "HalloWelt"},
		"only mentions":      {"", "<p>@garten</p>", "Text", "Text"},
		"long warning":       {strings.Repeat("w", 400), "", "", strings.Repeat("w", 254) + "…"},
	} {
		got := subjectOf(&activitypub.Post{Summary: c.summary, Content: c.content}, c.text)
		if got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
