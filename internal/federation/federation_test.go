package federation

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newService(t *testing.T, db *store.DB, enabled bool) *Service {
	t.Helper()
	yaml := "domain: grouprise.test\nsecret_key: 0123456789abcdef0123\ndata_path: " + t.TempDir() + "\n"
	if enabled {
		yaml += "activitypub: {enabled: true}\n"
	}
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/test.yaml": []byte(yaml)}}, "/test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return New(db, cfg, Options{})
}

func addGroup(t *testing.T, db *store.DB, slug string, closed bool) *store.Group {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	g := &store.Group{Slug: slug, Name: slug, DateCreated: now, TimeModified: now, DateFounded: now, Closed: closed}
	if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGroup(ctx, g); return err }); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestVisible: off with federation off; else the group's choice, or without one: not closed.
func TestVisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		on, off := newService(t, db, true), newService(t, db, false)
		open, closed := addGroup(t, db, "garten", false), addGroup(t, db, "kreis", true)
		check := func(s *Service, g *store.Group, want bool) {
			t.Helper()
			if v, err := s.Visible(ctx, g); err != nil || v != want {
				t.Errorf("%s visible %v (%v), want %v", g.Slug, v, err, want)
			}
		}
		check(on, open, true)
		check(on, closed, false)
		check(off, open, false)
		if err := off.SetVisible(ctx, open, true); !errors.Is(err, ErrNotFound) {
			t.Errorf("set with federation off: %v", err)
		}
		for _, c := range []struct {
			g   *store.Group
			set bool
		}{{open, false}, {closed, true}} {
			if err := on.SetVisible(ctx, c.g, c.set); err != nil {
				t.Fatal(err)
			}
			check(on, c.g, c.set)
		}
		check(off, closed, false)
	})
}

// TestKeys: an actor's key is made on first use and kept; rotate-keys replaces the keys that
// exist (or the named groups'), and another process (service) signs with the new key at once.
func TestKeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, other := newService(t, db, true), newService(t, db, true)
		addGroup(t, db, "garten", false)
		addGroup(t, db, "kreis", false)
		actor := func(s *Service) string {
			t.Helper()
			a, err := s.GroupActor(ctx, "garten")
			if err != nil {
				t.Fatal(err)
			}
			return a.PublicKey.PublicKeyPEM
		}
		first := actor(s)
		if actor(s) != first || actor(other) != first {
			t.Fatal("the key changed between uses")
		}
		if _, err := s.InstanceActor(ctx); err != nil {
			t.Fatal(err)
		}
		done, err := s.RotateKeys(ctx, nil)
		if err != nil || !reflect.DeepEqual(done, []string{"instance", "garten"}) {
			t.Fatalf("rotated %v (%v), want the instance's and garten's keys", done, err)
		}
		if actor(other) == first || actor(s) != actor(other) {
			t.Error("after the rotation, the actor does not show one new key")
		}
		if done, err := s.RotateKeys(ctx, []string{"kreis"}); err != nil || !reflect.DeepEqual(done, []string{"kreis"}) {
			t.Errorf("rotate kreis: %v (%v)", done, err)
		}
		if _, err := s.RotateKeys(ctx, []string{"nobody"}); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rotate an unknown group: %v", err)
		}
		if n, _ := db.Count(ctx, "activitypub_keys"); n != 3 {
			t.Errorf("%d keys, want 3", n)
		}
	})
}
