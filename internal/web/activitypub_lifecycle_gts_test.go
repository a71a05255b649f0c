package web

import (
	"fmt"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/store"
)

// TestGroupLifecycleToGoToSocial: bob on GoToSocial (v0.18.3) follows @garten@<our host>.
// The group is renamed and its key rotated: the Update of its actor, signed with the old key,
// shows the new name there, and the next article, signed with the new key, is taken. Then the
// group is deleted: the Delete of its actor takes the group's account and its posts from bob's
// home timeline.
func TestGroupLifecycleToGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	srv, ctx, host, runner := p.srv, p.ctx, p.host, p.runner
	anna, garten := p.garden()
	bob := p.gts.NewUser("bob")
	p.follow(bob, "garten")

	publish := func(title, slug string) gtstest.Status {
		t.Helper()
		if _, err := srv.contents.Create(ctx, anna, garten.ID, contents.Article,
			contents.Draft{Title: title, Text: "Was jetzt zu tun ist.", Public: true}); err != nil {
			t.Fatal(err)
		}
		runner.Wake()
		return p.inHome(bob, "https://"+host+"/garten/"+slug+"/")
	}
	first := publish("Beete", "beete")

	// renamed (its Update waits for the end of the window), then the key rotated: the Update
	// that the rotation sends shows the actor as it is
	s := store.GroupSettings{Name: "Gemeinschaftsgarten", Slug: garten.Slug, DateFounded: garten.DateFounded}
	if err := srv.groups.UpdateSettings(ctx, garten, s); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.federation.RotateKeys(ctx, []string{"garten"}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		st, err := bob.Status(first.ID)
		if err == nil && st.Account.DisplayName != "Gemeinschaftsgarten" {
			err = fmt.Errorf("the group's account is called %q there", st.Account.DisplayName)
		}
		return err
	})
	second := publish("Kompost", "kompost")

	// deleted: its account and posts go
	if err := srv.groups.Delete(ctx, garten.ID); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	gtstest.Await(t, 60*time.Second, func() error {
		home, err := bob.HomeTimeline()
		if err != nil {
			return err
		}
		for _, st := range home {
			if st.ID == first.ID || st.ID == second.ID {
				return fmt.Errorf("%s still in bob's home timeline", st.URI)
			}
		}
		if _, err := bob.Status(second.ID); err == nil {
			return fmt.Errorf("the status %s is still there", second.URI)
		}
		return nil
	})
}
