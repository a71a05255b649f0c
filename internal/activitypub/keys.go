package activitypub

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyBits is the size of the keys we make: RSA 2048, which every Fediverse server reads.
const KeyBits = 2048

// GenerateKey makes an actor's key pair.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, fmt.Errorf("activitypub: generate key: %w", err)
	}
	return k, nil
}

// EncodePrivateKey gives the key as PKCS #8 PEM ("PRIVATE KEY"), the form we store.
func EncodePrivateKey(k *rsa.PrivateKey) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return "", fmt.Errorf("activitypub: encode private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// EncodePublicKey gives the key as PKIX PEM ("PUBLIC KEY"), the form of publicKeyPem.
func EncodePublicKey(k *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return "", fmt.Errorf("activitypub: encode public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}

// ParsePrivateKey reads a PKCS #8 or PKCS #1 PEM RSA key.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, err := onePEM(s)
	if err != nil {
		return nil, fmt.Errorf("activitypub: private key: %w", err)
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("activitypub: private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("activitypub: private key: %T is not RSA", k)
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("activitypub: private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("activitypub: private key: unexpected PEM block %q", block.Type)
}

// ParsePublicKey reads a publicKeyPem: PKIX ("PUBLIC KEY", as Mastodon and GoToSocial send
// it) or PKCS #1 ("RSA PUBLIC KEY"). Only RSA keys are taken: draft-cavage signatures in the
// Fediverse are RSA.
func ParsePublicKey(s string) (*rsa.PublicKey, error) {
	block, err := onePEM(s)
	if err != nil {
		return nil, fmt.Errorf("activitypub: public key: %w", err)
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("activitypub: public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("activitypub: public key: %T is not RSA", k)
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("activitypub: public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("activitypub: public key: unexpected PEM block %q", block.Type)
}

func onePEM(s string) (*pem.Block, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if len(rest) > 0 {
		if next, _ := pem.Decode(rest); next != nil {
			return nil, errors.New("more than one PEM block")
		}
	}
	return block, nil
}
