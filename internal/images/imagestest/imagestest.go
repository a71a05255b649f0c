// Package imagestest makes pictures for tests: small files of any pixel size, such as the
// decompression bombs that uploads must refuse.
package imagestest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
)

// PNG is a valid 8-bit RGBA PNG of w×h pixels, all of one colour (r, g, b, a): a 6300×6300
// one is a file of about 170 KB, made in milliseconds without ever being a bitmap here.
func PNG(w, h int, r, g, b, a byte) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	chunk(&out, "IHDR", ihdr)

	// The first row has filter 0 (none) and the pixels; every later row has filter 2 (up)
	// and zeros: the row above again. Deflate pieces that end in a flush and refer only to
	// themselves may follow each other, so the zero rows are compressed once for a block of
	// rows and repeated.
	first := make([]byte, 1+4*w)
	for x := range w {
		copy(first[1+4*x:], []byte{r, g, b, a})
	}
	zeros := make([]byte, 1+4*w)
	zeros[0] = 2
	const block = 64
	idat := bytes.NewBuffer([]byte{0x78, 0x9c}) // zlib header
	idat.Write(deflated(first))
	if n := (h - 1) / block; n > 0 {
		piece := deflated(bytes.Repeat(zeros, block))
		for range n {
			idat.Write(piece)
		}
	}
	idat.Write(deflated(bytes.Repeat(zeros, (h-1)%block)))
	fw, _ := flate.NewWriter(idat, flate.BestSpeed)
	fw.Close() // the final block
	// Adler-32 of all rows, a zero row at a time: its filter byte adds 2 to A, and each of
	// its bytes adds A to B.
	sum := adler32.Checksum(first)
	sa, sb := uint64(sum&0xffff), uint64(sum>>16)
	for range h - 1 {
		sa = (sa + 2) % 65521
		sb = (sb + uint64(len(zeros))*sa) % 65521
	}
	sum = uint32(sb<<16 | sa)
	idat.Write(binary.BigEndian.AppendUint32(nil, sum))
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// deflated is data compressed on its own and flushed: a piece of a deflate stream.
func deflated(data []byte) []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(data)
	fw.Flush()
	return buf.Bytes()
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
