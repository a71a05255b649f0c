package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// The modes of what the service writes below its data path (media, renditions, keys,
// backups): the service reads and writes, its group reads, others get nothing, whatever the
// umask. On media_root the package sets the group www-data with setgid, so that the web
// server reads the files it sends for X-Accel-Redirect and X-Sendfile, and only those.
const (
	FileMode fs.FileMode = 0o640
	DirMode  fs.FileMode = 0o750
)

// MkdirAll makes dir and its missing parents with DirMode (keeping the setgid bit that a
// new directory inherits from its parent, and with it the parent's group).
func MkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: fs.ErrExist}
		}
		return nil
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, DirMode); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made by a concurrent request
		}
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	return os.Chmod(dir, DirMode|fi.Mode()&fs.ModeSetgid)
}

// WriteAtomic writes data to path with FileMode: to a temporary file beside it first,
// renamed when complete, so that nobody sees half a file.
func WriteAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFrom writes what r holds to path as WriteAtomic does.
func WriteFrom(path string, r io.Reader) error {
	return writeAtomic(path, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
}

func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".new-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), FileMode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return err
}
