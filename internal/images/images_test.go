package images

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/image/bmp"

	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/memory"
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
	rd, ctx := NewRenderer(2), context.Background()
	out, err := rd.Make(ctx, bytes.NewReader(pngOf(600, 300)), 10<<20, Avatar)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil || img.Bounds().Dx() != 256 || img.Bounds().Dy() != 256 {
		t.Fatalf("avatar %v, %v", img.Bounds(), err)
	}
	out, _ = rd.Make(ctx, bytes.NewReader(pngOf(800, 200)), 10<<20, Logo)
	img, _ = jpeg.Decode(bytes.NewReader(out))
	if img.Bounds().Dx() != 400 || img.Bounds().Dy() != 100 {
		t.Errorf("logo %v, want 400×100", img.Bounds())
	}
	if _, err := rd.Make(ctx, strings.NewReader("%PDF-1.4 not a picture"), 10<<20, Avatar); !errors.Is(err, ErrNotImage) {
		t.Errorf("a PDF: %v", err)
	}
	if _, err := rd.Make(ctx, bytes.NewReader(pngOf(100, 100)), 100, Avatar); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the size limit: %v", err)
	}
	// transparent parts become white, not black
	out, _ = rd.Make(ctx, bytes.NewReader(imagestest.PNG(40, 40, 0, 0, 0, 0)), 10<<20, Logo)
	img, _ = jpeg.Decode(bytes.NewReader(out))
	if r, g, b, _ := img.At(20, 20).RGBA(); r>>8 < 250 || g>>8 < 250 || b>>8 < 250 {
		t.Errorf("a transparent picture became %v", img.At(20, 20))
	}
}

// A BMP or TIFF would decode (imaging registers them), but pages take JPEG, PNG, GIF and
// WebP only, and no other decoder is exposed to uploads.
func TestMakeRefusesOtherFormats(t *testing.T) {
	var buf bytes.Buffer
	bmp.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 20, 20)))
	if _, err := NewRenderer(1).Make(context.Background(), bytes.NewReader(buf.Bytes()), 10<<20, Avatar); !errors.Is(err, ErrNotImage) {
		t.Errorf("a BMP: %v", err)
	}
}

// A PNG of 170 KB whose header says 6300×6300 pixels would take 160 MB decoded: refused by
// its header, before anything is decoded.
func TestMakeRefusesTooManyPixels(t *testing.T) {
	rd := NewRenderer(1)
	for _, c := range []struct {
		w, h int
		want error
	}{{6300, 6300, ErrTooManyPixels}, {4001, 4000, ErrTooManyPixels}, {40000, 1, nil}} {
		data := imagestest.PNG(c.w, c.h, 200, 30, 30, 255)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := rd.Make(context.Background(), bytes.NewReader(data), 10<<20, Avatar)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, c.want) {
			t.Errorf("%d×%d: %v, want %v", c.w, c.h, err, c.want)
		}
		if allocated := after.TotalAlloc - before.TotalAlloc; c.want != nil && allocated > 4<<20 {
			t.Errorf("%d×%d: refused after allocating %d MB", c.w, c.h, allocated>>20)
		}
	}
}

// Decoding waits for a slot: with one slot taken, a picture waits until the slot is free or
// its request is gone.
func TestRendererBound(t *testing.T) {
	rd := NewRenderer(1)
	release, err := rd.acquire(context.Background(), 100, 100*bytesPerPixel)
	if err != nil {
		t.Fatal(err)
	}
	data := pngOf(50, 50)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := rd.Make(ctx, bytes.NewReader(data), 10<<20, Avatar)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("decoded beside another picture: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled while waiting: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a canceled request still waits")
	}

	go func() {
		_, err := rd.Make(context.Background(), bytes.NewReader(data), 10<<20, Avatar)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	release()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("after the slot came free: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting after the slot came free")
	}

	// two small pictures share two slots; a large one takes both
	rd = NewRenderer(2)
	r1, _ := rd.acquire(context.Background(), 100, 100*bytesPerPixel)
	r2, err := rd.acquire(context.Background(), 100, 100*bytesPerPixel)
	if err != nil {
		t.Fatal(err)
	}
	r1()
	short, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	if _, err := rd.acquire(short, MaxPixels, MaxDecode); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a large picture beside a small one: %v", err)
	}
	r2()
}

