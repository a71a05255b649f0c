package images

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"golang.org/x/image/webp"

	"grouprise.org/grouprise/internal/images/imagestest"
	"grouprise.org/grouprise/internal/memory"
)

// makeAllocates is what Make allocates for a picture made into rend, in bytes.
func makeAllocates(t *testing.T, data []byte, rend Rendition) uint64 {
	t.Helper()
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := NewRenderer(1).Make(context.Background(), bytes.NewReader(data), 1<<30, rend)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	return after.TotalAlloc - before.TotalAlloc
}

// webpLossless is a valid lossless WebP of w×h pixels, all of one colour: every pixel's
// Huffman codes are of length 0, so that the file has a few bytes at any size.
func webpLossless(w, h int) []byte {
	// VP8L header: signature, 14 bits width-1, 14 bits height-1, alpha, version 0; then no
	// transform, no colour cache, no meta codes, and five simple codes of one symbol.
	var bits uint64
	var n uint
	put := func(v uint64, k uint) { bits |= v << n; n += k }
	put(uint64(w-1), 14)
	put(uint64(h-1), 14)
	put(0, 1) // alpha
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta codes
	for range 5 {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(0, 1) // of 1 bit
		put(0, 1) // symbol 0
	}
	body := []byte{0x2f}
	for i := uint(0); i < n; i += 8 {
		body = append(body, byte(bits>>i))
	}
	if len(body)%2 == 1 {
		body = append(body, 0)
	}
	chunk := append([]byte("VP8L"), byte(len(body)), byte(len(body)>>8), 0, 0)
	chunk = append(chunk, body...)
	riff := append([]byte("RIFF"), byte(len(chunk)+4), byte((len(chunk)+4)>>8), 0, 0)
	return append(append(riff, "WEBP"...), chunk...)
}

// DecodeCost estimates at least what decoding a picture allocates (Make into an avatar, whose
// scaling adds little), and with scaleCost at least what Make allocates into the largest
// rendition too: for 8- and 16-bit and interlaced PNGs, baseline and progressive JPEGs of
// every sampling, GIFs and WebPs.
func TestDecodeCostCoversDecoding(t *testing.T) {
	var g bytes.Buffer
	if err := gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 2000, 1500), color.Palette{color.Black}), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := webp.DecodeConfig(bytes.NewReader(webpLossless(1000, 700))); err != nil {
		t.Fatalf("webp: %v", err)
	}
	for _, c := range []struct {
		name string
		data []byte
	}{
		{"8-bit PNG 1000²", imagestest.PNG(1000, 1000, 1, 2, 3, 255)},
		{"8-bit PNG 3000×2000", imagestest.PNG(3000, 2000, 1, 2, 3, 255)},
		{"8-bit PNG 4000²", imagestest.PNG(4000, 4000, 1, 2, 3, 255)},
		{"16-bit RGBA PNG 1000²", imagestest.BlankPNG(1000, 1000, 16, 6, false)},
		{"16-bit RGBA PNG 3000²", imagestest.BlankPNG(3000, 3000, 16, 6, false)},
		{"16-bit RGB PNG 2500²", imagestest.BlankPNG(2500, 2500, 16, 2, false)},
		{"16-bit grey PNG 3000²", imagestest.BlankPNG(3000, 3000, 16, 0, false)},
		{"interlaced 8-bit PNG 1000²", imagestest.BlankPNG(1000, 1000, 8, 6, true)},
		{"interlaced 8-bit PNG 3000²", imagestest.BlankPNG(3000, 3000, 8, 6, true)},
		{"interlaced 16-bit PNG 2000²", imagestest.BlankPNG(2000, 2000, 16, 6, true)},
		{"baseline JPEG 4:2:0 4000²", imagestest.JPEG(4000, 4000, false, 3, 2, 2)},
		{"baseline JPEG 4:4:4 4000²", imagestest.JPEG(4000, 4000, false, 3, 1, 1)},
		{"baseline JPEG grey 4000²", imagestest.JPEG(4000, 4000, false, 1, 1, 1)},
		{"progressive JPEG 4:2:0 1000²", imagestest.JPEG(1000, 1000, true, 3, 2, 2)},
		{"progressive JPEG 4:2:0 2800²", imagestest.JPEG(2800, 2800, true, 3, 2, 2)},
		{"progressive JPEG 4:4:4 2000²", imagestest.JPEG(2000, 2000, true, 3, 1, 1)},
		{"progressive JPEG grey 3000²", imagestest.JPEG(3000, 3000, true, 1, 1, 1)},
		{"GIF 2000×1500", g.Bytes()},
		{"lossless WebP 1000×700", webpLossless(1000, 700)},
		{"lossless WebP 3000²", webpLossless(3000, 3000)},
	} {
		estimate, err := DecodeCost(bytes.NewReader(c.data))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		measured := makeAllocates(t, c.data, Avatar)
		if measured > uint64(estimate)+uint64(estimate)/50+1<<20 {
			t.Errorf("%s: %d MB allocated, estimated %d MB", c.name, measured>>20, estimate>>20)
		}
		cfg, _, _ := image.DecodeConfig(bytes.NewReader(c.data))
		for _, rend := range []Rendition{Avatar, Stored} {
			reserved := estimate + scaleCost(cfg.Width, cfg.Height, rend, 1)
			if rend == Stored {
				measured = makeAllocates(t, c.data, rend)
			}
			t.Logf("%-30s %4d px: estimated %6.1f MiB, reserved %6.1f MiB, allocated %6.1f MiB", c.name, rend.Width,
				float64(estimate)/(1<<20), float64(reserved)/(1<<20), float64(measured)/(1<<20))
			if measured > uint64(reserved)+uint64(reserved)/50+1<<20 {
				t.Errorf("%s into %d px: %d MB allocated, reserved %d MB", c.name, rend.Width, measured>>20, reserved>>20)
			}
		}
	}
}

// Make takes from the memory budget what the picture's scaling takes besides its decoding:
// a 3000×2000 PNG (34 MiB to decode) made into an avatar fits beside 20 MiB taken from a
// budget of 64 MiB, made into its stored size (36 MiB more to scale) waits.
func TestMakeReservesItsScaling(t *testing.T) {
	budget := memory.NewBudget(64 << 10)
	rd := NewRenderer(2).ShareMemory(budget)
	hold, err := budget.Take(context.Background(), 20<<10)
	if err != nil {
		t.Fatal(err)
	}
	defer hold()
	data := imagestest.PNG(3000, 2000, 1, 2, 3, 255)
	if _, err := rd.Make(context.Background(), bytes.NewReader(data), 10<<20, Avatar); err != nil {
		t.Errorf("avatar: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := rd.Make(ctx, bytes.NewReader(data), 10<<20, Stored); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stored size: %v, want it waiting for the budget", err)
	}
}
