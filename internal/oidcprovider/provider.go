// Package oidcprovider makes grouprise an OpenID Connect provider for the site's other
// services (a Matrix homeserver, a wiki): discovery, the authorization code flow with PKCE,
// RS256-signed ID tokens, userinfo, revocation and introspection, on zitadel/oidc's op
// package. Clients, requests, codes, tokens and consents live in the store, so that several
// web daemons share them; the signing keys live in <data_path>/oidc.
//
// The person-facing part (logging in, agreeing) belongs to the web front end: a request
// arrives at the authorization endpoint, the front end shows its login and consent pages at
// LoginPath, calls Approve and sends the browser to CallbackURL, where the code is issued.
package oidcprovider

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"grouprise.org/grouprise/internal/store"
)

// Path is where the provider answers; the issuer is the site's address with this path.
const Path = "/stadt/oauth"

// LoginPath is the front end's page for an authorization request (its id follows).
const LoginPath = Path + "/login/"

// Lifetimes of what the provider hands out.
const (
	requestLifetime = 30 * time.Minute // from arriving to agreeing
	codeLifetime    = 2 * time.Minute  // from agreeing to the client's token request
	tokenLifetime   = time.Hour
	idTokenLifetime = time.Hour
)

// Scopes the provider knows; a client asks for a subset.
var Scopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}

// Options configure a Provider.
type Options struct {
	// BaseURL is the site's address (https://example.org); the issuer is BaseURL + Path.
	BaseURL string
	// SecretKey seals access tokens and codes (the site's secret_key).
	SecretKey string
	DB        *store.DB
	Keys      *Keys
	Log       *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Provider is the OpenID Connect provider.
type Provider struct {
	op      *op.Provider
	storage *storage
	handler http.Handler
	issuer  string
}

// New prepares the provider; it makes the first signing key when there is none.
func New(o Options) (*Provider, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if _, err := o.Keys.Published(); err != nil {
		return nil, err
	}
	st := &storage{db: o.DB, keys: o.Keys, now: o.Now}
	mac := hmac.New(sha256.New, []byte(o.SecretKey))
	mac.Write([]byte("grouprise oidc provider tokens"))
	var key [32]byte
	copy(key[:], mac.Sum(nil))
	cfg := &op.Config{
		CryptoKey:          key,
		CodeMethodS256:     true,
		AuthMethodPost:     true,
		SupportedScopes:    Scopes,
		SupportedClaims:    append(slices.Clone(op.DefaultSupportedClaims), "id", "display_name"),
		SupportedUILocales: nil,
	}
	opts := []op.Option{
		op.WithCustomEndpoints(op.NewEndpoint("authorize"), op.NewEndpoint("token"), op.NewEndpoint("userinfo"),
			op.NewEndpoint("revoke"), op.NewEndpoint("end_session"), op.NewEndpoint("keys")),
		op.WithCustomIntrospectionEndpoint(op.NewEndpoint("introspect")),
	}
	issuer := strings.TrimSuffix(o.BaseURL, "/") + Path
	if strings.HasPrefix(issuer, "http://") {
		opts = append(opts, op.WithAllowInsecure())
	}
	p, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	prov := &Provider{op: p, storage: st, issuer: issuer}
	mux := http.NewServeMux()
	mux.Handle("/", p)
	mux.HandleFunc("GET "+oidc.DiscoveryEndpoint, prov.discovery)
	mux.HandleFunc("/device_authorization", http.NotFound)
	mux.Handle("POST /token", prov.authenticated(p))
	prov.handler = http.StripPrefix(Path, noStore(mux))
	return prov, nil
}

// authenticated lets a token request through only from a registered client: one that sent
// its id, and its secret when it has one. The client goes with the request's context, so
// that a code is redeemed only by the client it was issued to (see AuthRequestByCode). A
// request without a valid client looks up no code: it can neither burn a code that leaked,
// nor revoke the tokens of a used one.
func (p *Provider) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			op.RequestError(w, r, oidc.ErrInvalidRequest().WithParent(err), nil)
			return
		}
		id, secret, basic := r.BasicAuth()
		if basic {
			id, _ = url.QueryUnescape(id)
			secret, _ = url.QueryUnescape(secret)
		} else {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id == "" {
			op.RequestError(w, r, oidc.ErrInvalidClient().WithDescription("client_id missing"), nil)
			return
		}
		c, err := p.storage.db.OIDCClientByClientID(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			op.RequestError(w, r, oidc.ErrInvalidClient().WithDescription("invalid client_id / client_secret"), nil)
			return
		} else if err != nil {
			op.RequestError(w, r, oidc.ErrServerError().WithParent(err), nil)
			return
		}
		if !c.Public() && !secretMatches(c.SecretHash, secret) {
			op.RequestError(w, r, oidc.ErrInvalidClient().WithDescription("invalid client_id / client_secret"), nil)
			return
		}
		ctx := context.WithValue(r.Context(), tokenClientKey{}, tokenClient{id: c.ClientID, verifier: r.PostForm.Get("code_verifier")})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// tokenClient is the client that authenticated a token request, and the PKCE verifier it sent.
type tokenClient struct{ id, verifier string }

type tokenClientKey struct{}

// discovery is the op package's discovery document, telling only what the provider offers:
// the authorization code flow, no implicit flow, no device flow, no JWT bearer grants.
func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	d := op.CreateDiscoveryConfig(op.ContextWithIssuer(r.Context(), p.issuer), p.op, p.storage)
	d.DeviceAuthorizationEndpoint = ""
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode}
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	op.Discover(w, d)
}

