package accounts

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// TestHashLimiterBoundsMemory: with two CPUs two current hashes run at once, never more, and
// a Django argon2 hash (100 MiB, more than the budget) runs alone.
func TestHashLimiterBoundsMemory(t *testing.T) {
	l := newHashLimiter(2)
	for _, c := range []struct {
		name   string
		memory int64
		want   int32
	}{{"argon2id 19 MiB", argonMemory, 2}, {"django argon2 100 MiB", 102400, 1}, {"pbkdf2", 0, 2}} {
		t.Run(c.name, func(t *testing.T) {
			var running, most atomic.Int32
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := l.run(context.Background(), c.memory, func() {
						n := running.Add(1)
						for {
							m := most.Load()
							if n <= m || most.CompareAndSwap(m, n) {
								break
							}
						}
						time.Sleep(20 * time.Millisecond)
						running.Add(-1)
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if most.Load() != c.want {
				t.Errorf("at most %d at once, want %d", most.Load(), c.want)
			}
		})
	}
}

// TestEveryLoginCostsAHash: whatever the name, a login waits for its turn at the hasher, so
// the time of the answer tells nothing about which accounts exist, have a password or are
// active — and a flood of logins waits, then hears ErrBusy, instead of using memory.
func TestEveryLoginCostsAHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		a.hashing = newHashLimiter(1)
		a.hashing.wait = 50 * time.Millisecond
		if _, err := a.Create(ctx, NewAccount{Username: "alice", Email: "alice@example.org", Password: "alices-password", Verified: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Create(ctx, NewAccount{Username: "gone", Email: "gone@example.org", Password: "gones-password", Verified: true}); err != nil {
			t.Fatal(err)
		}
		storetest.Exec(t, db, `UPDATE gestalten SET is_active = FALSE WHERE username = 'gone'`)
		db.Tx(ctx, func(q *store.Queries) error { _, _, err := a.ShadowAccount(ctx, q, "shadow@example.org"); return err })

		// The hasher is busy: every kind of login must wait for it.
		if err := a.hashing.cpus.Acquire(ctx, 1); err != nil {
			t.Fatal(err)
		}
		for _, login := range []string{"alice", "alice@example.org", "nobody", "nobody@example.org", "shadow", "shadow@example.org", "gone"} {
			if _, err := a.Authenticate(ctx, login, "some-password"); !errors.Is(err, ErrBusy) {
				t.Errorf("login as %s with the hasher busy: %v, want ErrBusy (it must cost a hash)", login, err)
			}
		}
		a.hashing.cpus.Release(1)
		for _, login := range []string{"nobody", "shadow@example.org", "gone"} {
			if _, err := a.Authenticate(ctx, login, "gones-password"); !errors.Is(err, ErrBadLogin) {
				t.Errorf("login as %s: %v, want ErrBadLogin", login, err)
			}
		}
	})
}

// TestStoredHashCostsAreBounded: a stored hash that asks for more memory or passes than we
// spend never matches, instead of costing gigabytes.
func TestStoredHashCostsAreBounded(t *testing.T) {
	for _, h := range []string{
		"$argon2id$v=19$m=4194304,t=2,p=1$gcKyl4tgU0LSF2F5FZ5lAg$eLmHFE7jT1zzECe2ZKn1KIc5aC+SieFXMp5mcb7UsW8",
		"$argon2id$v=19$m=19456,t=1000,p=1$gcKyl4tgU0LSF2F5FZ5lAg$eLmHFE7jT1zzECe2ZKn1KIc5aC+SieFXMp5mcb7UsW8",
		"$argon2id$v=19$m=19456,t=2,p=255$gcKyl4tgU0LSF2F5FZ5lAg$eLmHFE7jT1zzECe2ZKn1KIc5aC+SieFXMp5mcb7UsW8",
	} {
		if CheckPassword(h, "x") {
			t.Errorf("%s matched", h)
		}
		if _, _, _, ok := argonParams(h[len("$argon2id$"):]); ok {
			t.Errorf("%s: parameters accepted", h)
		}
	}
}

// TestPasswordChangeRevokesAccessTokens: services that got an access token with the old
// password lose it with a change, a reset or a new password from the command line.
func TestPasswordChangeRevokesAccessTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		g, err := a.Create(ctx, NewAccount{Username: "alice", Email: "alice@example.org", Password: "alices-password", Verified: true})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		if err := db.AddOIDCClient(ctx, &store.OIDCClient{ClientID: "chat", Name: "Chat", RedirectURIs: []string{"https://chat.example.org/cb"},
			CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		grant := func(id string) {
			if err := db.CreateOIDCToken(ctx, &store.OIDCToken{ID: id, ClientID: "chat", GestaltID: g.ID, Scopes: []string{"openid"},
				CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name   string
			change func() error
		}{
			{"change", func() error { return a.ChangePassword(ctx, g.ID, "alices-password", "second-password") }},
			{"command line", func() error { return a.SetPassword(ctx, "alice", "third-password") }},
		} {
			grant("token-" + c.name)
			if err := c.change(); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if _, err := db.OIDCToken(ctx, "token-"+c.name, now); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after the password %s the access token still works: %v", c.name, err)
			}
		}
	})
}
