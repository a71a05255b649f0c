package oidcprovider

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"grouprise.org/grouprise/internal/store"
)

// storage is op.Storage on the store and the key directory.
type storage struct {
	db   *store.DB
	keys *Keys
	now  func() time.Time
}

var _ op.Storage = (*storage)(nil)
var _ op.CanSetUserinfoFromRequest = (*storage)(nil)

// authRequest is a stored request as the op package sees it.
type authRequest struct{ *store.OIDCAuthRequest }

func (a authRequest) GetID() string          { return a.ID }
func (a authRequest) GetACR() string         { return "" }
func (a authRequest) GetAMR() []string       { return []string{"pwd"} }
func (a authRequest) GetAudience() []string  { return []string{a.ClientID} }
func (a authRequest) GetAuthTime() time.Time { return a.AuthTime }
func (a authRequest) GetClientID() string    { return a.ClientID }
func (a authRequest) GetNonce() string       { return a.Nonce }
func (a authRequest) GetRedirectURI() string { return a.RedirectURI }
func (a authRequest) GetScopes() []string    { return a.Scopes }
func (a authRequest) GetState() string       { return a.State }
func (a authRequest) Done() bool             { return a.GestaltID != 0 }
func (a authRequest) GetResponseType() oidc.ResponseType {
	return oidc.ResponseType(a.ResponseType)
}
func (a authRequest) GetResponseMode() oidc.ResponseMode {
	return oidc.ResponseMode(a.ResponseMode)
}
func (a authRequest) GetSubject() string {
	if a.GestaltID == 0 {
		return ""
	}
	return strconv.FormatInt(a.GestaltID, 10)
}
func (a authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}

// CreateAuthRequest stores a request that passed the op package's checks. The code always
// comes back in the query: the op package's form_post page submits itself with an inline
// script, which the site's Content-Security-Policy forbids.
func (s *storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge != "" && r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	now := s.now()
	ar := &store.OIDCAuthRequest{
		ID: randomString(16), ClientID: r.ClientID, RedirectURI: r.RedirectURI, Scopes: r.Scopes,
		State: r.State, Nonce: r.Nonce, ResponseType: string(r.ResponseType), ResponseMode: string(oidc.ResponseModeQuery),
		Prompt: strings.Join(r.Prompt, " "), MaxAge: -1, CodeChallenge: r.CodeChallenge,
		CodeChallengeMethod: string(r.CodeChallengeMethod), CreatedAt: now, ExpiresAt: now.Add(requestLifetime),
	}
	if r.MaxAge != nil {
		ar.MaxAge = int64(*r.MaxAge)
	}
	if err := s.db.CreateOIDCAuthRequest(ctx, ar); err != nil {
		return nil, err
	}
	return authRequest{ar}, nil
}

func (s *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	ar, err := s.db.OIDCAuthRequest(ctx, id, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.ErrInvalidRequest().WithDescription("the login request has expired or is unknown")
	} else if err != nil {
		return nil, err
	}
	return authRequest{ar}, nil
}

// AuthRequestByCode redeems a code: it works once, within its lifetime, and only for the
// client it was issued to, which has shown its secret or, for a public client, the PKCE
// verifier (checked here too, so that a wrong one does not use up the code). A code
// presented by anybody else is neither used up nor, when it was used, a reason to revoke
// its tokens.
func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	c, ok := ctx.Value(tokenClientKey{}).(tokenClient)
	if !ok {
		return nil, errors.New("no authenticated client")
	}
	hash := HashSecret(code)
	ar, err := s.db.OIDCCodeRequest(ctx, hash)
	if err != nil {
		return nil, err
	}
	if ar.ClientID != c.id {
		return nil, errors.New("the code belongs to another client")
	}
	if ar.CodeChallenge != "" {
		sum := sha256.Sum256([]byte(c.verifier))
		if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(ar.CodeChallenge)) != 1 {
			return nil, errors.New("wrong PKCE verifier")
		}
	}
	ar, err = s.db.RedeemOIDCCode(ctx, hash, s.now())
	if err != nil {
		return nil, err
	}
	return authRequest{ar}, nil
}

func (s *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	now := s.now()
	return s.db.SetOIDCCode(ctx, id, HashSecret(code), now.Add(codeLifetime), now)
}

func (s *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return s.db.DeleteOIDCAuthRequest(ctx, id)
}

// CreateAccessToken stores an access token for a redeemed code.
func (s *storage) CreateAccessToken(ctx context.Context, request op.TokenRequest) (string, time.Time, error) {
	ar, ok := request.(authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	now := s.now()
	t := &store.OIDCToken{
		ID: randomString(16), ClientID: ar.ClientID, GestaltID: ar.GestaltID, AuthRequestID: ar.ID,
		Scopes: ar.Scopes, CreatedAt: now, ExpiresAt: now.Add(tokenLifetime),
	}
	if err := s.db.CreateOIDCToken(ctx, t); err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.ExpiresAt, nil
}

// Refresh tokens are not offered: the clients grouprise serves log people in, they do not act
// for them while they are away.
func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// TerminateSession revokes what a client holds for a person (logout at the client).
func (s *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	id, err := strconv.ParseInt(userID, 10, 64)
	if err != nil {
		return nil
	}
	return s.db.RevokeOIDCTokensOf(ctx, id, clientID)
}

func (s *storage) RevokeToken(ctx context.Context, tokenID, _, clientID string) *oidc.Error {
	if err := s.db.RevokeOIDCToken(ctx, tokenID, clientID); err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

// signingKey is the newest key, as the op package signs with it.
type signingKey struct{ k *Key }

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.k.Private }
func (k signingKey) ID() string                                  { return k.k.ID }

// publicKey is a published key.
type publicKey struct{ k *Key }

func (k publicKey) ID() string                         { return k.k.ID }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.k.Private.PublicKey }

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	keys, err := s.keys.Published()
	if err != nil {
		return nil, err
	}
	return signingKey{keys[0]}, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	keys, err := s.keys.Published()
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

