package accounts

import (
	"context"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestLoginAttempts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		clock := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
		a.now = func() time.Time { return clock }
		window := 15 * time.Minute
		steps := []struct {
			name              string
			forget            bool
			account, address  string
			n                 int
			onAccount, onAddr int
			later             time.Duration
		}{
			{name: "first", account: "id:1", address: "2001:db8::/64", n: 1, onAccount: 1, onAddr: 1},
			{name: "second", account: "id:1", address: "2001:db8::/64", n: 1, onAccount: 2, onAddr: 2},
			{name: "another account from the address", account: "name:x", address: "2001:db8::/64", n: 1, onAccount: 1, onAddr: 3},
			{name: "taken back", account: "id:1", address: "2001:db8::/64", n: -1, onAccount: 1, onAddr: 2},
			{name: "another address", account: "id:1", address: "192.0.2.1", n: 1, onAccount: 2, onAddr: 1},
			{name: "a success forgets the account's", forget: true, account: "id:1", address: "2001:db8::/64", n: 1, onAccount: 1, onAddr: 3},
			{name: "after the window", later: window + time.Second, account: "id:1", address: "2001:db8::/64", n: 1, onAccount: 1, onAddr: 1},
		}
		for _, s := range steps {
			clock = clock.Add(s.later)
			if s.forget {
				if err := a.ForgetLoginAttempts(ctx, s.account); err != nil {
					t.Fatal(err)
				}
			}
			onAccount, onAddr, err := a.CountLoginAttempts(ctx, s.account, s.address, s.n, window)
			if err != nil || onAccount != s.onAccount || onAddr != s.onAddr {
				t.Errorf("%s: %d on the account, %d on the address, %v; want %d, %d", s.name, onAccount, onAddr, err, s.onAccount, s.onAddr)
			}
		}
	})
}

func TestMailRequestsAndCaptcha(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		requests := []struct {
			address, client string
			ok              bool
		}{
			{"x@example.org", "c1", true},
			{" X@Example.org", "c1", true},
			{"x@example.org", "c2", false}, // the third to one address
			{"y@example.org", "c1", false}, // the third from one client
			{"y@example.org", "c2", true},
		}
		for i, r := range requests {
			ok, err := a.CountMailRequest(ctx, r.address, r.client, 2, 2, time.Hour)
			if err != nil || ok != r.ok {
				t.Errorf("request %d (%s from %s): %t, %v; want %t", i, r.address, r.client, ok, err, r.ok)
			}
		}
		for i, c := range []struct {
			nonce string
			first bool
		}{{"n1", true}, {"n1", false}, {"n2", true}} {
			first, err := a.SpendCaptcha(ctx, c.nonce)
			if err != nil || first != c.first {
				t.Errorf("answer %d (%s): first %t, %v; want %t", i, c.nonce, first, err, c.first)
			}
		}
	})
}
