package logging

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestJournalLines(t *testing.T) {
	var out bytes.Buffer
	log := New(&out, slog.LevelDebug, true).With("daemon", "web")
	log.Error("database gone", "err", "refused")
	log.Warn("slow")
	log.Info("ready")
	log.Debug("detail")
	want := []string{
		`<3>level=ERROR msg="database gone" daemon=web err=refused`,
		`<4>level=WARN msg=slow daemon=web`,
		`<6>level=INFO msg=ready daemon=web`,
		`<7>level=DEBUG msg=detail daemon=web`,
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTerminalLinesHaveTime(t *testing.T) {
	var out bytes.Buffer
	New(&out, slog.LevelInfo, false).Debug("hidden")
	New(&out, slog.LevelInfo, false).Info("shown")
	if s := out.String(); !strings.HasPrefix(s, "time=") || strings.Contains(s, "hidden") {
		t.Errorf("got %q", s)
	}
}
