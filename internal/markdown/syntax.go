package markdown

import (
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Node kinds of the site's own syntax.
var (
	KindMention  = ast.NewNodeKind("Mention")
	KindHashtag  = ast.NewNodeKind("Hashtag")
	KindEmoticon = ast.NewNodeKind("Emoticon")
)

// Mention is @entity or @entity/content-slug.
type Mention struct {
	ast.BaseInline
	Entity  string
	Content string // "" for a mention of the entity itself
	// Set before rendering.
	entity           *Entity
	content          *ContentTarget
	unknown, missing string
}

// Kind implements ast.Node.
func (n *Mention) Kind() ast.NodeKind { return KindMention }

// Dump implements ast.Node.
func (n *Mention) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Entity": n.Entity, "Content": n.Content}, nil)
}

// Hashtag is #name or #group:name.
type Hashtag struct {
	ast.BaseInline
	Name string
}

// Kind implements ast.Node.
func (n *Hashtag) Kind() ast.NodeKind { return KindHashtag }

// Dump implements ast.Node.
func (n *Hashtag) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.Name}, nil)
}

// Emoticon is a text smiley shown as its emoji.
type Emoticon struct {
	ast.BaseInline
	Emoji string
}

// Kind implements ast.Node.
func (n *Emoticon) Kind() ast.NodeKind { return KindEmoticon }

// Dump implements ast.Node.
func (n *Emoticon) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Emoji": n.Emoji}, nil)
}

// word tells the characters of names: letters, digits and the underscore, in any script.
func word(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// scan returns the length in bytes of the longest prefix of b whose runes satisfy ok.
func scan(b []byte, ok func(rune) bool) int {
	n := 0
	for n < len(b) {
		r, size := utf8.DecodeRune(b[n:])
		if !ok(r) {
			break
		}
		n += size
	}
	return n
}

// trimEnd drops trailing bytes of b[:n] that are in cut (ASCII only).
func trimEnd(b []byte, n int, cut string) int {
	for n > 0 {
		found := false
		for i := 0; i < len(cut); i++ {
			if b[n-1] == cut[i] {
				found = true
			}
		}
		if !found {
			break
		}
		n--
	}
	return n
}

// mentionParser reads @slug and @slug/content-slug where the @ does not follow a letter.
type mentionParser struct{}

func (mentionParser) Trigger() []byte { return []byte{'@'} }

func (mentionParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if pc.IsInLinkLabel() {
		return nil
	}
	if prev := block.PrecendingCharacter(); word(prev) || prev == '/' || prev == '.' || prev == '@' {
		return nil
	}
	line, _ := block.PeekLine()
	slugChar := func(r rune) bool { return word(r) || r == '-' || r == '.' }
	n := trimEnd(line[1:], scan(line[1:], slugChar), ".-")
	if n == 0 {
		return nil
	}
	m := &Mention{Entity: string(line[1 : 1+n])}
	used := 1 + n
	if used < len(line) && line[used] == '/' {
		rest := line[used+1:]
		if k := trimEnd(rest, scan(rest, func(r rune) bool { return word(r) || r == '-' }), "-"); k > 0 {
			m.Content = string(rest[:k])
			used += 1 + k
		}
	}
	block.Advance(used)
	return m
}

// hashtagParser reads #name, #name-with-hyphens and #group:name where the # does not follow
// a letter, a digit or a slash (so URL fragments and "abc#x" stay text); trailing hyphens
// and colons are not part of the tag.
type hashtagParser struct{}

func (hashtagParser) Trigger() []byte { return []byte{'#'} }

func (hashtagParser) Parse(_ ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if prev := block.PrecendingCharacter(); word(prev) || prev == '/' || prev == '#' || prev == '&' {
		return nil
	}
	line, _ := block.PeekLine()
	name := tagName(line[1:])
	if name == "" {
		return nil
	}
	block.Advance(1 + len(name))
	return &Hashtag{Name: name}
}

// tagName is the tag at the start of b (after its #), or "".
func tagName(b []byte) string {
	if r, _ := utf8.DecodeRune(b); !word(r) {
		return ""
	}
	n := trimEnd(b, scan(b, func(r rune) bool { return word(r) || r == '-' || r == ':' }), "-:")
	return string(b[:n])
}

// emoticons map text smileys to emoji. Longer forms come first where one is a prefix of
// another.
var emoticons = []struct{ text, emoji string }{
	{":-)", "🙂"}, {":)", "🙂"},
	{":-(", "🙁"}, {":(", "🙁"},
	{";-)", "😉"}, {";)", "😉"},
	{":-D", "😃"}, {":D", "😃"},
	{":-P", "😛"}, {":P", "😛"}, {":-p", "😛"}, {":p", "😛"},
	{":-O", "😮"}, {":O", "😮"}, {":-o", "😮"}, {":o", "😮"},
	{":-/", "😕"}, {":/", "😕"},
	{":-|", "😐"}, {":|", "😐"},
	{":'(", "😢"},
	{":-*", "😘"}, {":*", "😘"},
	{"<3", "❤️"},
}

// emoticonParser turns a smiley that stands alone (space or line start before it, space,
// punctuation or line end after it) into its emoji.
type emoticonParser struct{}

func (emoticonParser) Trigger() []byte { return []byte{':', ';', '<'} }

func (emoticonParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	if prev := block.PrecendingCharacter(); prev != '\n' && !unicode.IsSpace(prev) && prev != '(' {
		return nil
	}
	line, _ := block.PeekLine()
	for _, e := range emoticons {
		if len(line) < len(e.text) || string(line[:len(e.text)]) != e.text {
			continue
		}
		if rest := line[len(e.text):]; len(rest) > 0 {
			r, _ := utf8.DecodeRune(rest)
			if !unicode.IsSpace(r) && !unicode.IsPunct(r) {
				return nil
			}
		}
		block.Advance(len(e.text))
		return &Emoticon{Emoji: e.emoji}
	}
	return nil
}
