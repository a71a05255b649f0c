package markdown

import (
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"

	"grouprise.org/grouprise/internal/slugs"
)

// KindTOC is the table of contents that replaces a paragraph "[INHALT]".
var KindTOC = ast.NewNodeKind("TOC")

// TOCMarker is the paragraph that becomes the table of contents.
const TOCMarker = "[INHALT]"

// TOC is a rendered table of contents.
type TOC struct {
	ast.BaseBlock
	html string
}

// Kind implements ast.Node.
func (n *TOC) Kind() ast.NodeKind { return KindTOC }

// Dump implements ast.Node.
func (n *TOC) Dump(source []byte, level int) { ast.DumpHelper(n, source, level, nil, nil) }

// TagSlug is the identity of a tag: its name as a slug ("Straßenfest" → "strassenfest");
// names without Latin letters keep their own letters in lower case.
func TagSlug(name string) string {
	if s := slugs.Make(name); s != "" {
		return s
	}
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if !word(r) {
			hyphen = true
			continue
		}
		if hyphen && b.Len() > 0 {
			b.WriteByte('-')
		}
		hyphen = false
		b.WriteRune(r)
	}
	return b.String()
}

// TagPath is the page of a tag.
func TagPath(name string) string { return "/stadt/tags/" + url.PathEscape(TagSlug(name)) + "/" }

// nodeRenderer writes the site's own nodes.
type nodeRenderer struct{ base string }

func (r *nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(KindMention, r.mention)
	reg.Register(KindHashtag, r.hashtag)
	reg.Register(KindEmoticon, r.emoticon)
	reg.Register(KindTOC, r.toc)
}

var esc = html.EscapeString

func (r *nodeRenderer) entityLink(w util.BufWriter, e *Entity, label string) {
	kind := "gestaltlink"
	if e.IsGroup {
		kind = "grouplink"
	}
	fmt.Fprintf(w, `<a href="%s" title="%s" data-component="%s" data-%s-ref="%d">%s</a>`,
		esc(r.base+"/"+url.PathEscape(e.Slug)+"/"), esc(e.Name), kind, kind, e.ID, esc(label))
}

func (r *nodeRenderer) mention(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	m := node.(*Mention)
	written := "@" + m.Entity
	switch {
	case m.entity == nil:
		if m.Content != "" {
			written += "/" + m.Content
		}
		fmt.Fprintf(w, `<span class="mention-unknown">%s</span>`, esc(strings.TrimSpace(written+" "+m.unknown)))
	case m.Content == "":
		r.entityLink(w, m.entity, written)
	case m.content != nil:
		fmt.Fprintf(w, `<a href="%s" title="%s">%s</a>`, esc(r.base+m.content.Path), esc(m.content.Title),
			esc(written+"/"+m.Content))
	default:
		r.entityLink(w, m.entity, written)
		_, _ = w.WriteString(esc(strings.TrimSpace("/" + m.Content + " " + m.missing)))
	}
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) hashtag(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	name := node.(*Hashtag).Name
	slug := TagSlug(name)
	group, rest := "", name
	if i := strings.IndexByte(name, ':'); i > 0 {
		group, rest = name[:i], name[i+1:]
	}
	fmt.Fprintf(w, `<a class="tag" href="%s" data-tag-slug="%s"`, esc(r.base+TagPath(name)), esc(slug))
	if group != "" {
		fmt.Fprintf(w, ` data-tag-group-key="%s"><span class="tag-group"><span class="tag-hash">#</span>%s:</span>`,
			esc(strings.ToLower(group)), esc(group))
	} else {
		_, _ = w.WriteString(`><span class="tag-hash">#</span>`)
	}
	fmt.Fprintf(w, `<span class="tag-name">%s</span></a>`, esc(rest))
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) emoticon(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(node.(*Emoticon).Emoji)
	}
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) toc(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if entering {
		_, _ = w.WriteString(node.(*TOC).html)
	}
	return ast.WalkSkipChildren, nil
}

// heading is an entry of the table of contents.
type heading struct {
	level    int
	id, text string
}

