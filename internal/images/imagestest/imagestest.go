// Package imagestest makes pictures for tests: small files of any pixel size, such as the
// decompression bombs that uploads must refuse.
package imagestest

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNG is a valid 8-bit RGBA PNG of w×h pixels, all of one colour (r, g, b, a), written row
// by row: a 6300×6300 one is a file of about 170 KB that never exists as a bitmap here.
func PNG(w, h int, r, g, b, a byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk(&out, "IHDR", ihdr)
	var idat bytes.Buffer
	z := zlib.NewWriter(&idat)
	row := make([]byte, 1+4*w) // filter byte 0 (none), then the pixels
	for x := range w {
		copy(row[1+4*x:], []byte{r, g, b, a})
	}
	z.Write(row)
	same := make([]byte, 1+4*w) // filter 2 (up): each later row is the one above
	same[0] = 2
	for range h - 1 {
		z.Write(same)
	}
	z.Close()
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

func chunk(out *bytes.Buffer, kind string, data []byte) {
	binary.Write(out, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(kind))
	crc.Write(data)
	out.WriteString(kind)
	out.Write(data)
	binary.Write(out, binary.BigEndian, crc.Sum32())
}
