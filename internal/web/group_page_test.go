package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// tagNames lists a group's tags by name, as stored.
func tagNames(t *testing.T, db *store.DB, groupID int64) string {
	t.Helper()
	tags, err := db.GroupTags(context.Background(), groupID)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(tags))
	for i, tag := range tags {
		names[i] = tag.Name
	}
	return strings.Join(names, ",")
}

// Group tags: typed and ticked on creation and in the settings (added and taken away), the
// site's featured tags suggested in its order and required as often as it says, and shown in
// the start page's sidebar (F17, F21, F103, F104).
func TestGroupTags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, err := db.EnsureTags(ctx, []store.Tag{{Name: "Umwelt", Slug: "umwelt"}, {Name: "Kultur", Slug: "kultur"},
			{Name: "Sport", Slug: "sport"}})
		if err != nil {
			t.Fatal(err)
		}
		umwelt, kultur, sport := itoa(ids[0]), itoa(ids[1]), itoa(ids[2])
		s := newSite(t, db, fmt.Sprintf("tags: {featured_tag_ids: [%s, %s, 999999], min_featured_group_tag_count: 1}\n", kultur, umwelt))
		s.person("alice", "alice-password")
		s.person("bob", "bob-password")
		dave := s.person("dave", "dave-password")
		if err := db.SetSuperuser(ctx, dave.ID, true); err != nil {
			t.Fatal(err)
		}
		alice := s.loggedIn("alice", "alice-password")

		// the form offers the featured tags in the configured order, no others
		form := alice.get("/stadt/groups/add/")
		form.expect(t, http.StatusOK, "Empfohlene Schlagworte", "Wähle mindestens eines davon.")
		if got := form.doc.Find(`input[name=featured]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") }); strings.Join(got, ",") != kultur+","+umwelt {
			t.Errorf("featured choices %v, want Kultur, Umwelt", got)
		}
		// without a featured tag (or with a ticked id that is none) there is no group
		for _, v := range []url.Values{
			{"name": {"Stadtgarten"}, "tags": {"Nachbarschaft"}},
			{"name": {"Stadtgarten"}, "featured": {sport}, "tags": {"Nachbarschaft"}},
			{"name": {"Stadtgarten"}, "featured": {"x' OR 1=1"}},
		} {
			alice.post("/stadt/groups/add/", v).expect(t, http.StatusUnprocessableEntity, "Wähle mindestens eines der empfohlenen Schlagworte.")
		}
		if _, err := db.GroupBySlug(ctx, "stadtgarten"); err == nil {
			t.Fatal("a group without a featured tag was made")
		}
		// typed tags with '#', twice, and another separator: each once
		alice.post("/stadt/groups/add/", url.Values{"name": {"Stadtgarten"}, "featured": {umwelt},
			"tags": {"#Nachbarschaft, nachbarschaft; Kompost"}}).expect(t, http.StatusSeeOther)
		g, err := db.GroupBySlug(ctx, "stadtgarten")
		if err != nil {
			t.Fatal(err)
		}
		if got := tagNames(t, db, g.ID); got != "Kompost,Nachbarschaft,Umwelt" {
			t.Errorf("tags after creation %q", got)
		}
		alice.get("/stadtgarten/").expect(t, http.StatusOK, `href="/stadt/tags/umwelt/"`, "#Kompost")

		// settings: the featured tag ticked, the others as text
		page := alice.get("/stadt/settings/group/?group=stadtgarten")
		page.expect(t, http.StatusOK)
		if !page.doc.Find(`input[name=featured][value="`+umwelt+`"]`).Is("[checked]") ||
			page.doc.Find(`input[name=featured][value="`+kultur+`"]`).Is("[checked]") ||
			page.doc.Find(`#f-tags`).AttrOr("value", "") != "Kompost, Nachbarschaft" {
			t.Error("the settings form does not show the group's tags")
		}
		settings := func(featured []string, tags string) url.Values {
			return url.Values{"name": {"Stadtgarten e.V."}, "slug": {"stadtgarten"}, "featured": featured, "tags": {tags}}
		}
		// every role but members is refused, and nothing changes
		for _, b := range []struct {
			name string
			b    *browser
			want int
		}{{"anonymous", s.browser(), http.StatusFound}, {"outsider", s.loggedIn("bob", "bob-password"), http.StatusForbidden},
			{"admin", s.loggedIn("dave", "dave-password"), http.StatusForbidden}} {
			if r := b.b.post("/stadt/settings/group/?group=stadtgarten", settings([]string{kultur}, "")); r.StatusCode != b.want {
				t.Errorf("settings as %s: %d, want %d", b.name, r.StatusCode, b.want)
			}
		}
		if got := tagNames(t, db, g.ID); got != "Kompost,Nachbarschaft,Umwelt" {
			t.Errorf("tags after refused changes %q", got)
		}
		// hostile or rule-breaking tags: the form again, nothing saved (the name neither)
		many := make([]string, 31)
		for i := range many {
			many[i] = fmt.Sprintf("t%d", i)
		}
		for _, c := range []struct {
			featured []string
			tags     string
			msg      string
		}{
			{nil, "Kompost", "Wähle mindestens eines der empfohlenen Schlagworte."},
			{[]string{kultur}, strings.Repeat("x", 101), "höchstens 100 Zeichen"},
			{[]string{kultur}, "Kompost, !!!", "mindestens einen Buchstaben"},
			{[]string{kultur}, strings.Join(many, ","), "höchstens 30 Schlagworte"},
		} {
			alice.post("/stadt/settings/group/?group=stadtgarten", settings(c.featured, c.tags)).expect(t, http.StatusUnprocessableEntity, c.msg)
		}
		if g2, _ := db.GroupBySlug(ctx, "stadtgarten"); g2.Name != "Stadtgarten" || tagNames(t, db, g.ID) != "Kompost,Nachbarschaft,Umwelt" {
			t.Errorf("a refused change was saved: %q, %q", g2.Name, tagNames(t, db, g.ID))
		}
		// a member adds and removes tags
		alice.post("/stadt/settings/group/?group=stadtgarten", settings([]string{kultur}, "Kompost, Beete")).expect(t, http.StatusSeeOther)
		if got := tagNames(t, db, g.ID); got != "Beete,Kompost,Kultur" {
			t.Errorf("tags after the settings %q", got)
		}
		// the group is found by its new tag, no longer by the old one
		if r := s.browser().get("/stadt/search/?q=Beete"); !strings.Contains(r.body, "Stadtgarten e.V.") {
			t.Error("the search does not find the group by its new tag")
		}
		s.browser().get("/stadt/tags/umwelt/").expect(t, http.StatusOK)
		if strings.Contains(s.browser().get("/stadt/tags/umwelt/").body, `href="/stadtgarten/"`) {
			t.Error("the tag page still lists the group")
		}

		// the start page's sidebar: the featured tags in their order
		home := s.browser().get("/")
		home.expect(t, http.StatusOK, "Themen")
		side := home.doc.Find(".featured-tags a").Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("href", "") })
		if strings.Join(side, " ") != "/stadt/tags/kultur/ /stadt/tags/umwelt/" {
			t.Errorf("featured tags in the sidebar %v", side)
		}
	})
}

