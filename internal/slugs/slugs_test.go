package slugs

import (
	"context"
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	cases := map[string]string{
		"Gießplan für den Sommer":         "giessplan-fuer-den-sommer",
		"Frühjahrsputz im Stadtgarten":    "fruehjahrsputz-im-stadtgarten",
		"Reparatur-Café":                  "reparatur-cafe",
		"  Über  uns!  ":                  "ueber-uns",
		"Plattform_Betrieb":               "plattform_betrieb",
		"Ærø & Co. 2027":                  "r-co-2027",
		"":                                "",
		"€€€":                             "",
		strings.Repeat("abcdefghij ", 10): "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcdef",
	}
	for in, want := range cases {
		got := Make(in)
		if got != want {
			t.Errorf("Make(%q) = %q, want %q", in, got, want)
		}
		if got != "" && !Valid(got) {
			t.Errorf("Make(%q) = %q is not a valid slug", in, got)
		}
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{"stadtgarten": true, "A_b-9": true, "": false, "a b": false,
		"jörg": false, "a/b": false, strings.Repeat("a", 51): false} {
		if Valid(s) != want {
			t.Errorf("Valid(%q) = %v", s, !want)
		}
	}
}

func TestUnique(t *testing.T) {
	used := map[string]bool{"garten": true, "garten-1": true, strings.Repeat("a", 48) + "-1": false, strings.Repeat("a", 50): true}
	taken := func(_ context.Context, s string) (bool, error) { return used[s], nil }
	for base, want := range map[string]string{
		"garten":                "garten-2",
		"wiese":                 "wiese",
		strings.Repeat("a", 50): strings.Repeat("a", 48) + "-1",
		"":                      "x",
	} {
		got, err := Unique(context.Background(), base, taken)
		if err != nil || got != want {
			t.Errorf("Unique(%q) = %q, %v; want %q", base, got, err, want)
		}
	}
}
