package activitypub

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyMap resolves keyIds from a map and counts lookups.
type keyMap struct {
	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	lookups int
}

// PublicKey gives the key with the owner the keyId's URL without fragment names.
func (k *keyMap) PublicKey(_ context.Context, keyID string) (*Key, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.lookups++
	if key, ok := k.keys[keyID]; ok {
		owner, _, _ := strings.Cut(keyID, "#")
		return &Key{ID: keyID, Owner: owner, Public: key}, nil
	}
	return nil, fmt.Errorf("unknown key %s", keyID)
}

var (
	testKeyOnce sync.Once
	testKeys    [2]*rsa.PrivateKey
)

// testKey gives one of two 2048-bit keys, made once per test run.
func testKey(t testing.TB, i int) *rsa.PrivateKey {
	t.Helper()
	testKeyOnce.Do(func() {
		for j := range testKeys {
			k, err := GenerateKey()
			if err != nil {
				panic(err)
			}
			testKeys[j] = k
		}
	})
	return testKeys[i]
}

// A request signed by Signer, sent over real HTTP, passes Verifier on the other side; the
// server sees the headers GoToSocial and Mastodon expect.
func TestSignedRequestsVerifyOverHTTP(t *testing.T) {
	key := testKey(t, 0)
	const keyID = "https://grouprise.example/stadtgarten/#main-key"
	keys := &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}}
	v := &Verifier{Keys: keys}
	type seen struct {
		keyID, signature, digest string
		err, byHand              error
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if r.Method == http.MethodPost {
			body, _ = io.ReadAll(r.Body)
		}
		var id string
		k, err := v.Verify(r.Context(), r, body)
		if k != nil {
			id = k.ID
		}
		got <- seen{id, r.Header.Get("Signature"), r.Header.Get("Digest"), err, verifyByHand(r, &key.PublicKey)}
	}))
	defer srv.Close()

	for _, tc := range []struct {
		method  string
		body    []byte
		headers string
	}{
		{http.MethodGet, nil, `headers="(request-target) host date"`},
		{http.MethodPost, []byte(`{"type":"Follow"}`), `headers="(request-target) host date digest"`},
	} {
		t.Run(tc.method, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+"/stadtgarten/inbox?x=1", bytes.NewReader(tc.body))
			if err := (Signer{KeyID: keyID, Key: key}).Sign(req, tc.body); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			s := <-got
			if s.err != nil || s.keyID != keyID {
				t.Fatalf("Verify: %q, %v", s.keyID, s.err)
			}
			if s.byHand != nil {
				t.Errorf("signing string built by hand after the draft: %v", s.byHand)
			}
			for _, want := range []string{`keyId="` + keyID + `"`, `algorithm="hs2019"`, tc.headers} {
				if !strings.Contains(s.signature, want) {
					t.Errorf("Signature %q lacks %s", s.signature, want)
				}
			}
			if (tc.body != nil) != strings.HasPrefix(s.digest, "SHA-256=") {
				t.Errorf("Digest %q for body %q", s.digest, tc.body)
			}
		})
	}
}

// verifyByHand checks a signature the way the draft describes it, without the library:
// the signing string from the named headers, RSA PKCS #1 v1.5 over its SHA-256.
func verifyByHand(r *http.Request, key *rsa.PublicKey) error {
	var headers, signature string
	for _, part := range strings.Split(r.Header.Get("Signature"), ",") {
		name, value, _ := strings.Cut(part, "=")
		switch name {
		case "headers":
			headers = strings.Trim(value, `"`)
		case "signature":
			signature = strings.Trim(value, `"`)
		}
	}
	var lines []string
	for _, h := range strings.Fields(headers) {
		switch h {
		case "(request-target)":
			lines = append(lines, h+": "+strings.ToLower(r.Method)+" "+r.URL.RequestURI())
		case "host":
			lines = append(lines, "host: "+r.Host)
		default:
			lines = append(lines, h+": "+r.Header.Get(h))
		}
	}
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return rsa.VerifyPKCS1v15(key, crypto.SHA256, sum[:], sig)
}