// client is a registered client as the op package sees it.
type client struct{ *store.OIDCClient }

func (c client) GetID() string                    { return c.ClientID }
func (c client) RedirectURIs() []string           { return c.OIDCClient.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string { return c.OIDCClient.PostLogoutRedirectURIs }
func (c client) LoginURL(id string) string        { return LoginPath + id + "/" }
func (c client) AccessTokenType() op.AccessTokenType {
	return op.AccessTokenTypeBearer
}
func (c client) IDTokenLifetime() time.Duration { return idTokenLifetime }
func (c client) DevMode() bool                  { return false }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(scope string) bool { return slices.Contains(Scopes, scope) }

// IDTokenUserinfoClaimsAssertion puts the profile and e-mail claims into the ID token too:
// Synapse and others read them from there.
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }

// ApplicationType: confidential clients are web applications; public ones are native or
// single-page applications, which may use loopback redirects on any port (RFC 8252).
func (c client) ApplicationType() op.ApplicationType {
	if c.Public() {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c client) AuthMethod() oidc.AuthMethod {
	if c.Public() {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (s *storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.db.OIDCClientByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client %q", clientID)
	} else if err != nil {
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return client{c}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	c, err := s.db.OIDCClientByClientID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return oidc.ErrInvalidClient().WithDescription("unknown client %q", clientID)
	} else if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	if !secretMatches(c.SecretHash, secret) {
		return oidc.ErrInvalidClient().WithDescription("wrong client secret")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated in the op package; SetUserinfoFromRequest does the work.
func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the claims of an ID token.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, request op.IDTokenRequest, scopes []string) error {
	return s.userinfo(ctx, info, request.GetSubject(), scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint for an unexpired access token.
func (s *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.db.OIDCToken(ctx, tokenID, s.now())
	if err != nil {
		return errors.New("the access token is invalid or has expired")
	}
	if strconv.FormatInt(t.GestaltID, 10) != subject {
		return errors.New("the access token is invalid")
	}
	return s.userinfo(ctx, info, subject, t.Scopes)
}

// SetIntrospectionFromToken describes an unexpired token to the client it was issued to.
func (s *storage) SetIntrospectionFromToken(ctx context.Context, in *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.db.OIDCToken(ctx, tokenID, s.now())
	if err != nil || t.ClientID != clientID || strconv.FormatInt(t.GestaltID, 10) != subject {
		return errors.New("the token is invalid or has expired")
	}
	info := new(oidc.UserInfo)
	if err := s.userinfo(ctx, info, subject, t.Scopes); err != nil {
		return err
	}
	in.SetUserInfo(info)
	in.Scope = t.Scopes
	in.ClientID = t.ClientID
	in.Expiration = oidc.FromTime(t.ExpiresAt)
	in.IssuedAt = oidc.FromTime(t.CreatedAt)
	in.Audience = []string{t.ClientID}
	return nil
}

// userinfo sets the claims of a person as the Django grouprise named them: "id" is the
// username (Synapse's localpart), "display_name" the name shown on the site; the standard
// claims follow the profile and email scopes.
func (s *storage) userinfo(ctx context.Context, info *oidc.UserInfo, subject string, scopes []string) error {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return fmt.Errorf("subject %q: %w", subject, err)
	}
	g, err := s.db.GestaltByID(ctx, id)
	if err != nil {
		return fmt.Errorf("person %s: %w", subject, err)
	}
	if !g.IsActive {
		return errors.New("the account is deactivated")
	}
	info.Subject = subject
	info.AppendClaims("id", g.Username)
	if slices.Contains(scopes, oidc.ScopeProfile) {
		info.PreferredUsername = g.Username
		info.Name = g.Name()
		info.GivenName, info.FamilyName = g.FirstName, g.LastName
		info.AppendClaims("display_name", g.Name())
	}
	// Only a confirmed address: services such as Synapse take the claim without looking at
	// email_verified.
	if slices.Contains(scopes, oidc.ScopeEmail) {
		addrs, err := s.db.EmailAddresses(ctx, id)
		if err != nil {
			return err
		}
		for _, a := range addrs {
			if a.Primary && a.Verified {
				info.Email, info.EmailVerified = a.Email, true
			}
		}
	}
	return nil
}

// JWT profile grants (service accounts signing their own assertions) are not offered.
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not offered")
}

func (s *storage) Health(ctx context.Context) error { return s.db.Ping(ctx) }
