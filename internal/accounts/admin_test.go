package accounts

import (
	"context"
	"errors"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// An administrator's correction: the profile's rules hold, nobody deactivates themself, and
// a deactivated account cannot log in until it is active again.
func TestCorrect(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		admin, err := a.Create(ctx, NewAccount{Username: "admin", Email: "admin@example.org", Password: "admin-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := a.Create(ctx, NewAccount{Username: "bob", Email: "bob@example.org", Password: "bob-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			by   int64
			who  *store.Gestalt
			c    Correction
			want error
		}{
			{"deactivating oneself", admin.ID, admin, Correction{Profile: store.Profile{Username: "admin"}}, ErrNotYourself},
			{"a taken username", admin.ID, bob, Correction{Profile: store.Profile{Username: "Admin"}, Active: true}, ErrUsernameTaken},
			{"a reserved username", admin.ID, bob, Correction{Profile: store.Profile{Username: "stadt"}, Active: true}, ErrUsernameBlocked},
		} {
			if err := a.Correct(ctx, c.by, c.who, c.c); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", c.name, err, c.want)
			}
		}
		if err := a.Correct(ctx, admin.ID, bob, Correction{Profile: store.Profile{Username: "Robert", FirstName: " Rob "}}); err != nil {
			t.Fatal(err)
		}
		if g, _ := db.GestaltByID(ctx, bob.ID); g.Username != "robert" || g.FirstName != "Rob" || g.IsActive {
			t.Errorf("after the correction: %+v", g)
		}
		if _, err := a.Authenticate(ctx, "robert", "bob-password"); !errors.Is(err, ErrBadLogin) {
			t.Errorf("a deactivated account logs in: %v", err)
		}
		if err := a.Correct(ctx, admin.ID, &store.Gestalt{ID: bob.ID, Username: "robert"}, Correction{Profile: store.Profile{Username: "robert"}, Active: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, "robert", "bob-password"); err != nil {
			t.Errorf("the account active again: %v", err)
		}
	})
}