// Without featured tags the tag field is plain text, and no tag is required.
func TestGroupTagsWithoutFeatured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		s.person("alice", "alice-password")
		alice := s.loggedIn("alice", "alice-password")
		form := alice.get("/stadt/groups/add/")
		form.expect(t, http.StatusOK, `name="tags"`)
		if form.doc.Find(`input[name=featured]`).Length() != 0 {
			t.Error("featured tags offered where none are configured")
		}
		alice.post("/stadt/groups/add/", url.Values{"name": {"Haus"}}).expect(t, http.StatusSeeOther)
		alice.post("/stadt/groups/add/", url.Values{"name": {"Werkstatt"}, "tags": {"Holz, Metall"}}).expect(t, http.StatusSeeOther)
		g, _ := db.GroupBySlug(context.Background(), "werkstatt")
		if got := tagNames(t, db, g.ID); got != "Holz,Metall" {
			t.Errorf("tags %q", got)
		}
		if strings.Contains(s.browser().get("/").body, "Themen") {
			t.Error("the start page shows featured tags where none are configured")
		}
	})
}

// The group page (F18): the intro gallery on top (the newest pinned public gallery, not again
// among the pinned), the site address to copy, the group's mail address for members when
// mailinglist_enabled, and the other groups in the sidebar.
func TestGroupPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "mailinglist_enabled: true\n")
		alice := s.person("alice", "alice-password")
		bob := s.person("bob", "bob-password")
		s.person("carol", "carol-password")
		garden := s.group("Garten", alice)
		s.group("Werkstatt", bob)
		s.group("Haus", bob)
		svc := contents.New(db)
		for _, c := range []struct {
			kind           contents.Kind
			title          string
			public, pinned bool
			images         []string
		}{
			{contents.Gallery, "Alte Bilder", true, true, []string{"alt.jpg"}},
			{contents.Gallery, "Unser Garten", true, true, []string{"beet.jpg", "teich.jpg"}},
			{contents.Gallery, "Nur intern", false, true, []string{"intern.jpg"}},
			{contents.Gallery, "Nicht angeheftet", true, false, []string{"lose.jpg"}},
			{contents.Article, "Willkommen", true, true, nil},
		} {
			if _, err := svc.Create(ctx, alice, garden.ID, c.kind, contents.Draft{Title: c.title, Text: "Text", Public: c.public,
				Pinned: c.pinned, NewImages: c.images}); err != nil {
				t.Fatal(err)
			}
		}
		anon := s.browser().get("/garten/")
		anon.expect(t, http.StatusOK)
		gallery := anon.doc.Find(".intro-gallery")
		imgs := gallery.Find("img").Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("src", "") })
		if strings.Join(imgs, " ") != "/-/images/medium/beet.jpg /-/images/medium/teich.jpg" ||
			gallery.Find(".intro-caption a").AttrOr("href", "") != "/garten/unser-garten/" {
			t.Errorf("intro gallery %v, caption %q", imgs, gallery.Find(".intro-caption").Text())
		}
		// the other pinned contents stay in the intro block, the intro gallery is not repeated
		pinned := anon.doc.Find(`h2.band:contains("Vorstellung") + .items`).Text()
		if !strings.Contains(pinned, "Willkommen") || !strings.Contains(pinned, "Alte Bilder") || strings.Contains(pinned, "Unser Garten") {
			t.Errorf("pinned block %q", pinned)
		}
		if strings.Contains(anon.body, "intern.jpg") {
			t.Error("an internal gallery shows to visitors")
		}
		// the site address to copy
		if b := anon.doc.Find(".site-url button[data-copy]"); b.AttrOr("data-copy", "") != "http://grouprise.test/garten/" {
			t.Errorf("copy button %q", b.AttrOr("data-copy", ""))
		}
		anon.expect(t, http.StatusOK, "grouprise.test/garten")
		// the mail address: members only
		if strings.Contains(anon.body, "garten@grouprise.test") ||
			strings.Contains(s.loggedIn("carol", "carol-password").get("/garten/").body, "garten@grouprise.test") {
			t.Error("non-members see the group's mail address")
		}
		s.loggedIn("alice", "alice-password").get("/garten/").expect(t, http.StatusOK, `href="mailto:garten@grouprise.test"`)
		// other groups, without this one
		others := anon.doc.Find(".other-groups .group-list a:not(.avatar)").Map(func(_ int, s *goquery.Selection) string { return s.Text() })
		if strings.Join(others, ",") != "Haus,Werkstatt" {
			t.Errorf("other groups %v", others)
		}
		// a group without an intro gallery: members are told how to make one, visitors see nothing
		werkstatt := s.loggedIn("bob", "bob-password").get("/werkstatt/")
		werkstatt.expect(t, http.StatusOK, `href="/werkstatt/galleries/add/?pinned=on"`)
		if w := s.browser().get("/werkstatt/"); w.doc.Find(".intro-gallery, .intro-gallery-none").Length() != 0 {
			t.Error("visitors see an empty intro gallery")
		}

		// without mailinglist_enabled nobody sees the address
		plain := newSite(t, db, "")
		b := plain.loggedIn("alice", "alice-password")
		if strings.Contains(b.get("/garten/").body, "garten@grouprise.test") {
			t.Error("the mail address shows without mailinglist_enabled")
		}
	})
}

