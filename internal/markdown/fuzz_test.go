package markdown

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// allowed is the allow-list of the Content preset, tag by tag ("*" for every tag).
var allowed = map[string][]string{
	"*": {"id", "title"},
	"a": {"href", "class", "data-component", "data-gestaltlink-ref", "data-grouplink-ref", "data-tag-group-key", "data-tag-slug"},
	"p": nil, "em": nil, "strong": nil, "br": nil, "sub": nil, "sup": nil, "blockquote": nil, "cite": nil,
	"h1": nil, "h2": nil, "h3": nil, "h4": nil, "h5": nil, "h6": nil, "li": nil, "pre": nil, "hr": nil,
	"img":  {"src", "alt"},
	"span": {"class"},
	"code": {"class"},
	"ul":   {"class"},
	"ol":   {"start"},
}

// check fails when out has a tag, an attribute or a link scheme outside the allow-list.
func check(t *testing.T, in, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken && tt != html.EndTagToken {
			continue
		}
		tok := z.Token()
		attrs, ok := allowed[tok.Data]
		if !ok {
			t.Fatalf("%q renders tag <%s>: %s", in, tok.Data, out)
		}
		for _, a := range tok.Attr {
			if !contains(attrs, a.Key) && !contains(allowed["*"], a.Key) {
				t.Fatalf("%q renders attribute %s on <%s>: %s", in, a.Key, tok.Data, out)
			}
			if a.Key == "href" || a.Key == "src" {
				v := strings.ToLower(strings.TrimSpace(a.Val))
				if i := strings.IndexAny(v, ":/?#"); i >= 0 && v[i] == ':' {
					if scheme := v[:i]; scheme != "http" && scheme != "https" && scheme != "mailto" {
						t.Fatalf("%q renders a %s: link: %s", in, scheme, out)
					}
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzRender: no input makes the renderer panic or emit anything outside the allow-list.
// Run longer with: go test -tags sqlite_fts5 -fuzz FuzzRender ./internal/markdown
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"*a* **b** `c` [d](https://e.org) ![f](/g.png) @anna @gartenfreunde/giessplan #tag #a:b",
		"<script>alert(1)</script><iframe src=x></iframe><img src=x onerror=alert(1)>",
		"[x](javascript:alert(1)) [y](JaVaScRiPt:alert(1)) [z](&#106;avascript:alert(1))",
		"<a href=\"javas&#x09;cript:alert(1)\">x</a><svg onload=alert(1)><math><style>",
		"[INHALT]\n\n# a\n### b\n## c\n\n> quote\n\n1. x\n2. y\n\n```go\ncode\n```",
		"<div style=\"x\"><b>unclosed <p class=button>text",
		":) ;-) <3 :'( @ # [](@) [](#) @-. #-:",
	} {
		f.Add(seed)
	}
	r, _ := newTestRenderer()
	f.Fuzz(func(t *testing.T, in string) {
		for _, p := range []Preset{Content, LinkOnly, Inline} {
			out, err := r.HTML(context.Background(), Options{Preset: p, HeadingBase: 2, UnknownEntity: "<b>?</b>"}, in)
			if err != nil {
				t.Fatal(err)
			}
			check(t, in, string(out))
		}
		Tags(in)
		TitleTags(in)
	})
}
