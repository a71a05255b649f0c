package imagestest

import (
	"bytes"
	"encoding/binary"
)

// ProgressiveJPEG is a valid progressive JPEG of w×h grey pixels in three components without
// chroma subsampling: one scan of the DC coefficients, each block one bit. Small as a file
// (a 4000×4000 one has 94 KB), it makes a decoder keep 12 bytes of coefficients a pixel.
func ProgressiveJPEG(w, h int) []byte { return JPEG(w, h, true, 3, 1, 1) }

// JPEG is a valid JPEG of w×h grey pixels, small as a file whatever its size: baseline (one
// scan, each block two bits) or progressive (one scan of the DC coefficients, each block one
// bit), of one component or of three whose first one has the sampling factors h0×v0 (2×2 is
// 4:2:0, 1×1 4:4:4) and the others 1×1.
func JPEG(w, h int, progressive bool, comps, h0, v0 int) []byte {
	var out bytes.Buffer
	segment := func(marker byte, body []byte) {
		out.Write([]byte{0xff, marker})
		binary.Write(&out, binary.BigEndian, uint16(len(body)+2))
		out.Write(body)
	}
	out.Write([]byte{0xff, 0xd8})
	segment(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)) // quantisation table 0: all ones
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), byte(comps)}
	for c := 1; c <= comps; c++ {
		sampling := byte(0x11)
		if c == 1 {
			sampling = byte(h0<<4 | v0)
		}
		sof = append(sof, byte(c), sampling, 0) // table 0
	}
	frame := byte(0xc0)
	if progressive {
		frame = 0xc2
	}
	segment(frame, sof)
	// DC table 0 with one code, "0", for category 0: every difference is zero
	dht := append([]byte{0x00, 1}, make([]byte, 15)...)
	segment(0xc4, append(dht, 0))
	perBlock, se := 1, byte(0) // progressive: the DC coefficients only
	if !progressive {
		// AC table 0 with one code, "0", for the end of the block
		dht := append([]byte{0x10, 1}, make([]byte, 15)...)
		segment(0xc4, append(dht, 0))
		perBlock, se = 2, 63
	}
	sos := []byte{byte(comps)}
	for c := 1; c <= comps; c++ {
		sos = append(sos, byte(c), 0x00)
	}
	segment(0xda, append(sos, 0, se, 0))
	blocks := ((w + 7) / 8) * ((h + 7) / 8)
	if comps > 1 {
		blocks = ((w + 8*h0 - 1) / (8 * h0)) * ((h + 8*v0 - 1) / (8 * v0)) * (h0*v0 + comps - 1)
	}
	bits := perBlock * blocks
	out.Write(make([]byte, bits/8))
	if bits%8 != 0 {
		out.WriteByte(0xff >> (bits % 8)) // the rest padded with ones
		out.WriteByte(0x00)
	}
	out.Write([]byte{0xff, 0xd9})
	return out.Bytes()
}
