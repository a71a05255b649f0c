package activitypub

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A media fetch takes at most its Timeout for everything (redirects, answers, body), however
// the server spreads its bytes, while the client's per-request timeout is longer.
func TestFetchMediaTimeout(t *testing.T) {
	stop := make(chan struct{})
	srv, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hop" {
			http.Redirect(w, r, "/trickle", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		for range 100 { // a byte every 50 ms: each read is quick, the whole is not
			if _, err := w.Write([]byte{0}); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	defer close(stop)
	c := loopbackOnly(t, NewClient(ClientConfig{Domain: "grouprise.example", AllowedNetworks: onlyLocalhost, Timeout: time.Minute}))
	_, err := c.FetchMedia(context.Background(), srv.URL+"/hop", MediaRequest{Limit: 1 << 20, Types: []string{"image/png"},
		Timeout: 300 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) {
		// the whole body would come in 5 s, within the client's minute
		t.Errorf("a body trickled for 5 s: %v, want the fetch's deadline", err)
	}
	if MediaTimeout > 10*time.Second {
		t.Errorf("MediaTimeout %v", MediaTimeout)
	}
}

// Allow is asked about every address before it is requested, redirects included: what it
// refuses is not asked.
func TestFetchMediaAllowsEachHop(t *testing.T) {
	blocked, blockedHits := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("png"))
	})
	redirector, _ := countingServer(t, "", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	errNo := errors.New("blocked by the operator")
	var asked []string
	allow := func(u string) error {
		asked = append(asked, u)
		if strings.HasPrefix(u, blocked.URL) {
			return errNo
		}
		return nil
	}
	c := testClient(t, onlyLocalhost)
	req := MediaRequest{Limit: 1 << 20, Types: []string{"image/png"}, Allow: allow}
	for _, start := range []string{redirector.URL + "/?to=" + redirector.URL + "/?to=" + blocked.URL + "/p.png", blocked.URL + "/p.png"} {
		asked = nil
		if _, err := c.FetchMedia(context.Background(), start, req); !errors.Is(err, errNo) {
			t.Errorf("%s: %v, want refused by Allow", start, err)
		}
		if last := asked[len(asked)-1]; last != blocked.URL+"/p.png" {
			t.Errorf("%s: asked %q", start, asked)
		}
	}
	if n := blockedHits.Load(); n != 0 {
		t.Errorf("the refused server was asked %d times", n)
	}
	req.Allow = nil
	if b, err := c.FetchMedia(context.Background(), redirector.URL+"/?to="+blocked.URL+"/p.png", req); err != nil || string(b) != "png" {
		t.Errorf("without Allow: %q, %v", b, err)
	}
}
