package images

import (
	"image"
	"math/rand/v2"
	"testing"

	"github.com/disintegration/imaging"
)

// Scaled a band at a time, a picture comes out exactly as scaled whole (by imaging), for
// bands that meet the picture's edges and for shrinking and growing.
func TestResizeInBands(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ w, h, toW, toH int }{
		{600, 400, 256, 171}, {300, 900, 85, 256}, {1000, 1000, 250, 250}, {517, 333, 400, 258},
		{2000, 300, 400, 60}, {301, 7000, 20, 400}, {100, 50, 300, 150},
	} {
		img := image.NewNRGBA(image.Rect(0, 0, c.w, c.h))
		for i := range img.Pix {
			img.Pix[i] = uint8(rnd.IntN(256))
		}
		want, got := imaging.Resize(img, c.toW, c.toH, imaging.Lanczos), resize(img, c.toW, c.toH)
		if got.Bounds() != want.Bounds() {
			t.Fatalf("%+v: %v, want %v", c, got.Bounds(), want.Bounds())
		}
		for i := range want.Pix {
			if got.Pix[i] != want.Pix[i] {
				t.Errorf("%+v: byte %d is %d, want %d", c, i, got.Pix[i], want.Pix[i])
				break
			}
		}
	}
}
