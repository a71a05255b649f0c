// Package matrixtest runs a real Matrix homeserver for tests: dendrite, built once from the
// module proxy into a cache outside the repository, started with SQLite on a loopback port in
// a temporary directory. Without GROUPRISE_TEST_REQUIRE_MATRIX=1 the tests that need it are
// skipped when it cannot be built; with it (CI) they fail.
package matrixtest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Version is the dendrite release the tests run against.
const Version = "v0.13.8"

// secret is the shared registration secret of the test servers.
const secret = "grouprise-test-secret"

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// cacheDir is where the binaries are kept between runs.
func cacheDir() string {
	if d := os.Getenv("GROUPRISE_DENDRITE_DIR"); d != "" {
		return d
	}
	if os.Geteuid() == 0 {
		return "/var/cache/grouprise-dendrite"
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "grouprise-dendrite")
	}
	return filepath.Join(os.TempDir(), "grouprise-dendrite")
}

const toolsGoMod = `module dendritetools

go 1.21

require github.com/matrix-org/dendrite ` + Version + `
`

const toolsGo = `//go:build tools

package tools

import (
	_ "github.com/matrix-org/dendrite/cmd/dendrite"
	_ "github.com/matrix-org/dendrite/cmd/generate-keys"
)
`

// build makes the binaries once per cache (a lock file keeps parallel test processes from
// building twice). dendrite cannot be `go install`ed at a version here, so it is built as a
// requirement of a small module of our own.
func build() (string, error) {
	dir := filepath.Join(cacheDir(), Version)
	bin := filepath.Join(dir, "bin")
	if _, err := os.Stat(filepath.Join(bin, "dendrite")); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(bin, "dendrite")); err == nil {
		return bin, nil // another process built it meanwhile
	}
	mod := filepath.Join(dir, "module")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(toolsGoMod), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(mod, "tools.go"), []byte(toolsGo), 0o644); err != nil {
		return "", err
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	run := func(args ...string) error {
		cmd := exec.Command(goTool, args...)
		cmd.Dir = mod
		// Static binaries (modernc's SQLite): faster to build, nothing to link.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod", "GOTOOLCHAIN=local", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("mod", "tidy"); err != nil {
		return "", err
	}
	tmp := bin + ".tmp"
	os.RemoveAll(tmp)
	if err := run("build", "-trimpath", "-ldflags=-s -w", "-o", tmp+"/",
		"github.com/matrix-org/dendrite/cmd/dendrite", "github.com/matrix-org/dendrite/cmd/generate-keys"); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	return bin, nil
}

// Server is a running homeserver.
type Server struct {
	t    testing.TB
	dir  string
	addr string
	cmd  *exec.Cmd
	// Name is the server name: user IDs are @user:Name, aliases #room:Name.
	Name string
}

