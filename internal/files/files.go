// Package files keeps uploads below media_root under random names (as the Django grouprise
// did, so that imported files need no renaming), checks that their content fits their
// name, and tells what kind of file a name is.
package files

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ErrMismatch means that a file's content does not fit its extension (a program named .pdf).
var ErrMismatch = errors.New("the file's content does not match its name")

// ErrTooLarge means that an upload is larger than allowed.
var ErrTooLarge = errors.New("the file is too large")

// sniffed lists, for extensions whose content can be recognised, what net/http's content
// sniffing (the WHATWG algorithm) may call them.
var sniffed = map[string][]string{
	".pdf":  {"application/pdf"},
	".jpg":  {"image/jpeg"},
	".jpeg": {"image/jpeg"},
	".png":  {"image/png"},
	".gif":  {"image/gif"},
	".webp": {"image/webp"},
	".bmp":  {"image/bmp"},
	".txt":  {"text/plain"},
	".csv":  {"text/plain"},
	".md":   {"text/plain"},
	".ics":  {"text/plain"},
	".vcf":  {"text/plain"},
	".odt":  {"application/zip"},
	".ods":  {"application/zip"},
	".odp":  {"application/zip"},
	".odg":  {"application/zip"},
	".docx": {"application/zip"},
	".xlsx": {"application/zip"},
	".pptx": {"application/zip"},
	".epub": {"application/zip"},
	".zip":  {"application/zip"},
	".gz":   {"application/x-gzip"},
	".mp3":  {"audio/mpeg"},
	".ogg":  {"application/ogg", "audio/ogg"},
	".oga":  {"application/ogg", "audio/ogg"},
	".opus": {"application/ogg", "audio/ogg"},
	".mp4":  {"video/mp4"},
	".m4a":  {"video/mp4", "audio/mp4"},
	".webm": {"video/webm"},
	".wav":  {"audio/wave"},
}

// Check tells whether the start of a file (head, its first 512 bytes or all of a smaller
// file) fits its name. Names whose extension has no recognisable content pass.
func Check(name string, head []byte) error {
	want, ok := sniffed[strings.ToLower(path.Ext(name))]
	if !ok {
		return nil
	}
	got, _, _ := strings.Cut(http.DetectContentType(head), ";")
	for _, w := range want {
		if got == w {
			return nil
		}
	}
	if got == "text/plain" && len(head) == 0 {
		return nil // an empty file
	}
	return ErrMismatch
}

// Ext is the lower-cased extension of a name, kept for stored files (and only letters and
// digits, at most 10, so that a stored name is always safe in a URL).
func Ext(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if len(ext) < 2 || len(ext) > 11 {
		return ""
	}
	for _, r := range ext[1:] {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return ""
		}
	}
	return ext
}

// NewName is a fresh stored name: 16 random lower-case letters and digits and the extension.
func NewName(original string) string {
	return strings.ToLower(rand.Text()[:16]) + Ext(original)
}

// ValidName tells whether a name from a URL may be a stored name (no paths, no dot files).
func ValidName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/\\") && !strings.HasPrefix(name, ".") && len(name) <= 120
}

// Save copies r (at most limit bytes; 0: no limit) below root under a new name for the
// original name, checking that the content fits the name. It returns the stored name.
func Save(root string, r io.Reader, original string, limit int64) (string, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("files: %w", err)
	}
	head = head[:n]
	if err := Check(original, head); err != nil {
		return "", err
	}
	src := io.MultiReader(bytes.NewReader(head), r)
	if limit > 0 {
		src = io.LimitReader(src, limit+1)
	}
	return store(root, original, func(w io.Writer) error {
		written, err := io.Copy(w, src)
		if err == nil && limit > 0 && written > limit {
			err = ErrTooLarge
		}
		return err
	})
}

// store writes a new file below root under a new name for the original name: to a
// temporary file first, renamed when complete, so that nobody sees half a file.
func store(root, original string, write func(io.Writer) error) (string, error) {
	if err := MkdirAll(root); err != nil {
		return "", fmt.Errorf("files: %w", err)
	}
	name := NewName(original)
	if err := writeAtomic(filepath.Join(root, name), write); err != nil {
		if errors.Is(err, ErrTooLarge) {
			return "", err
		}
		return "", fmt.Errorf("files: %w", err)
	}
	return name, nil
}

// SaveBytes stores data (a mail's attachment) below root under a new name for the original
// name, and returns the stored name.
func SaveBytes(root string, data []byte, original string) (string, error) {
	return store(root, original, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Remove deletes a stored file (after a transaction that was to record it failed).
func Remove(root, name string) {
	if ValidName(name) {
		os.Remove(filepath.Join(root, name))
	}
}

// Inline tells how a page shows a stored file: "image", "video" or "audio" for the formats
// browsers play, by the extension (which decides the Content-Type the file is served with,
// and which Check held against its content on upload); "" for a download link. SVG is only
// a download: opened on its own it can run script.
func Inline(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return "image"
	case ".mp4", ".webm":
		return "video"
	case ".mp3", ".ogg", ".oga", ".opus", ".wav", ".m4a":
		return "audio"
	}
	return ""
}

// SameContent tells whether the file at path holds exactly the bytes r gives (an import or a
// restore that finds a file of that name already: the same one, or another).
func SameContent(path string, r io.Reader) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	ba, bb := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		na, ea := io.ReadFull(f, ba)
		nb, eb := io.ReadFull(r, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			return false
		}
		if ea != nil || eb != nil {
			return (ea == io.EOF || ea == io.ErrUnexpectedEOF) && (eb == io.EOF || eb == io.ErrUnexpectedEOF)
		}
	}
}
