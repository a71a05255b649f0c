package web

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestClosedGroupFromGoToSocial: a real GoToSocial (v0.18.3) account follows a closed group:
// the follow waits (requested there); a member agrees on the followers page and the account
// follows; the member removes it and we count it no longer; another account's request is
// declined and is no longer requested there; once the operator blocks GoToSocial's server,
// its follows are refused.
func TestClosedGroupFromGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	peer := startFediPeers(t)
	s, db, srv, host, gts, cert, ctx := peer.site, peer.db, peer.srv, peer.host, peer.gts, peer.cert, peer.ctx
	alice := s.person("alice", "alice-password")
	gr := groups.New(db, s.cfg.SlugReserved, nil)
	kreis, err := gr.Create(ctx, groups.NewGroup{Name: "Kreis", Creator: alice, Closed: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.federation.SetVisible(ctx, kreis, true); err != nil {
		t.Fatal(err)
	}
	garten, err := gr.Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
	if err != nil {
		t.Fatal(err)
	}

	// alice on our site, over https
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := "https://" + host
	post := func(path string, v url.Values) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/stadt/login/", url.Values{"login": {"alice"}, "password": {"alice-password"}}); code != http.StatusSeeOther {
		t.Fatalf("login: %d", code)
	}
	page := "/stadt/groups/" + itoa(kreis.ID) + "/followers/"
	relationship := func(u *gtstest.User, id string, want func(gtstest.Relationship) bool) {
		t.Helper()
		gtstest.Await(t, 60*time.Second, func() error {
			rel, err := u.Relationship(id)
			if err == nil && !want(rel) {
				err = fmt.Errorf("relationship %+v", rel)
			}
			return err
		})
	}
	delivered := func() {
		t.Helper()
		gtstest.Await(t, 60*time.Second, func() error {
			if n := len(storetest.Strings(t, db, `SELECT id FROM jobs WHERE kind = 'activitypub.deliver'`)); n != 0 {
				return fmt.Errorf("%d deliveries waiting", n)
			}
			return nil
		})
	}

	gerda := gts.NewUser("gerda")
	group, err := gerda.ResolveAccount("@kreis@" + host)
	if err != nil {
		t.Fatalf("resolve @kreis@%s: %v", host, err)
	}
	if !group.Locked {
		t.Errorf("GoToSocial sees the closed group as not locked: %+v", group)
	}
	if _, err := gerda.Follow(group.ID); err != nil {
		t.Fatal(err)
	}
	gtstest.Await(t, 60*time.Second, func() error {
		if list, _ := db.Followers(ctx, kreis.ID); len(list) != 1 || list[0].Accepted {
			return fmt.Errorf("followers %+v, want gerda pending", list)
		}
		return nil
	})
	relationship(gerda, group.ID, func(r gtstest.Relationship) bool { return r.Requested && !r.Following })

	// a member agrees: the Accept makes gerda follow there
	if code := post(page, url.Values{"actor": {gerda.ActorID()}, "action": {"accept"}}); code != http.StatusSeeOther {
		t.Fatalf("accept: %d", code)
	}
	relationship(gerda, group.ID, func(r gtstest.Relationship) bool { return r.Following && !r.Requested })

	// a member removes her: we count her no longer, and the Reject reaches GoToSocial, which
	// (v0.18.3) ends only pending follows on a Reject; it keeps showing "following"
	if code := post(page, url.Values{"actor": {gerda.ActorID()}, "action": {"remove"}}); code != http.StatusSeeOther {
		t.Fatalf("remove: %d", code)
	}
	if list, _ := db.Followers(ctx, kreis.ID); len(list) != 0 {
		t.Fatalf("followers %+v after the removal", list)
	}
	delivered()
	if rel, err := gerda.Relationship(group.ID); err != nil || !rel.Following {
		t.Logf("GoToSocial now ends an accepted follow on a Reject (%+v, %v): the comment above is out of date", rel, err)
	}

	// another account's request declined: no longer requested there
	hugo := gts.NewUser("hugo")
	hg, err := hugo.ResolveAccount("@kreis@" + host)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hugo.Follow(hg.ID); err != nil {
		t.Fatal(err)
	}
	relationship(hugo, hg.ID, func(r gtstest.Relationship) bool { return r.Requested })
	gtstest.Await(t, 60*time.Second, func() error {
		if _, err := db.Follower(ctx, kreis.ID, hugo.ActorID()); err != nil {
			return err
		}
		return nil
	})
	if code := post(page, url.Values{"actor": {hugo.ActorID()}, "action": {"remove"}}); code != http.StatusSeeOther {
		t.Fatalf("decline: %d", code)
	}
	relationship(hugo, hg.ID, func(r gtstest.Relationship) bool { return !r.Requested && !r.Following })

	// the operator blocks GoToSocial's server: its follows are refused with 403
	if _, _, err := srv.federation.Block(ctx, gts.Host()); err != nil {
		t.Fatal(err)
	}
	ida := gts.NewUser("ida")
	ig, err := ida.ResolveAccount("@garten@" + host) // WebFinger and the actor are still answered
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ida.Follow(ig.ID); err != nil {
		t.Fatal(err)
	}
	gtstest.Await(t, 60*time.Second, func() error {
		if !strings.Contains(peer.scrape(), `grouprise_activitypub_inbox_total{outcome="blocked",type="unread"}`) {
			return fmt.Errorf("no blocked inbox POST counted yet")
		}
		return nil
	})
	// the Accept and the two Rejects were delivered; the Follows were taken
	for _, want := range []string{`grouprise_activitypub_deliveries_total{outcome="delivered"} 3`,
		`grouprise_activitypub_inbox_total{outcome="taken",type="Follow"} 2`} {
		if m := peer.scrape(); !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if list, _ := db.Followers(ctx, garten.ID); len(list) != 0 {
		t.Errorf("a blocked server's account follows: %+v", list)
	}
	if rel, err := ida.Relationship(ig.ID); err != nil || rel.Following {
		t.Errorf("the blocked account follows: %+v (%v)", rel, err)
	}
}
