package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

// The OIDC provider's rows: a code redeems once and only while it lives; its second use
// revokes the tokens of the first; the cleanup removes what expired; removing a client or a
// person takes their requests, tokens and consents along.
func TestOIDCRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := day.Add(10 * time.Hour)
		alice := newGestalt(t, db.Queries, "alice")
		c := &store.OIDCClient{ClientID: "wiki", Name: "Wiki", SecretHash: "abc", RedirectURIs: []string{"https://a.test/cb", "https://b.test/cb"}, CreatedAt: now}
		if err := db.AddOIDCClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := db.AddOIDCClient(ctx, &store.OIDCClient{ClientID: "wiki", RedirectURIs: []string{"x:/"}, CreatedAt: now}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second client wiki: %v", err)
		}
		got, err := db.OIDCClientByClientID(ctx, "wiki")
		if err != nil || len(got.RedirectURIs) != 2 || got.RedirectURIs[1] != "https://b.test/cb" || got.Public() {
			t.Fatalf("client %+v, %v", got, err)
		}
		request := func(id string, expires time.Time) {
			t.Helper()
			err := db.CreateOIDCAuthRequest(ctx, &store.OIDCAuthRequest{ID: id, ClientID: "wiki", RedirectURI: "https://a.test/cb",
				Scopes: []string{"openid", "email"}, ResponseType: "code", CreatedAt: now, ExpiresAt: expires})
			if err != nil {
				t.Fatal(err)
			}
		}
		request("r0", now.Add(time.Hour))
		request("r2", now.Add(-time.Minute))
		if _, err := db.OIDCAuthRequest(ctx, "r2", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an expired request: %v", err)
		}
		// No code before someone agreed; one code only.
		if err := db.SetOIDCCode(ctx, "r1", "h1", now.Add(time.Minute), now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a code without approval: %v", err)
		}
		if err := db.ApproveOIDCAuthRequest(ctx, "r0", "r1", alice.ID, now, now); err != nil {
			t.Fatal(err)
		}
		if err := db.ApproveOIDCAuthRequest(ctx, "r1", "r1b", alice.ID, now, now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("approved twice: %v", err)
		}
		if _, err := db.OIDCAuthRequest(ctx, "r0", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the request under its first id: %v", err)
		}
		if err := db.SetOIDCCode(ctx, "r1", "h1", now.Add(time.Minute), now); err != nil {
			t.Fatal(err)
		}
		if err := db.SetOIDCCode(ctx, "r1", "h2", now.Add(time.Minute), now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a second code: %v", err)
		}
		if _, err := db.RedeemOIDCCode(ctx, "h1", now.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("an expired code: %v", err)
		}
		r, err := db.RedeemOIDCCode(ctx, "h1", now)
		if err != nil || r.GestaltID != alice.ID || len(r.Scopes) != 2 || !r.CodeUsed {
			t.Fatalf("redeem: %+v, %v", r, err)
		}
		tok := &store.OIDCToken{ID: "t1", ClientID: "wiki", GestaltID: alice.ID, AuthRequestID: "r1", Scopes: r.Scopes, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := db.CreateOIDCToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteOIDCAuthRequest(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RedeemOIDCCode(ctx, "h1", now); !errors.Is(err, store.ErrCodeReused) {
			t.Errorf("the code again: %v", err)
		}
		if _, err := db.OIDCToken(ctx, "t1", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the token of a reused code: %v", err)
		}
		// Cleanup: expired requests and tokens go, live ones stay.
		request("r3", now.Add(time.Hour))
		for _, id := range []string{"t2", "t3"} {
			exp := now.Add(time.Hour)
			if id == "t2" {
				exp = now.Add(-time.Second)
			}
			if err := db.CreateOIDCToken(ctx, &store.OIDCToken{ID: id, ClientID: "wiki", GestaltID: alice.ID, CreatedAt: now, ExpiresAt: exp}); err != nil {
				t.Fatal(err)
			}
		}
		removed, err := db.Cleanup(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if removed["oidc_auth_requests"] != 1 || removed["oidc_tokens"] != 1 {
			t.Errorf("cleanup removed %v", removed)
		}
		// Consents: remembered per person and client; withdrawing revokes the tokens.
		if err := db.GrantOIDCConsent(ctx, alice.ID, "wiki", []string{"openid"}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.GrantOIDCConsent(ctx, alice.ID, "wiki", []string{"openid", "email"}, now); err != nil {
			t.Fatal(err)
		}
		if scopes, err := db.OIDCConsent(ctx, alice.ID, "wiki"); err != nil || len(scopes) != 2 {
			t.Errorf("consent %v, %v", scopes, err)
		}
		if grants, err := db.OIDCConsents(ctx, alice.ID); err != nil || len(grants) != 1 || grants[0].Client.Name != "Wiki" {
			t.Errorf("consents %v, %v", grants, err)
		}
		if err := db.WithdrawOIDCConsent(ctx, alice.ID, "wiki"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.OIDCToken(ctx, "t3", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a token after the consent was withdrawn: %v", err)
		}
		// Removing the client takes everything of it along.
		db.GrantOIDCConsent(ctx, alice.ID, "wiki", []string{"openid"}, now)
		if err := db.RemoveOIDCClient(ctx, "wiki"); err != nil {
			t.Fatal(err)
		}
		if err := db.RemoveOIDCClient(ctx, "wiki"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("removed twice: %v", err)
		}
		for _, table := range []string{"oidc_auth_requests", "oidc_tokens", "oidc_consents"} {
			if n := count(t, db, table); n != 0 {
				t.Errorf("%s has %d rows after the client was removed", table, n)
			}
		}
	})
}
