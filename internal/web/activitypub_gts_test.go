package web

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

// TestFollowFromGoToSocial: a real GoToSocial (v0.18.3) account finds @garten@<our host>
// through WebFinger over https, follows it, and our Accept, delivered signed by the task
// runner, makes it a follower there; the group page counts it; the unfollow removes it; a
// POST forged in the account's name is refused.
func TestFollowFromGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	p := startFediPeers(t)
	s, db, ctx, host, cert := p.site, p.db, p.ctx, p.host, p.cert
	alice := s.person("alice", "alice-password")
	garten, err := groups.New(db, s.cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: cert.Pool}}}
	page := func() string {
		t.Helper()
		resp, err := client.Get("https://" + host + "/garten/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	followers := func() []*store.Follower {
		t.Helper()
		list, err := db.Followers(ctx, garten.ID)
		if err != nil {
			t.Fatal(err)
		}
		return list
	}

	user := p.gts.NewUser("gerda")
	group := p.follow(user, "garten")
	if group.Acct != "garten@"+host || group.DisplayName != "Garten" || group.Locked {
		t.Errorf("GoToSocial sees the group as %+v", group)
	}
	if list := followers(); len(list) != 1 || list[0].ActorID != user.ActorID() || !list[0].Accepted {
		t.Fatalf("followers %+v, want %s accepted", list, user.ActorID())
	}
	if p := page(); !strings.Contains(p, "@garten@"+host) || !strings.Contains(p, "eine Person folgt") {
		t.Error("the group page shows neither the handle nor one follower")
	}

	// a Follow in gerda's name, signed with another key than hers: refused, nothing changes
	forged, _ := activitypub.Encode(&activitypub.Activity{ID: user.ActorID() + "/forged/1", Type: activitypub.TypeUndo,
		Actor: activitypub.IRI(user.ActorID()), Object: activitypub.Ref(list0(followers()).FollowID)})
	key, err := activitypub.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	for _, signed := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodPost, "https://"+host+"/garten/-/inbox", strings.NewReader(string(forged)))
		req.Header.Set("Content-Type", activitypub.MediaType)
		if signed {
			if err := (activitypub.Signer{KeyID: user.ActorID() + "/main-key", Key: key}).Sign(req, forged); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("forged Undo (signed %v): %d, want 401", signed, resp.StatusCode)
		}
	}
	if len(followers()) != 1 {
		t.Fatal("a forged Undo removed the follower")
	}

	if _, err := user.Unfollow(group.ID); err != nil {
		t.Fatal(err)
	}
	gtstest.Await(t, 60*time.Second, func() error {
		if n := len(followers()); n != 0 {
			return fmt.Errorf("%d followers after the unfollow", n)
		}
		return nil
	})
	if p := page(); !strings.Contains(p, "0 Personen folgen") {
		t.Error("the group page does not show 0 followers after the unfollow")
	}
}

func list0(l []*store.Follower) *store.Follower {
	if len(l) == 0 {
		return &store.Follower{}
	}
	return l[0]
}
