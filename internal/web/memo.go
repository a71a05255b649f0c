package web

import (
	"context"
	"errors"
	"net/http"

	"grouprise.org/grouprise/internal/memo"
	"grouprise.org/grouprise/internal/metrics"
)

// memoBytes bounds what a web daemon keeps of the store's data between changes (issue 20:
// the daemon stays within 40 MB).
const memoBytes = 8 << 20

// requestGeneration is the store's generation as the request first read it: every value a
// request takes from the memo belongs to one generation.
type requestGeneration struct {
	n    int64
	read bool
	ok   bool
}

type generationKey struct{}

// withGeneration gives each request its place for the generation, read when first needed.
func withGeneration(r *http.Request) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), generationKey{}, &requestGeneration{}))
}

// generation is the store's generation for this request; false when it cannot be read (then
// nothing is taken from the memo).
func (s *Server) generation(r *http.Request) (int64, bool) {
	rg, _ := r.Context().Value(generationKey{}).(*requestGeneration)
	if rg != nil && rg.read {
		return rg.n, rg.ok
	}
	n, err := s.db.Generation(r.Context())
	if err != nil {
		s.log.Warn("reading the store's generation failed; computing afresh", "err", err)
	}
	if rg != nil {
		rg.n, rg.read, rg.ok = n, true, err == nil
	}
	return n, err == nil
}

// cached is what load computes for key, kept in the memo for as long as the store does not
// change. The key must name everything the value depends on besides the store: the viewer's
// role where it matters, the language, the page, the hour. Values are shared between
// requests and must not be changed.
func cached[T any](s *Server, r *http.Request, key string, load func() (T, int, error)) (T, error) {
	gen, ok := s.generation(r)
	if !ok {
		v, _, err := load()
		return v, err
	}
	v, err := memo.Get(s.memo, gen, key, load)
	if err != nil && r.Context().Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		// Requests that miss a key at once share the first one's load, which runs with that
		// request's context: when its client went away, the others compute for themselves.
		v, _, err = load()
	}
	return v, err
}

// The content of these pages depends on nothing but the viewer, the address, the language,
// the minute and the store (contentMemoKey).
func (groupPageData) memoContent() bool    { return true }
func (indexData) memoContent() bool        { return true }
func (profilePageData) memoContent() bool  { return true }
func (*contentPageData) memoContent() bool { return true }

// MemoStats are the memo's counters (for the metrics).
func (s *Server) MemoStats() metrics.MemoStats {
	st := s.memo.Stats()
	return metrics.MemoStats{Hits: st.Hits, Misses: st.Misses, Drops: st.Drops, Entries: st.Entries, Bytes: st.Bytes}
}
