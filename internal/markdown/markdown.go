// Package markdown renders what people write — contents, comments, messages, group
// descriptions — from Markdown to sanitised HTML, with the site's own syntax: @mentions of
// groups, people and contents, #tags, a table of contents, and emoji for text smileys.
//
// goldmark parses and renders (CommonMark, with autolinks and hard line breaks); bluemonday
// then cuts the HTML down to an allow-list, so that nothing written can run script or break
// the page.
package markdown

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"html/template"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Preset chooses what the HTML may contain.
type Preset int

const (
	// Content allows paragraphs, headings, lists, quotes, code, links and images.
	Content Preset = iota
	// LinkOnly keeps paragraphs, line breaks and links (group descriptions, footer texts).
	LinkOnly
	// Inline keeps emphasis, code and line breaks, no links (one-line previews).
	Inline
)

// Options say how a text is rendered.
type Options struct {
	Preset Preset
	// HeadingBase is the level of "# Heading": 2 on content pages, 3 in comments (0 means 1).
	HeadingBase int
	// UnknownEntity and MissingContent follow mentions that name nothing, in the reader's
	// language, e.g. "(unknown group or person)" and "(content not found)".
	UnknownEntity, MissingContent string
}

// Entity is a group or a person a mention may name.
type Entity struct {
	ID      int64
	Slug    string
	Name    string
	IsGroup bool
}

// ContentKey names a content by its entity's slug and its own, both in lower case.
type ContentKey struct{ Entity, Slug string }

// ContentTarget is where a content mention links to. Title is "" when the content is not
// public (the link itself checks permissions; the title must not leak).
type ContentTarget struct {
	Path  string // "/<entity>/<slug>/"
	Title string
}

// Resolver finds what mentions name: the groups and people whose slug equals one of the
// given ones case-insensitively, and the contents (not deleted) with the given keys.
type Resolver interface {
	Entities(ctx context.Context, slugs []string) ([]Entity, error)
	Contents(ctx context.Context, keys []ContentKey) (map[ContentKey]ContentTarget, error)
}

// Renderer renders Markdown. It is safe for concurrent use.
type Renderer struct {
	md       goldmark.Markdown
	base     string // the site's URL without trailing slash
	resolve  Resolver
	policies map[Preset]*bluemonday.Policy
}

// New returns a renderer whose links point below baseURL (links in mails need the host).
func New(baseURL string, r Resolver) *Renderer {
	base := strings.TrimRight(baseURL, "/")
	md := goldmark.New(
		goldmark.WithExtensions(extension.NewLinkify()),
		goldmark.WithParserOptions(
			parser.WithAutoHeadingID(),
			parser.WithInlineParsers(
				util.Prioritized(mentionParser{}, 150),
				util.Prioritized(hashtagParser{}, 150),
				util.Prioritized(emoticonParser{}, 150),
			),
		),
		goldmark.WithRendererOptions(
			gmhtml.WithHardWraps(),
			// Raw HTML passes the parser and is cut down by the sanitiser, so that <sub>
			// and <sup> (which Markdown has no syntax for) keep working.
			gmhtml.WithUnsafe(),
			renderer.WithNodeRenderers(util.Prioritized(&nodeRenderer{base: base}, 100)),
		),
	)
	return &Renderer{md: md, base: base, resolve: r, policies: map[Preset]*bluemonday.Policy{
		Content:  contentPolicy(),
		LinkOnly: linkOnlyPolicy(),
		Inline:   inlinePolicy(),
	}}
}

// doc is one parsed text.
type doc struct {
	src  []byte
	root ast.Node
}

// Render renders texts with the same options, resolving all their mentions at once.
func (r *Renderer) Render(ctx context.Context, o Options, texts ...string) ([]template.HTML, error) {
	docs := make([]doc, len(texts))
	for i, t := range texts {
		src := []byte(t)
		pc := parser.NewContext(parser.WithIDs(newIDs()))
		docs[i] = doc{src: src, root: r.md.Parser().Parse(text.NewReader(src), parser.WithContext(pc))}
	}
	if err := r.link(ctx, docs, o); err != nil {
		return nil, err
	}
	out := make([]template.HTML, len(docs))
	var buf bytes.Buffer
	for i, d := range docs {
		shape(d, o.HeadingBase)
		buf.Reset()
		if err := r.md.Renderer().Render(&buf, d.src, d.root); err != nil {
			return nil, fmt.Errorf("markdown: render: %w", err)
		}
		out[i] = template.HTML(r.policies[o.Preset].SanitizeBytes(buf.Bytes()))
	}
	return out, nil
}

// HTML renders one text.
func (r *Renderer) HTML(ctx context.Context, o Options, text string) (template.HTML, error) {
	out, err := r.Render(ctx, o, text)
	if err != nil {
		return "", err
	}
	return out[0], nil
}

