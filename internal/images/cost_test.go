package images

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"runtime"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/images/imagestest"
)

// DecodeCost counts a progressive JPEG's coefficients (12 bytes a pixel in three full
// components) besides the 6 bytes a pixel of every picture, a 16-bit PNG's larger bitmap
// (4 bytes a pixel more) and an interlaced PNG's passes (its bitmap again); a baseline JPEG
// and an 8-bit PNG have nothing besides.
func TestDecodeCost(t *testing.T) {
	var baseline bytes.Buffer
	if err := jpeg.Encode(&baseline, image.NewRGBA(image.Rect(0, 0, 800, 600)), nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want int64
	}{
		{"png", imagestest.PNG(800, 600, 1, 2, 3, 255), 800 * 600 * 6},
		{"baseline jpeg", baseline.Bytes(), 800 * 600 * 6},
		{"progressive jpeg", imagestest.ProgressiveJPEG(800, 600), 800*600*6 + 3*100*75*256},
		{"16-bit png", imagestest.BlankPNG(800, 600, 16, 6, false), 800 * 600 * 10},
		{"16-bit grey png", imagestest.BlankPNG(800, 600, 16, 0, false), 800 * 600 * 10},
		{"interlaced png", imagestest.BlankPNG(800, 600, 8, 2, true), 800 * 600 * 10},
		{"interlaced 16-bit png", imagestest.BlankPNG(800, 600, 16, 4, true), 800 * 600 * 18},
		{"progressive jpeg, partial blocks", imagestest.ProgressiveJPEG(801, 601), 801*601*6 + 3*101*76*256},
	} {
		got, err := DecodeCost(bytes.NewReader(c.data))
		if err != nil || got != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	if _, err := DecodeCost(bytes.NewReader([]byte("<svg/>"))); err != ErrNotImage {
		t.Errorf("no picture: %v", err)
	}
}

// A progressive JPEG takes the slots of a picture as large as its decoding costs: one of
// 1500×1500 pixels (2.25 megapixels, below a quarter of MaxPixels, but 40 MB with its
// coefficients, as a large picture) decodes alone.
func TestProgressiveJPEGTakesItsCost(t *testing.T) {
	rd := NewRenderer(2)
	hold, err := rd.acquire(context.Background(), 1, bytesPerPixel)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := rd.Make(ctx, bytes.NewReader(imagestest.ProgressiveJPEG(1500, 1500)), 10<<20, Avatar); err == nil {
		t.Error("the progressive JPEG decoded beside another picture")
	}
	hold()
	if out, err := rd.Make(context.Background(), bytes.NewReader(imagestest.ProgressiveJPEG(1500, 1500)), 10<<20, Avatar); err != nil || len(out) == 0 {
		t.Errorf("alone: %v", err)
	}
}

// Make refuses a picture whose decoding would cost more than MaxDecode, from its header:
// a progressive JPEG of 2310×2310 pixels without chroma subsampling (18 bytes a pixel) is
// just over it, one of 2300×2300 just within; the refusal is an ErrTooManyPixels too.
func TestMakeRefusesCostlyPictures(t *testing.T) {
	rd := NewRenderer(1)
	for _, c := range []struct {
		w, h int
		want error
	}{{4000, 4000, ErrTooCostly}, {2310, 2310, ErrTooCostly}, {2300, 2300, nil}} {
		data := imagestest.ProgressiveJPEG(c.w, c.h)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := rd.Make(context.Background(), bytes.NewReader(data), 10<<20, Avatar)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, c.want) || c.want != nil && !errors.Is(err, ErrTooManyPixels) {
			t.Errorf("%d×%d: %v, want %v", c.w, c.h, err, c.want)
		}
		if allocated := after.TotalAlloc - before.TotalAlloc; c.want != nil && allocated > 1<<20 {
			t.Errorf("%d×%d: refused after allocating %d KB", c.w, c.h, allocated>>10)
		}
	}
}
