package oidcprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultKeyBits is the size of new RSA signing keys.
const DefaultKeyBits = 3072

// Key is one RSA signing key; the newest signs, the one before stays published so that tokens
// signed before a rotation still verify.
type Key struct {
	ID      string
	Created time.Time
	Private *rsa.PrivateKey
}

// Keys keeps the signing keys as PEM files in a directory (<data_path>/oidc), named
// "<unix time>-<key id>.pem", readable by the service user only. Every web daemon reads the
// same directory, and notices a rotation without a restart.
type Keys struct {
	Dir string
	// Bits is the size of new keys (DefaultKeyBits when 0).
	Bits int

	mu     sync.Mutex
	stamp  string // names and modification time of the directory when keys were read
	loaded []*Key
}

// Published returns the keys to publish, newest first; it makes the first key if there is
// none.
func (k *Keys) Published() ([]*Key, error) {
	keys, err := k.read()
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		if _, err := k.add(time.Now()); err != nil {
			return nil, err
		}
		if keys, err = k.read(); err != nil {
			return nil, err
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("oidc: no signing key in %s", k.Dir)
	}
	return keys, nil
}

// Rotate makes a new signing key. The key it replaces stays published until the next
// rotation; older keys are removed. It returns the new key's id.
func (k *Keys) Rotate(now time.Time) (string, error) {
	id, err := k.add(now)
	if err != nil {
		return "", err
	}
	names, err := k.names()
	if err != nil {
		return "", err
	}
	for i, name := range names {
		if i < 2 {
			continue
		}
		if err := os.Remove(filepath.Join(k.Dir, name)); err != nil {
			return "", fmt.Errorf("oidc: remove old signing key: %w", err)
		}
	}
	return id, nil
}

// add writes a new key under a new name; the file appears complete or not at all.
func (k *Keys) add(now time.Time) (string, error) {
	if err := os.MkdirAll(k.Dir, 0o750); err != nil {
		return "", fmt.Errorf("oidc: key directory: %w", err)
	}
	bits := k.Bits
	if bits == 0 {
		bits = DefaultKeyBits
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return "", fmt.Errorf("oidc: generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("oidc: encode signing key: %w", err)
	}
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw[:])
	tmp, err := os.CreateTemp(k.Dir, ".new-key-*")
	if err != nil {
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o640); err != nil {
		tmp.Close()
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	name := fmt.Sprintf("%020d-%s.pem", now.Unix(), id)
	if err := os.Link(tmp.Name(), filepath.Join(k.Dir, name)); err != nil {
		return "", fmt.Errorf("oidc: write signing key: %w", err)
	}
	return id, nil
}

// names returns the key files, newest first.
func (k *Keys) names() ([]string, error) {
	entries, err := os.ReadDir(k.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("oidc: key directory: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".pem") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// read returns the published keys (the newest two), parsing the files again only when the
// directory changed.
func (k *Keys) read() ([]*Key, error) {
	names, err := k.names()
	if err != nil {
		return nil, err
	}
	if len(names) > 2 {
		names = names[:2]
	}
	stamp := strings.Join(names, ",")
	k.mu.Lock()
	defer k.mu.Unlock()
	if stamp == k.stamp && k.loaded != nil {
		return k.loaded, nil
	}
	keys := make([]*Key, 0, len(names))
	for _, name := range names {
		key, err := readKey(filepath.Join(k.Dir, name))
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	k.stamp, k.loaded = stamp, keys
	return keys, nil
}

func readKey(path string) (*Key, error) {
	base := strings.TrimSuffix(filepath.Base(path), ".pem")
	stamp, id, ok := strings.Cut(base, "-")
	unix, err := strconv.ParseInt(stamp, 10, 64)
	if !ok || err != nil || id == "" {
		return nil, fmt.Errorf("oidc: %s: not a key file name (<unix time>-<id>.pem)", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("oidc: signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("oidc: %s: no PEM block", path)
	}
	var priv any
	switch block.Type {
	case "PRIVATE KEY":
		priv, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		priv, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		err = fmt.Errorf("PEM block %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("oidc: %s: %w", path, err)
	}
	rsaKey, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("oidc: %s: not an RSA key", path)
	}
	return &Key{ID: id, Created: time.Unix(unix, 0).UTC(), Private: rsaKey}, nil
}
