package images

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"

	"grouprise.org/grouprise/internal/images/imagestest"
)

// withBefore is data with junk inserted at the marker that starts at data[at:].
func withBefore(data []byte, at int, junk []byte) []byte {
	return slices.Concat(data[:at], junk, data[at:])
}

// segmentStarts are the offsets of the markers of a JPEG's segments up to its first scan.
func segmentStarts(data []byte) []int {
	var at []int
	for i := 2; i+1 < len(data); i++ {
		if data[i] == 0xff && slices.Contains([]byte{0xdb, 0xc0, 0xc2, 0xc4, 0xda}, data[i+1]) {
			at = append(at, i)
			if data[i+1] == 0xda {
				break
			}
		}
	}
	return at
}

// Go's JPEG decoder skips bytes that are no marker, fill bytes, FF00 and restart markers
// between segments, and reads any length of segments before the frame header: so does
// DecodeCost, and a progressive JPEG with any of them before its frame header costs as much
// as without (and Make refuses a 4000×4000 one from its header).
func TestDecodeCostReadsMarkersAsGoDoes(t *testing.T) {
	com := append([]byte{0xff, 0xfe, 0xff, 0xff}, make([]byte, 0xfffd)...) // a comment of 64 KB
	for _, c := range []struct {
		name string
		junk []byte
	}{
		{"a byte of no marker", []byte{0x00}},
		{"junk", []byte{0x12, 0x34, 0x56}},
		{"a fill byte", []byte{0xff}},
		{"fill bytes", []byte{0xff, 0xff, 0xff, 0xff}},
		{"FF00", []byte{0xff, 0x00}},
		{"a restart marker", []byte{0xff, 0xd0}},
		{"restart markers", []byte{0xff, 0xd3, 0xff, 0xd7}},
		{"70 KB of comments", slices.Concat(com, []byte{0xff, 0xfe, 0x17, 0x72}, make([]byte, 0x1770))},
	} {
		for _, size := range []int{300, 4000} {
			orig := imagestest.ProgressiveJPEG(size, size)
			data := withBefore(orig, segmentStarts(orig)[1], c.junk) // before the frame header
			if size == 300 {
				if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
					t.Fatalf("%s: Go's decoder refuses it: %v", c.name, err)
				}
			}
			want, _ := DecodeCost(bytes.NewReader(orig))
			if got, err := DecodeCost(bytes.NewReader(data)); err != nil || got != want {
				t.Errorf("%s, %d²: costs %d (%v), want %d as without", c.name, size, got, err, want)
			}
			if size == 4000 {
				if _, err := NewRenderer(1).Make(context.Background(), bytes.NewReader(data), 10<<20, Avatar); !errors.Is(err, ErrTooCostly) {
					t.Errorf("%s: Make: %v, want ErrTooCostly", c.name, err)
				}
			}
		}
	}
}

// Junk of every kind between a progressive JPEG's segments never makes a picture that Go
// decodes cost less than without it.
func TestDecodeCostJunkBetweenSegments(t *testing.T) {
	rnd := rand.New(rand.NewPCG(9, 27))
	pieces := []func() []byte{
		func() []byte { return []byte{byte(rnd.IntN(256))} },
		func() []byte { return bytes.Repeat([]byte{0xff}, 1+rnd.IntN(5)) },
		func() []byte { return []byte{0xff, 0x00} },
		func() []byte { return []byte{0xff, 0xd0 + byte(rnd.IntN(8))} },
		func() []byte { return []byte{0xff, byte(rnd.IntN(256))} },
		func() []byte {
			n := 2 + rnd.IntN(300)
			return append([]byte{0xff, 0xe0 + byte(rnd.IntN(16)), byte(n >> 8), byte(n)}, make([]byte, n-2)...)
		},
	}
	decoded := 0
	for _, orig := range [][]byte{imagestest.JPEG(200, 150, true, 3, 1, 1), imagestest.JPEG(200, 150, true, 3, 2, 2), imagestest.JPEG(200, 150, true, 1, 1, 1)} {
		want, _ := DecodeCost(bytes.NewReader(orig))
		starts := segmentStarts(orig)
		for range 300 {
			data := orig
			for i := len(starts) - 1; i >= 0; i-- {
				var junk []byte
				for range rnd.IntN(4) {
					junk = append(junk, pieces[rnd.IntN(len(pieces))]()...)
				}
				data = withBefore(data, starts[i], junk)
			}
			if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
				continue
			}
			decoded++
			if got, err := DecodeCost(bytes.NewReader(data)); err != nil || got < want {
				t.Fatalf("% x: costs %d (%v), want at least %d", data[:min(len(data), 200)], got, err, want)
			}
		}
	}
	if decoded < 100 {
		t.Errorf("only %d of the pictures with junk decoded: the test tests little", decoded)
	}
}

// A JPEG whose frame header the estimate does not find, where Go's decoder found one, is
// charged as the costliest progressive JPEG of its size, never as a baseline one.
func TestDecodeCostFailsClosed(t *testing.T) {
	for _, c := range []struct {
		model color.Model
		want  int64
	}{{color.YCbCrModel, 4000 * 4000 * 12}, {color.GrayModel, 4000 * 4000 * 4}, {color.CMYKModel, 4000 * 4000 * 20}} {
		cfg := image.Config{ColorModel: c.model, Width: 4000, Height: 4000}
		if got := jpegExtra(bytes.NewReader([]byte{0xff, 0xd8, 0xff, 0xd9}), cfg); got < c.want {
			t.Errorf("%T: %d extra, want at least %d", c.model, got, c.want)
		}
	}
	if coeffs, ok := progressiveCoefficients(bufio.NewReader(bytes.NewReader(imagestest.JPEG(64, 64, false, 3, 2, 2)))); !ok || coeffs != 0 {
		t.Errorf("baseline: %d, %v", coeffs, ok)
	}
}
