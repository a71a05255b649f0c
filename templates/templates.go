// Package templates holds grouprise's page and mail templates. They are built into the binary;
// a file of the same name in a configured template directory replaces a single one.
package templates

import (
	"embed"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed mail web
var builtin embed.FS

// FS returns the templates, files in dirs (checked in order) taking precedence over the
// built-in ones.
func FS(dirs []string) fs.FS {
	return overlay{dirs: dirs}
}

type overlay struct{ dirs []string }

func (o overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for _, d := range o.dirs {
		f, err := os.Open(filepath.Join(d, filepath.FromSlash(name)))
		if err == nil {
			if fi, err := f.Stat(); err == nil && !fi.IsDir() {
				return f, nil
			}
			f.Close()
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return builtin.Open(name)
}
