package accounts

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestWithdrawConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := newAccounts(db)
		now := time.Now()
		alice := &store.Gestalt{Username: "alice", IsActive: true, DateJoined: now}
		err := db.Tx(ctx, func(q *store.Queries) error {
			if _, err := q.CreateGestalt(ctx, alice); err != nil {
				return err
			}
			for _, client := range []string{"wiki", "cloud"} {
				if err := q.AddOIDCClient(ctx, &store.OIDCClient{ClientID: client, Name: client,
					RedirectURIs: []string{"https://" + client + ".example.org/cb"}, CreatedAt: now}); err != nil {
					return err
				}
				if err := q.GrantOIDCConsent(ctx, alice.ID, client, []string{"openid"}, now); err != nil {
					return err
				}
				if err := q.CreateOIDCToken(ctx, &store.OIDCToken{ID: "token-" + client, ClientID: client, GestaltID: alice.ID,
					Scopes: []string{"openid"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.WithdrawConsent(ctx, alice.ID, "wiki"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			client  string
			granted bool
		}{{"wiki", false}, {"cloud", true}} {
			scopes, err := db.OIDCConsent(ctx, alice.ID, c.client)
			if err != nil || (len(scopes) > 0) != c.granted {
				t.Errorf("%s: consent %v, %v; want granted %t", c.client, scopes, err, c.granted)
			}
			_, err = db.OIDCToken(ctx, "token-"+c.client, now)
			if errors.Is(err, store.ErrNotFound) == c.granted {
				t.Errorf("%s: token %v; want it kept %t", c.client, err, c.granted)
			}
		}
	})
}
