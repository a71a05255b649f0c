package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestFediverseReplies: a remote author comes with its shadow gestalt (no password, inactive,
// not public); one comment per Note; the
// remote authors of a content's comments are found by gestalt; a comment's text is replaced
// until it is deleted; deleting the gestalt takes its record along.
func TestFediverseReplies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().Truncate(time.Second)
		a := &store.RemoteAuthor{ActorID: "https://social.example/users/alice", Handle: "@alice@social.example",
			Name: "Alice", AvatarURL: "https://social.example/a.png", ProfileURL: "https://social.example/@alice", FetchedAt: now}
		if err := db.Tx(ctx, func(q *store.Queries) error { return q.AddRemoteAuthor(ctx, a, "fediverse-0123456789abcdef") }); err != nil {
			t.Fatal(err)
		}
		g, err := db.GestaltByID(ctx, a.GestaltID)
		if err != nil || g.IsActive || g.Public || g.Password != "!" || g.FirstName != "Alice" {
			t.Fatalf("shadow gestalt %+v (%v)", g, err)
		}
		if ok, err := db.IsRemoteAuthor(ctx, g.ID); err != nil || !ok {
			t.Errorf("IsRemoteAuthor: %v, %v", ok, err)
		}
		if got, err := db.RemoteAuthorByActor(ctx, a.ActorID); err != nil || !got.FetchedAt.Equal(a.FetchedAt) ||
			got.GestaltID != a.GestaltID || got.Handle != a.Handle || got.Name != a.Name || got.AvatarURL != a.AvatarURL || got.ProfileURL != a.ProfileURL {
			t.Errorf("by actor: %+v (%v), want %+v", got, err, a)
		}
		if _, err := db.RemoteAuthorByActor(ctx, "https://social.example/users/bob"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown actor: %v", err)
		}
		second := *a
		if err := db.Tx(ctx, func(q *store.Queries) error { return q.AddRemoteAuthor(ctx, &second, "fediverse-fedcba9876543210") }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same actor twice: %v, want conflict", err)
		}

		grp := &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now}
		var c store.Contribution
		err = db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.CreateGroup(ctx, grp); err != nil {
				return err
			}
			contentID, err := q.CreateContent(ctx, &store.Content{Title: "Beete"}, &store.Version{AuthorID: g.ID, Text: "x", TimeCreated: now})
			if err != nil {
				return err
			}
			c = store.Contribution{ContentID: contentID, AuthorID: g.ID, Kind: "text", Text: "Schön!", TimeCreated: now, Public: true}
			_, err = q.AddContribution(ctx, &c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r := store.FediverseReply{ContributionID: c.ID, NoteID: "https://social.example/statuses/1", ActorID: a.ActorID}
		if err := db.AddFediverseReply(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := db.AddFediverseReply(ctx, r); !errors.Is(err, store.ErrConflict) {
			t.Errorf("the same Note twice: %v, want conflict", err)
		}
		if got, err := db.FediverseReplyByNote(ctx, r.NoteID); err != nil || *got != r {
			t.Errorf("by Note: %+v (%v)", got, err)
		}
		if m, err := db.RemoteAuthorsOfContent(ctx, c.ContentID); err != nil || len(m) != 1 || m[g.ID] == nil || m[g.ID].Handle != a.Handle {
			t.Errorf("remote authors of the content: %v (%v)", m, err)
		}
		if err := db.SetContributionText(ctx, c.ID, "Sehr schön!"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteContribution(ctx, c.ID, now); err != nil {
			t.Fatal(err)
		}
		if err := db.SetContributionText(ctx, c.ID, "wieder da"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("text of a deleted comment: %v, want not found", err)
		}
		if got := storetest.Strings(t, db, `SELECT text FROM contributions`); len(got) != 1 || got[0] != "Sehr schön!" {
			t.Errorf("texts %q", got)
		}

		storetest.Exec(t, db, `DELETE FROM contributions`, `DELETE FROM content_versions`)
		if err := db.Tx(ctx, func(q *store.Queries) error { return q.DeleteGestalt(ctx, g.ID) }); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Count(ctx, "activitypub_remote_authors"); err != nil || n != 0 {
			t.Errorf("remote authors after the gestalt is gone: %d (%v)", n, err)
		}
	})
}
