package imagestest

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
)

// BlankPNG is a valid PNG of w×h pixels whose samples are all zero, of any bit depth (8 or
// 16) and colour type without palette (0 grey, 2 RGB, 4 grey and alpha, 6 RGBA), interlaced
// (Adam7) or not: small as a file whatever its size, as PNG.
func BlankPNG(w, h, depth, colorType int, interlaced bool) []byte {
	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = byte(depth), byte(colorType)
	passes := [][4]int{{0, 0, 1, 1}}
	if interlaced {
		ihdr[12] = 1
		passes = [][4]int{{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}}
	}
	chunk(&out, "IHDR", ihdr)
	bits := depth * map[int]int{0: 1, 2: 3, 4: 2, 6: 4}[colorType]
	// Every row is filter 0 (none) and zeros: the same deflate piece for each block of
	// equal rows, and an Adler-32 whose A stays 1 and whose B counts the bytes.
	idat := bytes.NewBuffer([]byte{0x78, 0x9c})
	var n uint64
	for _, p := range passes {
		pw, ph := (w-p[0]+p[2]-1)/p[2], (h-p[1]+p[3]-1)/p[3]
		if pw <= 0 || ph <= 0 {
			continue
		}
		row := make([]byte, 1+(pw*bits+7)/8)
		const block = 64
		piece := deflated(bytes.Repeat(row, block))
		for range ph / block {
			idat.Write(piece)
		}
		idat.Write(deflated(bytes.Repeat(row, ph%block)))
		n += uint64(len(row)) * uint64(ph)
	}
	idat.Write(final())
	idat.Write(binary.BigEndian.AppendUint32(nil, uint32(n%65521)<<16|1))
	chunk(&out, "IDAT", idat.Bytes())
	chunk(&out, "IEND", nil)
	return out.Bytes()
}

// final is the empty last block that ends a deflate stream.
func final() []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	fw.Close()
	return buf.Bytes()
}
