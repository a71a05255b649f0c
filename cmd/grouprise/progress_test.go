package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"grouprise.org/grouprise/internal/store"
)

// runFiles runs grouprise like site.run, but with stdout and stderr the given files.
func (s *site) runFiles(stdout, stderr *os.File, stdin string, args ...string) int {
	return run(context.Background(), args, &env{
		stdin: strings.NewReader(stdin), stdout: stdout, stderr: stderr,
		environ: []string{"GROUPRISE_CONFIG=" + s.dir}, systemConfigDir: filepath.Join(s.dir, "nowhere"),
	})
}

func readAll(t *testing.T, f *os.File) string {
	t.Helper()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNoProgressWithoutTerminal: in scripts, CI and postinst stdout and stderr are files or
// pipes, and the long commands print exactly what they printed before: their summary.
func TestNoProgressWithoutTerminal(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	old := filepath.Join(t.TempDir(), "django.sqlite3")
	copyFixture(t, old)
	s.expect(exitOK, "applied migration", "", "migrate")
	dryRun := s.expect(exitOK, "would import (dry run", "", "import-django", "--dry-run", old)
	archive := filepath.Join(t.TempDir(), "site.tar.gz")
	list := "anna@example.org\nbob@example.org\n"
	for _, c := range []struct {
		stdin string
		args  []string
		want  string // all of stdout; "" for: any
	}{
		{"", []string{"import-django", "--dry-run", old}, dryRun},
		{"", []string{"import-django", old}, ""},
		{"", []string{"dump", "--output", archive}, ""},
		{"", []string{"user", "create", "--username", "anna", "--email", "anna@example.org"}, ""},
		{"", []string{"group", "create", "--name", "Garten", "--creator", "anna"}, ""},
		{list, []string{"group", "import-members", "--slug", "garten", "--by", "anna", "-"},
			"anna@example.org: a member already\n1 added to garten, 1 members already, 0 failed\n"},
	} {
		dir := t.TempDir()
		stdout, _ := os.Create(filepath.Join(dir, "stdout"))
		stderr, _ := os.Create(filepath.Join(dir, "stderr"))
		code := s.runFiles(stdout, stderr, c.stdin, c.args...)
		out, errOut := readAll(t, stdout), readAll(t, stderr)
		stdout.Close()
		stderr.Close()
		if code != exitOK || errOut != "" || c.want != "" && out != c.want {
			t.Errorf("grouprise %s: exit %d, stderr %q\nstdout: %s", strings.Join(c.args, " "), code, errOut, out)
		}
	}
	to := newSite(t, store.SQLite, "")
	stdout, _ := os.Create(filepath.Join(t.TempDir(), "stdout"))
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	code := to.runFiles(stdout, w, "", "restore", archive)
	w.Close()
	errOut, _ := io.ReadAll(r)
	if out := readAll(t, stdout); code != exitOK || len(errOut) != 0 || !strings.HasPrefix(out, "restored the dump") ||
		strings.Count(out, "\n") != 1 {
		t.Errorf("restore: exit %d, stderr %q, stdout %q", code, errOut, out)
	}
}

// openPTY opens a pseudo terminal: its controlling side and the terminal a program sees.
func openPTY(t testing.TB) (control, tty *os.File) {
	t.Helper()
	control, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("no pseudo terminal (Linux has /dev/ptmx and /dev/pts): %v", err)
	}
	fd := int(control.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("no pseudo terminal (Linux has /dev/ptmx and /dev/pts): %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("no pseudo terminal (Linux has /dev/ptmx and /dev/pts): %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo terminal (Linux has /dev/ptmx and /dev/pts): %v", err)
	}
	return control, tty
}

// onTerminal runs grouprise with stderr a pseudo terminal and returns what was drawn there
// and what was written to stdout.
func (s *site) onTerminal(t *testing.T, args ...string) (code int, drawn, out string) {
	t.Helper()
	control, tty := openPTY(t)
	defer control.Close()
	done := make(chan string)
	go func() {
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := control.Read(buf)
			b.Write(buf[:n])
			if err != nil { // EIO once the terminal side is closed
				break
			}
		}
		done <- b.String()
	}()
	stdout, _ := os.Create(filepath.Join(t.TempDir(), "stdout"))
	defer stdout.Close()
	code = s.runFiles(stdout, tty, "", args...)
	tty.Close()
	drawn = <-done
	return code, drawn, readAll(t, stdout)
}

// TestProgressOnTerminal: with stderr a terminal, import-django, dump and restore draw their
// bars there: rows of each kind or table, then media bytes, or the bytes of the archive read,
// with the time left; stdout keeps the summary alone.
func TestProgressOnTerminal(t *testing.T) {
	s := newSite(t, store.SQLite, "")
	old := filepath.Join(t.TempDir(), "django.sqlite3")
	copyFixture(t, old)
	s.expect(exitOK, "applied migration", "", "migrate")
	code, bar, out := s.onTerminal(t, "import-django", old)
	if code != exitOK || !strings.Contains(bar, "import-django gestalten") ||
		!strings.Contains(bar, "import-django search index (8 files)") || !strings.Contains(bar, "[0s:") ||
		!strings.Contains(out, "no problems") {
		t.Errorf("import-django: exit %d\nterminal: %q\nstdout: %q", code, bar, out)
	}

	archive := filepath.Join(t.TempDir(), "site.tar.gz")
	code, bar, out = s.onTerminal(t, "dump", "--output", archive)
	var rows, tables int
	if _, err := fmt.Sscanf(strings.TrimPrefix(out, archive), ": %d rows of %d tables", &rows, &tables); err != nil {
		t.Fatalf("dump: exit %d, stdout %q: %v", code, out, err)
	}
	if code != exitOK || !strings.Contains(bar, "dump conversations") || !strings.Contains(bar, fmt.Sprintf("/%d)", rows)) ||
		!strings.Contains(bar, "dump media") || !strings.Contains(bar, "kB)") ||
		!strings.Contains(out, "8 media files") || strings.Count(out, "\n") != 1 {
		t.Errorf("dump: exit %d\nterminal: %q\nstdout: %q", code, bar, out)
	}

	to := newSite(t, store.SQLite, "")
	code, bar, out = to.onTerminal(t, "restore", archive)
	if code != exitOK || !strings.Contains(bar, "restore conversations") || !strings.Contains(bar, "restore search index (8 files)") ||
		!strings.Contains(bar, " kB, ") || !strings.HasPrefix(out, "restored the dump") || strings.Count(out, "\n") != 1 {
		t.Errorf("restore: exit %d\nterminal: %q\nstdout: %q", code, bar, out)
	}
	t.Logf("terminal: %q", bar)
}

// BenchmarkBarShow is what a report costs a long command with a bar on a terminal: most
// reports come between two draws.
func BenchmarkBarShow(b *testing.B) {
	control, tty := openPTY(b)
	defer control.Close()
	defer tty.Close()
	go io.Copy(io.Discard, control)
	bar := &terminalBar{f: tty, label: "dump"}
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		bar.show(i, 1<<40, false, "conversations", 0)
		i++
	}
	bar.end()
}
