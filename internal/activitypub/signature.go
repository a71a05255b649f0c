package activitypub

import (
	"context"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/superseriousbusiness/httpsig"
)

// HTTP Signatures as in draft-cavage-http-signatures, the way GoToSocial and Mastodon use
// them: RSA-SHA256 (announced as hs2019), over (request-target) host date, plus digest
// (SHA-256 of the body) when there is a body. The signing itself is GoToSocial's fork of
// go-fed/httpsig; this file adds what the library leaves to its callers: the Date, Host and
// Digest checks, the set of headers a signature must cover, and the key lookup.

var (
	// ErrUnsigned is returned for a request without a Signature header (answer 401).
	ErrUnsigned = errors.New("activitypub: request not signed")
	// ErrBadSignature is wrapped by every other refusal of a signature (answer 401).
	ErrBadSignature = errors.New("activitypub: bad signature")
)

const (
	// DefaultDateWindow is how far a signed request's Date may be from our clock.
	DefaultDateWindow = time.Hour
	// DefaultMinKeyBits is the smallest RSA key we take.
	DefaultMinKeyBits = 2048
)

// Signer signs requests as one actor: KeyID is the actor's publicKey.id.
type Signer struct {
	KeyID string
	Key   *rsa.PrivateKey
}

// Sign sets Date (now) and the Signature header on r. With a non-nil body (a POST) it sets
// Digest too and signs it; body must be what will be sent.
func (s Signer) Sign(r *http.Request, body []byte) error {
	if s.Key == nil || s.KeyID == "" {
		return errors.New("activitypub: sign: no key")
	}
	headers := []string{httpsig.RequestTarget, "host", "date"}
	if body != nil {
		headers = append(headers, "digest")
	}
	// The library reads Host from the header map, where a client request does not keep it.
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	r.Header.Set("Host", host)
	defer r.Header.Del("Host")
	r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	r.Header.Del("Digest")
	r.Header.Del("Signature")
	signer, _, err := httpsig.NewSigner([]httpsig.Algorithm{httpsig.RSA_SHA256}, httpsig.DigestSha256, headers, httpsig.Signature, 0)
	if err != nil {
		return fmt.Errorf("activitypub: sign: %w", err)
	}
	if err := signer.SignRequest(s.Key, s.KeyID, r, body); err != nil {
		return fmt.Errorf("activitypub: sign %s %s: %w", r.Method, r.URL, err)
	}
	return nil
}

// Key is an actor's public key.
type Key struct {
	ID, Owner string // the keyId, and the actor that owns the key
	Public    *rsa.PublicKey
}

// KeyFromActor takes the key keyID names from a fetched actor.
func KeyFromActor(a *Actor, keyID string) (*Key, error) {
	if a.PublicKey.ID != keyID || a.PublicKey.Owner != a.ID {
		return nil, fmt.Errorf("%w: actor %s has key %s, not %s", ErrBadSignature, a.ID, a.PublicKey.ID, keyID)
	}
	pub, err := ParsePublicKey(a.PublicKey.PublicKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("%w: actor %s: %w", ErrBadSignature, a.ID, err)
	}
	return &Key{ID: keyID, Owner: a.ID, Public: pub}, nil
}

// KeyResolver finds the key a keyId names. The caller decides how: from its cache, or by
// fetching the actor (Client.FetchActor, then KeyFromActor); refusing a key that changed for
// a known actor is the caller's too.
type KeyResolver interface {
	PublicKey(ctx context.Context, keyID string) (*Key, error)
}

