package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestPersonalSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		now := time.Now()
		alice := &store.Gestalt{Username: "alice", IsActive: true, DateJoined: now}
		bob := &store.Gestalt{Username: "bob", IsActive: true, DateJoined: now}
		addr := map[string]int64{}
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, g := range []*store.Gestalt{alice, bob} {
				if _, err := q.CreateGestalt(ctx, g); err != nil {
					return err
				}
			}
			for _, e := range []*store.EmailAddress{
				{GestaltID: alice.ID, Email: "alice@example.org", Verified: true, Primary: true},
				{GestaltID: alice.ID, Email: "alice@work.example.org", Verified: true},
				{GestaltID: alice.ID, Email: "alice@old.example.org"},
				{GestaltID: bob.ID, Email: "bob@example.org", Verified: true, Primary: true},
			} {
				id, err := q.AddEmailAddress(ctx, e)
				if err != nil {
					return err
				}
				addr[e.Email] = id
			}
			conv, err := q.CreateConversation(ctx, "Hallo")
			if err != nil {
				return err
			}
			if _, err := q.CreateAssociation(ctx, &store.Association{ConversationID: conv, GestaltID: alice.ID}); err != nil {
				return err
			}
			c, err := q.AddContribution(ctx, &store.Contribution{ConversationID: conv, AuthorID: bob.ID, Text: "Hallo", TimeCreated: now, Public: true})
			if err != nil {
				return err
			}
			return q.AddInboxNotifications(ctx, []store.InboxRow{{ReceiverID: alice.ID, ContributionID: c},
				{ReceiverID: bob.ID, ContributionID: c}}, now)
		})
		if err != nil {
			t.Fatal(err)
		}

		t.Run("administrator", func(t *testing.T) {
			for _, on := range []bool{true, false} {
				if err := a.SetAdministrator(ctx, bob.ID, on); err != nil {
					t.Fatal(err)
				}
				if g, _ := db.GestaltByID(ctx, bob.ID); g.IsSuperuser != on || g.IsStaff != on {
					t.Errorf("SetAdministrator(%t): superuser %t, staff %t", on, g.IsSuperuser, g.IsStaff)
				}
			}
			if err := a.SetAdministrator(ctx, 9999, true); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("nobody promoted: %v, want ErrNotFound", err)
			}
		})
		t.Run("preferences and avatar", func(t *testing.T) {
			want := store.Preferences{Language: "en", ByEmail: false, ByInbox: true, ByMatrix: true}
			if err := a.SetPreferences(ctx, alice.ID, want); err != nil {
				t.Fatal(err)
			}
			r, err := db.RecipientByID(ctx, alice.ID)
			if err != nil || r.Language != "en" || r.ByEmail || !r.ByInbox || !r.ByMatrix {
				t.Errorf("recipient %+v, %v; want %+v", r, err, want)
			}
			for _, file := range []string{"avatars/a.jpg", ""} {
				if err := a.SetAvatar(ctx, alice.ID, file); err != nil {
					t.Fatal(err)
				}
				if got, _ := db.Avatar(ctx, alice.ID); got != file {
					t.Errorf("avatar %q, want %q", got, file)
				}
			}
		})
		t.Run("addresses", func(t *testing.T) {
			steps := []struct {
				name    string
				do      func(ctx context.Context, id, address int64) error
				address string
				want    error
				primary string
			}{
				{"an unconfirmed address is not the main one", a.MakePrimary, "alice@old.example.org", ErrAddressNotVerified, "alice@example.org"},
				{"another's address is not the main one", a.MakePrimary, "bob@example.org", ErrAddressNotVerified, "alice@example.org"},
				{"the main address stays", a.RemoveAddress, "alice@example.org", ErrAddressIsPrimary, "alice@example.org"},
				{"another's address stays", a.RemoveAddress, "bob@example.org", ErrAddressIsPrimary, "alice@example.org"},
				{"a confirmed address becomes the main one", a.MakePrimary, "alice@work.example.org", nil, "alice@work.example.org"},
				{"the former main address goes", a.RemoveAddress, "alice@example.org", nil, "alice@work.example.org"},
			}
			for _, s := range steps {
				err := s.do(ctx, alice.ID, addr[s.address])
				if !errors.Is(err, s.want) || (s.want == nil) != (err == nil) {
					t.Errorf("%s: %v, want %v", s.name, err, s.want)
				}
				list, err := db.EmailAddresses(ctx, alice.ID)
				if err != nil {
					t.Fatal(err)
				}
				var primaries []string
				for _, e := range list {
					if e.Primary {
						primaries = append(primaries, e.Email)
					}
				}
				if len(primaries) != 1 || primaries[0] != s.primary {
					t.Errorf("%s: main addresses %v, want %s", s.name, primaries, s.primary)
				}
			}
			if list, _ := db.EmailAddresses(ctx, bob.ID); len(list) != 1 {
				t.Errorf("bob's addresses %v", list)
			}
		})
		t.Run("inbox", func(t *testing.T) {
			if n, _ := db.UnreadCount(ctx, alice.ID); n != 1 {
				t.Fatalf("alice has %d unread before, want 1", n)
			}
			if err := a.MarkInboxRead(ctx, alice.ID); err != nil {
				t.Fatal(err)
			}
			if n, _ := db.UnreadCount(ctx, alice.ID); n != 0 {
				t.Errorf("alice has %d unread", n)
			}
			if n, _ := db.UnreadCount(ctx, bob.ID); n != 1 {
				t.Errorf("bob has %d unread, want 1: only alice read hers", n)
			}
		})
	})
}
