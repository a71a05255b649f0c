package images

import (
	"bufio"
	"encoding/binary"
	"io"
)

// orientation reads the EXIF orientation (1–8) of a JPEG; 0 when it has none. It reads only
// the markers before the picture data, at most 64 KB of them.
func orientation(r io.Reader) int {
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
		if n < 0 || m[1] == 0xda { // start of scan: no EXIF before the picture
			return 0
		}
		if m[1] != 0xe1 {
			if _, err := br.Discard(n); err != nil {
				return 0
			}
			continue
		}
		seg := make([]byte, n)
		if _, err := io.ReadFull(br, seg); err != nil {
			return 0
		}
		if o := exifOrientation(seg); o != 0 {
			return o
		}
	}
}

// exifOrientation finds tag 0x0112 in the first directory of an APP1 "Exif" segment.
func exifOrientation(seg []byte) int {
	if len(seg) < 14 || string(seg[:6]) != "Exif\x00\x00" {
		return 0
	}
	t := seg[6:] // the TIFF structure; offsets count from its start
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := int(order.Uint32(t[4:8]))
	if ifd < 8 || ifd+2 > len(t) {
		return 0
	}
	count := int(order.Uint16(t[ifd:]))
	for i := range count {
		e := ifd + 2 + 12*i
		if e+12 > len(t) {
			return 0
		}
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			return 0
		}
	}
	return 0
}
