package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestAdminEditContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		d := f.as(admin)
		anon := f.browser()
		path := "/stadt/admin/contents/" + itoa(f.public.ID) + "/"
		d.get("/stadt/admin/").expect(t, http.StatusOK, `href="`+path+`"`)
		d.get("/stadt/admin/?q=%C3%96ffent").expect(t, http.StatusOK, `href="`+path+`"`)
		if page := d.get("/stadt/admin/?q=intern"); strings.Contains(page.body, `href="`+path+`"`) || !strings.Contains(page.body, "Intern") {
			t.Error("the admin search for contents by title lists the wrong ones")
		}
		d.get(path).expect(t, http.StatusOK, `value="Öffentlich"`)
		versions, _ := db.Versions(ctx, f.public.ContentID)

		valid := url.Values{"title": {"Berichtigt"}, "slug": {"berichtigt"}, "text": {"Zaubertrank #kräuter"},
			"public": {"on"}, "pinned": {"on"}}
		var internalSlug string
		if items, err := db.RecentAssociations(ctx, 10); err == nil {
			for _, it := range items {
				if it.Title == "Intern" {
					internalSlug = it.Slug
				}
			}
		}
		bad := []struct {
			name, field, value, message string
		}{
			{"no title", "title", " ", "error.title_missing"},
			{"long title", "title", strings.Repeat("x", 256), "error.title_too_long"},
			{"slug with spaces", "slug", "kein slug", "error.slug_invalid"},
			{"slug of another content", "slug", internalSlug, "error.content_slug_taken"},
		}
		for _, c := range bad {
			f.refused(t, d, path, valid, c.field, c.value, c.message)
			if a, _ := db.AssociationByID(ctx, f.public.ID); a.Slug != f.public.Slug || a.Pinned {
				t.Errorf("%s: the publication changed: %+v", c.name, a)
			}
		}

		d.post(path, valid).expect(t, http.StatusSeeOther)
		a, _ := db.AssociationByID(ctx, f.public.ID)
		if a.Slug != "berichtigt" || !a.Public || !a.Pinned {
			t.Errorf("the publication was not saved as sent: %+v", a)
		}
		after, _ := db.Versions(ctx, f.public.ContentID)
		if len(after) != len(versions)+1 || after[len(after)-1].AuthorID != f.dave.ID || after[len(after)-1].Text != "Zaubertrank #kräuter" {
			t.Errorf("the new text is no version by the administrator: %d versions before, %+v after", len(versions), after)
		}
		anon.get("/garten/berichtigt/").expect(t, http.StatusOK, "Berichtigt", "Zaubertrank")
		if page := anon.get("/stadt/search/?q=Zaubertrank"); !strings.Contains(page.body, `href="/garten/berichtigt/"`) {
			t.Error("the search does not find the corrected text")
		}
		if tags, _ := db.ContentTags(ctx, f.public.ContentID); len(tags) != 1 || tags[0].Name != "kräuter" {
			t.Errorf("the corrected text's tag: %+v", tags)
		}
		if mails := f.mails(); len(mails) != 0 {
			t.Errorf("a correction sent %d mails", len(mails))
		}

		// Made internal: it leaves the public search; the same title saves no new version.
		valid.Del("public")
		d.post(path, valid).expect(t, http.StatusSeeOther)
		if page := anon.get("/stadt/search/?q=Zaubertrank"); strings.Contains(page.body, "/garten/berichtigt/") {
			t.Error("the public search still finds a content made internal")
		}
		if again, _ := db.Versions(ctx, f.public.ContentID); len(again) != len(after) {
			t.Errorf("an unchanged text made a version: %d, then %d", len(after), len(again))
		}
	})
}

func TestAdminEditComment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newAdminFixture(t, db)
		ctx := context.Background()
		d := f.as(admin)
		anon := f.browser()
		id, _ := strconv.ParseInt(f.ids["comment"], 10, 64)
		path := "/stadt/admin/comments/" + f.ids["comment"] + "/"
		content := "/garten/" + f.public.Slug + "/"
		// The newest comments are listed, and the search finds one by its text.
		d.get("/stadt/admin/").expect(t, http.StatusOK, `href="`+path+`"`)
		d.get("/stadt/admin/?q=erster").expect(t, http.StatusOK, `href="`+path+`"`)
		if page := d.get("/stadt/admin/?q=nirgends"); strings.Contains(page.body, `href="`+path+`"`) {
			t.Error("the search for comments lists one that does not contain the term")
		}
		d.get(path).expect(t, http.StatusOK, "Erster!")

		r := d.post(path, url.Values{"text": {"  "}})
		r.expect(t, http.StatusUnprocessableEntity)
		if got, want := r.text(".field-error"), f.srv.catalog.Printer("de").T("error.comment_missing"); got != want {
			t.Errorf("empty comment: message %q, want %q", got, want)
		}
		if c, _ := db.ContributionByID(ctx, id); c.Text != "Erster!" {
			t.Errorf("a refused correction changed the comment to %q", c.Text)
		}

		d.post(path, url.Values{"text": {"Berichtigt: Holunderblüte"}}).expect(t, http.StatusSeeOther)
		anon.get(content).expect(t, http.StatusOK, "Holunderblüte")
		if page := anon.get("/stadt/search/?q=Holunderbl%C3%BCte"); !strings.Contains(page.body, `href="`+content+`"`) {
			t.Error("the search does not find the content by its corrected comment")
		}
		if mails := f.mails(); len(mails) != 0 {
			t.Errorf("a correction sent %d mails", len(mails))
		}

		// Made internal: visitors no longer see it, nor find the content by it.
		d.post(path, url.Values{"text": {"Berichtigt: Holunderblüte"}, "internal": {"on"}}).expect(t, http.StatusSeeOther)
		if c, _ := db.ContributionByID(ctx, id); c.Public {
			t.Error("the comment is still public")
		}
		if page := anon.get(content); strings.Contains(page.body, "Holunderblüte") {
			t.Error("visitors still see the comment made internal")
		}
		if page := anon.get("/stadt/search/?q=Holunderbl%C3%BCte"); strings.Contains(page.body, `href="`+content+`"`) {
			t.Error("the search still finds the content by its internal comment")
		}
	})
}
