// Package images checks uploaded pictures and makes the renditions the pages show: EXIF
// orientation applied, scaled or cropped, re-encoded (which also drops metadata).
package images

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // decoders for uploads
	"image/jpeg"
	_ "image/png"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp"

	"grouprise.org/grouprise/internal/files"
)

// Errors a person can fix.
var (
	ErrNotImage = errors.New("the file is not a picture (JPEG, PNG, GIF or WebP)")
	ErrTooLarge = errors.New("the picture is too large")
	// ErrTooManyPixels: the file may be small, but its bitmap would not be.
	ErrTooManyPixels = errors.New("the picture has too many pixels")
	// ErrTooCostly: the picture has few enough pixels, but its decoding would take more than
	// MaxDecode (a progressive JPEG keeps its coefficients besides the bitmap). It is an
	// ErrTooManyPixels too, for callers that tell only refused pictures from others.
	ErrTooCostly = fmt.Errorf("the picture needs too much memory to decode: %w", ErrTooManyPixels)
)

// MaxPixels limits decoding: a PNG of 38 KB can unpack into a bitmap of 6300×6300 pixels,
// 160 MB. 16 megapixels (4000×4000, more than most cameras take) decode into 64 MB.
const MaxPixels = 16_000_000

// MaxDecode bounds what a picture's decoding and scaling may cost, as DecodeCost estimates
// it: as much as the largest picture decoded to its bitmap alone (96 MB), so that no picture
// takes more than the work memory a daemon keeps for one. It admits every baseline JPEG,
// 8-bit PNG, GIF and WebP up to MaxPixels; 16-bit and interlaced PNGs up to 9.6 megapixels
// (10 bytes a pixel), interlaced 16-bit ones up to 5.3; and progressive JPEGs up to 8
// megapixels with the usual halved colours (4:2:0, 12 bytes a pixel), 5.3 without (18
// bytes a pixel).
const MaxDecode = MaxPixels * bytesPerPixel

// formats are the decoders pictures may use; imaging registers BMP and TIFF besides, which
// nobody uploads to a web page and whose decoders need not be exposed.
var formats = map[string]bool{"jpeg": true, "png": true, "gif": true, "webp": true}

// Rendition says how a picture is made to fit.
type Rendition struct {
	Width, Height int
	// Crop fills the whole box (avatars); otherwise the picture fits inside it.
	Crop bool
}

// Avatar is a square for people and groups; Logo fits a sidebar; Background is the cover
// across the top of a profile (cropped to the band, as the original's 1140×456).
var (
	Avatar     = Rendition{Width: 256, Height: 256, Crop: true}
	Logo       = Rendition{Width: 400, Height: 400}
	Background = Rendition{Width: 1140, Height: 456, Crop: true}
)

