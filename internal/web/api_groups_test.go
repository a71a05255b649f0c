package web

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// A group by id shows everybody what its public page shows: its cover comes from a pinned
// public gallery, never from an internal one.
func TestAPIGroupDetail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMatrixSiteOn(t, db)
		alice, _ := db.GestaltByUsername(ctx, "alice")
		garten, _ := db.GroupBySlug(ctx, "garten")
		describeGarten(t, m, garten)
		svc := contents.New(db)
		for _, name := range []string{"intern.png", "offen.png"} {
			if err := os.MkdirAll(m.cfg.MediaRoot, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(m.cfg.MediaRoot, name), testPNG(20, 20), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		path := "/stadt/api/groups/" + itoa(garten.ID) + "/"
		gallery := func(file string, public bool) {
			if _, err := svc.Create(ctx, alice, garten.ID, contents.Gallery, contents.Draft{Title: file, Public: public, Pinned: true,
				NewImages: []string{file}}); err != nil {
				t.Fatal(err)
			}
		}
		gallery("intern.png", false)
		var d apiGroupDetail
		decode(t, m.as(member).get(path), &d)
		if d.Cover != "" {
			t.Errorf("the internal gallery is the cover: %q", d.Cover)
		}
		gallery("offen.png", true)
		for role := range roleNames {
			d = apiGroupDetail{}
			decode(t, m.as(role).get(path), &d)
			if d.ID != garten.ID || d.Slug != "garten" || d.Name != "Garten" || d.Description != "Wir gärtnern." ||
				d.Address != "Hofweg 1, Stadt" || d.Website != "https://garten.example/" || d.Members != 1 || d.Closed ||
				len(d.Tags) != 1 || d.Tags[0].Name != "Umwelt" || d.URL != "http://grouprise.test/garten/" ||
				d.Cover != "http://grouprise.test/-/images/medium/offen.png" {
				t.Errorf("%s: %+v", roleNames[role], d)
			}
		}
		m.browser().get("/-/images/medium/offen.png").expect(t, http.StatusOK)
		var list []apiGroup
		decode(t, m.browser().get("/stadt/api/groups/?slug=GARTEN"), &list)
		if len(list) != 1 || list[0].Cover != d.Cover || len(list[0].Tags) != 1 {
			t.Errorf("list: %+v", list)
		}
		for _, bad := range []string{"99999", "x"} {
			r := m.browser().get("/stadt/api/groups/" + bad + "/")
			var e map[string]string
			decode(t, r, &e)
			if r.StatusCode != http.StatusNotFound || e["code"] != "NOT_FOUND" {
				t.Errorf("group %s: %d %v", bad, r.StatusCode, e)
			}
		}
	})
}

// describeGarten gives the fixture's group garten a description, an address, a website and
// the tag Umwelt.
func describeGarten(t *testing.T, m *matrixSite, garten *store.Group) {
	t.Helper()
	ctx := context.Background()
	if err := groups.New(m.db, m.cfg.SlugReserved, nil).UpdateSettings(ctx, garten, store.GroupSettings{Name: "Garten",
		Slug: "garten", Description: "Wir gärtnern.", Address: "Hofweg 1, Stadt", URL: "https://garten.example/",
		DateFounded: garten.DateFounded}); err != nil {
		t.Fatal(err)
	}
	if err := m.db.Tx(ctx, func(q *store.Queries) error {
		ids, err := q.EnsureTags(ctx, []store.Tag{{Name: "Umwelt", Slug: "umwelt"}})
		if err != nil {
			return err
		}
		return q.TagGroup(ctx, garten.ID, ids[0])
	}); err != nil {
		t.Fatal(err)
	}
}
