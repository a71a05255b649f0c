// Package images checks uploaded pictures and makes the renditions the pages show: EXIF
// orientation applied, scaled or cropped, re-encoded (which also drops metadata).
package images

import (
	"bytes"
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
	"strings"

	"github.com/disintegration/imaging"
	_ "golang.org/x/image/webp"
)

// Errors a person can fix.
var (
	ErrNotImage = errors.New("the file is not a picture (JPEG, PNG, GIF or WebP)")
	ErrTooLarge = errors.New("the picture is too large")
)

// MaxPixels limits decoding: a small file can unpack into an enormous bitmap.
const MaxPixels = 40_000_000

// Rendition says how a picture is made to fit.
type Rendition struct {
	Width, Height int
	// Crop fills the whole box (avatars); otherwise the picture fits inside it.
	Crop bool
}

// Avatar is a square for people and groups; Logo fits a sidebar.
var (
	Avatar = Rendition{Width: 256, Height: 256, Crop: true}
	Logo   = Rendition{Width: 400, Height: 400}
)

// Make reads an upload (at most limit bytes), and returns the rendition as JPEG.
func Make(r io.Reader, limit int64, rend Rendition) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("images: %w", err)
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrNotImage
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return nil, ErrTooLarge
	}
	img, err := imaging.Decode(bytes.NewReader(data), imaging.AutoOrientation(true))
	if err != nil {
		return nil, ErrNotImage
	}
	if rend.Crop {
		img = imaging.Fill(img, rend.Width, rend.Height, imaging.Center, imaging.Lanczos)
	} else if img.Bounds().Dx() > rend.Width || img.Bounds().Dy() > rend.Height {
		img = imaging.Fit(img, rend.Width, rend.Height, imaging.Lanczos)
	}
	// JPEG has no transparency: flatten onto white.
	flat := imaging.New(img.Bounds().Dx(), img.Bounds().Dy(), image.White)
	flat = imaging.Overlay(flat, img, image.Point{}, 1)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, flat, &jpeg.Options{Quality: 85}); err != nil {
		return nil, fmt.Errorf("images: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// Save writes data below root/dir under a new random name and returns the name relative to
// root (what the database keeps).
func Save(root, dir, ext string, data []byte) (string, error) {
	name := strings.ToLower(rand.Text()[:16]) + ext
	rel := filepath.ToSlash(filepath.Join(dir, name))
	abs := filepath.Join(root, dir, name)
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	if err := os.WriteFile(abs, data, 0o644); err != nil {
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
func Render(src, dst string, rend Rendition) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer f.Close()
	data, err := Make(f, 200<<20, rend)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".render-*")
	if err != nil {
		return fmt.Errorf("images: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("images: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("images: %w", err)
	}
	return os.Rename(tmp.Name(), dst)
}
