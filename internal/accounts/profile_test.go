package accounts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestSignup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		if err := a.Signup(ctx, "Stadt@example.org", "de", "https://grouprise.test"); err != nil {
			t.Fatal(err)
		}
		if n, _ := db.Count(ctx, "gestalten"); n != 0 {
			t.Fatalf("%d accounts before the link was followed", n)
		}
		mails := queuedMails(t, db)
		if len(mails) != 1 || mails[0].Message.Subject != "Registrierung bestätigen" {
			t.Fatalf("confirmation mail: %+v", mails)
		}
		key := signupKey(t, mails[0])
		if _, _, err := a.ConfirmSignup(ctx, key, "short"); !errors.Is(err, ErrPasswordShort) {
			t.Errorf("short password: %v", err)
		}
		g, claimed, err := a.ConfirmSignup(ctx, key, "a-good-password")
		if err != nil || claimed || g.Username != "stadt-1" || g.Language != "de" {
			t.Fatalf("confirm: %+v claimed %v, %v (the reserved name stadt must become stadt-1)", g, claimed, err)
		}
		if _, _, err := a.ConfirmSignup(ctx, key, "a-good-password"); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("second use of the link: %v", err)
		}
		if _, err := a.Authenticate(ctx, "stadt@example.org", "a-good-password"); err != nil {
			t.Errorf("login after confirming: %v", err)
		}
		// A second signup with the address tells its owner, not the visitor.
		if err := a.Signup(ctx, "stadt@EXAMPLE.org", "", "https://grouprise.test"); err != nil {
			t.Errorf("second sign-up with the address: %v", err)
		}
		if mails := queuedMails(t, db); len(mails) != 1 || mails[0].Message.Subject != "Du hast schon ein Konto" ||
			mails[0].Envelope.To[0] != "Stadt@example.org" {
			t.Errorf("second sign-up: %+v", mails)
		}
		// A shadow account is claimed by the link: same person, now with a password.
		var shadow *store.Gestalt
		db.Tx(ctx, func(q *store.Queries) error {
			shadow, _, err = a.ShadowAccount(ctx, q, "frieda@example.net")
			return err
		})
		if err := a.Signup(ctx, "Frieda@example.net", "", "https://grouprise.test"); err != nil {
			t.Fatal(err)
		}
		mails = queuedMails(t, db)
		if len(mails) != 1 || mails[0].Envelope.To[0] != "frieda@example.net" {
			t.Fatalf("claim mail %+v: it goes to the address as stored", mails)
		}
		g, claimed, err = a.ConfirmSignup(ctx, signupKey(t, mails[0]), "friedas-password")
		if err != nil || !claimed || g.ID != shadow.ID {
			t.Fatalf("claim: %+v claimed %v, %v", g, claimed, err)
		}
		if _, err := a.Authenticate(ctx, "frieda@example.net", "friedas-password"); err != nil {
			t.Errorf("login after claiming: %v", err)
		}
		if n, _ := db.Count(ctx, "gestalten"); n != 2 {
			t.Errorf("%d accounts, want 2", n)
		}
	})
}

func signupKey(t *testing.T, m mail.Job) string {
	t.Helper()
	_, rest, ok := strings.Cut(m.Message.Text, "/stadt/signup/confirm/")
	if !ok {
		t.Fatalf("no signup link in %q", m.Message.Text)
	}
	key, _, _ := strings.Cut(rest, "/")
	return key
}

func TestProfileAndDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		unknown, _ := a.Create(ctx, NewAccount{Username: "unbekannt", Email: "unknown@example.org"})
		alice, _ := a.Create(ctx, NewAccount{Username: "alice", Email: "alice@example.org", Password: "peer-password"})
		now := time.Now()
		db.Tx(ctx, func(q *store.Queries) error {
			_, err := q.CreateGroup(ctx, &store.Group{Slug: "garten", Name: "Garten", DateCreated: now, TimeModified: now, DateFounded: now})
			return err
		})
		if err := a.UpdateProfile(ctx, alice, store.Profile{Username: "Garten"}); !errors.Is(err, ErrUsernameTaken) {
			t.Errorf("rename to a group's slug: got %v", err)
		}
		if err := a.UpdateProfile(ctx, alice, store.Profile{Username: "Amsel", FirstName: " Alice ", About: "Hallo", Public: true}); err != nil {
			t.Fatal(err)
		}
		g, err := db.GestaltByUsername(ctx, "amsel")
		if err != nil || g.FirstName != "Alice" || !g.Public || g.About != "Hallo" {
			t.Fatalf("after rename: %+v, %v", g, err)
		}
		if taken, _ := db.SlugTaken(ctx, "alice"); taken {
			t.Error("the old username is still taken")
		}
		if err := a.ChangePassword(ctx, g.ID, "wrong", "new-password"); !errors.Is(err, ErrPasswordWrong) {
			t.Errorf("wrong current password: %v", err)
		}
		if err := a.ChangePassword(ctx, g.ID, "peer-password", "new-password"); err != nil {
			t.Fatal(err)
		}
		// Her article stays, under the unknown gestalt.
		db.Tx(ctx, func(q *store.Queries) error {
			c := &store.Content{Title: "Mein Beitrag"}
			if _, err := q.CreateContent(ctx, c, &store.Version{AuthorID: g.ID, TimeCreated: now}); err != nil {
				return err
			}
			_, err := q.CreateAssociation(ctx, &store.Association{ContentID: c.ID, GestaltID: g.ID, Public: true, Slug: "mein-beitrag"})
			return err
		})
		if err := a.Delete(ctx, g.ID, unknown.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.GestaltByID(ctx, g.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the account still exists: %v", err)
		}
		items, _ := db.Stream(ctx, store.StreamQuery{GestaltID: unknown.ID})
		if len(items) != 1 || items[0].Author.ID != unknown.ID {
			t.Errorf("the article after deletion: %+v", items)
		}
	})
}
