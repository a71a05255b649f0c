// Package logging builds the daemons' slog logger: text lines on stderr, and under journald
// the syslog priority prefix instead of a timestamp (journald adds time and unit).
package logging

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
)

// New returns a logger writing to w at the given level. With journal set, every line starts
// with its priority (<3> error … <7> debug) and carries no time of its own.
func New(w io.Writer, level slog.Leveler, journal bool) *slog.Logger {
	if !journal {
		return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	}
	h := &journalHandler{w: w, mu: &sync.Mutex{}, buf: &bytes.Buffer{}}
	h.text = slog.NewTextHandler(h.buf, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime})
	return slog.New(h)
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

// journalHandler formats with a TextHandler into a buffer and writes the line with its
// priority prefix in one write, so that lines of concurrent goroutines never mix.
type journalHandler struct {
	w    io.Writer
	mu   *sync.Mutex
	buf  *bytes.Buffer
	text slog.Handler
}

func (h *journalHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.text.Enabled(ctx, l)
}

func (h *journalHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.Reset()
	h.buf.WriteString(priority(r.Level))
	if err := h.text.Handle(ctx, r); err != nil {
		return err
	}
	_, err := h.w.Write(h.buf.Bytes())
	return err
}

func (h *journalHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &journalHandler{w: h.w, mu: h.mu, buf: h.buf, text: h.text.WithAttrs(attrs)}
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	return &journalHandler{w: h.w, mu: h.mu, buf: h.buf, text: h.text.WithGroup(name)}
}

// priority is the sd-daemon(3) prefix for a level.
func priority(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return "<3>"
	case l >= slog.LevelWarn:
		return "<4>"
	case l >= slog.LevelInfo:
		return "<6>"
	default:
		return "<7>"
	}
}
