package main

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"

	"grouprise.org/grouprise/internal/files"
)

// makeMediaRoot makes a missing media_root with the service's modes, so that a site is
// complete after its first migrate. Run as root, the new directory gets the owner of the
// directory it is made in (data_path, the service's), not root's. A failure is only logged:
// the schema is migrated either way, and `grouprise check` names what is wrong.
func makeMediaRoot(log *slog.Logger, dir string) {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err := files.MkdirAll(dir); err != nil {
		log.Warn("media_root could not be made", "dir", dir, "err", err)
		return
	}
	if os.Geteuid() != 0 {
		return
	}
	parent, err := os.Stat(filepath.Dir(dir))
	if err != nil {
		return
	}
	if st, ok := parent.Sys().(*syscall.Stat_t); ok {
		if err := os.Lchown(dir, int(st.Uid), int(st.Gid)); err != nil {
			log.Warn("media_root could not be given to the owner of its parent", "dir", dir, "err", err)
		}
	}
}
