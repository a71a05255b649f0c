package images

import (
	"bufio"
	"encoding/binary"
	"image"
	"io"
)

// coefficientBytes is what a progressive JPEG's decoder keeps per 8×8 block of each
// component until its last scan: 64 coefficients of 4 bytes.
const coefficientBytes = 64 * 4

// DecodeCost estimates from a picture's header the memory its decoding and scaling take at
// their peak: bytesPerPixel for each pixel, and for a progressive JPEG the coefficients of
// the whole picture besides, which its decoder holds together with the bitmap (12 bytes a
// pixel without chroma subsampling: a 4096×4096 JPEG of 100 KB takes 200 MB of them).
func DecodeCost(r io.ReadSeeker) (int64, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || !formats[format] {
		return 0, ErrNotImage
	}
	cost := int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel
	if format != "jpeg" {
		return cost, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return cost + progressiveCoefficients(r), nil
}

// progressiveCoefficients is the memory the coefficients of a progressive JPEG take while it
// decodes, as Go's decoder allocates them (0 for a baseline JPEG). It reads the markers up to
// the frame header, at most 64 KB of them.
func progressiveCoefficients(r io.Reader) int64 {
	br := bufio.NewReader(io.LimitReader(r, 64<<10))
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return 0
	}
	for {
		var m [4]byte
		if _, err := io.ReadFull(br, m[:]); err != nil || m[0] != 0xff {
			return 0
		}
		n := int(binary.BigEndian.Uint16(m[2:])) - 2
		switch {
		case n < 0 || m[1] == 0xda: // start of scan before any frame header
			return 0
		case m[1] == 0xc0 || m[1] == 0xc1: // baseline and extended: decoded block by block
			return 0
		case m[1] != 0xc2:
			if _, err := br.Discard(n); err != nil {
				return 0
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil || n < 6 {
			return 0
		}
		h, w, comps := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
		if len(seg) < 6+3*comps || comps == 0 {
			return 0
		}
		// The first component's sampling factors are the largest (Go's decoder refuses
		// others) and set the size of the blocks' grid.
		h0, v0 := int64(seg[7]>>4), int64(seg[7]&15)
		if h0 == 0 || v0 == 0 {
			return 0
		}
		mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
		var blocks int64
		for i := range comps {
			hv := seg[6+3*i+1]
			blocks += mxx * myy * int64(hv>>4) * int64(hv&15)
		}
		return blocks * coefficientBytes
	}
}
