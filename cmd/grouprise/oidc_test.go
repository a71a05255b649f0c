package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"grouprise.org/grouprise/internal/oidcprovider"
	"grouprise.org/grouprise/internal/store"
)

func TestOIDCCommands(t *testing.T) {
	s := newSite(t, store.SQLite, "oidc_provider: {enabled: true}\n")
	s.expect(exitOK, "applied migration", "", "migrate")
	out := s.expect(exitOK, "client_secret: ", "", "oidc", "client", "add", "matrix", "--name", "Chat",
		"--redirect-uri", "https://matrix.grouprise.test/_synapse/client/oidc/callback", "--trusted")
	if !strings.Contains(out, "issuer: https://grouprise.test/stadt/oauth") {
		t.Errorf("add prints no issuer:\n%s", out)
	}
	secret := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "client_secret: ", 2)[1], "\n", 2)[0])
	if len(secret) != 64 {
		t.Errorf("secret %q", secret)
	}
	s.expect(exitOK, "client_id: app", "", "oidc", "client", "add", "app", "--public", "--redirect-uri", "http://127.0.0.1/cb")
	s.expect(exitFailure, `a client "app" exists already`, "", "oidc", "client", "add", "app", "--redirect-uri", "http://127.0.0.1/cb")
	s.expect(exitConfig, "--redirect-uri is required", "", "oidc", "client", "add", "wiki")
	s.expect(exitConfig, "without a fragment", "", "oidc", "client", "add", "wiki", "--redirect-uri", "https://wiki.test/#x")
	s.expect(exitConfig, "is not allowed", "", "oidc", "client", "add", "wiki", "--redirect-uri", "javascript:alert(1)")
	list := s.expect(exitOK, "CLIENT_ID", "", "oidc", "client", "list")
	for _, want := range []string{"app        app   public", "matrix     Chat  confidential  yes"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q:\n%s", want, list)
		}
	}
	out = s.expect(exitOK, "client_secret: ", "", "oidc", "client", "new-secret", "matrix")
	if strings.Contains(out, secret) {
		t.Error("new-secret printed the old secret")
	}
	s.expect(exitFailure, `no confidential client "app"`, "", "oidc", "client", "new-secret", "app")
	s.expect(exitOK, "removed client app", "", "oidc", "client", "remove", "app")
	s.expect(exitFailure, `no client "app"`, "", "oidc", "client", "remove", "app")

	s.expect(exitOK, "new signing key", "", "oidc", "rotate-key")
	s.expect(exitOK, "new signing key", "", "oidc", "rotate-key")
	keys, err := (&oidcprovider.Keys{Dir: filepath.Join(s.data, "oidc")}).Published()
	if err != nil || len(keys) != 2 {
		t.Errorf("keys after two rotations: %v, %v", keys, err)
	}
	if fi, err := os.Stat(filepath.Join(s.data, "oidc")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("key directory: %v %v", fi, err)
	}
	s.expect(exitConfig, "unknown oidc command", "", "oidc", "nonsense")

	// Synapse's configuration: the homeserver as a trusted client, its secret shown once.
	out = s.expect(exitOK, "issuer: \"https://grouprise.test/stadt/oauth\"", "", "oidc", "synapse-config")
	var conf struct {
		Providers []struct {
			Issuer       string `yaml:"issuer"`
			ClientID     string `yaml:"client_id"`
			ClientSecret string `yaml:"client_secret"`
		} `yaml:"oidc_providers"`
	}
	if err := yaml.Unmarshal([]byte(out), &conf); err != nil || len(conf.Providers) != 1 ||
		conf.Providers[0].Issuer != "https://grouprise.test/stadt/oauth" || conf.Providers[0].ClientID != "matrix_chat" ||
		len(conf.Providers[0].ClientSecret) != 64 {
		t.Fatalf("Synapse's configuration (%v):\n%s", err, out)
	}
	list = s.expect(exitOK, "matrix_chat", "", "oidc", "client", "list")
	if !strings.Contains(list, "Matrix  confidential  yes      https://grouprise.test/_synapse/client/oidc/callback") {
		t.Errorf("the homeserver's client:\n%s", list)
	}
	s.expect(exitFailure, "--new-secret", "", "oidc", "synapse-config")
	again := s.expect(exitOK, "client_secret:", "", "oidc", "synapse-config", "--new-secret", "--homeserver-url", "https://matrix.grouprise.test")
	if again == out {
		t.Error("--new-secret printed the same secret")
	}
}
