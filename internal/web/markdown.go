package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"

	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// mentionResolver looks up what @mentions in texts name.
type mentionResolver struct{ db *store.DB }

func (m mentionResolver) Entities(ctx context.Context, slugs []string) ([]markdown.Entity, error) {
	refs, err := m.db.EntitiesBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	out := make([]markdown.Entity, len(refs))
	for i, e := range refs {
		out[i] = markdown.Entity{ID: e.ID, Slug: e.Slug, Name: e.DisplayName(), IsGroup: e.IsGroup}
	}
	return out, nil
}

func (m mentionResolver) Contents(ctx context.Context, keys []markdown.ContentKey) (map[markdown.ContentKey]markdown.ContentTarget, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Entity, k.Slug}
	}
	found, err := m.db.ContentsBySlug(ctx, pairs)
	if err != nil {
		return nil, err
	}
	out := map[markdown.ContentKey]markdown.ContentTarget{}
	for _, k := range keys {
		ref, ok := found[k.Entity+"/"+k.Slug]
		if !ok {
			continue
		}
		t := markdown.ContentTarget{Path: "/" + ref.EntitySlug + "/" + ref.Slug + "/"}
		if ref.Public {
			t.Title = ref.Title
		}
		out[k] = t
	}
	return out, nil
}

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
