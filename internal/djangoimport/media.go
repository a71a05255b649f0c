package djangoimport

import (
	"fmt"
	"os"
	"path"
	"path/filepath"

	"grouprise.org/grouprise/internal/files"
)

// mediaCopier copies the files that imported rows name from the Django site's media
// directory into this grouprise's, and remembers them to remove them again if the import
// fails, and the names that changed on the way (for the Django grouprise's old URLs).
type mediaCopier struct {
	from, to string
	dryRun   bool
	problems *[]Problem
	copied   int
	written  []string
	warned   bool
	renamed  map[string]string // the Django name → the name stored here, where they differ
}

func newMediaCopier(opts Options, problems *[]Problem) *mediaCopier {
	return &mediaCopier{from: opts.MediaDir, to: opts.MediaRoot, dryRun: opts.DryRun, problems: problems,
		renamed: map[string]string{}}
}

func (m *mediaCopier) problem(table string, id int64, format string, args ...any) {
	*m.problems = append(*m.problems, Problem{Table: table, ID: id, Reason: fmt.Sprintf(format, args...)})
}

// file copies the stored file name of a row into dir below this grouprise's media directory
// ("" for the top, where content files and pictures live; pictures of people and groups go
// to avatars/, logos/ and backgrounds/, as uploads here do) and returns the name to store:
// dir/name, or dir/a new name when the old name had directories in it or is taken.
func (m *mediaCopier) file(table string, id int64, dir, name string) string {
	stored := m.copy(table, id, dir, name)
	if stored != "" && stored != name {
		m.renamed[name] = stored
	}
	return stored
}

func (m *mediaCopier) copy(table string, id int64, dir, name string) string {
	if name == "" {
		return ""
	}
	if !filepath.IsLocal(filepath.FromSlash(name)) {
		m.problem(table, id, "the file name %q points outside the media directory; not copied", name)
		return ""
	}
	if m.from == "" {
		if !m.warned {
			m.problem("media", 0, "no media directory given: files are not copied")
			m.warned = true
		}
		return path.Join(dir, name)
	}
	src := filepath.Join(m.from, filepath.FromSlash(name))
	info, err := os.Stat(src)
	if err != nil || !info.Mode().IsRegular() {
		m.problem(table, id, "the file %s is not in %s", name, m.from)
		return path.Join(dir, name)
	}
	target := name
	if !files.ValidName(name) {
		target = files.NewName(name)
		m.problem(table, id, "the file %s is stored as %s", name, path.Join(dir, target))
	}
	dst := filepath.Join(m.to, dir, target)
	if have, err := os.Stat(dst); err == nil {
		if os.SameFile(info, have) || sameFiles(src, dst) {
			return path.Join(dir, target) // imported in place, or copied by an earlier attempt
		}
		target = files.NewName(name)
		dst = filepath.Join(m.to, dir, target)
		m.problem(table, id, "another file named %s is in the media directory; stored as %s", name, path.Join(dir, target))
	}
	if m.dryRun {
		m.copied++
		return path.Join(dir, target)
	}
	if err := copyFile(src, dst); err != nil {
		m.problem(table, id, "copying %s: %v", name, err)
		return path.Join(dir, target)
	}
	m.written = append(m.written, dst)
	m.copied++
	return path.Join(dir, target)
}

// undo removes the files copied by an import that failed.
func (m *mediaCopier) undo() {
	for _, f := range m.written {
		os.Remove(f)
	}
	m.written = nil
	m.copied = 0
}

// copyFile writes src to dst through a temporary file, so that dst is whole or absent, with
// the modes of media (not for other local users).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := files.MkdirAll(filepath.Dir(dst)); err != nil {
		return err
	}
	return files.WriteFrom(dst, in)
}

// sameFiles tells whether two files hold the same bytes.
func sameFiles(a, b string) bool {
	f, err := os.Open(a)
	if err != nil {
		return false
	}
	defer f.Close()
	return files.SameContent(b, f)
}