// Verifier checks the signature of incoming requests.
type Verifier struct {
	Keys KeyResolver
	// Window is how far Date may be from Now (DefaultDateWindow when zero).
	Window time.Duration
	// MinKeyBits is the smallest RSA key taken (DefaultMinKeyBits when zero).
	MinKeyBits int
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// ReadActivity reads an inbox POST: the body (at most MaxDocumentSize), its signature, the
// activity, and that the key's owner is the activity's actor. Errors wrap ErrUnsigned or
// ErrBadSignature (answer 401), ErrTooLarge (413), ErrInvalid (400), or ErrUnsupported for
// a well-signed activity of a type we do not handle (accept and drop it).
func (v *Verifier) ReadActivity(ctx context.Context, r *http.Request) (*Activity, *Key, error) {
	body, err := ReadBody(r.Body)
	if err != nil {
		return nil, nil, err
	}
	key, err := v.Verify(ctx, r, body)
	if err != nil {
		return nil, nil, err
	}
	a, err := ParseActivity(body)
	if err != nil {
		return nil, key, err
	}
	if string(a.Actor) != key.Owner {
		return nil, key, fmt.Errorf("%w: %s signed by %s, a key of %s", ErrBadSignature, a.ID, key.ID, key.Owner)
	}
	return a, key, nil
}

// Verify checks r's signature and, for a request with a body, that Digest matches body.
// It returns the key that signed; the caller checks that its owner is the actor of what was
// sent (ReadActivity does). The cheap checks come first, so that a forged request costs no
// key lookup.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Key, error) {
	values := r.Header.Values("Signature")
	if len(values) == 0 {
		return nil, ErrUnsigned
	}
	if len(values) > 1 {
		return nil, fmt.Errorf("%w: more than one Signature header", ErrBadSignature)
	}
	p, err := parseSignature(values[0])
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(p.algorithm) {
	case "", "hs2019", "rsa-sha256":
	default:
		return nil, fmt.Errorf("%w: algorithm %q, expected hs2019 or rsa-sha256", ErrBadSignature, p.algorithm)
	}
	required := []string{httpsig.RequestTarget, "host", "date"}
	hasBody := body != nil || (r.Method != http.MethodGet && r.Method != http.MethodHead)
	if hasBody {
		required = append(required, "digest")
	}
	for _, h := range required {
		if !slices.Contains(p.headers, h) {
			return nil, fmt.Errorf("%w: %q not signed (signed: %s)", ErrBadSignature, h, strings.Join(p.headers, " "))
		}
	}
	if err := v.checkDate(r.Header.Get("Date")); err != nil {
		return nil, err
	}
	if hasBody {
		if err := checkDigest(r.Header.Values("Digest"), body); err != nil {
			return nil, err
		}
	}
	if err := checkIRI("keyId", p.keyID, true); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	key, err := v.Keys.PublicKey(ctx, p.keyID)
	if err == nil && (key == nil || key.Public == nil || key.ID != p.keyID) {
		err = errors.New("the resolver gave no key or another one")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: key %s: %w", ErrBadSignature, p.keyID, err)
	}
	minBits := v.MinKeyBits
	if minBits == 0 {
		minBits = DefaultMinKeyBits
	}
	if key.Public.N.BitLen() < minBits {
		return nil, fmt.Errorf("%w: key %s is weaker than RSA %d", ErrBadSignature, p.keyID, minBits)
	}
	// The library adds Host to the header map it reads; it gets a copy, not the caller's.
	shallow := *r
	shallow.Header = r.Header.Clone()
	verifier, err := httpsig.NewVerifier(&shallow)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	if verifier.KeyId() != p.keyID {
		return nil, fmt.Errorf("%w: keyId read two ways", ErrBadSignature)
	}
	if err := verifier.Verify(key.Public, httpsig.RSA_SHA256); err != nil {
		return nil, fmt.Errorf("%w: %s %s by %s: %w", ErrBadSignature, r.Method, r.URL.Path, p.keyID, err)
	}
	return key, nil
}

func (v *Verifier) checkDate(value string) error {
	if value == "" {
		return fmt.Errorf("%w: no Date header", ErrBadSignature)
	}
	date, err := http.ParseTime(value)
	if err != nil {
		return fmt.Errorf("%w: Date %q: %w", ErrBadSignature, value, err)
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	window := v.Window
	if window == 0 {
		window = DefaultDateWindow
	}
	if d := now.Sub(date); d > window || d < -window {
		return fmt.Errorf("%w: Date %s is more than %s from now (%s)", ErrBadSignature, value, window, now.UTC().Format(http.TimeFormat))
	}
	return nil
}

// checkDigest wants a SHA-256 entry equal to the body's; other algorithms are skipped.
func checkDigest(values []string, body []byte) error {
	sum := sha256.Sum256(body)
	want := base64.StdEncoding.EncodeToString(sum[:])
	found := false
	for _, v := range values {
		for item := range strings.SplitSeq(v, ",") {
			name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
			if !ok || !strings.EqualFold(name, "SHA-256") {
				continue
			}
			if subtle.ConstantTimeCompare([]byte(value), []byte(want)) != 1 {
				return fmt.Errorf("%w: Digest does not match the body", ErrBadSignature)
			}
			found = true
		}
	}
	if !found {
		return fmt.Errorf("%w: no SHA-256 Digest header", ErrBadSignature)
	}
	return nil
}

type signatureParams struct {
	keyID, algorithm, signature string
	headers                     []string
}

// parseSignature reads the Signature header strictly: name="value" pairs joined by commas,
// no spaces, no name twice. The library splits the same way; anything it would read
// differently (a space after a comma makes it skip the pair) is refused here, so the
// headers checked above are the headers it verifies.
func parseSignature(s string) (signatureParams, error) {
	var p signatureParams
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(part, "=")
		if !ok || name == "" || strings.TrimSpace(name) != name || seen[name] {
			return p, fmt.Errorf("%w: malformed Signature header near %q", ErrBadSignature, part)
		}
		seen[name] = true
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if strings.Contains(value, `"`) {
			return p, fmt.Errorf("%w: malformed Signature header near %q", ErrBadSignature, part)
		}
		switch name {
		case "keyId":
			p.keyID = value
		case "algorithm":
			p.algorithm = value
		case "headers":
			p.headers = strings.Split(strings.ToLower(value), " ")
		case "signature":
			p.signature = value
		}
	}
	if p.keyID == "" || p.signature == "" {
		return p, fmt.Errorf("%w: Signature header without keyId or signature", ErrBadSignature)
	}
	if p.headers == nil {
		p.headers = []string{"date"} // the draft's default
	}
	return p, nil
}
