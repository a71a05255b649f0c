package images

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"io"
)

// coefficientBytes is what a progressive JPEG's decoder keeps per 8×8 block of each
// component until its last scan: 64 coefficients of 4 bytes.
const coefficientBytes = 64 * 4

// DecodeCost estimates from a picture's header the memory its decoding and scaling take at
// their peak: bytesPerPixel for each pixel, and what a decoder needs besides: a progressive
// JPEG's coefficients, which its decoder holds together with the bitmap (12 bytes a pixel
// without chroma subsampling: a 4096×4096 JPEG of 100 KB takes 200 MB of them), the larger
// bitmaps of 16-bit PNGs and the passes of interlaced ones.
func DecodeCost(r io.ReadSeeker) (int64, error) {
	h, err := readHeader(r)
	return h.cost, err
}

// header is what a picture's header tells about its decoding.
type header struct {
	cfg    image.Config
	format string
	cost   int64 // as DecodeCost estimates it
}

// readHeader reads a picture's header and estimates its decoding cost; a file that no
// decoder of formats takes is ErrNotImage.
func readHeader(r io.ReadSeeker) (header, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return header{}, fmt.Errorf("images: %w", err)
	}
	cfg, format, err := image.DecodeConfig(r)
	if err != nil || !formats[format] || cfg.Width <= 0 || cfg.Height <= 0 {
		return header{}, ErrNotImage
	}
	h := header{cfg: cfg, format: format, cost: int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel}
	if format != "jpeg" && format != "png" {
		return h, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return header{}, fmt.Errorf("images: %w", err)
	}
	if format == "jpeg" {
		h.cost += jpegExtra(r, cfg)
	} else {
		h.cost += pngExtra(r, cfg)
	}
	return h, nil
}

// jpegExtra is what a JPEG's decoder allocates beyond bytesPerPixel a pixel: a progressive
// JPEG's coefficients, as Go's decoder allocates them, and the second bitmap that CMYK and
// RGB JPEGs are converted into. When the frame header cannot be found as Go's decoder finds
// it, the worst a JPEG of this size may cost is charged.
func jpegExtra(r io.Reader, cfg image.Config) int64 {
	pixels := int64(cfg.Width) * int64(cfg.Height)
	var converted int64 // bytes a pixel of the bitmap a decoded JPEG is converted into
	switch cfg.ColorModel {
	case color.CMYKModel:
		converted = 4
	case color.RGBAModel:
		converted = 3
	}
	coeffs, ok := progressiveCoefficients(bufio.NewReader(r))
	if !ok {
		comps := map[color.Model]int64{color.GrayModel: 1, color.CMYKModel: 4}[cfg.ColorModel]
		if comps == 0 {
			comps = 3
		}
		// Every component at full resolution, in blocks of 32×32 pixels (sampling factors
		// of 4).
		padded := int64(cfg.Width+31) / 32 * 32 * (int64(cfg.Height+31) / 32 * 32)
		coeffs = padded * comps * coefficientBytes / 64
	}
	return coeffs + pixels*converted
}

// progressiveCoefficients is the memory the coefficients of a progressive JPEG take while it
// decodes, as Go's decoder allocates them (0 for a baseline JPEG). It walks the markers up
// to the frame header by the rules of Go's decoder, which skips bytes that are no marker,
// fill bytes, FF00 and restart markers between segments; ok is false when it finds no
// frame header.
func progressiveCoefficients(br *bufio.Reader) (coeffs int64, ok bool) {
	var m [2]byte
	if _, err := io.ReadFull(br, m[:]); err != nil || m != [2]byte{0xff, 0xd8} {
		return 0, false
	}
	for {
		if _, err := io.ReadFull(br, m[:]); err != nil {
			return 0, false
		}
		for m[0] != 0xff { // extraneous data
			b, err := br.ReadByte()
			if err != nil {
				return 0, false
			}
			m[0], m[1] = m[1], b
		}
		marker := m[1]
		if marker == 0 { // FF00: extraneous data too
			continue
		}
		for marker == 0xff { // fill bytes
			b, err := br.ReadByte()
			if err != nil {
				return 0, false
			}
			marker = b
		}
		if marker == 0xd9 { // end of image
			return 0, false
		}
		if 0xd0 <= marker && marker <= 0xd7 { // restart markers have no length
			continue
		}
		var l [2]byte
		if _, err := io.ReadFull(br, l[:]); err != nil {
			return 0, false
		}
		n := int(binary.BigEndian.Uint16(l[:])) - 2
		switch {
		case n < 0 || marker == 0xda: // start of scan before any frame header
			return 0, false
		case marker == 0xc0 || marker == 0xc1: // baseline and extended: decoded block by block
			return 0, true
		case marker != 0xc2:
			if _, err := br.Discard(n); err != nil {
				return 0, false
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil || n < 6 {
			return 0, false
		}
		h, w, comps := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
		if len(seg) < 6+3*comps || comps == 0 {
			return 0, false
		}
		// The first component's sampling factors are the largest (Go's decoder refuses
		// others) and set the size of the blocks' grid.
		h0, v0 := int64(seg[7]>>4), int64(seg[7]&15)
		if h0 == 0 || v0 == 0 {
			return 0, false
		}
		mxx, myy := (w+8*h0-1)/(8*h0), (h+8*v0-1)/(8*v0)
		var blocks int64
		for i := range comps {
			hv := seg[6+3*i+1]
			blocks += mxx * myy * int64(hv>>4) * int64(hv&15)
		}
		return blocks * coefficientBytes, true
	}
}

// pngExtra is what a PNG's decoder allocates beyond bytesPerPixel a pixel: 16-bit samples
// make a bitmap of 8 bytes a pixel (also a grey one, when it has a transparent colour), and
// an interlaced PNG is decoded into an image for each of its passes before they are merged
// into the bitmap, as large as it together.
func pngExtra(r io.Reader, cfg image.Config) int64 {
	pixels := int64(cfg.Width) * int64(cfg.Height)
	// signature, IHDR's length and type, width, height, bit depth, colour type,
	// compression, filter, interlace
	var ihdr [29]byte
	if _, err := io.ReadFull(r, ihdr[:]); err != nil {
		return 4 * 2 * pixels // what a 16-bit interlaced PNG costs besides, at most
	}
	bitmap, extra := int64(4), int64(0)
	if ihdr[24] == 16 {
		bitmap, extra = 8, 4
	}
	if ihdr[28] != 0 {
		extra += bitmap
	}
	return extra * pixels
}
