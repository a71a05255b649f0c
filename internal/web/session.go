package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"grouprise.org/grouprise/internal/access"
	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/store"
)

// sessionStore keeps scs sessions in the store's sessions table, so that every web daemon
// on the database shares them.
type sessionStore struct{ db *store.DB }

func (s sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	return s.db.FindSession(ctx, token, time.Now())
}

func (s sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return s.db.CommitSession(ctx, token, b, expiry)
}

func (s sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return s.db.DeleteSession(ctx, token)
}

// The plain interface is required by scs; the Ctx methods above are used.
func (s sessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}
func (s sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, b, expiry)
}
func (s sessionStore) Delete(token string) error { return s.DeleteCtx(context.Background(), token) }

func newSessions(db *store.DB, cfg *config.Config) *scs.SessionManager {
	m := scs.New()
	m.Store = sessionStore{db}
	m.Lifetime = time.Duration(cfg.SessionCookieAge) * time.Second
	m.IdleTimeout = 0
	m.Cookie.Name = "grouprise_session"
	m.Cookie.HttpOnly = true
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Secure = cfg.TransportSecurity != "disabled"
	m.Cookie.Path = "/"
	// Without "remember me" the cookie ends with the browser session.
	m.Cookie.Persist = false
	return m
}

// Session keys.
const (
	sessionUser     = "user"
	sessionStamp    = "stamp"
	sessionMessages = "messages"
	sessionLanguage = "language"
)

type ctxKey int

const (
	viewerKey ctxKey = iota
	langKey
)

// viewer is the person behind the request (set by the middleware).
func viewer(r *http.Request) *access.Viewer {
	if v, ok := r.Context().Value(viewerKey).(*access.Viewer); ok {
		return v
	}
	return access.Anonymous()
}

// logIn starts a new session for a person (a new token, against session fixation).
func (s *Server) logIn(r *http.Request, g *store.Gestalt, remember bool) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionUser, g.ID)
	s.sessions.Put(r.Context(), sessionStamp, s.passwordStamp(g.Password))
	s.rememberLogin(r, s.now())
	s.sessions.RememberMe(r.Context(), remember)
	return nil
}

// passwordStamp ties a session to the password it was opened with: a session whose stamp no
// longer matches the person's password hash (changed or reset elsewhere) is logged out. It is
// an HMAC, so the session data reveals nothing of the hash.
func (s *Server) passwordStamp(hash string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.SecretKey))
	m.Write([]byte("session-password\x00" + hash))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// sessionValid tells whether the session was opened with the person's current password. A
// session from before stamps existed is not: it might have survived a password change, so its
// owner logs in once more.
func (s *Server) sessionValid(r *http.Request, g *store.Gestalt) bool {
	want := s.passwordStamp(g.Password)
	got := s.sessions.GetString(r.Context(), sessionStamp)
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

// keepSession keeps the current session after its owner changed the password, which ends
// every other session: a new token and the new password's stamp.
func (s *Server) keepSession(r *http.Request, id int64) error {
	g, err := s.db.GestaltByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessionStamp, s.passwordStamp(g.Password))
	return nil
}

// logOut ends the session.
func (s *Server) logOut(r *http.Request) error {
	return s.sessions.Destroy(r.Context())
}

// Message kinds shown after an action.
const (
	msgInfo    = "info"
	msgSuccess = "success"
	msgWarning = "warning"
	msgError   = "error"
)

// message is one line shown at the top of the next page.
type message struct{ Kind, Text string }

// flash remembers a message (already translated) for the next page the visitor sees.
func (s *Server) flash(r *http.Request, kind, text string) {
	list, _ := s.sessions.Get(r.Context(), sessionMessages).([]string)
	s.sessions.Put(r.Context(), sessionMessages, append(list, kind+"\x00"+text))
}

// messages takes the remembered messages.
func (s *Server) messages(r *http.Request) []message {
	if s.sessions.Status(r.Context()) == scs.Unmodified && !s.sessions.Exists(r.Context(), sessionMessages) {
		return nil
	}
	list, _ := s.sessions.Pop(r.Context(), sessionMessages).([]string)
	out := make([]message, 0, len(list))
	for _, m := range list {
		kind, text, _ := strings.Cut(m, "\x00")
		out = append(out, message{kind, text})
	}
	return out
}
