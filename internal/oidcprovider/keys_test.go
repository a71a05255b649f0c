package oidcprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestKeysRotate(t *testing.T) {
	k := &Keys{Dir: filepath.Join(t.TempDir(), "oidc"), Bits: 2048}
	first, err := k.Published()
	if err != nil || len(first) != 1 {
		t.Fatalf("the first key: %v, %v", first, err)
	}
	if again, _ := k.Published(); len(again) != 1 || again[0].ID != first[0].ID {
		t.Fatal("a second call made another key")
	}
	now := time.Now()
	second, err := k.Rotate(now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ := k.Published()
	if len(keys) != 2 || keys[0].ID != second || keys[1].ID != first[0].ID {
		t.Fatalf("after one rotation: %v", ids(keys))
	}
	third, err := k.Rotate(now.Add(2 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	keys, _ = k.Published()
	if len(keys) != 2 || keys[0].ID != third || keys[1].ID != second {
		t.Fatalf("after two rotations: %v", ids(keys))
	}
	files, _ := filepath.Glob(filepath.Join(k.Dir, "*"))
	if len(files) != 2 {
		t.Errorf("files left: %v", files)
	}
	for _, f := range files {
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v", f, fi.Mode())
		}
	}
}

// A key in the Django grouprise's format (PKCS#1, `openssl genrsa`) may be put in place by hand.
func TestKeysReadPKCS1(t *testing.T) {
	dir := t.TempDir()
	priv, _ := rsa.GenerateKey(rand.Reader, 2048)
	data := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})
	if err := os.WriteFile(filepath.Join(dir, "00000000001700000000-django.pem"), data, 0o640); err != nil {
		t.Fatal(err)
	}
	keys, err := (&Keys{Dir: dir}).Published()
	if err != nil || len(keys) != 1 || keys[0].ID != "django" || !keys[0].Private.Equal(priv) {
		t.Fatalf("keys %v, %v", keys, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "00000000001800000000-broken.pem"), []byte("nonsense"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := (&Keys{Dir: dir}).Published(); err == nil {
		t.Error("a broken key file was accepted")
	}
}

func ids(keys []*Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.ID)
	}
	return out
}
