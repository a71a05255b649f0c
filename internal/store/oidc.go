package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrCodeReused is returned when an authorization code is presented a second time; the
// tokens issued for it have been revoked then (RFC 6749, section 4.1.2).
var ErrCodeReused = errors.New("the authorization code was used before")

// OIDCClient is a service that lets people log in with their grouprise account.
type OIDCClient struct {
	ID       int64
	ClientID string
	Name     string
	// SecretHash is the hex SHA-256 of the client secret; empty for public clients, which
	// prove themselves by PKCE instead.
	SecretHash             string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// Trusted clients are the site's own services: nobody is asked to agree.
	Trusted   bool
	CreatedAt time.Time
}

// Public tells whether the client has no secret.
func (c *OIDCClient) Public() bool { return c.SecretHash == "" }

const oidcClientColumns = `id, client_id, name, secret_hash, redirect_uris, post_logout_redirect_uris, trusted, created_at`

func scanOIDCClient(row interface{ Scan(...any) error }) (*OIDCClient, error) {
	var c OIDCClient
	var uris, logoutURIs string
	if err := row.Scan(&c.ID, &c.ClientID, &c.Name, &c.SecretHash, &uris, &logoutURIs, &c.Trusted, &c.CreatedAt); err != nil {
		return nil, classify(err)
	}
	c.RedirectURIs, c.PostLogoutRedirectURIs = lines(uris), lines(logoutURIs)
	return &c, nil
}

