package activitypub

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"net/http"
	"testing"
	"time"
)

// BenchmarkSignVerify measures signing and verifying a delivery against its ceiling, the
// bare RSA-SHA256 operations on the same key in the same run, and reports the ratios
// (what the headers, digest and parsing around the RSA work cost).
func BenchmarkSignVerify(b *testing.B) {
	key := testKey(b, 0)
	const keyID = "https://g.example/stadtgarten/#main-key"
	body := bytes.Repeat([]byte("x"), 2000)
	v := &Verifier{Keys: &keyMap{keys: map[string]*rsa.PublicKey{keyID: &key.PublicKey}}}
	s := Signer{KeyID: keyID, Key: key}
	sum := sha256.Sum256(body)
	n := b.N
	var bareSign, ourSign, bareVerify, ourVerify time.Duration
	b.ResetTimer()

	start := time.Now()
	var sig []byte
	for range n {
		sig, _ = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	}
	bareSign = time.Since(start)

	req, _ := http.NewRequest(http.MethodPost, "https://g.example/stadtgarten/inbox", nil)
	start = time.Now()
	for range n {
		req.Header = http.Header{}
		if err := s.Sign(req, body); err != nil {
			b.Fatal(err)
		}
	}
	ourSign = time.Since(start)

	start = time.Now()
	for range n {
		if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
	bareVerify = time.Since(start)

	req.Host = "g.example"
	start = time.Now()
	for range n {
		if _, err := v.Verify(context.Background(), req, body); err != nil {
			b.Fatal(err)
		}
	}
	ourVerify = time.Since(start)

	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(ourSign), "sign-ns/op")
	b.ReportMetric(per(bareSign), "rsa-sign-ns/op")
	b.ReportMetric(per(ourSign)/per(bareSign), "sign/rsa-sign")
	b.ReportMetric(per(ourVerify), "verify-ns/op")
	b.ReportMetric(per(bareVerify), "rsa-verify-ns/op")
	b.ReportMetric(per(ourVerify)/per(bareVerify), "verify/rsa-verify")
}
