package activitypub

import (
	"bytes"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An inbox reads a signed activity over HTTP and takes it only from the owner of the key:
// anyone else's key, no signature, a body too large and an unknown type are told apart.
func TestReadActivity(t *testing.T) {
	alice, mallory := testKey(t, 0), testKey(t, 1)
	const aliceKey, malloryKey = "https://m.example/users/alice#main-key", "https://m.example/users/mallory#main-key"
	v := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{aliceKey: &alice.PublicKey, malloryKey: &mallory.PublicKey}}}
	type result struct {
		a   *Activity
		key *Key
		err error
	}
	got := make(chan result, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, key, err := v.ReadActivity(r.Context(), r)
		got <- result{a, key, err}
	}))
	defer srv.Close()
	activity := func(typ, actor string) []byte {
		return []byte(`{"id":"https://m.example/a/1","type":"` + typ + `","actor":"` + actor + `","object":"` + srv.URL + `/stadtgarten/"}`)
	}
	post := func(body []byte, s *Signer) result {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/stadtgarten/inbox", bytes.NewReader(body))
		if s != nil {
			if err := s.Sign(req, body); err != nil {
				t.Fatal(err)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-got
	}
	asAlice := &Signer{KeyID: aliceKey, Key: alice}
	asMallory := &Signer{KeyID: malloryKey, Key: mallory}

	r := post(activity("Follow", "https://m.example/users/alice"), asAlice)
	if r.err != nil || r.a.Type != TypeFollow || r.key.Owner != "https://m.example/users/alice" {
		t.Fatalf("alice's Follow: %+v", r)
	}
	for _, tc := range []struct {
		name string
		body []byte
		s    *Signer
		want error
	}{
		{"mallory speaking for alice", activity("Follow", "https://m.example/users/alice"), asMallory, ErrBadSignature},
		{"unsigned", activity("Follow", "https://m.example/users/alice"), nil, ErrUnsigned},
		{"a Like", activity("Like", "https://m.example/users/alice"), asAlice, ErrUnsupported},
		{"broken JSON", []byte(`{"id":`), asAlice, ErrInvalid},
		{"too large", append(activity("Follow", "https://m.example/users/alice"), bytes.Repeat([]byte(" "), MaxDocumentSize)...), asAlice, ErrTooLarge},
	} {
		r := post(tc.body, tc.s)
		if !errors.Is(r.err, tc.want) || r.a != nil {
			t.Errorf("%s: %+v, want %v", tc.name, r, tc.want)
		}
	}
}

func TestKeyFromActor(t *testing.T) {
	pemKey, _ := EncodePublicKey(&testKey(t, 0).PublicKey)
	actor := func() *Actor {
		return &Actor{ID: "https://m.example/users/alice", PublicKey: PublicKey{ID: "https://m.example/users/alice#main-key",
			Owner: "https://m.example/users/alice", PublicKeyPEM: pemKey}}
	}
	k, err := KeyFromActor(actor(), "https://m.example/users/alice#main-key")
	if err != nil || k.Owner != "https://m.example/users/alice" || !k.Public.Equal(&testKey(t, 0).PublicKey) {
		t.Fatalf("%+v, %v", k, err)
	}
	if _, err := KeyFromActor(actor(), "https://m.example/users/alice#other-key"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("other key id: %v", err)
	}
	a := actor()
	a.PublicKey.Owner = "https://m.example/users/eve"
	if _, err := KeyFromActor(a, "https://m.example/users/alice#main-key"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("key owned by someone else: %v", err)
	}
	a = actor()
	a.PublicKey.PublicKeyPEM = strings.Replace(pemKey, "PUBLIC KEY", "CERTIFICATE", 2)
	if _, err := KeyFromActor(a, "https://m.example/users/alice#main-key"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("not a key: %v", err)
	}
}
