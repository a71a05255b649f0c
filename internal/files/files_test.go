package files

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCheck(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	pdf := []byte("%PDF-1.7\n")
	zip := []byte("PK\x03\x04\x14\x00")
	cases := []struct {
		name string
		head []byte
		ok   bool
	}{
		{"bericht.pdf", pdf, true},
		{"BERICHT.PDF", pdf, true},
		{"bericht.pdf", png, false},
		{"bild.png", png, true},
		{"bild.jpg", png, false},
		{"liste.txt", []byte("Äpfel\nBirnen\n"), true},
		{"liste.txt", pdf, false},
		{"brief.odt", zip, true},
		{"brief.docx", pdf, false},
		{"leer.txt", nil, true},
		{"daten.xyz", pdf, true}, // nothing known about .xyz
		{"ohne-endung", png, true},
	}
	for _, c := range cases {
		err := Check(c.name, c.head)
		if (err == nil) != c.ok || err != nil && !errors.Is(err, ErrMismatch) {
			t.Errorf("Check(%q): %v, want ok=%v", c.name, err, c.ok)
		}
	}
}

func TestNames(t *testing.T) {
	for name, want := range map[string]string{"a.PDF": ".pdf", "a.tar.gz": ".gz", "a": "", "a.": "", "a.p d f": "",
		"a.verylongextension": "", "a.ö": ""} {
		if got := Ext(name); got != want {
			t.Errorf("Ext(%q) = %q, want %q", name, got, want)
		}
	}
	n := NewName("Bericht 2027.PDF")
	if len(n) != 20 || !strings.HasSuffix(n, ".pdf") || strings.ToLower(n) != n || !ValidName(n) {
		t.Errorf("NewName: %q", n)
	}
	for _, bad := range []string{"", "../x", "a/b", `a\b`, ".hidden"} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q)", bad)
		}
	}
	for name, want := range map[string]string{"a.JPG": "image", "a.webm": "video", "a.opus": "audio", "a.pdf": "", "a.svg": "", "a": ""} {
		if got := Inline(name); got != want {
			t.Errorf("Inline(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSave(t *testing.T) {
	root := t.TempDir()
	data := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 2000)...)
	name, err := Save(root, bytes.NewReader(data), "plan.pdf", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, name))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored %d bytes, %v", len(got), err)
	}
	if _, err := Save(root, bytes.NewReader(data), "plan.pdf", 1000); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if _, err := Save(root, bytes.NewReader([]byte("no pdf")), "plan.pdf", 0); !errors.Is(err, ErrMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	entries, _ := os.ReadDir(root)
	if len(entries) != 1 {
		t.Errorf("refused uploads left files: %d entries", len(entries))
	}
	Remove(root, name)
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Error("Remove left the file")
	}
}

// Whatever the umask, stored files are 0640 and new directories 0750, and a directory made
// inside a setgid one (media_root with the web server's group) keeps setgid.
func TestModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := filepath.Join(t.TempDir(), "media")
	name, err := SaveBytes(root, []byte("%PDF-1.4\n"), "a.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o750|os.ModeSetgid); err != nil {
		t.Fatal(err)
	}
	if err := MkdirAll(filepath.Join(root, "cache", "preview")); err != nil {
		t.Fatal(err)
	}
	if err := WriteAtomic(filepath.Join(root, "cache", "preview", "x.jpg"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{
		root:                                    0o750 | os.ModeDir | os.ModeSetgid,
		filepath.Join(root, name):               0o640,
		filepath.Join(root, "cache"):            0o750 | os.ModeDir | os.ModeSetgid,
		filepath.Join(root, "cache", "preview"): 0o750 | os.ModeDir | os.ModeSetgid,
		filepath.Join(root, "cache", "preview", "x.jpg"): 0o640,
	} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, want %v (%v)", path, fi.Mode(), want, err)
		}
	}
}
