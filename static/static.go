// Package static holds the site's style sheets, scripts and images. They are built into the
// binary and served under URLs that carry a hash of their content, so browsers and the web
// server may cache them for good.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
)

//go:embed css js img
var files embed.FS

// Asset is one static file.
type Asset struct {
	Name        string // e.g. "css/grouprise.css"
	Hash        string // the first 10 hex digits of its SHA-256
	ContentType string
	Data        []byte
}

// Assets reads every static file once.
func Assets() (map[string]*Asset, error) {
	out := map[string]*Asset{}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[p] = &Asset{Name: p, Hash: hex.EncodeToString(sum[:5]), ContentType: ct, Data: data}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return out, nil
}

// FS is the embedded directory (for `grouprise` to write the files for the web server).
func FS() fs.FS { return files }
