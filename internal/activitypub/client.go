package activitypub

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// ClientConfig configures NewClient.
type ClientConfig struct {
	// Domain and Version name us in the User-Agent.
	Domain, Version string
	// AllowedNetworks are let through the guard (activitypub.allowed_private_networks).
	AllowedNetworks []netip.Prefix
	// Timeout bounds a whole request, body included (30 s when zero).
	Timeout time.Duration
	// MaxResponseSize bounds a response body (MaxDocumentSize when zero).
	MaxResponseSize int64
	// TLS is for tests that trust their own certificate; nil uses the system's roots.
	TLS *tls.Config
}

// maxRedirects is how many redirects a fetch follows; a delivery follows none.
const maxRedirects = 3

// Client makes the requests to other servers: signed fetches and deliveries, and WebFinger.
// Every connection goes through the Guard, after name resolution.
type Client struct {
	http      *http.Client
	guard     *Guard
	userAgent string
	maxSize   int64
}

// NewClient makes a client. Proxies from the environment are not used: the guard would see
// the proxy's address instead of the server's.
func NewClient(cfg ClientConfig) *Client {
	guard := NewGuard(cfg.AllowedNetworks)
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: guard.Control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	maxSize := cfg.MaxResponseSize
	if maxSize == 0 {
		maxSize = MaxDocumentSize
	}
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	return &Client{
		http: &http.Client{
			Transport: transport,
			Timeout:   timeout,
			// Redirects are followed by get, where each hop is checked and signed anew.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		guard:     guard,
		userAgent: fmt.Sprintf("grouprise/%s (+https://%s/)", version, cfg.Domain),
		maxSize:   maxSize,
	}
}

// UserAgent is what the client sends as User-Agent.
func (c *Client) UserAgent() string { return c.userAgent }

// StatusError is an answer other than success.
type StatusError struct {
	Method, URL string
	Code        int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("activitypub: %s %s: %d %s", e.Method, e.URL, e.Code, http.StatusText(e.Code))
}

// Permanent reports whether trying again cannot help (4xx other than 408 and 429).
func (e *StatusError) Permanent() bool {
	return e.Code >= 400 && e.Code < 500 && e.Code != http.StatusRequestTimeout && e.Code != http.StatusTooManyRequests
}

// Fetch GETs an ActivityPub document, signed by s when s is not nil (servers with
// authorized fetch need that), following up to three redirects. It returns the body and the
// URL it finally came from.
func (c *Client) Fetch(ctx context.Context, rawURL string, s *Signer) ([]byte, string, error) {
	return c.get(ctx, rawURL, Accept, s, c.maxSize, nil, MediaType, "application/ld+json")
}

// MediaTimeout bounds a whole media fetch unless MediaRequest says otherwise: its redirects,
// its answers and its body together, however slowly the server sends them.
const MediaTimeout = 10 * time.Second

// MediaRequest says what FetchMedia takes.
type MediaRequest struct {
	// Limit bounds the body (bytes); Types are the media types taken.
	Limit int64
	Types []string
	// Timeout bounds the whole fetch (MediaTimeout when zero).
	Timeout time.Duration
	// Allow, when set, is asked about each address before it is requested (the first and
	// every redirect's): an error refuses it (the operator's blocks, which the guard does
	// not know).
	Allow func(url string) error
}

// FetchMedia GETs a picture or another file (unsigned: servers serve their media to
// anybody) of one of the media types, of at most Limit bytes, following up to three
// redirects, each checked by the guard as every request is and by Allow. ErrTooLarge for a
// larger one, ErrInvalid for another type; context.DeadlineExceeded when it took longer
// than its Timeout.
func (c *Client) FetchMedia(ctx context.Context, rawURL string, m MediaRequest) ([]byte, error) {
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = MediaTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b, _, err := c.get(ctx, rawURL, strings.Join(m.Types, ", "), nil, m.Limit, m.Allow, m.Types...)
	return b, err
}

// FetchActor fetches and checks an actor. Its id must be on the server it came from, so that
// no server can speak for another one's actors.
func (c *Client) FetchActor(ctx context.Context, rawURL string, s *Signer) (*Actor, error) {
	b, final, err := c.Fetch(ctx, rawURL, s)
	if err != nil {
		return nil, err
	}
	a, err := ParseActor(b)
	if err != nil {
		return nil, fmt.Errorf("activitypub: actor %s: %w", final, err)
	}
	if !SameOrigin(a.ID, final) {
		return nil, fmt.Errorf("%w: actor %s came from %s", ErrInvalid, a.ID, final)
	}
	return a, nil
}

// WebFinger asks the account's server (over https) for its JRD.
func (c *Client) WebFinger(ctx context.Context, acct string) (*JRD, error) {
	user, host, err := ParseAcct(acct)
	if err != nil {
		return nil, err
	}
	b, _, err := c.get(ctx, WebFingerURL(user, host), JRDMediaType, nil, c.maxSize, nil, JRDMediaType, "application/json")
	if err != nil {
		return nil, err
	}
	return ParseJRD(b, user, host)
}

// Deliver POSTs a signed activity to an inbox. It follows no redirect.
func (c *Client) Deliver(ctx context.Context, inbox string, body []byte, s Signer) error {
	u, err := c.checkURL(inbox)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("activitypub: deliver to %s: %w", inbox, err)
	}
	req.Header.Set("Content-Type", MediaType)
	req.Header.Set("User-Agent", c.userAgent)
	if err := s.Sign(req, body); err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("activitypub: deliver to %s: %w", inbox, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, c.maxSize))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return &StatusError{Method: http.MethodPost, URL: inbox, Code: resp.StatusCode}
	}
	return nil
}