// shape moves headings down to the context's level and fills in the table of contents.
func shape(d doc, base int) {
	var headings []heading
	var markers []*ast.Paragraph
	_ = ast.Walk(d.root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			if base > 1 {
				n.Level = min(6, n.Level+base-1)
			}
			id, _ := n.AttributeString("id")
			idb, _ := id.([]byte)
			headings = append(headings, heading{level: n.Level, id: string(idb), text: plainText(n, d.src)})
			return ast.WalkSkipChildren, nil
		case *ast.Paragraph:
			if strings.TrimSpace(string(linesOf(n, d.src))) == TOCMarker {
				markers = append(markers, n)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	for _, m := range markers {
		m.Parent().ReplaceChild(m.Parent(), m, &TOC{html: tocHTML(headings)})
	}
}

func linesOf(n ast.Node, src []byte) []byte {
	var b []byte
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b = append(b, seg.Value(src)...)
	}
	return b
}

// plainText is the text of an inline tree as a reader sees it.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch c := c.(type) {
		case *ast.Text:
			b.Write(c.Segment.Value(src))
			if c.SoftLineBreak() || c.HardLineBreak() {
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(c.Value)
		case *Mention:
			b.WriteString("@" + c.Entity)
			if c.Content != "" {
				b.WriteString("/" + c.Content)
			}
		case *Hashtag:
			b.WriteString("#" + c.Name)
		case *Emoticon:
			b.WriteString(c.Emoji)
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

// tocHTML nests the headings in lists by level.
func tocHTML(hs []heading) string {
	if len(hs) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<ul class="toc">`)
	open := []int{hs[0].level} // the levels of the open lists
	for i, h := range hs {
		if i > 0 {
			if h.level > open[len(open)-1] {
				b.WriteString("<ul>")
				open = append(open, h.level)
			} else {
				b.WriteString("</li>")
				for len(open) > 1 && h.level < open[len(open)-1] {
					b.WriteString("</ul></li>")
					open = open[:len(open)-1]
				}
			}
		}
		fmt.Fprintf(&b, `<li><a href="#%s">%s</a>`, esc(h.id), esc(h.text))
	}
	b.WriteString("</li>")
	for len(open) > 1 {
		b.WriteString("</ul></li>")
		open = open[:len(open)-1]
	}
	b.WriteString("</ul>")
	return b.String()
}

// ids makes heading ids from their text, German umlauts transliterated.
type ids struct{ used map[string]bool }

func newIDs() *ids { return &ids{used: map[string]bool{}} }

func (s *ids) Generate(value []byte, _ ast.NodeKind) []byte {
	base := slugs.Make(string(value))
	if base == "" {
		base = "section"
	}
	id := base
	for i := 1; s.used[id]; i++ {
		id = fmt.Sprintf("%s-%d", base, i)
	}
	s.used[id] = true
	return []byte(id)
}

func (s *ids) Put(value []byte) { s.used[string(value)] = true }

// The allow-lists. Classes are limited to the ones the site's own syntax writes, so that
// a text cannot borrow the page's buttons or layout.
var (
	linkClass   = regexp.MustCompile(`^tag$`)
	spanClass   = regexp.MustCompile(`^(tag-hash|tag-name|tag-group|mention-unknown)$`)
	codeClass   = regexp.MustCompile(`^language-[A-Za-z0-9_+-]+$`)
	listClass   = regexp.MustCompile(`^toc$`)
	linkDataRef = regexp.MustCompile(`^[0-9]+$`)
)

func basePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(true)
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnFullyQualifiedLinks(false)
	p.AllowAttrs("id", "title").Globally()
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("class").Matching(linkClass).OnElements("a")
	p.AllowAttrs("data-component").Matching(regexp.MustCompile(`^(grouplink|gestaltlink)$`)).OnElements("a")
	p.AllowAttrs("data-gestaltlink-ref", "data-grouplink-ref").Matching(linkDataRef).OnElements("a")
	p.AllowAttrs("data-tag-group-key", "data-tag-slug").OnElements("a")
	p.AllowAttrs("class").Matching(spanClass).OnElements("span")
	p.AllowElements("a", "span", "br")
	return p
}

func contentPolicy() *bluemonday.Policy {
	p := basePolicy()
	p.AllowElements("p", "em", "strong", "img", "sub", "sup", "blockquote", "cite",
		"h1", "h2", "h3", "h4", "h5", "h6", "ol", "ul", "li", "pre", "code", "hr")
	p.AllowAttrs("class").Matching(codeClass).OnElements("code")
	p.AllowAttrs("class").Matching(listClass).OnElements("ul")
	p.AllowAttrs("src", "alt").OnElements("img")
	p.AllowAttrs("start").Matching(regexp.MustCompile(`^[0-9]{1,9}$`)).OnElements("ol")
	return p
}

func linkOnlyPolicy() *bluemonday.Policy {
	p := basePolicy()
	p.AllowElements("p")
	return p
}

func inlinePolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("em", "strong", "code", "sub", "sup", "br", "span")
	p.AllowAttrs("class").Matching(spanClass).OnElements("span")
	return p
}
