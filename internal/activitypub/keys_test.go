package activitypub

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

// Keys are RSA 2048 and survive PEM both ways; the PKCS #1 forms others may send are read.
func TestKeysRoundTrip(t *testing.T) {
	k := testKey(t, 0)
	if k.N.BitLen() != 2048 {
		t.Errorf("%d bits", k.N.BitLen())
	}
	privPEM, err := EncodePrivateKey(k)
	if err != nil || !strings.HasPrefix(privPEM, "-----BEGIN PRIVATE KEY-----\n") {
		t.Fatalf("%.40q, %v", privPEM, err)
	}
	back, err := ParsePrivateKey(privPEM)
	if err != nil || !back.Equal(k) {
		t.Fatalf("private key read back: %v", err)
	}
	pubPEM, err := EncodePublicKey(&k.PublicKey)
	if err != nil || !strings.HasPrefix(pubPEM, "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("%.40q, %v", pubPEM, err)
	}
	pub, err := ParsePublicKey(pubPEM)
	if err != nil || !pub.Equal(&k.PublicKey) {
		t.Fatalf("public key read back: %v", err)
	}
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&k.PublicKey)}))
	if pub, err := ParsePublicKey(pkcs1); err != nil || !pub.Equal(&k.PublicKey) {
		t.Errorf("PKCS #1 public key: %v", err)
	}
	pkcs1Priv := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
	if priv, err := ParsePrivateKey(pkcs1Priv); err != nil || !priv.Equal(k) {
		t.Errorf("PKCS #1 private key: %v", err)
	}
}

func TestKeysRefuse(t *testing.T) {
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edPubDER, _ := x509.MarshalPKIXPublicKey(edPub)
	edPrivDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	pubPEM, _ := EncodePublicKey(&testKey(t, 0).PublicKey)
	for name, tc := range map[string]struct {
		pem     string
		private bool
		want    string
	}{
		"no PEM":                {"publicKeyPem", false, "no PEM block"},
		"two blocks":            {pubPEM + pubPEM, false, "more than one PEM block"},
		"Ed25519 public key":    {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: edPubDER})), false, "is not RSA"},
		"Ed25519 private key":   {string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: edPrivDER})), true, "is not RSA"},
		"certificate":           {string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}})), false, `unexpected PEM block "CERTIFICATE"`},
		"garbage DER":           {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})), false, "public key:"},
		"public key as private": {pubPEM, true, `unexpected PEM block "PUBLIC KEY"`},
	} {
		var err error
		if tc.private {
			_, err = ParsePrivateKey(tc.pem)
		} else {
			_, err = ParsePublicKey(tc.pem)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
