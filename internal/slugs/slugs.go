// Package slugs makes the URL names of groups, people and contents: ASCII words joined by
// hyphens, derived from names with German transliteration, unique within their namespace.
package slugs

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxLength is the longest slug, as in the Django grouprise.
const MaxLength = 50

var valid = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Valid tells whether s may be used as a slug as it is.
func Valid(s string) bool {
	return len(s) <= MaxLength && valid.MatchString(s)
}

var german = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss", "ẞ", "SS")

// Make derives a slug from a name: "Gießplan für den Sommer" becomes
// "giessplan-fuer-den-sommer". Other accents are dropped; what is left is lower case ASCII
// letters and digits, joined by single hyphens, at most MaxLength long.
func Make(name string) string {
	s := norm.NFKD.String(german.Replace(name))
	var b strings.Builder
	hyphen := false
	for _, r := range s {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		case r == '_':
			hyphen = false
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// a combining accent of the letter before it
		default:
			hyphen = true
		}
	}
	return truncate(b.String(), MaxLength)
}

func truncate(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], "-")
	}
	return s
}

// Unique returns base, or base-1, base-2, … (shortened to fit MaxLength), the first that
// taken reports free.
func Unique(ctx context.Context, base string, taken func(context.Context, string) (bool, error)) (string, error) {
	if base == "" {
		base = "x"
	}
	for i := 0; ; i++ {
		candidate := truncate(base, MaxLength)
		if i > 0 {
			suffix := "-" + strconv.Itoa(i)
			candidate = truncate(base, MaxLength-len(suffix)) + suffix
		}
		used, err := taken(ctx, candidate)
		if err != nil {
			return "", fmt.Errorf("slugs: %w", err)
		}
		if !used {
			return candidate, nil
		}
		if i > 10000 {
			return "", fmt.Errorf("slugs: no free slug for %q", base)
		}
	}
}