// get GETs rawURL and the redirects it leads to, each checked by the guard and by allow
// (when set).
func (c *Client) get(ctx context.Context, rawURL, accept string, s *Signer, limit int64, allow func(string) error, types ...string) ([]byte, string, error) {
	target := rawURL
	for hop := 0; ; hop++ {
		u, err := c.checkURL(target)
		if err != nil {
			return nil, target, err
		}
		if allow != nil {
			if err := allow(u.String()); err != nil {
				return nil, target, fmt.Errorf("activitypub: GET %s: %w", target, err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, target, fmt.Errorf("activitypub: GET %s: %w", target, err)
		}
		req.Header.Set("Accept", accept)
		req.Header.Set("User-Agent", c.userAgent)
		if s != nil {
			if err := s.Sign(req, nil); err != nil {
				return nil, target, err
			}
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, target, fmt.Errorf("activitypub: GET %s: %w", target, err)
		}
		if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "" {
			resp.Body.Close()
			if hop == maxRedirects {
				return nil, target, fmt.Errorf("activitypub: GET %s: more than %d redirects", rawURL, maxRedirects)
			}
			next, err := u.Parse(resp.Header.Get("Location"))
			if err != nil {
				return nil, target, fmt.Errorf("activitypub: GET %s: redirect: %w", target, err)
			}
			target = next.String()
			continue
		}
		body, err := readOK(resp, target, limit, types)
		return body, target, err
	}
}

func readOK(resp *http.Response, target string, limit int64, types []string) ([]byte, error) {
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Method: http.MethodGet, URL: target, Code: resp.StatusCode}
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	ok := false
	for _, t := range types {
		ok = ok || mt == t
	}
	if !ok {
		return nil, fmt.Errorf("%w: GET %s: content type %q", ErrInvalid, target, resp.Header.Get("Content-Type"))
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: GET %s: %d bytes", ErrTooLarge, target, resp.ContentLength)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, fmt.Errorf("activitypub: GET %s: %w", target, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: GET %s: more than %d bytes", ErrTooLarge, target, limit)
	}
	return b, nil
}

// checkURL refuses what no request may go to: a scheme other than http(s), user info, and
// an address the guard refuses written into the URL (names are checked when dialled).
func (c *Client) checkURL(raw string) (*url.URL, error) {
	if err := checkIRI("url", raw, true); err != nil {
		return nil, err
	}
	u, _ := url.Parse(raw)
	if a, err := netip.ParseAddr(u.Hostname()); err == nil {
		if err := c.guard.Check(a); err != nil {
			return nil, fmt.Errorf("activitypub: %s: %w", raw, err)
		}
	}
	u.Fragment = ""
	return u, nil
}

// SameOrigin reports whether two URLs share scheme, host and port.
func SameOrigin(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && ua.Host != "" &&
		strings.EqualFold(ua.Host, ub.Host)
}