// One click subscribes a logged-in person (F33); visitors give their address on a page.
func TestOneClickSubscribe(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMatrixSiteOn(t, db)
		ctx := context.Background()
		g, _ := db.GroupBySlug(ctx, "garten")
		subscribeForm := `form[method=post][action="/garten/actions/subscribe"]`
		// anonymous: a link to the form for the address
		anon := m.as(anonymous).get("/garten/")
		if anon.doc.Find(subscribeForm).Length() != 0 || anon.doc.Find(`a[href="/garten/actions/subscribe"]`).Length() != 1 {
			t.Error("anonymous visitors get no link to the subscription by mail")
		}
		// the member follows already: only the unsubscribe link
		if p := m.as(member).get("/garten/"); p.doc.Find(subscribeForm).Length() != 0 {
			t.Error("a subscriber is offered to subscribe")
		}
		for _, role := range []int{outsider, other, admin} {
			b := m.as(role)
			p := b.get("/garten/")
			if p.doc.Find(subscribeForm).Length() != 1 {
				t.Fatalf("%s: no subscribe button on the group page", roleNames[role])
			}
			r := b.post("/garten/actions/subscribe", nil)
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/garten/" {
				t.Errorf("%s: subscribe %d %q", roleNames[role], r.StatusCode, r.Header.Get("Location"))
			}
			username := map[int]string{outsider: "carol", other: "bob", admin: "dave"}[role]
			p2, _ := db.GestaltByUsername(ctx, username)
			if ok, _ := db.IsSubscribed(ctx, g.ID, p2.ID); !ok {
				t.Errorf("%s: not subscribed after one click", roleNames[role])
			}
			if p := b.get("/garten/"); p.doc.Find(subscribeForm).Length() != 0 || p.doc.Find(`a[href="/stadt/groups/`+itoa(g.ID)+`/unsubscribe/"]`).Length() != 1 {
				t.Errorf("%s: the page does not offer to unsubscribe", roleNames[role])
			}
			// the way back goes only to this site
			r = b.post("/stadt/groups/"+itoa(g.ID)+"/unsubscribe/", url.Values{"next": {"//evil.example/"}})
			if r.Header.Get("Location") != "/garten/" {
				t.Errorf("%s: unsubscribe sent to %q", roleNames[role], r.Header.Get("Location"))
			}
		}
	})
}

