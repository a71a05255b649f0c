package i18n

import (
	"slices"
	"testing"
	"time"
)

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	de, en := c.IDs("de"), c.IDs("en")
	if len(de) < 10 {
		t.Fatalf("only %d German messages", len(de))
	}
	for _, id := range de {
		if !slices.Contains(en, id) {
			t.Errorf("%s is missing in en.yaml", id)
		}
	}
	for _, id := range en {
		if !slices.Contains(de, id) {
			t.Errorf("%s is missing in de.yaml", id)
		}
	}
}

func TestPrinter(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 7, 14, 5, 0, 0, time.UTC)
	cases := []struct{ lang, got, want string }{
		{"de-de", c.Printer("de-de").DateTime(day), "7. März 2026 um 14:05 Uhr"},
		{"en", c.Printer("en").DateTime(day), "7 March 2026 at 14:05"},
		{"de", c.Printer("de").T("mail.gallery.size", "Count", 1), "Galerie mit einem Bild"},
		{"de", c.Printer("de").T("mail.gallery.size", "Count", 3), "Galerie mit 3 Bildern"},
		{"en_GB", c.Printer("en_GB").T("mail.gallery.size", "Count", 3), "Gallery with 3 pictures"},
		{"fr falls back to German", c.Printer("fr").T("mail.untitled"), "Nachricht ohne Betreff"},
		{"missing id", c.Printer("de").T("no.such.message"), "no.such.message"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.lang, tc.got, tc.want)
		}
	}
	for header, want := range map[string]string{"en-US,en;q=0.9,de;q=0.8": "en", "de-AT": "de", "fr": "", "": ""} {
		if got := c.Match(header); got != want {
			t.Errorf("Match(%q) = %q, want %q", header, got, want)
		}
	}
}
