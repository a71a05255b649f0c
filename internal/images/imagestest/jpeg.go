package imagestest

import (
	"bytes"
	"encoding/binary"
)

// ProgressiveJPEG is a valid progressive JPEG of w×h grey pixels in three components without
// chroma subsampling: one scan of the DC coefficients, each block one bit. Small as a file
// (a 4000×4000 one has 94 KB), it makes a decoder keep 12 bytes of coefficients a pixel.
func ProgressiveJPEG(w, h int) []byte {
	var out bytes.Buffer
	segment := func(marker byte, body []byte) {
		out.Write([]byte{0xff, marker})
		binary.Write(&out, binary.BigEndian, uint16(len(body)+2))
		out.Write(body)
	}
	out.Write([]byte{0xff, 0xd8})
	segment(0xdb, append([]byte{0}, bytes.Repeat([]byte{1}, 64)...)) // quantisation table 0: all ones
	sof := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3}
	for c := byte(1); c <= 3; c++ {
		sof = append(sof, c, 0x11, 0) // 1×1 sampling, table 0
	}
	segment(0xc2, sof)
	// DC table 0 with one code, "0", for category 0: every difference is zero
	dht := append([]byte{0x00, 1}, make([]byte, 15)...)
	segment(0xc4, append(dht, 0))
	segment(0xda, []byte{3, 1, 0x00, 2, 0x00, 3, 0x00, 0, 0, 0}) // all components, DC only
	bits := 3 * ((w + 7) / 8) * ((h + 7) / 8)
	out.Write(make([]byte, bits/8))
	if bits%8 != 0 {
		out.WriteByte(0xff >> (bits % 8)) // the rest padded with ones
		out.WriteByte(0x00)               // a 0xff in the data is followed by a zero byte
	}
	out.Write([]byte{0xff, 0xd9})
	return out.Bytes()
}
