package groups

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/markdown"
	"grouprise.org/grouprise/internal/store"
)

// Tags are a group's tags as its members write them, with the site's rule for featured tags
// (tags.featured_tag_ids, tags.min_featured_group_tag_count).
type Tags struct {
	Names       []string
	Featured    []int64
	MinFeatured int
}

// Limits of a group's tags: the form is hostile, and a tag is a keyword, not a text.
const (
	MaxTags       = 30
	MaxTagLength  = 100
	tagSeparators = ",;\n"
)

// Errors about tags a person can fix.
var (
	ErrTagInvalid   = errors.New("a tag has at most 100 characters and at least one letter or digit")
	ErrTooManyTags  = errors.New("a group has at most 30 tags")
	ErrFeaturedTags = errors.New("the group lacks featured tags")
)

// ParseTags splits what a tag field holds ("Garten, #Umwelt; Kultur") into names.
func ParseTags(text string) []string {
	var names []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(tagSeparators, r) }) {
		names = append(names, part)
	}
	return UniqueTags(names)
}

// UniqueTags tidies names (white space, a leading '#') and keeps each tag once (by its
// slug), in the order given.
func UniqueTags(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		name := strings.Join(strings.Fields(strings.TrimLeft(strings.TrimSpace(n), "#")), " ")
		if name == "" {
			continue
		}
		slug := markdown.TagSlug(name)
		if seen[slug] {
			continue
		}
		seen[slug] = true
		out = append(out, name)
	}
	return out
}

// check refuses tags that cannot be stored as tags.
func (t *Tags) check() error {
	if len(t.Names) > MaxTags {
		return ErrTooManyTags
	}
	for _, n := range t.Names {
		if len([]rune(n)) > MaxTagLength || markdown.TagSlug(n) == "" {
			return fmt.Errorf("%w: %q", ErrTagInvalid, n)
		}
	}
	return nil
}

// setTags makes the names the group's tags, inside the caller's transaction; the tags that do
// not exist yet are made. With fewer featured tags than the site asks for nothing is kept.
func setTags(ctx context.Context, q *store.Queries, groupID int64, t *Tags) error {
	tags := make([]store.Tag, len(t.Names))
	for i, n := range t.Names {
		tags[i] = store.Tag{Name: n, Slug: markdown.TagSlug(n)}
	}
	ids, err := q.EnsureTags(ctx, tags)
	if err != nil {
		return err
	}
	if t.MinFeatured > 0 {
		featured := 0
		for _, id := range ids {
			if slices.Contains(t.Featured, id) {
				featured++
			}
		}
		if featured < t.MinFeatured {
			return ErrFeaturedTags
		}
	}
	return q.SetGroupTags(ctx, groupID, ids)
}

// SetTags makes the names the group's tags (add and remove), by the site's rule for
// featured tags.
func (g *Groups) SetTags(ctx context.Context, group *store.Group, t Tags) error {
	if err := t.check(); err != nil {
		return err
	}
	err := g.db.Tx(ctx, func(q *store.Queries) error { return setTags(ctx, q, group.ID, &t) })
	if err != nil {
		return fmt.Errorf("groups: tags of %s: %w", group.Slug, err)
	}
	return nil
}
