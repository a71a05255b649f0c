package images

import (
	"image"
	"math"
	"runtime"

	"github.com/disintegration/imaging"
)

// band is how many rows of the result are made from one strip of the picture.
const band = 128

// resize scales img to w×h with a Lanczos filter, a band of rows at a time: each strip of
// the picture that a band needs is scaled across (imaging), then down into the result
// (here). Besides the picture and the result, only one strip is in memory, never the whole
// picture scaled across (41 MB for a 4000×4000 one scaled to 2560×2560).
func resize(img image.Image, w, h int) *image.NRGBA {
	b := img.Bounds()
	if b.Dx() == w || b.Dy() == h {
		return imaging.Resize(img, w, h, imaging.Lanczos)
	}
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return imaging.Resize(img, w, h, imaging.Lanczos)
	}
	rows := weights(h, b.Dy(), imaging.Lanczos)
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	for j0 := 0; j0 < h; j0 += band {
		j1 := min(j0+band, h)
		first, last := rows[j0][0].index, rows[j0][0].index
		for _, row := range rows[j0:j1] {
			first, last = min(first, row[0].index), max(last, row[len(row)-1].index)
		}
		strip := imaging.Resize(sub.SubImage(image.Rect(b.Min.X, b.Min.Y+first, b.Max.X, b.Min.Y+last+1)),
			w, last-first+1, imaging.Lanczos)
		for j := j0; j < j1; j++ {
			down(out, j, strip, first, rows[j])
		}
		if large(b.Dx() * b.Dy()) {
			// The strip is garbage now; collected at once, the strips do not pile up to
			// the collector's goal (twice the large picture) before it runs.
			runtime.GC()
		}
	}
	return out
}

// down makes row j of out from the rows of strip (whose first row is the picture's row
// first) with their weights: colours weighted by their opacity, as imaging does across.
func down(out *image.NRGBA, j int, strip *image.NRGBA, first int, row []weight) {
	dst := out.Pix[j*out.Stride : j*out.Stride+4*out.Rect.Dx()]
	for x := 0; x < len(dst); x += 4 {
		var r, g, b, a float64
		for _, wt := range row {
			p := strip.Pix[(wt.index-first)*strip.Stride+x:]
			aw := float64(p[3]) * wt.weight
			r += float64(p[0]) * aw
			g += float64(p[1]) * aw
			b += float64(p[2]) * aw
			a += aw
		}
		if a != 0 {
			dst[x], dst[x+1], dst[x+2] = clamp(r/a), clamp(g/a), clamp(b/a)
		}
		dst[x+3] = clamp(a)
	}
}

// weight is a source row's share in a result row.
type weight struct {
	index  int
	weight float64
}

// weights says, for each of n result rows, which of the src rows make it and how much: the
// filter centred on the row's place in the picture, widened by the scale when shrinking,
// normalised to a sum of 1.
func weights(n, src int, f imaging.ResampleFilter) [][]weight {
	scale := float64(src) / float64(n)
	widen := max(scale, 1)
	radius := math.Ceil(widen * f.Support)
	out := make([][]weight, n)
	for j := range n {
		centre := (float64(j)+0.5)*scale - 0.5
		var row []weight
		var sum float64
		for i := max(int(math.Ceil(centre-radius)), 0); i <= min(int(math.Floor(centre+radius)), src-1); i++ {
			if k := f.Kernel((float64(i) - centre) / widen); k != 0 {
				row = append(row, weight{i, k})
				sum += k
			}
		}
		if len(row) == 0 { // cannot happen with a filter of support ≥ 0.5; kept safe
			row = []weight{{min(max(int(centre+0.5), 0), src-1), 1}}
			sum = 1
		}
		for i := range row {
			row[i].weight /= sum
		}
		out[j] = row
	}
	return out
}

func clamp(v float64) uint8 {
	return uint8(min(max(v+0.5, 0), 255))
}