// noStore keeps every answer of the provider out of caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP answers the provider's endpoints below Path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.handler.ServeHTTP(w, r) }

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// Request is an authorization request as the login and consent pages need it.
type Request struct {
	*store.OIDCAuthRequest
	Client *store.OIDCClient
	// Allowed are the scopes the person allowed the client before.
	Allowed []string
	// Remembered tells whether there is no need to ask: the client is trusted or the person
	// allowed these scopes before, and the client did not ask for the question (prompt=consent).
	Remembered bool
}

func (r *Request) prompts(p string) bool { return slices.Contains(strings.Fields(r.Prompt), p) }

// NoPrompt tells whether the client asked not to show any page (prompt=none).
func (r *Request) NoPrompt() bool { return r.prompts("none") }

// NeedsLogin tells whether a person logged in at loginAt (zero: not known) must log in again:
// the client asked for a fresh login (prompt=login) or one not older than max_age, and the
// person has not logged in since the request arrived.
func (r *Request) NeedsLogin(loginAt, now time.Time) bool {
	if !loginAt.IsZero() && !loginAt.Before(r.CreatedAt) {
		return false
	}
	if r.prompts("login") {
		return true
	}
	return r.MaxAge >= 0 && (loginAt.IsZero() || now.Sub(loginAt) > time.Duration(r.MaxAge)*time.Second)
}

// ErrUnknownRequest is returned for requests that do not exist (any more).
var ErrUnknownRequest = errors.New("oidc: the login request has expired or is unknown")

// Request returns an unexpired, unanswered authorization request and whether gestaltID (0 for
// nobody) needs to be asked.
func (p *Provider) Request(ctx context.Context, id string, gestaltID int64) (*Request, error) {
	ar, err := p.storage.db.OIDCAuthRequest(ctx, id, p.storage.now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownRequest
	} else if err != nil {
		return nil, err
	}
	if ar.GestaltID != 0 {
		return nil, ErrUnknownRequest
	}
	c, err := p.storage.db.OIDCClientByClientID(ctx, ar.ClientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownRequest
	} else if err != nil {
		return nil, err
	}
	req := &Request{OIDCAuthRequest: ar, Client: c}
	if gestaltID != 0 {
		if req.Allowed, err = p.storage.db.OIDCConsent(ctx, gestaltID, c.ClientID); err != nil {
			return nil, err
		}
	}
	req.Remembered = (c.Trusted || covers(req.Allowed, ar.Scopes)) && !req.prompts("consent")
	return req, nil
}

func covers(allowed, wanted []string) bool {
	for _, s := range wanted {
		if !slices.Contains(allowed, s) {
			return false
		}
	}
	return true
}

// Approve records that a person (logged in at authTime, zero when not known) agreed to a
// request, and remembers the consent when remember is set. It returns where the browser goes
// on: the provider's callback, which issues the code and sends the browser back to the
// client. The request gets a new id there, known only to this browser.
func (p *Provider) Approve(ctx context.Context, req *Request, gestaltID int64, authTime time.Time, remember bool) (string, error) {
	now := p.storage.now()
	newID := randomString(16)
	err := p.storage.db.Tx(ctx, func(q *store.Queries) error {
		if remember && !req.Client.Trusted {
			scopes := slices.Clone(req.Allowed)
			for _, s := range req.Scopes {
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
			if err := q.GrantOIDCConsent(ctx, gestaltID, req.ClientID, scopes, now); err != nil {
				return err
			}
		}
		err := q.ApproveOIDCAuthRequest(ctx, req.ID, newID, gestaltID, authTime, now)
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnknownRequest
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return Path + "/authorize/callback?id=" + url.QueryEscape(newID), nil
}

// Refuse sends the browser back to the client with an error: access_denied when the person
// declined, login_required or consent_required when the client asked for no pages.
func (p *Provider) Refuse(w http.ResponseWriter, r *http.Request, req *Request, code string) {
	var e *oidc.Error
	switch code {
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "consent_required":
		e = &oidc.Error{ErrorType: "consent_required", Description: "the person has not agreed yet"}
	default:
		e = oidc.ErrAccessDenied().WithDescription("the person declined")
	}
	_ = p.storage.db.DeleteOIDCAuthRequest(r.Context(), req.ID)
	op.AuthRequestError(w, r, authRequest{req.OIDCAuthRequest}, e, p.op)
}

// HashSecret is how client secrets are kept: they are long random strings, so a plain
// SHA-256 is enough (nothing to guess, unlike a password).
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewSecret makes a client secret.
func NewSecret() string { return randomString(32) }

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func secretMatches(hash, secret string) bool {
	return hash != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(HashSecret(secret))) == 1
}