// jpegWithOrientation is a w×h JPEG with an EXIF segment giving orientation o.
func jpegWithOrientation(w, h, o int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w / 2 { // the left half is red, the right half white
		for y := range h {
			img.Set(x, y, color.RGBA{255, 0, 0, 255})
		}
	}
	for x := w / 2; x < w; x++ {
		for y := range h {
			img.Set(x, y, color.White)
		}
	}
	var buf bytes.Buffer
	jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	tiff[19] = byte(o)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := append([]byte{0xff, 0xe1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}, seg...)
	data := buf.Bytes()
	return append(append(append([]byte{}, data[:2]...), app1...), data[2:]...)
}

func TestMakeAppliesOrientation(t *testing.T) {
	rd := NewRenderer(1)
	for _, c := range []struct {
		o          int
		w, h       int
		redX, redY int // a point that must be red
	}{{1, 300, 100, 10, 50}, {6, 100, 300, 50, 10}, {8, 100, 300, 50, 290}, {3, 300, 100, 290, 50}} {
		out, err := rd.Make(context.Background(), bytes.NewReader(jpegWithOrientation(300, 100, c.o)), 10<<20, Logo)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := jpeg.Decode(bytes.NewReader(out))
		if img.Bounds().Dx() != c.w || img.Bounds().Dy() != c.h {
			t.Errorf("orientation %d: %v, want %d×%d", c.o, img.Bounds(), c.w, c.h)
			continue
		}
		if r, g, _, _ := img.At(c.redX, c.redY).RGBA(); r>>8 < 200 || g>>8 > 60 {
			t.Errorf("orientation %d: %v at %d,%d, want red", c.o, img.At(c.redX, c.redY), c.redX, c.redY)
		}
	}
}

func TestSave(t *testing.T) {
	root := t.TempDir()
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	rel, err := Save(root, "avatars", ".jpg", []byte("x"))
	if err != nil || !strings.HasPrefix(rel, "avatars/") || !strings.HasSuffix(rel, ".jpg") {
		t.Fatalf("%q, %v", rel, err)
	}
	if b, err := os.ReadFile(filepath.Join(root, rel)); err != nil || string(b) != "x" {
		t.Errorf("%q, %v", b, err)
	}
	for path, want := range map[string]os.FileMode{filepath.Join(root, rel): 0o640, filepath.Join(root, "avatars"): 0o750 | os.ModeDir} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, want %v (%v)", path, fi.Mode(), want, err)
		}
	}
}

func TestRenderModes(t *testing.T) {
	root := t.TempDir()
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	src := filepath.Join(root, "a.png")
	os.WriteFile(src, pngOf(300, 300), 0o600)
	dst := filepath.Join(root, "cache", "preview", "a.jpg")
	if err := NewRenderer(1).Render(context.Background(), src, dst, Renditions["preview"]); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dst: 0o640, filepath.Dir(dst): 0o750 | os.ModeDir, filepath.Join(root, "cache"): 0o750 | os.ModeDir} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, want %v (%v)", path, fi.Mode(), want, err)
		}
	}
}

// TestRendererSharesMemory: a picture waits while other work (password hashes) holds the
// daemon's memory budget, and decodes once it is given back.
func TestRendererSharesMemory(t *testing.T) {
	budget := memory.NewBudget(8 * 1024)
	rd := NewRenderer(2).ShareMemory(budget)
	hold, err := budget.Take(context.Background(), 8*1024)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if release, err := rd.acquire(ctx, 1000*1000, 1000*1000*bytesPerPixel); err == nil {
		release()
		t.Fatal("a picture decoded while the budget was taken")
	}
	hold()
	release, err := rd.acquire(context.Background(), 1000*1000, 1000*1000*bytesPerPixel)
	if err != nil {
		t.Fatalf("after the budget was given back: %v", err)
	}
	release()
}
