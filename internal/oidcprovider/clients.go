package oidcprovider

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/store"
)

// Clients is the operator's register of the relying parties (`grouprise oidc client …`):
// the only way the command line changes it.
type Clients struct{ db *store.DB }

// NewClients returns the register kept in db.
func NewClients(db *store.DB) *Clients { return &Clients{db: db} }

// Add registers a client; a client with this id exists already: store.ErrConflict.
func (c *Clients) Add(ctx context.Context, client *store.OIDCClient) error {
	if err := c.db.AddOIDCClient(ctx, client); err != nil {
		return fmt.Errorf("oidc: register %s: %w", client.ClientID, err)
	}
	return nil
}

// Remove deletes a client with its tokens and consents; no such client: store.ErrNotFound.
func (c *Clients) Remove(ctx context.Context, clientID string) error {
	if err := c.db.RemoveOIDCClient(ctx, clientID); err != nil {
		return fmt.Errorf("oidc: remove %s: %w", clientID, err)
	}
	return nil
}

// NewSecret gives a confidential client a new secret and returns it; only its hash is kept.
// No such confidential client: store.ErrNotFound.
func (c *Clients) NewSecret(ctx context.Context, clientID string) (string, error) {
	secret := NewSecret()
	if err := c.db.SetOIDCClientSecret(ctx, clientID, HashSecret(secret)); err != nil {
		return "", fmt.Errorf("oidc: new secret for %s: %w", clientID, err)
	}
	return secret, nil
}