// Start builds (once) and starts a homeserver for the test; it stops when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	buildOnce.Do(func() { binDir, buildErr = build() })
	if buildErr != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_MATRIX") == "1" {
			t.Fatalf("matrixtest: dendrite %s required but not built: %v", Version, buildErr)
		}
		t.Skipf("matrixtest: no dendrite (%v)", buildErr)
	}
	s := &Server{t: t, dir: t.TempDir(), Name: "localhost"}
	key := filepath.Join(s.dir, "matrix_key.pem")
	if out, err := exec.Command(filepath.Join(binDir, "generate-keys"), "-private-key", key).CombinedOutput(); err != nil {
		t.Fatalf("matrixtest: generate-keys: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(s.dir, "dendrite.yaml"), []byte(s.config(key)), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	l.Close()
	s.Resume()
	t.Cleanup(s.Stop)
	return s
}

// config is a minimal dendrite configuration: SQLite per component (one database for all
// does not work), no federation, no rate limits, cheap password hashing.
func (s *Server) config(key string) string {
	db := func(name string) string {
		return fmt.Sprintf("{database: {connection_string: \"file:%s\"}}", filepath.Join(s.dir, name+".db"))
	}
	return fmt.Sprintf(`version: 2
global:
  server_name: %s
  private_key: %s
  disable_federation: true
  jetstream: {in_memory: false, storage_path: %s}
client_api:
  registration_shared_secret: %s
  rate_limiting: {enabled: false}
federation_api: {key_perspectives: [], database: {connection_string: "file:%s"}}
key_server: %s
mscs: %s
relay_api: %s
room_server: %s
sync_api: %s
media_api: {base_path: %s, database: {connection_string: "file:%s"}}
user_api: {bcrypt_cost: 4, account_database: {connection_string: "file:%s"}}
logging: []
`, s.Name, key, filepath.Join(s.dir, "jetstream"), secret, filepath.Join(s.dir, "federationapi.db"),
		db("keyserver"), db("mscs"), db("relayapi"), db("roomserver"), db("syncapi"),
		filepath.Join(s.dir, "media"), filepath.Join(s.dir, "mediaapi.db"), filepath.Join(s.dir, "userapi.db"))
}

// URL is the homeserver's base address.
func (s *Server) URL() string { return "http://" + s.addr }

// Resume starts the server (again, on the same address and data) and waits until it answers.
func (s *Server) Resume() {
	s.t.Helper()
	logFile, err := os.OpenFile(filepath.Join(s.dir, "dendrite.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	s.cmd = exec.Command(filepath.Join(binDir, "dendrite"), "-config", filepath.Join(s.dir, "dendrite.yaml"),
		"-http-bind-address", s.addr)
	s.cmd.Dir = s.dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	if err := s.cmd.Start(); err != nil {
		s.t.Fatalf("matrixtest: start dendrite: %v", err)
	}
	logFile.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(s.URL() + "/_matrix/client/versions")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(s.dir, "dendrite.log"))
			s.t.Fatalf("matrixtest: dendrite does not answer: %v\n%s", err, tail(log))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop stops the server (the test's end does too); Resume starts it again.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

func tail(b []byte) string {
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// User is an account on the server with its access token.
type User struct {
	ID, Token string
	s         *Server
}

// Register makes an account through the shared-secret registration and returns it with a
// token.
func (s *Server) Register(username string, admin bool) *User {
	s.t.Helper()
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	s.do("GET", "/_synapse/admin/v1/register", "", nil, &nonce)
	password := username + "-password"
	kind := "notadmin"
	if admin {
		kind = "admin"
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(nonce.Nonce + "\x00" + username + "\x00" + password + "\x00" + kind))
	var reg struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
	}
	s.do("POST", "/_synapse/admin/v1/register", "", map[string]any{"nonce": nonce.Nonce, "username": username,
		"password": password, "mac": hex.EncodeToString(mac.Sum(nil)), "admin": admin}, &reg)
	return &User{ID: reg.UserID, Token: reg.AccessToken, s: s}
}

// do calls the server and decodes its JSON answer; anything but 200 fails the test.
func (s *Server) do(method, path, token string, body, out any) {
	s.t.Helper()
	if err := s.call(method, path, token, body, out); err != nil {
		s.t.Fatalf("matrixtest: %s %s: %v", method, path, err)
	}
}

func (s *Server) call(method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL()+path, rd)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return &HTTPError{Status: resp.StatusCode, Body: string(data)}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// HTTPError is an answer other than 200.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string { return fmt.Sprintf("status %d: %s", e.Status, e.Body) }

// Invites returns the rooms the user is invited into (from /sync).
func (u *User) Invites() []string {
	u.s.t.Helper()
	var sync struct {
		Rooms struct {
			Invite map[string]json.RawMessage `json:"invite"`
		} `json:"rooms"`
	}
	u.s.do("GET", "/_matrix/client/v3/sync?timeout=0", u.Token, nil, &sync)
	var out []string
	for id := range sync.Rooms.Invite {
		out = append(out, id)
	}
	return out
}

// CreateRoom makes a public room with an alias (#aliasName:server) and returns its ID.
func (u *User) CreateRoom(aliasName string) string {
	u.s.t.Helper()
	var resp struct {
		RoomID string `json:"room_id"`
	}
	u.s.do("POST", "/_matrix/client/v3/createRoom", u.Token, map[string]any{"room_alias_name": aliasName,
		"preset": "public_chat", "visibility": "public"}, &resp)
	return resp.RoomID
}

// Send writes a text message into a room.
func (u *User) Send(room, text string) {
	u.s.t.Helper()
	txn := fmt.Sprintf("t%d", time.Now().UnixNano())
	u.s.do("PUT", "/_matrix/client/v3/rooms/"+pathEscape(room)+"/send/m.room.message/"+txn, u.Token,
		map[string]any{"msgtype": "m.text", "body": text}, nil)
}

// Invite invites another user into a room.
func (u *User) Invite(room, user string) {
	u.s.t.Helper()
	u.s.do("POST", "/_matrix/client/v3/rooms/"+pathEscape(room)+"/invite", u.Token, map[string]any{"user_id": user}, nil)
}

// Join joins a room (by ID or alias).
func (u *User) Join(room string) error {
	return u.s.call("POST", "/_matrix/client/v3/join/"+pathEscape(room), u.Token, map[string]any{}, nil)
}

// Message is a message as another user reads it.
type Message struct {
	Sender, Body, FormattedBody, MsgType string
}

// Messages returns the messages of a room, oldest first, as the user sees them.
func (u *User) Messages(room string) ([]Message, error) {
	var resp struct {
		Chunk []struct {
			Type    string `json:"type"`
			Sender  string `json:"sender"`
			Content struct {
				MsgType       string `json:"msgtype"`
				Body          string `json:"body"`
				FormattedBody string `json:"formatted_body"`
			} `json:"content"`
		} `json:"chunk"`
	}
	if err := u.s.call("GET", "/_matrix/client/v3/rooms/"+pathEscape(room)+"/messages?dir=b&limit=100", u.Token, nil, &resp); err != nil {
		return nil, err
	}
	var out []Message
	for i := len(resp.Chunk) - 1; i >= 0; i-- {
		e := resp.Chunk[i]
		if e.Type == "m.room.message" {
			out = append(out, Message{Sender: e.Sender, Body: e.Content.Body, FormattedBody: e.Content.FormattedBody, MsgType: e.Content.MsgType})
		}
	}
	return out, nil
}

// Membership returns the user's membership of a room ("join", "invite", "leave", ...) as
// the room's state says, or "" when there is none.
func (u *User) Membership(room, user string) string {
	var state struct {
		Membership string `json:"membership"`
	}
	err := u.s.call("GET", "/_matrix/client/v3/rooms/"+pathEscape(room)+"/state/m.room.member/"+pathEscape(user), u.Token, nil, &state)
	var httpErr *HTTPError
	if errors.As(err, &httpErr) && httpErr.Status == http.StatusNotFound {
		return ""
	}
	if err != nil {
		u.s.t.Fatalf("matrixtest: membership of %s in %s: %v", user, room, err)
	}
	return state.Membership
}

// ResolveAlias returns the room of an alias, or "".
func (s *Server) ResolveAlias(alias string) string {
	var resp struct {
		RoomID string `json:"room_id"`
	}
	if err := s.call("GET", "/_matrix/client/v3/directory/room/"+pathEscape(alias), "", nil, &resp); err != nil {
		return ""
	}
	return resp.RoomID
}

func pathEscape(s string) string {
	r := strings.NewReplacer("#", "%23", "!", "%21", ":", "%3A", "@", "%40", "/", "%2F")
	return r.Replace(s)
}
