package web

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxTarget bounds a redirect target: longer ones are no addresses of this site.
const maxTarget = 2048

// safeNext returns next as a path on this site, cleaned the way a browser resolves it, or
// fallback when next could lead anywhere else. Every next, back and return target that a
// form or a link brings goes through here.
func safeNext(next, fallback string) string {
	if t, ok := localTarget(next); ok {
		return t
	}
	return fallback
}

// localTarget cleans a redirect target first and checks it after. Browsers strip tabs, line
// breaks and leading control characters and read a backslash as a slash, so "/\t/x" and
// "/\x" lead to host x; a second decoding step elsewhere would turn "%5C" or "%2F" into
// them. So refused are: anything not starting with one slash; backslashes, control, format
// and separator characters, raw or percent-encoded (at any depth); encoded slashes and empty
// segments in the path; characters that compatibility-normalise to URL syntax (fullwidth
// solidus). What is left is cleaned of dot segments (also "%2e"), percent-encoded where a
// browser would encode it, and checked once more as the browser will read it.
func localTarget(next string) (string, bool) {
	if next == "" || len(next) > maxTarget || next[0] != '/' {
		return "", false
	}
	p, rest := next, ""
	if i := strings.IndexAny(next, "?#"); i >= 0 {
		p, rest = next[:i], next[i:]
	}
	if strings.Contains(p, "//") {
		return "", false
	}
	paths, ok := decodings(p)
	if !ok {
		return "", false
	}
	for _, d := range paths {
		if !plain(d, true) || strings.Count(d, "/") != strings.Count(p, "/") {
			return "", false
		}
	}
	rests, ok := decodings(rest)
	if !ok {
		return "", false
	}
	for _, d := range rests {
		if !plain(d, false) {
			return "", false
		}
	}
	t := encodeLikeBrowser(cleanPath(p)) + encodeLikeBrowser(rest)
	// The browser's view of the result: a path on the same host, no scheme, no authority.
	u, err := url.Parse(t)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || t[0] != '/' ||
		len(t) > 1 && (t[1] == '/' || t[1] == '\\') || strings.ContainsAny(t, "\\\t\r\n") {
		return "", false
	}
	return t, true
}

// decodings are s and its percent-decodings, once, twice, … until nothing changes. s itself
// must be well-formed; a deeper level that is not simply contains a literal "%".
func decodings(s string) ([]string, bool) {
	levels := []string{s}
	for range 4 {
		d, err := url.PathUnescape(s)
		if err != nil {
			return levels, len(levels) > 1
		}
		if d == s {
			return levels, true
		}
		levels = append(levels, d)
		s = d
	}
	return levels, false // encoded five times over: nobody's link
}

// plain tells whether s holds only characters that every browser and server reads alike:
// valid UTF-8 without backslashes and without control, format or separator characters other
// than the space. In a path, also no character that compatibility-normalises to URL syntax.
func plain(s string, inPath bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '\\' || r < 0x20 || r == 0x7f:
			return false
		case r < utf8.RuneSelf:
		case unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Zs, unicode.Co):
			return false
		case inPath && (slashLike(r) || strings.ContainsAny(norm.NFKC.String(string(r)), `/\.%?#@:`)):
			return false
		}
	}
	return true
}

// slashLike are look-alikes of the slash that normalisation leaves as they are.
func slashLike(r rune) bool {
	switch r {
	case '\u2044', '\u2215', '\u2216', '\u29f5', '\u29f8', '\u29f9':
		return true
	}
	return false
}

// cleanPath removes dot segments as a browser does, where "%2e" counts as a dot, and keeps
// the slash at the end of a directory.
func cleanPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		switch strings.ToLower(s) {
		case ".", "%2e":
			segs[i] = "."
		case "..", ".%2e", "%2e.", "%2e%2e":
			segs[i] = ".."
		}
	}
	last := segs[len(segs)-1]
	c := path.Clean(strings.Join(segs, "/"))
	if (last == "" || last == "." || last == "..") && c != "/" {
		c += "/"
	}
	return c
}

// encodeLikeBrowser percent-encodes what a browser would encode before sending the address:
// characters outside ASCII, the space, quotes, angle brackets and braces.
func encodeLikeBrowser(s string) string {
	var b strings.Builder
	for i := range len(s) {
		c := s[i]
		if c >= utf8.RuneSelf || strings.IndexByte(" \"<>`{}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