// The page "notifications and membership" of a group at the original's address (F37).
func TestMembershipSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		m := newMatrixSiteOn(t, db)
		ctx := context.Background()
		g, _ := db.GroupBySlug(ctx, "garten")
		back := "/stadt/settings/group/subscriptions-memberships/?group=garten"
		m.as(anonymous).get(back).expect(t, http.StatusFound)
		m.as(outsider).get("/stadt/settings/group/subscriptions-memberships?group=niemand").expect(t, http.StatusNotFound)

		// the member: follows and belongs, may stop either
		page := m.as(member).get("/stadt/settings/group/subscriptions-memberships?group=garten")
		page.expect(t, http.StatusOK, "Benachrichtigungen und Mitgliedschaft", "Du hast die Gruppe abonniert",
			"Du bist Mitglied der Gruppe.", `href="/stadt/groups/`+itoa(g.ID)+`/resign/"`)
		if page.doc.Find(`form[action="/stadt/groups/`+itoa(g.ID)+`/unsubscribe/"] input[name=next]`).AttrOr("value", "") != back {
			t.Error("the member gets no unsubscribe button that returns here")
		}
		// the group's settings pages link each other; the outsider sees only this one
		page.expect(t, http.StatusOK, `href="/stadt/settings/group/?group=garten"`, `href="/stadt/settings/group/images/?group=garten"`)
		m.as(member).get("/stadt/settings/group/?group=garten").expect(t, http.StatusOK, `href="`+back+`"`)
		if strings.Contains(m.as(outsider).get(back).body, `href="/stadt/settings/group/?group=garten"`) {
			t.Error("an outsider is led to the group's settings")
		}
		// a closed group: outsiders apply, they do not join
		haus := m.as(outsider).get("/stadt/settings/group/subscriptions-memberships/?group=haus")
		haus.expect(t, http.StatusOK, "Du bist kein Mitglied", "apply_for_membership=1")
		if haus.doc.Find(`form[action="/haus/actions/join"]`).Length() != 0 {
			t.Error("a closed group offers to join")
		}
		// outsiders and the admin: subscribe and join from here, and come back here
		for _, role := range []int{outsider, admin} {
			b := m.as(role)
			p := b.get(back)
			p.expect(t, http.StatusOK, "Du hast die Gruppe nicht abonniert.", "Du bist kein Mitglied der Gruppe.")
			for _, action := range []string{"/garten/actions/subscribe", "/garten/actions/join"} {
				if p.doc.Find(`form[action="`+action+`"]`).Length() != 1 {
					t.Errorf("%s: no button for %s", roleNames[role], action)
				}
				r := b.post(action, url.Values{"next": {back}})
				if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != back {
					t.Errorf("%s: %s → %d %q", roleNames[role], action, r.StatusCode, r.Header.Get("Location"))
				}
			}
			b.get(back).expect(t, http.StatusOK, "Du hast die Gruppe abonniert", "Du bist Mitglied der Gruppe.")
			r := b.post("/stadt/groups/"+itoa(g.ID)+"/unsubscribe/", url.Values{"next": {back}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != back {
				t.Errorf("%s: unsubscribe → %d %q", roleNames[role], r.StatusCode, r.Header.Get("Location"))
			}
			b.get(back).expect(t, http.StatusOK, "Du hast die Gruppe nicht abonniert.", "Du bist Mitglied der Gruppe.")
		}
	})
}