// link resolves the mentions and the [label](@slug) and [label](#tag) links of docs.
func (r *Renderer) link(ctx context.Context, docs []doc, o Options) error {
	var mentions []*Mention
	var links []*ast.Link
	slugs := map[string]bool{}
	keys := map[ContentKey]bool{}
	for _, d := range docs {
		err := ast.Walk(d.root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *Mention:
				n.unknown, n.missing = o.UnknownEntity, o.MissingContent
				mentions = append(mentions, n)
				slugs[strings.ToLower(n.Entity)] = true
				if n.Content != "" {
					keys[ContentKey{strings.ToLower(n.Entity), strings.ToLower(n.Content)}] = true
				}
			case *ast.Link:
				switch dest := string(n.Destination); {
				case strings.HasPrefix(dest, "#") && len(dest) > 1:
					n.Destination = []byte(r.base + "/stadt/tags/" + TagSlug(dest[1:]) + "/")
				case strings.HasPrefix(dest, "@") && len(dest) > 1:
					links = append(links, n)
					slugs[strings.ToLower(dest[1:])] = true
				}
			}
			return ast.WalkContinue, nil
		})
		if err != nil {
			return fmt.Errorf("markdown: %w", err)
		}
	}
	if len(slugs) == 0 || r.resolve == nil {
		return nil
	}
	found, err := r.resolve.Entities(ctx, setKeys(slugs))
	if err != nil {
		return fmt.Errorf("markdown: mentions: %w", err)
	}
	var targets map[ContentKey]ContentTarget
	if len(keys) > 0 {
		if targets, err = r.resolve.Contents(ctx, setKeys(keys)); err != nil {
			return fmt.Errorf("markdown: mentions: %w", err)
		}
	}
	for _, m := range mentions {
		m.entity = pick(found, m.Entity)
		if m.Content != "" {
			if t, ok := targets[ContentKey{strings.ToLower(m.Entity), strings.ToLower(m.Content)}]; ok {
				m.content = &t
			}
		}
	}
	for _, l := range links {
		e := pick(found, string(l.Destination[1:]))
		if e == nil {
			// A link to nobody keeps its text.
			unlink(l)
			continue
		}
		l.Destination = []byte(r.base + "/" + e.Slug + "/")
		kind := "gestaltlink"
		if e.IsGroup {
			kind = "grouplink"
		}
		l.SetAttributeString("data-component", []byte(kind))
		l.SetAttributeString("data-"+kind+"-ref", []byte(fmt.Sprint(e.ID)))
	}
	return nil
}

func setKeys[K comparable](m map[K]bool) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// pick chooses what @slug names, as the original did: a group with exactly this slug, a
// person with exactly this name, then the same ignoring case.
func pick(found []Entity, slug string) *Entity {
	for _, exact := range []bool{true, false} {
		for _, group := range []bool{true, false} {
			for i := range found {
				e := &found[i]
				if e.IsGroup != group {
					continue
				}
				if (exact && e.Slug == slug) || (!exact && strings.EqualFold(e.Slug, slug)) {
					return e
				}
			}
		}
	}
	return nil
}

// unlink replaces a link by its children.
func unlink(l *ast.Link) {
	parent := l.Parent()
	for c := l.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, l, c)
		c = next
	}
	parent.RemoveChild(parent, l)
}

// Tags are the tag names a text carries, each once (by slug), in order of appearance; code
// does not count.
func Tags(texts ...string) []string {
	p := goldmark.New(goldmark.WithParserOptions(parser.WithInlineParsers(
		util.Prioritized(mentionParser{}, 150), util.Prioritized(hashtagParser{}, 150)))).Parser()
	seen := map[string]bool{}
	var out []string
	for _, t := range texts {
		src := []byte(t)
		root := p.Parse(text.NewReader(src))
		_ = ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if h, ok := n.(*Hashtag); ok && entering {
				if slug := TagSlug(h.Name); slug != "" && !seen[slug] {
					seen[slug] = true
					out = append(out, h.Name)
				}
			}
			return ast.WalkContinue, nil
		})
	}
	return out
}

// TitleTags are the tags in a one-line title (no Markdown there: "#1 Sommerfest" has tag 1).
func TitleTags(title string) []string {
	var out []string
	seen := map[string]bool{}
	b := []byte(title)
	for i := 0; i < len(b); i++ {
		if b[i] != '#' {
			continue
		}
		if i > 0 {
			prev := []rune(string(b[:i]))
			if p := prev[len(prev)-1]; word(p) || p == '/' || p == '#' || p == '&' {
				continue
			}
		}
		if name := tagName(b[i+1:]); name != "" {
			if slug := TagSlug(name); !seen[slug] {
				seen[slug] = true
				out = append(out, name)
			}
			i += len(name)
		}
	}
	return out
}

var (
	tagsOnly = bluemonday.StrictPolicy()
	spaces   = regexp.MustCompile(`\s+`)
)

// Plain is the text of rendered HTML without tags, cut after words words ("…" marks the
// cut): the description in OpenGraph tags and feeds.
func Plain(h template.HTML, words int) string {
	s := html.UnescapeString(tagsOnly.Sanitize(strings.NewReplacer("<br>", " ", "</p>", " ", "</li>", " ").Replace(string(h))))
	fields := strings.Fields(spaces.ReplaceAllString(s, " "))
	if words > 0 && len(fields) > words {
		return strings.Join(fields[:words], " ") + " …"
	}
	return strings.Join(fields, " ")
}