// lines splits a newline-separated list, leaving out empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// AddOIDCClient registers a client; its client_id must be new (ErrConflict).
func (q *Queries) AddOIDCClient(ctx context.Context, c *OIDCClient) error {
	id, err := q.insert(ctx, `INSERT INTO oidc_clients (client_id, name, secret_hash, redirect_uris,
		post_logout_redirect_uris, trusted, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.ClientID, c.Name, c.SecretHash, strings.Join(c.RedirectURIs, "\n"),
		strings.Join(c.PostLogoutRedirectURIs, "\n"), c.Trusted, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: add OIDC client %s: %w", c.ClientID, classify(err))
	}
	c.ID = id
	return nil
}

// OIDCClientByClientID returns a registered client (ErrNotFound).
func (q *Queries) OIDCClientByClientID(ctx context.Context, clientID string) (*OIDCClient, error) {
	c, err := scanOIDCClient(q.queryRow(ctx, `SELECT `+oidcClientColumns+` FROM oidc_clients WHERE client_id = ?`, clientID))
	if err != nil {
		return nil, fmt.Errorf("store: OIDC client %s: %w", clientID, err)
	}
	return c, nil
}

// OIDCClients lists the registered clients by client_id.
func (q *Queries) OIDCClients(ctx context.Context) ([]*OIDCClient, error) {
	rows, err := q.query(ctx, `SELECT `+oidcClientColumns+` FROM oidc_clients ORDER BY client_id`)
	if err != nil {
		return nil, fmt.Errorf("store: OIDC clients: %w", err)
	}
	return collect(rows, scanOIDCClient)
}

// SetOIDCClientSecret replaces the secret hash of a confidential client (ErrNotFound for
// unknown and public clients).
func (q *Queries) SetOIDCClientSecret(ctx context.Context, clientID, secretHash string) error {
	return q.updateOne(ctx, "set the secret of OIDC client "+clientID,
		`UPDATE oidc_clients SET secret_hash = ? WHERE client_id = ? AND secret_hash <> ''`, secretHash, clientID)
}

// RemoveOIDCClient removes a client with its requests, tokens and consents (ErrNotFound).
func (q *Queries) RemoveOIDCClient(ctx context.Context, clientID string) error {
	return q.updateOne(ctx, "remove OIDC client "+clientID, `DELETE FROM oidc_clients WHERE client_id = ?`, clientID)
}

// OIDCAuthRequest is an authorization request of a client, from the moment the browser
// arrives until its code is exchanged or it expires.
type OIDCAuthRequest struct {
	ID           string
	ClientID     string
	RedirectURI  string
	Scopes       []string
	State        string
	Nonce        string
	ResponseType string
	ResponseMode string
	Prompt       string
	// MaxAge is the longest time since the person logged in that the client accepts, in
	// seconds; -1 when the client did not say.
	MaxAge              int64
	CodeChallenge       string
	CodeChallengeMethod string
	// GestaltID is the person who agreed (0 while nobody did), at AuthTime (when they logged
	// in; zero when that is not known).
	GestaltID int64
	AuthTime  time.Time
	CodeUsed  bool
	CreatedAt time.Time
	ExpiresAt time.Time
}

const oidcRequestColumns = `id, client_id, redirect_uri, scopes, state, nonce, response_type, response_mode,
	prompt, max_age, code_challenge, code_challenge_method, gestalt_id, auth_time, code_used, created_at, expires_at`

func scanOIDCRequest(row interface{ Scan(...any) error }) (*OIDCAuthRequest, error) {
	var r OIDCAuthRequest
	var scopes string
	var gestalt, maxAge sql.Null[int64]
	var authTime sql.Null[time.Time]
	err := row.Scan(&r.ID, &r.ClientID, &r.RedirectURI, &scopes, &r.State, &r.Nonce, &r.ResponseType,
		&r.ResponseMode, &r.Prompt, &maxAge, &r.CodeChallenge, &r.CodeChallengeMethod, &gestalt, &authTime,
		&r.CodeUsed, &r.CreatedAt, &r.ExpiresAt)
	if err != nil {
		return nil, classify(err)
	}
	r.Scopes = strings.Fields(scopes)
	r.GestaltID, r.AuthTime, r.MaxAge = gestalt.V, authTime.V, -1
	if maxAge.Valid {
		r.MaxAge = maxAge.V
	}
	return &r, nil
}

// CreateOIDCAuthRequest stores a new authorization request.
func (q *Queries) CreateOIDCAuthRequest(ctx context.Context, r *OIDCAuthRequest) error {
	maxAge := sql.Null[int64]{V: r.MaxAge, Valid: r.MaxAge >= 0}
	_, err := q.exec(ctx, `INSERT INTO oidc_auth_requests (id, client_id, redirect_uri, scopes, state, nonce,
		response_type, response_mode, prompt, max_age, code_challenge, code_challenge_method, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.ClientID, r.RedirectURI, strings.Join(r.Scopes, " "), r.State, r.Nonce, r.ResponseType,
		r.ResponseMode, r.Prompt, maxAge, r.CodeChallenge, r.CodeChallengeMethod, r.CreatedAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create OIDC authorization request: %w", classify(err))
	}
	return nil
}

// OIDCAuthRequest returns an unexpired authorization request (ErrNotFound).
func (q *Queries) OIDCAuthRequest(ctx context.Context, id string, now time.Time) (*OIDCAuthRequest, error) {
	r, err := scanOIDCRequest(q.queryRow(ctx, `SELECT `+oidcRequestColumns+` FROM oidc_auth_requests
		WHERE id = ? AND expires_at > ?`, id, now))
	if err != nil {
		return nil, fmt.Errorf("store: OIDC authorization request: %w", err)
	}
	return r, nil
}

// ApproveOIDCAuthRequest records who agreed to an unexpired request that nobody answered yet
// (ErrNotFound otherwise), and renames it to newID: whoever saw the request's first id (in a
// link to the login page) cannot fetch the code of the person who agreed. A zero authTime is
// stored as unknown.
func (q *Queries) ApproveOIDCAuthRequest(ctx context.Context, id, newID string, gestaltID int64, authTime, now time.Time) error {
	at := sql.Null[time.Time]{V: authTime, Valid: !authTime.IsZero()}
	return q.updateOne(ctx, "approve OIDC authorization request", `UPDATE oidc_auth_requests
		SET id = ?, gestalt_id = ?, auth_time = ? WHERE id = ? AND gestalt_id IS NULL AND expires_at > ?`,
		newID, gestaltID, at, id, now)
}

// SetOIDCCode gives an approved request its code (as a hash) and shortens its life to the
// code's (ErrNotFound when the request is gone, unapproved or has a code already).
func (q *Queries) SetOIDCCode(ctx context.Context, id, codeHash string, expires, now time.Time) error {
	return q.updateOne(ctx, "save OIDC code", `UPDATE oidc_auth_requests SET code_hash = ?, expires_at = ?
		WHERE id = ? AND gestalt_id IS NOT NULL AND code_hash IS NULL AND expires_at > ?`,
		codeHash, expires, id, now)
}

// RedeemOIDCCode marks an unexpired code as used and returns its request; it works once per
// code. A code presented again gives ErrCodeReused, and the tokens issued for it are revoked;
// an unknown or expired code gives ErrNotFound.
func (q *Queries) RedeemOIDCCode(ctx context.Context, codeHash string, now time.Time) (*OIDCAuthRequest, error) {
	r, err := scanOIDCRequest(q.queryRow(ctx, `UPDATE oidc_auth_requests SET code_used = TRUE
		WHERE code_hash = ? AND NOT code_used AND expires_at > ? RETURNING `+oidcRequestColumns, codeHash, now))
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: redeem OIDC code: %w", err)
	}
	var id string
	err = q.queryRow(ctx, `SELECT id FROM oidc_auth_requests WHERE code_hash = ? AND code_used`, codeHash).Scan(&id)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("store: redeem OIDC code: %w", ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("store: redeem OIDC code: %w", err)
	}
	if _, err := q.exec(ctx, `DELETE FROM oidc_tokens WHERE auth_request_id = ?`, id); err != nil {
		return nil, fmt.Errorf("store: revoke the tokens of a reused OIDC code: %w", err)
	}
	return nil, fmt.Errorf("store: redeem OIDC code: %w", ErrCodeReused)
}

