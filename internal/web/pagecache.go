package web

import (
	"bytes"
	"net/http"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"grouprise.org/grouprise/internal/activitypub"
)

// pageCache keeps the pages anonymous visitors see for a moment (web.anonymous_cache
// seconds): a busy public page is rendered once a second instead of once a request. Visitors
// with a session (logged in, or with a chosen language) always get a fresh page, so every
// change shows at once to the people who make it; others see it within that moment.
type pageCache struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]*cachedPage
	size    int
	flight  singleflight.Group
}

type cachedPage struct {
	cacheable bool
	status    int
	header    http.Header
	body      []byte
	expires   time.Time
}

// Bounds of the cache: a few hundred pages, a few megabytes.
const (
	pageCacheEntries = 256
	pageCacheBytes   = 4 << 20
)

// withPageCache serves cacheable requests from the cache; next renders the others.
func (s *Server) withPageCache(next http.Handler) http.Handler {
	if s.cache == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || hasSessionCookie(r, s.sessions.Cookie.Name) || r.Header.Get("Authorization") != "" {
			next.ServeHTTP(w, r)
			return
		}
		l := s.catalog.Match(r.Header.Get("Accept-Language"))
		key := l + " " + r.Host + r.URL.RequestURI()
		if activitypub.AcceptsActivity(r.Header.Get("Accept")) {
			// /<slug>/ is a page for browsers and an actor for ActivityPub (Vary: Accept)
			key = "activity " + key
		}
		if p := s.cache.get(key, s.now()); p != nil {
			p.write(w)
			return
		}
		rendered := false // by this request (singleflight runs the function in the caller)
		v, _, _ := s.cache.flight.Do(key, func() (any, error) {
			rendered = true
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			p := &cachedPage{status: rec.status, header: rec.header, body: rec.body.Bytes(), expires: s.now().Add(s.cache.ttl)}
			p.cacheable = p.status == http.StatusOK && p.header.Get("Set-Cookie") == "" && p.header.Get("Cache-Control") == "no-cache"
			if p.cacheable {
				s.cache.put(key, p, s.now())
			}
			return p, nil
		})
		if p := v.(*cachedPage); p.cacheable || rendered {
			p.write(w)
			return
		}
		// Another request rendered a page that is its own (a captcha, a cookie, an error):
		// this one gets its own too.
		next.ServeHTTP(w, r)
	})
}

func hasSessionCookie(r *http.Request, name string) bool {
	_, err := r.Cookie(name)
	return err == nil
}

func (p *cachedPage) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range p.header {
		h[k] = v
	}
	w.WriteHeader(p.status)
	w.Write(p.body)
}

func (c *pageCache) get(key string, now time.Time) *cachedPage {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.entries[key]
	if p == nil || now.After(p.expires) {
		return nil
	}
	return p
}

func (c *pageCache) put(key string, p *cachedPage, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.entries[key]; old != nil {
		c.size -= len(old.body)
		delete(c.entries, key)
	}
	if len(c.entries) >= pageCacheEntries || c.size+len(p.body) > pageCacheBytes {
		for k, e := range c.entries {
			if now.After(e.expires) {
				c.size -= len(e.body)
				delete(c.entries, k)
			}
		}
	}
	if len(c.entries) >= pageCacheEntries || c.size+len(p.body) > pageCacheBytes {
		return
	}
	c.entries[key] = p
	c.size += len(p.body)
}

// recorder keeps a response in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
