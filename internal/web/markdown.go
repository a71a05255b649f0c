package web

import (
	"context"
	"html/template"
	"net/http"

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
	out, err := s.markdown.Render(r.Context(), s.markdownOptions(r, preset, headingBase), texts...)
	if err != nil {
		s.log.Warn("rendering markdown failed", "err", err)
		out = make([]template.HTML, len(texts))
		for i, t := range texts {
			out[i] = paragraphs(t)
		}
	}
	return out
}