// DeleteOIDCAuthRequest forgets a request that has no code. A request whose code was issued
// stays until it expires, so that a second use of the code is recognised.
func (q *Queries) DeleteOIDCAuthRequest(ctx context.Context, id string) error {
	if _, err := q.exec(ctx, `DELETE FROM oidc_auth_requests WHERE id = ? AND code_hash IS NULL`, id); err != nil {
		return fmt.Errorf("store: delete OIDC authorization request: %w", err)
	}
	return nil
}

// OIDCToken is an access token: its id is inside the token the client holds.
type OIDCToken struct {
	ID            string
	ClientID      string
	GestaltID     int64
	AuthRequestID string
	Scopes        []string
	CreatedAt     time.Time
	ExpiresAt     time.Time
}

// CreateOIDCToken stores an access token.
func (q *Queries) CreateOIDCToken(ctx context.Context, t *OIDCToken) error {
	_, err := q.exec(ctx, `INSERT INTO oidc_tokens (id, client_id, gestalt_id, auth_request_id, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, t.ID, t.ClientID, t.GestaltID, t.AuthRequestID, strings.Join(t.Scopes, " "),
		t.CreatedAt, t.ExpiresAt)
	if err != nil {
		return fmt.Errorf("store: create OIDC token: %w", classify(err))
	}
	return nil
}

// OIDCToken returns an unexpired access token (ErrNotFound).
func (q *Queries) OIDCToken(ctx context.Context, id string, now time.Time) (*OIDCToken, error) {
	var t OIDCToken
	var scopes string
	var request sql.Null[string]
	err := q.queryRow(ctx, `SELECT id, client_id, gestalt_id, auth_request_id, scopes, created_at, expires_at
		FROM oidc_tokens WHERE id = ? AND expires_at > ?`, id, now).Scan(&t.ID, &t.ClientID, &t.GestaltID, &request,
		&scopes, &t.CreatedAt, &t.ExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("store: OIDC token: %w", classify(err))
	}
	t.Scopes, t.AuthRequestID = strings.Fields(scopes), request.V
	return &t, nil
}

// RevokeOIDCToken deletes an access token of a client; an unknown one is no error.
func (q *Queries) RevokeOIDCToken(ctx context.Context, id, clientID string) error {
	if _, err := q.exec(ctx, `DELETE FROM oidc_tokens WHERE id = ? AND client_id = ?`, id, clientID); err != nil {
		return fmt.Errorf("store: revoke OIDC token: %w", err)
	}
	return nil
}

// RevokeOIDCTokensOf deletes the access tokens a client holds for a person.
func (q *Queries) RevokeOIDCTokensOf(ctx context.Context, gestaltID int64, clientID string) error {
	if _, err := q.exec(ctx, `DELETE FROM oidc_tokens WHERE gestalt_id = ? AND client_id = ?`, gestaltID, clientID); err != nil {
		return fmt.Errorf("store: revoke OIDC tokens: %w", err)
	}
	return nil
}

// OIDCConsent returns the scopes a person allowed a client (none when they never did).
func (q *Queries) OIDCConsent(ctx context.Context, gestaltID int64, clientID string) ([]string, error) {
	var scopes string
	err := q.queryRow(ctx, `SELECT scopes FROM oidc_consents WHERE gestalt_id = ? AND client_id = ?`,
		gestaltID, clientID).Scan(&scopes)
	if err = classify(err); errors.Is(err, ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("store: OIDC consent: %w", err)
	}
	return strings.Fields(scopes), nil
}

// GrantOIDCConsent remembers that a person allowed a client these scopes (all the scopes
// allowed so far: the caller passes them together).
func (q *Queries) GrantOIDCConsent(ctx context.Context, gestaltID int64, clientID string, scopes []string, now time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO oidc_consents (gestalt_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (gestalt_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		gestaltID, clientID, strings.Join(scopes, " "), now)
	if err != nil {
		return fmt.Errorf("store: grant OIDC consent: %w", classify(err))
	}
	return nil
}

// OIDCConsentGrant is a client a person allowed to know them.
type OIDCConsentGrant struct {
	Client    *OIDCClient
	Scopes    []string
	GrantedAt time.Time
}

// OIDCConsents lists the clients a person allowed, by name.
func (q *Queries) OIDCConsents(ctx context.Context, gestaltID int64) ([]*OIDCConsentGrant, error) {
	rows, err := q.query(ctx, `SELECT c.id, c.client_id, c.name, c.secret_hash, c.redirect_uris,
		c.post_logout_redirect_uris, c.trusted, c.created_at, o.scopes, o.granted_at
		FROM oidc_consents o JOIN oidc_clients c ON c.client_id = o.client_id
		WHERE o.gestalt_id = ? ORDER BY c.name, c.client_id`, gestaltID)
	if err != nil {
		return nil, fmt.Errorf("store: OIDC consents: %w", err)
	}
	defer rows.Close()
	var out []*OIDCConsentGrant
	for rows.Next() {
		var g OIDCConsentGrant
		var c OIDCClient
		var uris, logoutURIs, scopes string
		if err := rows.Scan(&c.ID, &c.ClientID, &c.Name, &c.SecretHash, &uris, &logoutURIs, &c.Trusted,
			&c.CreatedAt, &scopes, &g.GrantedAt); err != nil {
			return nil, fmt.Errorf("store: OIDC consents: %w", err)
		}
		c.RedirectURIs, c.PostLogoutRedirectURIs = lines(uris), lines(logoutURIs)
		g.Client, g.Scopes = &c, strings.Fields(scopes)
		out = append(out, &g)
	}
	return out, rows.Err()
}

// WithdrawOIDCConsent forgets a person's consent to a client and revokes the client's
// tokens for them.
func (q *Queries) WithdrawOIDCConsent(ctx context.Context, gestaltID int64, clientID string) error {
	if _, err := q.exec(ctx, `DELETE FROM oidc_consents WHERE gestalt_id = ? AND client_id = ?`, gestaltID, clientID); err != nil {
		return fmt.Errorf("store: withdraw OIDC consent: %w", err)
	}
	return q.RevokeOIDCTokensOf(ctx, gestaltID, clientID)
}
