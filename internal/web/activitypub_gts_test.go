package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/activitypub"
	"grouprise.org/grouprise/internal/activitypub/gtstest"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
)

// TestFollowFromGoToSocial: a real GoToSocial (v0.18.3) account finds @garten@<our host>
// through WebFinger over https, follows it, and our Accept, delivered signed by the task
// runner, makes it a follower there; the group page counts it; the unfollow removes it; a
// POST forged in the account's name is refused.
func TestFollowFromGoToSocial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts GoToSocial")
	}
	cert := gtstest.NewCert(t)
	l := cert.Listen(t)
	host := l.Addr().String()
	gts := gtstest.Start(t, gtstest.Options{Trust: []string{cert.CertFile}})

	db := storetest.Open(t, store.SQLite)
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(
		"domain: grouprise.test\ntransport_security: integrated\nsecret_key: 0123456789abcdef0123\n" +
			"data_path: " + t.TempDir() + "\nweb: {anonymous_cache: 0}\n" + federated)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The acct domain is the listener's 127.0.0.1:PORT; the configuration takes host names
	// only, so the test sets it after loading.
	cfg.Domain = host
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	runner := tasks.New(db, log, tasks.Options{Poll: 100 * time.Millisecond})
	if _, err := tasks.Register(runner, cfg, catalog, &mail.SMTP{Addr: "127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	srv, err := New(Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, Log: log, Wake: runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx, l); done <- struct{}{} }()
	go func() { runner.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })

	s := &site{t: t, db: db, cfg: cfg, srv: srv}
	alice := s.person("alice", "alice-password")
	garten, err := groups.New(db, cfg.SlugReserved, nil).Create(ctx, groups.NewGroup{Name: "Garten", Creator: alice})
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

	user := gts.NewUser("gerda")
	group, err := user.ResolveAccount("@garten@" + host)
	if err != nil {
		t.Fatalf("resolve @garten@%s: %v", host, err)
	}
	if group.Acct != "garten@"+host || group.DisplayName != "Garten" || group.Locked {
		t.Errorf("GoToSocial sees the group as %+v", group)
	}
	if _, err := user.Follow(group.ID); err != nil {
		t.Fatal(err)
	}
	gtstest.Await(t, 60*time.Second, func() error {
		rel, err := user.Relationship(group.ID)
		if err == nil && !rel.Following {
			err = fmt.Errorf("relationship %+v, want following", rel)
		}
		return err
	})
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
