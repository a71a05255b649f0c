package imagestest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

func TestPNG(t *testing.T) {
	for _, c := range []struct{ w, h int }{{1, 1}, {3, 2}, {50, 40}, {7, 200}, {300, 300}, {20, 65}} {
		img, err := png.Decode(bytes.NewReader(PNG(c.w, c.h, 1, 2, 3, 4)))
		if err != nil {
			t.Fatalf("%d×%d: %v", c.w, c.h, err)
		}
		if img.Bounds() != image.Rect(0, 0, c.w, c.h) {
			t.Errorf("%d×%d: %v", c.w, c.h, img.Bounds())
		}
		if got := color.NRGBAModel.Convert(img.At(c.w-1, c.h-1)); got != (color.NRGBA{1, 2, 3, 4}) {
			t.Errorf("%d×%d: %v", c.w, c.h, got)
		}
	}
	bomb := PNG(6300, 6300, 200, 30, 30, 255)
	cfg, err := png.DecodeConfig(bytes.NewReader(bomb))
	if err != nil || cfg.Width != 6300 || cfg.Height != 6300 || len(bomb) > 200<<10 {
		t.Errorf("%v, %v, %d bytes", cfg, err, len(bomb))
	}
}

func TestBlankPNG(t *testing.T) {
	for _, c := range []struct{ w, h, depth, ct int }{{1, 1, 8, 6}, {3, 2, 16, 6}, {50, 40, 16, 0}, {7, 200, 8, 2}, {300, 300, 16, 2}, {20, 65, 8, 4}, {130, 70, 16, 4}} {
		for _, interlaced := range []bool{false, true} {
			img, err := png.Decode(bytes.NewReader(BlankPNG(c.w, c.h, c.depth, c.ct, interlaced)))
			if err != nil {
				t.Fatalf("%v, interlaced %v: %v", c, interlaced, err)
			}
			if img.Bounds() != image.Rect(0, 0, c.w, c.h) {
				t.Errorf("%v: %v", c, img.Bounds())
			}
		}
	}
}

func TestJPEG(t *testing.T) {
	for _, c := range []struct{ w, h, comps, h0, v0 int }{{1, 1, 1, 1, 1}, {33, 17, 3, 2, 2}, {100, 75, 3, 1, 1}, {64, 9, 3, 2, 1}} {
		for _, progressive := range []bool{false, true} {
			img, err := jpeg.Decode(bytes.NewReader(JPEG(c.w, c.h, progressive, c.comps, c.h0, c.v0)))
			if err != nil {
				t.Fatalf("%v, progressive %v: %v", c, progressive, err)
			}
			if img.Bounds() != image.Rect(0, 0, c.w, c.h) {
				t.Errorf("%v: %v", c, img.Bounds())
			}
		}
	}
}
