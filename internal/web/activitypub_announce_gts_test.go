package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/contents"
)

// TestReplyAnnounceToGoToSocial: two GoToSocial (v0.18.3) accounts, alice and bob, follow
// @garten@<our host>; alice replies to the group's article; bob, who does not follow alice,
// sees her reply in his home timeline as the group's boost (FEP-1b12), and no more once she
// deletes it.
func TestReplyAnnounceToGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	srv, ctx, host, runner := p.srv, p.ctx, p.host, p.runner
	anna, garten := p.garden()
	alice, bob := p.gts.NewUser("alice"), p.gts.NewUser("bob")
	group := p.follow(alice, "garten")
	p.follow(bob, "garten")

	if _, err := srv.contents.Create(ctx, anna, garten.ID, contents.Article,
		contents.Draft{Title: "Beete", Text: "Was jetzt zu tun ist.", Public: true}); err != nil {
		t.Fatal(err)
	}
	runner.Wake()
	uri := "https://" + host + "/garten/beete/"
	article := p.inHome(alice, uri)
	reply, err := alice.Reply(article.ID, "Schöne Beete! Wir kommen vorbei.")
	if err != nil {
		t.Fatal(err)
	}

	boost := func() (*gtstest.Status, error) {
		runner.Wake()
		home, err := bob.HomeTimeline()
		for _, st := range home {
			if st.Reblog != nil && st.Reblog.URI == reply.URI {
				return &st, nil
			}
		}
		return nil, err
	}
	var shown *gtstest.Status
	gtstest.Await(t, 90*time.Second, func() error {
		st, err := boost()
		if st == nil {
			return fmt.Errorf("alice's reply %s is not boosted in bob's home timeline (%v)", reply.URI, err)
		}
		shown = st
		return nil
	})
	t.Logf("bob's home timeline: a boost by %s (%s) of %s by %s: %q", shown.Account.Acct, shown.Account.ID,
		shown.Reblog.URI, shown.Reblog.Account.Acct, shown.Reblog.Content)
	if shown.Account.ID != group.ID || !strings.Contains(shown.Reblog.Content, "Wir kommen vorbei") || shown.Reblog.Account.ID != reply.Account.ID {
		t.Errorf("the boost is by %s of a status by %s with %q, want the group's boost of alice's reply",
			shown.Account.Acct, shown.Reblog.Account.Acct, shown.Reblog.Content)
	}

	// alice deletes her reply: the boost goes from bob's timeline
	req, _ := http.NewRequest(http.MethodDelete, p.gts.URL()+"/api/v1/statuses/"+reply.ID, nil)
	req.Header.Set("Authorization", "Bearer "+alice.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	gtstest.Await(t, 60*time.Second, func() error {
		if st, err := boost(); st != nil || err != nil {
			return fmt.Errorf("the boost of the deleted reply still shows (%v)", err)
		}
		return nil
	})
}
