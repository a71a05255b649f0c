package groups

import (
	"context"
	"errors"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestParseTags(t *testing.T) {
	for text, want := range map[string]string{
		"":                                  "",
		"Garten":                            "Garten",
		" #Garten ,  Urban   Gardening ; x": "Garten|Urban Gardening|x",
		"Garten, garten, GARTEN!, #garten":  "Garten",
		"a,,;\n b":                          "a|b",
		"###, ,":                            "",
	} {
		if got := strings.Join(ParseTags(text), "|"); got != want {
			t.Errorf("ParseTags(%q) = %q, want %q", text, got, want)
		}
	}
}

// SetTags adds and takes away; the rule for featured tags counts only tags that are
// featured, and a refused change keeps the tags as they were.
func TestSetTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		gr := New(db, reserved, nil)
		ids, err := db.EnsureTags(ctx, []store.Tag{{Name: "Umwelt", Slug: "umwelt"}, {Name: "Kultur", Slug: "kultur"}})
		if err != nil {
			t.Fatal(err)
		}
		rule := func(names ...string) Tags { return Tags{Names: names, Featured: ids, MinFeatured: 1} }
		if _, err := gr.Create(ctx, NewGroup{Name: "Haus", Tags: &Tags{Names: []string{"Holz"}, Featured: ids, MinFeatured: 1}}); !errors.Is(err, ErrFeaturedTags) {
			t.Errorf("create without a featured tag: %v", err)
		}
		if _, err := db.GroupBySlug(ctx, "haus"); err == nil {
			t.Error("the refused group was made")
		}
		g, err := gr.Create(ctx, NewGroup{Name: "Garten", Tags: &Tags{Names: []string{"umwelt", "Kompost"}, Featured: ids, MinFeatured: 1}})
		if err != nil {
			t.Fatal(err)
		}
		names := func() string {
			tags, err := db.GroupTags(ctx, g.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, tag := range tags {
				out = append(out, tag.Name)
			}
			return strings.Join(out, ",")
		}
		// "umwelt" is the featured tag Umwelt (case does not make another tag)
		if got := names(); got != "Kompost,Umwelt" {
			t.Errorf("tags %q", got)
		}
		for _, c := range []struct {
			tags Tags
			err  error
		}{
			{rule("Kompost"), ErrFeaturedTags},
			{rule("Kultur", strings.Repeat("x", MaxTagLength+1)), ErrTagInvalid},
			{rule("Kultur", "!!!"), ErrTagInvalid},
			{rule(make([]string, MaxTags+1)...), ErrTooManyTags},
		} {
			if err := gr.SetTags(ctx, g, c.tags); !errors.Is(err, c.err) {
				t.Errorf("SetTags(%v): %v, want %v", c.tags.Names, err, c.err)
			}
		}
		if got := names(); got != "Kompost,Umwelt" {
			t.Errorf("tags after refused changes %q", got)
		}
		if err := gr.SetTags(ctx, g, rule("Kultur", "Beete")); err != nil {
			t.Fatal(err)
		}
		if got := names(); got != "Beete,Kultur" {
			t.Errorf("tags %q, want Beete,Kultur", got)
		}
		if err := gr.SetTags(ctx, g, Tags{}); err != nil || names() != "" {
			t.Errorf("removing all tags: %v, left %q", err, names())
		}
	})
}
