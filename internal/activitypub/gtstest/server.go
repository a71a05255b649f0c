package gtstest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options configure a server.
type Options struct {
	// Trust are PEM files of certificates GoToSocial trusts for its outgoing https requests
	// (they replace the system's roots through SSL_CERT_FILE): the test peers' self-signed
	// certificates, see NewCert. GoToSocial does WebFinger over https only.
	Trust []string
	// TLS, when set, makes GoToSocial serve https with this certificate (protocol https), as
	// it does in production: actor IDs become https://127.0.0.1:PORT/users/NAME and its
	// WebFinger answers over https. Without it, it serves plain http (the recipe's setup).
	TLS *Cert
}

// Server is a running GoToSocial.
type Server struct {
	t      testing.TB
	in     Install
	dir    string
	host   string
	tls    *Cert
	client *http.Client // trusts tls
	cmd    *exec.Cmd
	done   chan struct{}
}

// Start builds (once) and starts a GoToSocial for the test on a free loopback port, with its
// own database in a temporary directory; it stops when the test ends, and its log is kept as
// a test artifact when the test failed. When it cannot be built or started the test is
// skipped, or fails with GROUPRISE_TEST_REQUIRE_FEDIVERSE=1 (CI).
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	in, err := Build()
	if err != nil {
		unavailable(t, fmt.Errorf("build: %w", err))
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, in: in, dir: t.TempDir(), host: l.Addr().String(), tls: opts.TLS, client: http.DefaultClient}
	l.Close()
	if s.tls != nil {
		s.client = &http.Client{Transport: &http.Transport{TLSClientConfig: s.tls.ClientTLS()}}
	}
	if err := os.WriteFile(s.path("config.yaml"), []byte(s.config()), 0o644); err != nil {
		t.Fatal(err)
	}
	var trust []byte
	for _, f := range opts.Trust {
		pem, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		trust = append(append(trust, pem...), '\n')
	}
	if err := os.WriteFile(s.path("trust.pem"), trust, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.stop()
		if s.tls != nil {
			s.client.CloseIdleConnections()
		}
		if t.Failed() {
			s.keepLog()
		}
	})
	started := time.Now()
	if err := s.start(); err != nil {
		unavailable(t, err)
	}
	t.Logf("gtstest: GoToSocial %s ready at %s after %v", Version, s.URL(), time.Since(started).Round(time.Millisecond))
	return s
}

// unavailable skips the test, or fails it when the peer is required (CI).
func unavailable(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("GROUPRISE_TEST_REQUIRE_FEDIVERSE") == "1" {
		t.Fatalf("gtstest: GoToSocial %s required but unavailable: %v", Version, err)
	}
	t.Skipf("gtstest: no GoToSocial %s (%v)", Version, err)
}

func (s *Server) path(name string) string { return filepath.Join(s.dir, name) }

// config follows ../shared/reference/gotosocial-peer.md: plain http on loopback, loopback
// allowed as a remote address, no rate limits or throttling (all test traffic comes from
// 127.0.0.1), cheap caches.
func (s *Server) config() string {
	_, port, _ := net.SplitHostPort(s.host)
	protocol := `protocol: "http"`
	if s.tls != nil {
		protocol = fmt.Sprintf("protocol: \"https\"\ntls-certificate-chain: %q\ntls-certificate-key: %q", s.tls.CertFile, s.tls.KeyFile)
	}
	return fmt.Sprintf(`host: %q
%s
bind-address: "127.0.0.1"
port: %s
log-level: "info"
log-client-ip: false
db-type: "sqlite"
db-address: %q
storage-backend: "local"
storage-local-base-path: %q
web-template-base-dir: %q
web-asset-base-dir: %q
letsencrypt-enabled: false
accounts-registration-open: false
instance-languages: ["de", "en"]
cache:
  memory-target: "20MiB"
http-client:
  allow-ips: ["127.0.0.0/8", "::1/128"]
advanced-rate-limit-requests: 0
advanced-throttling-multiplier: 0
`, s.host, protocol, port, s.path("sqlite.db"), s.path("storage"), s.in.TemplateDir, s.in.AssetDir)
}

// env is the environment of GoToSocial and its admin commands: the trusted certificates, and
// no proxy for the loopback peers.
func (s *Server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch strings.ToUpper(name) {
		case "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "SSL_CERT_FILE="+s.path("trust.pem"), "NO_PROXY=*",
		// The WASM modules (ffmpeg, SQLite) compile once for all servers: saves most of the start.
		"GTS_WAZERO_COMPILATION_CACHE="+s.in.WazeroCache)
}

func (s *Server) command(args ...string) *exec.Cmd {
	cmd := exec.Command(s.in.Binary, append([]string{"--config-path", s.path("config.yaml")}, args...)...)
	cmd.Dir = s.dir
	cmd.Env = s.env()
	// A test binary killed by its timeout must not leave servers behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}

// start runs the server and waits until it is ready (about 10 s: the WASM modules compile).
func (s *Server) start() error {
	log, err := os.OpenFile(s.path("gotosocial.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd = s.command("server", "start")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	done := make(chan struct{})
	s.done = done
	go func() { s.cmd.Wait(); close(done) }()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL()+"/readyz", nil)
		resp, err := s.client.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-done:
			return fmt.Errorf("exited: %v\n%s", s.cmd.ProcessState, s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after 3 minutes: %v\n%s", err, s.logTail())
		}
	}
}

// stop ends the server (SIGTERM, then SIGKILL after 20 s).
func (s *Server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// URL is the server's base address, http://127.0.0.1:PORT (https with Options.TLS).
func (s *Server) URL() string {
	if s.tls != nil {
		return "https://" + s.host
	}
	return "http://" + s.host
}

// Host is the server's domain as it appears in handles (user@Host) and actor IDs:
// 127.0.0.1:PORT.
func (s *Server) Host() string { return s.host }

// LogFile is the server's log.
func (s *Server) LogFile() string { return s.path("gotosocial.log") }

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.LogFile())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// keepLog copies the log into the test artifacts ($GROUPRISE_TEST_ARTIFACTS, else
// var/test-artifacts in the repository).
func (s *Server) keepLog() {
	b, err := os.ReadFile(s.LogFile())
	if err != nil {
		return
	}
	dir := artifactDir()
	name := regexp.MustCompile(`[^A-Za-z0-9._-]+`).ReplaceAllString(s.t.Name(), "_") + "-gotosocial.log"
	if err := os.MkdirAll(dir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(dir, name), b, 0o644)
		if err == nil {
			s.t.Logf("gtstest: GoToSocial log kept in %s", filepath.Join(dir, name))
			return
		}
	}
	s.t.Logf("gtstest: GoToSocial log (tail):\n%s", s.logTail())
}

func artifactDir() string {
	if d := os.Getenv("GROUPRISE_TEST_ARTIFACTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join(os.TempDir(), "test-artifacts")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "var", "test-artifacts")
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, "test-artifacts")
		}
	}
}

// admin runs an admin command (`gotosocial admin ...`) against the server's database.
func (s *Server) admin(args ...string) error {
	cmd := s.command(append([]string{"admin"}, args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("gtstest: gotosocial admin %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return nil
}
