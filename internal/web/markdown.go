package web

import (
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/markdown"
)

// markdownOptions are the rendering options in the request's language.
func (s *Server) markdownOptions(r *http.Request, preset markdown.Preset, headingBase int) markdown.Options {
	return markdown.Options{Preset: preset, HeadingBase: headingBase,
		UnknownEntity: s.t(r, "markdown.unknown_entity"), MissingContent: s.t(r, "markdown.missing_content")}
}

// renderTexts renders texts for a page; a failed lookup of mentions shows the texts as
// escaped plain text rather than failing the page.
func (s *Server) renderTexts(r *http.Request, preset markdown.Preset, headingBase int, texts ...string) []template.HTML {
	// Rendered texts are kept in the memo by their text, preset and language: what they
	// depend on besides (the names and titles mentions resolve to) is in the store.
	gen, memoOK := s.generation(r)
	keys := make([]string, len(texts))
	out := make([]template.HTML, len(texts))
	var missing []int
	for i, t := range texts {
		sum := sha256.Sum256([]byte(t))
		keys[i] = "markdown:" + strconv.Itoa(int(preset)) + ":" + strconv.Itoa(headingBase) + ":" + lang(r) + ":" + hex.EncodeToString(sum[:16])
		if memoOK {
			if v, ok := s.memo.Peek(gen, keys[i]); ok {
				out[i] = v.(template.HTML)
				continue
			}
		}
		missing = append(missing, i)
	}
	if len(missing) == 0 {
		return out
	}
	todo := make([]string, len(missing))
	for j, i := range missing {
		todo[j] = texts[i]
	}
	rendered, err := s.markdown.Render(r.Context(), s.markdownOptions(r, preset, headingBase), todo...)
	if err != nil {
		s.log.Warn("rendering markdown failed", "err", err)
		for _, i := range missing {
			out[i] = paragraphs(texts[i])
		}
		return out
	}
	for j, i := range missing {
		out[i] = rendered[j]
		if memoOK {
			s.memo.Put(gen, keys[i], rendered[j], len(rendered[j])+len(keys[i]))
		}
	}
	return out
}