// The published example of draft-cavage-http-signatures-12 (appendix C, "All Headers Test"),
// signed with the draft's test key by its authors' implementation, verifies; so do the
// headers of the "Basic Test" for a GET, and a POST signed over fewer headers is refused.
func TestVerifyDraftCavageExample(t *testing.T) {
	pub, err := ParsePublicKey(draftPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	keys := &keyMap{keys: map[string]*rsa.PublicKey{"https://example.com/Test": pub}}
	date, _ := http.ParseTime("Sun, 05 Jan 2014 21:31:40 GMT")
	v := &Verifier{Keys: keys, MinKeyBits: 1024, Now: func() time.Time { return date.Add(30 * time.Minute) }}
	const body = `{"hello": "world"}`
	request := func(method, signature string) *http.Request {
		r := httptest.NewRequest(method, "http://example.com/foo?param=value&pet=dog", strings.NewReader(body))
		r.Header.Set("Date", "Sun, 05 Jan 2014 21:31:40 GMT")
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Digest", "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=")
		r.Header.Set("Content-Length", "18")
		r.Header.Set("Signature", strings.ReplaceAll(signature, `keyId="Test"`, `keyId="https://example.com/Test"`))
		return r
	}
	if _, err := v.Verify(context.Background(), request(http.MethodPost, draftAllHeaders), []byte(body)); err != nil {
		t.Fatalf("all headers example: %v", err)
	}
	// The basic example signs "(request-target) host date" of a POST; the method is part of
	// the request target, so the same headers as a GET do not verify.
	if _, err := v.Verify(context.Background(), request(http.MethodGet, draftBasic), nil); !errors.Is(err, ErrBadSignature) {
		t.Errorf("basic example as GET: %v, want a bad signature (the method is signed)", err)
	}
	if _, err := v.Verify(context.Background(), request(http.MethodPost, draftBasic), []byte(body)); err == nil ||
		!strings.Contains(err.Error(), `"digest" not signed`) {
		t.Errorf("basic example as POST: %v, want digest not signed", err)
	}
	// The draft's key is 1024 bits: refused by default.
	v.MinKeyBits = 0
	if _, err := v.Verify(context.Background(), request(http.MethodPost, draftAllHeaders), []byte(body)); err == nil ||
		!strings.Contains(err.Error(), "weaker than RSA 2048") {
		t.Errorf("1024-bit key: %v, want refused", err)
	}
}

// Every tampering with a signed POST is refused, each for its own reason; the cheap checks
// run before the key is looked up.
func TestVerifyRefusesTampering(t *testing.T) {
	key := testKey(t, 0)
	other := testKey(t, 1)
	const keyID = "https://peer.example/users/alice#main-key"
	body := []byte(`{"type":"Create"}`)
	sign := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "https://grouprise.example/stadtgarten/inbox", bytes.NewReader(body))
		if err := (Signer{KeyID: keyID, Key: key}).Sign(r, body); err != nil {
			t.Fatal(err)
		}
		// As a server sees it: Host in r.Host, not in the header map.
		r.Host = "grouprise.example"
		return r
	}
	replaceParam := func(r *http.Request, old, new string) {
		r.Header.Set("Signature", strings.Replace(r.Header.Get("Signature"), old, new, 1))
	}
	cases := []struct {
		name    string
		tamper  func(r *http.Request, body *[]byte)
		want    string
		lookups int
	}{
		{"untouched", func(*http.Request, *[]byte) {}, "", 1},
		{"unsigned", func(r *http.Request, _ *[]byte) { r.Header.Del("Signature") }, "request not signed", 0},
		{"body changed", func(_ *http.Request, b *[]byte) { *b = []byte(`{"type":"Delete"}`) }, "Digest does not match the body", 0},
		{"digest changed with the body", func(r *http.Request, b *[]byte) {
			*b = []byte(`{"type":"Delete"}`)
			r.Header.Set("Digest", "SHA-256=ZqbUCa6fzF3ZtHHgTKaP/ACnP7ik7hZgX82rbvbQzvk=")
		}, "Digest does not match the body", 0},
		{"digest recomputed for a new body", func(r *http.Request, b *[]byte) {
			*b = []byte(`{"type":"Delete"}`)
			r.Header.Set("Digest", "SHA-256="+sha256Base64(*b))
		}, "crypto/rsa: verification error", 1},
		{"no digest", func(r *http.Request, _ *[]byte) { r.Header.Del("Digest") }, "no SHA-256 Digest header", 0},
		{"only a SHA-512 digest", func(r *http.Request, _ *[]byte) { r.Header.Set("Digest", "SHA-512=abc") }, "no SHA-256 Digest header", 0},
		{"date too old", func(r *http.Request, _ *[]byte) {
			r.Header.Set("Date", time.Now().Add(-2*time.Hour).UTC().Format(http.TimeFormat))
		}, "more than 1h0m0s from now", 0},
		{"date in the future", func(r *http.Request, _ *[]byte) {
			r.Header.Set("Date", time.Now().Add(2*time.Hour).UTC().Format(http.TimeFormat))
		}, "more than 1h0m0s from now", 0},
		{"date moved within the window", func(r *http.Request, _ *[]byte) {
			r.Header.Set("Date", time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat))
		}, "crypto/rsa: verification error", 1},
		{"no date", func(r *http.Request, _ *[]byte) { r.Header.Del("Date") }, "no Date header", 0},
		{"other host", func(r *http.Request, _ *[]byte) { r.Host = "evil.example" }, "crypto/rsa: verification error", 1},
		{"other path", func(r *http.Request, _ *[]byte) { r.URL.Path = "/other/inbox" }, "crypto/rsa: verification error", 1},
		{"digest left out of headers", func(r *http.Request, _ *[]byte) {
			replaceParam(r, `headers="(request-target) host date digest"`, `headers="(request-target) host date"`)
		}, `"digest" not signed`, 0},
		{"host left out of headers", func(r *http.Request, _ *[]byte) {
			replaceParam(r, `headers="(request-target) host date digest"`, `headers="(request-target) date digest"`)
		}, `"host" not signed`, 0},
		{"headers param hidden behind a space", func(r *http.Request, _ *[]byte) {
			replaceParam(r, `,headers=`, `, headers=`)
		}, "malformed Signature header", 0},
		{"headers param twice", func(r *http.Request, _ *[]byte) {
			replaceParam(r, `,signature=`, `,headers="date",signature=`)
		}, "malformed Signature header", 0},
		{"hmac algorithm", func(r *http.Request, _ *[]byte) {
			replaceParam(r, `algorithm="hs2019"`, `algorithm="hmac-sha256"`)
		}, `algorithm "hmac-sha256"`, 0},
		{"signature of another key", func(r *http.Request, b *[]byte) {
			r.Header.Del("Signature")
			r.Host = ""
			if err := (Signer{KeyID: keyID, Key: other}).Sign(r, *b); err != nil {
				t.Fatal(err)
			}
			r.Host = "grouprise.example"
		}, "crypto/rsa: verification error", 1},
		{"unknown key", func(r *http.Request, _ *[]byte) {
			replaceParam(r, keyID, "https://peer.example/users/mallory#main-key")
		}, "unknown key https://peer.example/users/mallory#main-key", 1},
		{"keyId not a URL", func(r *http.Request, _ *[]byte) { replaceParam(r, keyID, "acct:mallory") }, "keyId: expected an http", 0},
		{"two signatures", func(r *http.Request, _ *[]byte) {
			r.Header.Add("Signature", r.Header.Get("Signature"))
		}, "more than one Signature header", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keys := &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}}
			v := &Verifier{Keys: keys}
			r := sign()
			b := append([]byte(nil), body...)
			tc.tamper(r, &b)
			got, err := v.Verify(context.Background(), r, b)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want verified", err)
			case tc.want == "" && got.ID != keyID:
				t.Errorf("keyId %q", got.ID)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			case tc.want != "" && !errors.Is(err, ErrUnsigned) && !errors.Is(err, ErrBadSignature):
				t.Errorf("%v is neither ErrUnsigned nor ErrBadSignature", err)
			}
			if keys.lookups != tc.lookups {
				t.Errorf("%d key lookups, want %d", keys.lookups, tc.lookups)
			}
		})
	}
}

