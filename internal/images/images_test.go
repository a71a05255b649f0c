package images

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func pngOf(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestMake(t *testing.T) {
	out, err := Make(bytes.NewReader(pngOf(600, 300)), 10<<20, Avatar)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("avatar %v, %v", img.Bounds(), err)
	}
	out, _ = Make(bytes.NewReader(pngOf(800, 200)), 10<<20, Logo)
	img, _ = jpeg.Decode(bytes.NewReader(out))
	if img.Bounds().Dx() != 400 || img.Bounds().Dy() != 100 {
		t.Errorf("logo %v, want 400×100", img.Bounds())
	}
	if _, err := Make(strings.NewReader("%PDF-1.4 not a picture"), 10<<20, Avatar); !errors.Is(err, ErrNotImage) {
		t.Errorf("a PDF: %v", err)
	}
	if _, err := Make(bytes.NewReader(pngOf(100, 100)), 100, Avatar); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the size limit: %v", err)
	}
}

func TestSave(t *testing.T) {
	root := t.TempDir()
	rel, err := Save(root, "avatars", ".jpg", []byte("x"))
	if err != nil || !strings.HasPrefix(rel, "avatars/") || !strings.HasSuffix(rel, ".jpg") {
		t.Fatalf("%q, %v", rel, err)
	}
	if b, err := os.ReadFile(filepath.Join(root, rel)); err != nil || string(b) != "x" {
		t.Errorf("%q, %v", b, err)
	}
}
