package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"go.yaml.in/yaml/v3"
)

// Map returns the effective configuration as nested maps, as `grouprise settings dump` prints it.
func (c *Config) Map() map[string]any {
	data, err := yaml.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("config: marshal: %v", err)) // Config holds only plain values
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		panic(fmt.Sprintf("config: unmarshal own output: %v", err))
	}
	return m
}

// Lookup returns the effective value of a key such as "email_submission.port".
func (c *Config) Lookup(key string) (any, error) {
	key = strings.ToLower(key)
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	var cur any = c.Map()
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, nil
		}
		cur = m[part]
	}
	return cur, nil
}

// CheckKey accepts the keys of Config and keys below free-form mappings (sentry.init_options).
func CheckKey(key string) error {
	known := knownKeys()
	if known[key] || strings.HasPrefix(key, "sentry.init_options.") {
		return nil
	}
	return &Error{Key: key, Msg: "unknown key"}
}

// SetValue returns the YAML document data with key set to value; other keys stay as they were.
func SetValue(path string, data []byte, key string, value any) ([]byte, error) {
	key = strings.ToLower(key)
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	doc, err := parseYAML(path, data)
	if err != nil {
		return nil, err
	}
	doc = lowerKeys(doc)
	parts := strings.Split(key, ".")
	m := doc
	for _, p := range parts[:len(parts)-1] {
		sub, ok := m[p].(map[string]any)
		if !ok {
			sub = map[string]any{}
			m[p] = sub
		}
		m = sub
	}
	m[parts[len(parts)-1]] = value
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("config: encode %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// WriteFile replaces path atomically, keeping the mode and owner of the file it replaces;
// a new file gets mode 0640, since configuration holds secrets.
func WriteFile(path string, data []byte) error {
	mode := fs.FileMode(0o640)
	uid, gid := -1, -1
	dir := filepath.Dir(path)
	// A file keeps its mode and owner. A new one is 0640, owned like a file of its
	// directory that others cannot read (root:_grouprise in a package installation), so
	// that the daemons can read what root writes and nobody else can read its secrets.
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
		uid, gid = owner(fi)
	} else if errors.Is(err, fs.ErrNotExist) {
		siblings, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, sib := range siblings {
			if fi, err := os.Stat(sib); err == nil && fi.Mode().Perm()&0o007 == 0 {
				uid, gid = owner(fi)
			}
		}
	} else {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".settings-*.tmp")
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("config: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("config: %w", err)
	}
	if uid >= 0 && os.Geteuid() == 0 {
		if err := tmp.Chown(uid, gid); err != nil {
			tmp.Close()
			return fmt.Errorf("config: %w", err)
		}
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("config: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// owner is the owning user and group of a file (-1 where unknown).
func owner(fi fs.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}
