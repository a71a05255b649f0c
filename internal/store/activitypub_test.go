package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestActivityPub: one key per actor (the instance's without a group), a group's choice of
// visibility, followers (a repeated Follow keeps an acceptance; the count is of accepted
// ones; Undo by actor or by the Follow's IRI), and the cache of remote actors refusing a
// second key for a known actor. Deleting a group takes its key, choice and followers along.
func TestActivityPub(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().Truncate(time.Second)
		g := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		if err := db.Tx(ctx, func(q *store.Queries) error { _, err := q.CreateGroup(ctx, g); return err }); err != nil {
			t.Fatal(err)
		}

		if _, err := db.ActorKey(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("key before any: %v, want not found", err)
		}
		for _, id := range []int64{0, g.ID} {
			if err := db.AddActorKey(ctx, id, "pem-"+string(rune('a'+id)), now); err != nil {
				t.Fatal(err)
			}
			if err := db.AddActorKey(ctx, id, "second", now); !errors.Is(err, store.ErrConflict) {
				t.Errorf("second key of %d: %v, want conflict", id, err)
			}
		}
		if k, err := db.ActorKey(ctx, 0); err != nil || k != "pem-a" {
			t.Errorf("instance key %q, %v", k, err)
		}
		if err := db.ReplaceActorKey(ctx, g.ID, "rotated", now); err != nil {
			t.Fatal(err)
		}
		if k, err := db.ActorKey(ctx, g.ID); err != nil || k != "rotated" {
			t.Errorf("key after rotation %q, %v", k, err)
		}
		if ids, err := db.ActorKeyOwners(ctx); err != nil || len(ids) != 2 || ids[0] != 0 || ids[1] != g.ID {
			t.Errorf("key owners %v (%v), want the instance and the group", ids, err)
		}

		if _, set, err := db.FediverseVisibility(ctx, g.ID); err != nil || set {
			t.Errorf("visibility before a choice: set %v, %v", set, err)
		}
		for _, want := range []bool{false, true} {
			if err := db.SetFediverseVisibility(ctx, g.ID, want); err != nil {
				t.Fatal(err)
			}
			if v, set, err := db.FediverseVisibility(ctx, g.ID); err != nil || !set || v != want {
				t.Errorf("visibility %v set %v (%v), want %v", v, set, err, want)
			}
		}

		alice := store.Follower{GroupID: g.ID, ActorID: "https://a.example/users/alice", FollowID: "https://a.example/f/1",
			Inbox: "https://a.example/users/alice/inbox", SharedInbox: "https://a.example/inbox", Accepted: true, CreatedAt: now}
		bob := store.Follower{GroupID: g.ID, ActorID: "https://b.example/users/bob", FollowID: "https://b.example/f/1",
			Inbox: "https://b.example/users/bob/inbox", CreatedAt: now}
		for _, f := range []store.Follower{alice, bob} {
			if err := db.AddFollower(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		again := alice
		again.FollowID, again.Accepted = "https://a.example/f/2", false
		if err := db.AddFollower(ctx, again); err != nil {
			t.Fatal(err)
		}
		list, err := db.Followers(ctx, g.ID)
		if err != nil || len(list) != 2 || list[0].FollowID != again.FollowID || !list[0].Accepted || list[1].Accepted {
			t.Fatalf("followers %+v (%v), want alice (accepted, second follow) and bob (pending)", list, err)
		}
		if n, err := db.FollowerCount(ctx, g.ID); err != nil || n != 1 {
			t.Errorf("count %d (%v), want 1 accepted", n, err)
		}
		if ok, err := db.RemoveFollowByID(ctx, bob.ActorID, alice.FollowID); err != nil || ok {
			t.Errorf("undo of another's follow: %v %v, want nothing removed", ok, err)
		}
		if ok, err := db.RemoveFollowByID(ctx, alice.ActorID, again.FollowID); err != nil || !ok {
			t.Errorf("undo by follow IRI: %v %v", ok, err)
		}
		if ok, err := db.RemoveFollower(ctx, g.ID, bob.ActorID); err != nil || !ok {
			t.Errorf("undo of bob: %v %v", ok, err)
		}
		if ok, err := db.RemoveFollower(ctx, g.ID, bob.ActorID); err != nil || ok {
			t.Errorf("second undo of bob: %v %v, want nothing", ok, err)
		}

		ra := store.RemoteActor{ID: alice.ActorID, KeyID: alice.ActorID + "#main-key", PublicKeyPEM: "pem",
			Inbox: alice.Inbox, SharedInbox: alice.SharedInbox, FetchedAt: now}
		if err := db.AddRemoteActor(ctx, ra); err != nil {
			t.Fatal(err)
		}
		if got, err := db.RemoteActorByKey(ctx, ra.KeyID); err != nil || got.ID != ra.ID || got.PublicKeyPEM != ra.PublicKeyPEM || got.SharedInbox != ra.SharedInbox || !got.FetchedAt.Equal(now) {
			t.Errorf("by key: %+v, %v", got, err)
		}
		changed := ra
		changed.KeyID = ra.ID + "#other-key"
		if err := db.AddRemoteActor(ctx, changed); !errors.Is(err, store.ErrConflict) {
			t.Errorf("second key of a known actor: %v, want conflict", err)
		}
		if got, err := db.RemoteActorByID(ctx, ra.ID); err != nil || got.KeyID != ra.KeyID || got.Inbox != ra.Inbox {
			t.Errorf("by id: %+v, %v", got, err)
		}

		if err := db.AddFollower(ctx, bob); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(q *store.Queries) error { return q.DeleteGroup(ctx, g.ID) }); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"activitypub_followers", "activitypub_group_settings"} {
			if n, _ := db.Count(ctx, table); n != 0 {
				t.Errorf("%s: %d rows after the group was deleted", table, n)
			}
		}
		if n, _ := db.Count(ctx, "activitypub_keys"); n != 1 {
			t.Errorf("%d keys after the group was deleted, want the instance's", n)
		}
	})
}
