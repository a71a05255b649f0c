package accounts

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// alice's hash as the Django grouprise 5.5 stored it (../shared/fixtures), password "peer-password".
const djangoHash = "pbkdf2_sha256$260000$ns9BrYMP6gbNHvXRlaGf5t$OG0gd1gjJeuh91F/AcJT1ergvqXAPvC+oWGQ1i5si70="

func TestCheckPassword(t *testing.T) {
	ours := HashPassword("correct horse")
	cases := []struct {
		name, hash, password string
		want, rehash         bool
	}{
		{"argon2id", ours, "correct horse", true, false},
		{"argon2id, wrong password", ours, "correct horse!", false, false},
		{"Django pbkdf2_sha256", djangoHash, "peer-password", true, true},
		{"Django pbkdf2_sha256, wrong password", djangoHash, "peer-passwort", false, true},
		{"Django argon2", "argon2$argon2id$v=19$m=512,t=2,p=2$c29tZXNhbHRzb21lc2FsdA$j+Cwh/cZCcWDAGeldIxcmTL6Ag1KbEsCeqTUetZ9VB8", "password", true, true}, // from the argon2 CLI
		{"unusable", "!IRCuWwoHzMYKQwSCzVDu69tXpfJazKicsNnghmVA", "", false, true},
		{"empty", "", "", false, true},
		{"unknown scheme", "md5$abc$def", "x", false, true},
	}
	for _, c := range cases {
		if got := CheckPassword(c.hash, c.password); got != c.want {
			t.Errorf("%s: CheckPassword = %v, want %v", c.name, got, c.want)
		}
		if got := NeedsRehash(c.hash); got != c.rehash {
			t.Errorf("%s: NeedsRehash = %v, want %v", c.name, got, c.rehash)
		}
	}
	if CheckPassword(dummyHash, "") || NeedsRehash(dummyHash) {
		t.Error("the dummy hash must be current and match nothing")
	}
	if HashPassword("x") == HashPassword("x") {
		t.Error("two hashes of one password are equal: no salt")
	}
	if PasswordUsable(UnusablePassword()) || !PasswordUsable(ours) {
		t.Error("PasswordUsable")
	}
}

func newAccounts(db *store.DB) *Accounts {
	return New(db, func(s string) bool { return slices.Contains([]string{"stadt", "reply"}, s) }, nil)
}

func TestCreate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		alice, err := a.Create(ctx, NewAccount{Username: "Alice", Email: "alice@example.org", FirstName: "Alice",
			LastName: "Amsel", Password: "peer-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if alice.Username != "alice" || alice.Name() != "Alice Amsel" || !strings.HasPrefix(alice.AvatarColor, "#") {
			t.Errorf("created %+v", alice)
		}
		cases := []struct {
			name string
			n    NewAccount
			want error
		}{
			{"username in other case", NewAccount{Username: "ALICE", Email: "a2@example.org"}, ErrUsernameTaken},
			{"address in other case", NewAccount{Username: "alice2", Email: "ALICE@example.org"}, ErrEmailTaken},
			{"reserved username", NewAccount{Username: "stadt", Email: "s@example.org"}, ErrUsernameBlocked},
			{"invalid username", NewAccount{Username: "a b", Email: "ab@example.org"}, ErrUsernameInvalid},
			{"invalid address", NewAccount{Username: "bob", Email: "Bob <bob@example.org>"}, ErrEmailInvalid},
			{"short password", NewAccount{Username: "bob", Email: "bob@example.org", Password: "1234567"}, ErrPasswordShort},
		}
		for _, c := range cases {
			if _, err := a.Create(ctx, c.n); !errors.Is(err, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			}
		}
		if n, _ := db.Count(ctx, "gestalten"); n != 1 {
			t.Errorf("%d gestalten after refused creations, want 1", n)
		}
		addrs, err := db.EmailAddresses(ctx, alice.ID)
		if err != nil || len(addrs) != 1 || !addrs[0].Verified || !addrs[0].Primary {
			t.Errorf("addresses %+v, %v", addrs, err)
		}
	})
}

func TestAuthenticateUpgradesDjangoHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		g, err := a.Create(ctx, NewAccount{Username: "alice", Email: "alice@example.org", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Authenticate(ctx, "alice", ""); !errors.Is(err, ErrBadLogin) {
			t.Errorf("shadow-like account without password: got %v, want ErrBadLogin", err)
		}
		if err := db.SetPassword(ctx, g.ID, djangoHash); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"alice", "ALICE@example.org"} {
			got, err := a.Authenticate(ctx, login, "peer-password")
			if err != nil || got.ID != g.ID {
				t.Fatalf("login as %s: %v", login, err)
			}
		}
		stored, _ := db.GestaltByID(ctx, g.ID)
		if NeedsRehash(stored.Password) || !CheckPassword(stored.Password, "peer-password") {
			t.Errorf("hash after login: %s", stored.Password)
		}
		for _, c := range [][2]string{{"alice", "wrong-password"}, {"nobody", "peer-password"}, {"nobody@example.org", "x"}} {
			if _, err := a.Authenticate(ctx, c[0], c[1]); !errors.Is(err, ErrBadLogin) {
				t.Errorf("login %s/%s: got %v, want ErrBadLogin", c[0], c[1], err)
			}
		}
	})
}

func TestShadowAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		if _, err := a.Create(ctx, NewAccount{Username: "frieda", Email: "frieda@example.org"}); err != nil {
			t.Fatal(err)
		}
		var names []string
		err := db.Tx(ctx, func(q *store.Queries) error {
			for _, email := range []string{"Frieda@Example.net", "frieda@example.org", "stadt@example.net", "frieda@example.net"} {
				g, created, err := a.ShadowAccount(ctx, q, email)
				if err != nil {
					return err
				}
				names = append(names, g.Username)
				if created == (email == "frieda@example.org" || email == "frieda@example.net") {
					t.Errorf("%s: created = %v", email, created)
				}
				if created && PasswordUsable(g.Password) {
					t.Errorf("%s: shadow account has a usable password", email)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"frieda-1", "frieda", "stadt-1", "frieda-1"}
		if !slices.Equal(names, want) {
			t.Errorf("usernames %q, want %q", names, want)
		}
	})
}

func TestValidEmail(t *testing.T) {
	for _, c := range []struct {
		email string
		valid bool
	}{
		{"alice@example.org", true},
		{"jörg@example.org", true},
		{"Bob <bob@example.org>", false},
		{"bob@localhost", false},
		{"bob @example.org", false},
		{"\u212Aim@example.org", false},  // Kelvin sign: folds to k
		{"\u0130lse@example.org", false}, // dotted capital I: folds to i
		{"b\u212Bb@example.org", false},  // Ångström sign: folds to å
		{"\u00C5sa@example.org", true},   // Å itself
	} {
		if got := ValidEmail(c.email); got != c.valid {
			t.Errorf("ValidEmail(%q) = %v, want %v", c.email, got, c.valid)
		}
	}
}
