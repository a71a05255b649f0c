package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestPublishToGoToSocial: a GoToSocial (v0.18.3) account follows @garten@<our host>; the
// group's new public article and event appear in its home timeline (the Create alone does
// it: no Announce needed), our edit reaches it as an edit, our delete removes it, and an
// internal article never arrives.
func TestPublishToGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	srv, db, ctx, host, runner := p.srv, p.db, p.ctx, p.host, p.runner
	author, garten := p.garden()

	alice := p.gts.NewUser("alice")
	group := p.follow(alice, "garten")

	inHome := func(uri string) gtstest.Status { t.Helper(); return p.inHome(alice, uri) }
	publish := func(kind contents.Kind, d contents.Draft) *store.Association {
		t.Helper()
		a, err := srv.contents.Create(ctx, author, garten.ID, kind, d)
		if err != nil {
			t.Fatal(err)
		}
		runner.Wake()
		return a
	}
	base := "https://" + host + "/garten/"

	publish(contents.Article, contents.Draft{Title: "Kasse", Text: "Nur für uns: der Kassenstand."})
	article := publish(contents.Article, contents.Draft{Title: "Beete im Dezember", Text: "Was jetzt **zu tun** ist. #Winter", Public: true})
	st := inHome(base + "beete-im-dezember/")
	t.Logf("GoToSocial shows the article as spoiler_text %q, content %q, url %q, tags %v, reblog %v", st.SpoilerText, st.Content, st.URL, st.Tags, st.Reblog != nil)
	if st.SpoilerText != "Beete im Dezember" || !strings.Contains(st.Content, "<strong>zu tun</strong>") ||
		st.URL != base+"beete-im-dezember/" || st.Account.ID != group.ID || st.Visibility != "public" {
		t.Errorf("article in the home timeline: %+v", st)
	}

	// the Create alone: no second entry (a boost) for the same article
	home, err := alice.HomeTimeline()
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range home {
		if h.Reblog != nil {
			t.Errorf("a boost in the home timeline: %+v", h)
		}
	}

	start := time.Date(2027, 3, 20, 14, 0, 0, 0, time.UTC)
	publish(contents.Event, contents.Draft{Title: "Pflanztag", Text: "Komm vorbei.", Public: true,
		Place: "Gartenstraße 1", Start: start, End: start.Add(3 * time.Hour)})
	ev := inHome(base + "pflanztag/")
	t.Logf("GoToSocial shows the event as spoiler_text %q, content %q, url %q", ev.SpoilerText, ev.Content, ev.URL)
	if !strings.Contains(ev.Content, "2027-03-20 15:00") || !strings.Contains(ev.Content, "Gartenstraße 1") {
		t.Errorf("event in the home timeline without its time and place: %+v", ev)
	}

	if err := srv.contents.Update(ctx, article, author, contents.Article, contents.Draft{Title: "Beete im Januar",
		Text: "Jetzt ist Ruhe.", Public: true}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		got, err := alice.Status(st.ID)
		if err == nil && (got.EditedAt == "" || !strings.Contains(got.Content, "Jetzt ist Ruhe.")) {
			err = fmt.Errorf("after the edit: edited_at %q, content %q", got.EditedAt, got.Content)
		}
		return err
	})

	if err := srv.contents.Delete(ctx, article); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		if _, err := alice.Status(st.ID); !gtstest.IsStatus(err, http.StatusNotFound) {
			return fmt.Errorf("after the delete: %v, want 404", err)
		}
		return nil
	})

	if home, err = alice.HomeTimeline(); err != nil {
		t.Fatal(err)
	}
	for _, h := range home {
		if strings.Contains(h.Content, "Kasse") || strings.Contains(h.URI, "kasse") {
			t.Errorf("the internal article arrived: %+v", h)
		}
	}
	if n := len(storetest.Strings(t, db, `SELECT inbox FROM activitypub_deliveries WHERE activity_id LIKE '%kasse%'`)); n != 0 {
		t.Errorf("%d deliveries of the internal article", n)
	}
}