// Make reads an upload (at most limit bytes) and returns the rendition as JPEG. The header
// is read first: a file over limit, MaxPixels or MaxDecode is refused before anything is
// decoded, and the decoding itself waits for a slot of rd.
func (rd *Renderer) Make(ctx context.Context, r io.ReadSeeker, limit int64, rend Rendition) ([]byte, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	if size > limit {
		return nil, ErrTooLarge
	}
	h, err := readHeader(r)
	if err != nil {
		return nil, err
	}
	if int64(h.cfg.Width)*int64(h.cfg.Height) > MaxPixels {
		return nil, ErrTooManyPixels
	}
	if h.cost > MaxDecode {
		return nil, ErrTooCostly
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	orient := orientation(r)
	// A picture whose decoder needs more than its bitmap (a progressive JPEG's coefficients)
	// takes the slots of a picture as large as it costs, and the memory its scaling into
	// rend takes besides.
	pixels := int(h.cost / bytesPerPixel)
	reserve := h.cost + scaleCost(h.cfg.Width, h.cfg.Height, rend, orient)
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	release, err := rd.acquire(ctx, pixels, reserve)
	if err != nil {
		return nil, err
	}
	defer release()
	// Decoded as the header said: each decoder allocates by its header, which was checked.
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, ErrNotImage
	}
	if large(pixels) {
		// What the decoder needed besides the bitmap (a progressive JPEG's coefficients
		// take more than the bitmap) goes before the scaling takes more.
		debug.FreeOSMemory()
	}
	// Orientation comes last, on the small picture: scaled into the box turned as the
	// picture will be, it comes out the same as turned first and scaled then.
	box := rend
	if orient >= 5 {
		box.Width, box.Height = rend.Height, rend.Width
	}
	out := oriented(scale(img, box), orient)
	flatten(out)
	var buf bytes.Buffer
	// An opaque NRGBA is an RGBA: the encoder's fast path, and no copy.
	if err := jpeg.Encode(&buf, &image.RGBA{Pix: out.Pix, Stride: out.Stride, Rect: out.Rect}, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("images: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// scale fits img into the box, or fills it cropping the middle, without copying the large
// picture first.
func scale(img image.Image, rend Rendition) *image.NRGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if !rend.Crop {
		if w <= rend.Width && h <= rend.Height {
			return imaging.Clone(img)
		}
		if w*rend.Height > h*rend.Width {
			return imaging.Resize(img, rend.Width, max(1, h*rend.Width/w), imaging.Lanczos)
		}
		return imaging.Resize(img, max(1, w*rend.Height/h), rend.Height, imaging.Lanczos)
	}
	// The largest middle part with the box's aspect ratio, then scaled to the box.
	cw, ch := w, w*rend.Height/rend.Width
	if ch > h {
		cw, ch = h*rend.Width/rend.Height, h
	}
	crop := image.Rect(0, 0, max(cw, 1), max(ch, 1)).Add(b.Min).Add(image.Pt((w-cw)/2, (h-ch)/2))
	if sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		img = sub.SubImage(crop)
	} else {
		img = imaging.Crop(img, crop)
	}
	return imaging.Resize(img, rend.Width, rend.Height, imaging.Lanczos)
}

// scaleCost is what scale and oriented allocate for a picture of w×h pixels made into rend:
// the picture's copy when it fits, or the image that holds it scaled in one direction and
// the one scaled in both; its turned copy besides. The decoded bitmap is not counted.
func scaleCost(w, h int, rend Rendition, orient int) int64 {
	box := rend
	if orient >= 5 {
		box.Width, box.Height = rend.Height, rend.Width
	}
	sw, sh := int64(w), int64(h) // what is scaled: the picture, or its middle part
	var dw, dh int64
	switch {
	case box.Crop:
		cw, ch := w, w*box.Height/box.Width
		if ch > h {
			cw, ch = h*box.Width/box.Height, h
		}
		sw, sh, dw, dh = int64(max(cw, 1)), int64(max(ch, 1)), int64(box.Width), int64(box.Height)
	case w <= box.Width && h <= box.Height:
		dw, dh = sw, sh
	case w*box.Height > h*box.Width:
		dw, dh = int64(box.Width), int64(max(1, h*box.Width/w))
	default:
		dw, dh = int64(max(1, w*box.Height/h)), int64(box.Height)
	}
	cost := 4 * dw * dh
	if dw != sw && dh != sh {
		cost += 4 * dw * sh
	}
	if orient >= 2 && orient <= 8 {
		cost += 4 * dw * dh
	}
	return cost
}

// oriented applies an EXIF orientation (1–8).
func oriented(img *image.NRGBA, o int) *image.NRGBA {
	switch o {
	case 2:
		return imaging.FlipH(img)
	case 3:
		return imaging.Rotate180(img)
	case 4:
		return imaging.FlipV(img)
	case 5:
		return imaging.Transpose(img)
	case 6:
		return imaging.Rotate270(img)
	case 7:
		return imaging.Transverse(img)
	case 8:
		return imaging.Rotate90(img)
	}
	return img
}

// flatten puts a picture onto white in place (JPEG has no transparency).
func flatten(img *image.NRGBA) {
	p := img.Pix
	for i := 0; i+3 < len(p); i += 4 {
		a := uint32(p[i+3])
		if a == 255 {
			continue
		}
		for c := range 3 {
			p[i+c] = uint8((uint32(p[i+c])*a + 255*(255-a) + 127) / 255)
		}
		p[i+3] = 255
	}
}

// Save writes data below root/dir under a new random name and returns the name relative to
// root (what the database keeps). The file is private to the service and the web server's
// group (files.FileMode).
func Save(root, dir, ext string, data []byte) (string, error) {
	name := strings.ToLower(rand.Text()[:16]) + ext
	rel := filepath.ToSlash(filepath.Join(dir, name))
	abs := filepath.Join(root, dir, name)
	if err := files.MkdirAll(filepath.Dir(abs)); err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	if err := files.WriteAtomic(abs, data); err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	return rel, nil
}

// Renditions of content pictures, made when first asked for and kept in media_root/cache.
var Renditions = map[string]Rendition{
	"preview": {Width: 250, Height: 250, Crop: true},
	"medium":  {Width: 800, Height: 800},
	"large":   {Width: 1600, Height: 1600},
}

// Stored is how an uploaded content picture is kept: at most 2560 pixels wide and high,
// its orientation applied and its metadata (GPS positions!) gone.
var Stored = Rendition{Width: 2560, Height: 2560}

// Render makes the rendition of the picture file src at dst (atomically: a concurrent
// request sees the whole file or none).
func (rd *Renderer) Render(ctx context.Context, src, dst string, rend Rendition) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	data, err := rd.Make(ctx, f, 200<<20, rend)
	if err != nil {
		return err
	}
	if err := files.MkdirAll(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return files.WriteAtomic(dst, data)
}