// A request signed correctly is refused when it is replayed after the date window.
func TestVerifyRefusesReplayAfterWindow(t *testing.T) {
	key := testKey(t, 0)
	const keyID = "https://peer.example/users/alice#main-key"
	body := []byte(`{"type":"Create"}`)
	r, _ := http.NewRequest(http.MethodPost, "https://grouprise.example/stadtgarten/inbox", bytes.NewReader(body))
	if err := (Signer{KeyID: keyID, Key: key}).Sign(r, body); err != nil {
		t.Fatal(err)
	}
	r.Host = "grouprise.example"
	for _, tc := range []struct {
		later    time.Duration
		verified bool
	}{{0, true}, {50 * time.Minute, true}, {-50 * time.Minute, true}, {2 * time.Hour, false}, {-2 * time.Hour, false}} {
		v := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}},
			Now: func() time.Time { return time.Now().Add(tc.later) }}
		_, err := v.Verify(context.Background(), r, body)
		if (err == nil) != tc.verified || (err != nil && !strings.Contains(err.Error(), "more than 1h0m0s from now")) {
			t.Errorf("verified %s later: %v, want verified %v", tc.later, err, tc.verified)
		}
	}
}

func sha256Base64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A signature made by an independent implementation (OpenSSL: `openssl dgst -sha256 -sign`
// over the signing string, see testdata/README) of a POST in the shape GoToSocial sends
// verifies with a 2048-bit key.
func TestVerifyOpenSSLSignature(t *testing.T) {
	pub, err := ParsePublicKey(readTestdata(t, "openssl-public.pem"))
	if err != nil {
		t.Fatal(err)
	}
	const keyID = "http://gts.test:18080/users/alice/main-key"
	v := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{keyID: pub}}, Now: func() time.Time {
		return time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	}}
	body := []byte(readTestdata(t, "openssl-body.json"))
	r := httptest.NewRequest(http.MethodPost, "http://grouprise.test:8443/stadtgarten/inbox", bytes.NewReader(body))
	r.Header.Set("Date", "Sun, 06 Dec 2026 08:59:00 GMT")
	r.Header.Set("Digest", "SHA-256="+sha256Base64(body))
	r.Header.Set("Signature", `keyId="`+keyID+`",algorithm="hs2019",headers="(request-target) host date digest",signature="`+
		strings.TrimSpace(readTestdata(t, "openssl-signature.b64"))+`"`)
	if _, err := v.Verify(context.Background(), r, body); err != nil {
		t.Fatalf("OpenSSL signature: %v", err)
	}
	r.Header.Set("Date", "Sun, 06 Dec 2026 08:59:01 GMT")
	if _, err := v.Verify(context.Background(), r, body); !errors.Is(err, ErrBadSignature) {
		t.Errorf("date changed by a second: %v, want refused", err)
	}
}

// From draft-cavage-http-signatures-12, appendix C: the test public key and two signatures.
const draftPublicKey = `-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----`

const draftBasic = `keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",` +
	`signature="qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="`

const draftAllHeaders = `keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date content-type digest content-length",` +
	`signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="`
