// Package mentions finds in the store what @mentions in texts name, for the Markdown renderer:
// the pages' and what goes to the Fediverse alike.
package mentions

import (
	"context"

	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// Resolver is a markdown.Resolver on the store, or on a transaction of it.
type Resolver struct{ Q *store.Queries }

// Entities finds the groups and people that mentions name.
func (m Resolver) Entities(ctx context.Context, slugs []string) ([]markdown.Entity, error) {
	refs, err := m.Q.EntitiesBySlug(ctx, slugs)
	if err != nil {
		return nil, err
	}
	out := make([]markdown.Entity, len(refs))
	for i, e := range refs {
		out[i] = markdown.Entity{ID: e.ID, Slug: e.Slug, Name: e.DisplayName(), IsGroup: e.IsGroup}
	}
	return out, nil
}

// Contents finds the contents that mentions name; only public ones give their titles.
func (m Resolver) Contents(ctx context.Context, keys []markdown.ContentKey) (map[markdown.ContentKey]markdown.ContentTarget, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.Entity, k.Slug}
	}
	found, err := m.Q.ContentsBySlug(ctx, pairs)
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
