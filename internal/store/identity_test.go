package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestGestaltByEmailOnlyProvenAddresses: an address identifies its owner when it is
// confirmed, or when it is the primary address of a shadow account (made for that address,
// no password); an address someone merely added identifies nobody.
func TestGestaltByEmailOnlyProvenAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		person := func(q *store.Queries, name, password string, addrs ...store.EmailAddress) *store.Gestalt {
			g := &store.Gestalt{Username: name, Password: password, IsActive: true, DateJoined: time.Now()}
			if _, err := q.CreateGestalt(ctx, g); err != nil {
				t.Fatal(err)
			}
			for _, a := range addrs {
				a.GestaltID = g.ID
				if _, err := q.AddEmailAddress(ctx, &a); err != nil {
					t.Fatal(err)
				}
			}
			return g
		}
		var alice, shadow *store.Gestalt
		db.Tx(ctx, func(q *store.Queries) error {
			alice = person(q, "alice", "$argon2id$x",
				store.EmailAddress{Email: "alice@example.org", Verified: true, Primary: true},
				store.EmailAddress{Email: "victim@example.net"})
			shadow = person(q, "shadow", "!unusable", store.EmailAddress{Email: "shadow@example.org", Primary: true})
			person(q, "legacy", "pbkdf2_sha256$1$x$y", store.EmailAddress{Email: "legacy@example.org", Primary: true})
			return nil
		})
		for _, c := range []struct {
			email string
			want  int64 // 0: nobody
		}{
			{"ALICE@example.org", alice.ID},
			{"victim@example.net", 0},
			{"shadow@example.org", shadow.ID},
			{"legacy@example.org", 0},
			{"nobody@example.org", 0},
		} {
			g, err := db.GestaltByEmail(ctx, c.email)
			switch {
			case c.want == 0 && !errors.Is(err, store.ErrNotFound):
				t.Errorf("%s identifies %+v, %v; want nobody", c.email, g, err)
			case c.want != 0 && (err != nil || g.ID != c.want):
				t.Errorf("%s identifies %+v, %v; want %d", c.email, g, err, c.want)
			}
		}
		// Each is still held, so that nobody else adds it by accident.
		for _, e := range []string{"victim@example.net", "legacy@example.org"} {
			if _, err := db.EmailHolder(ctx, e); err != nil {
				t.Errorf("holder of %s: %v", e, err)
			}
		}
		// Only the unconfirmed secondary address gives way.
		for _, c := range []struct {
			email string
			want  bool
		}{{"legacy@example.org", false}, {"alice@example.org", false}, {"shadow@example.org", false}, {"victim@example.net", true}} {
			if got, err := db.ReleaseUnconfirmedEmail(ctx, c.email); err != nil || got != c.want {
				t.Errorf("release %s: %v, %v; want %v", c.email, got, err, c.want)
			}
		}
	})
}
