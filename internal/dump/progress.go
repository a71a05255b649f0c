package dump

import (
	"io"
	"io/fs"
)

// Progress is told how far a dump or restore is. It is called from the goroutine that does
// the work, once per row, per read of a media file or of the archive: it must be cheap (a
// terminal bar draws only now and then).
type Progress func(Step)

// Step is one report of progress.
type Step struct {
	// Done of Total, counted in rows or, if Bytes, in bytes. Total is -1 while unknown (a
	// restore from a pipe).
	Done, Total int64
	Bytes       bool
	// What is at work: a table, or "media".
	What string
	// Files are the media files done.
	Files int64
}

// Options are the optional parts of Dump and Restore.
type Options struct {
	// Progress, if set, is told how far the work is: a dump counts the rows of all tables
	// first (in the snapshot it dumps, so the count is exact) and the bytes of the media
	// files, a restore counts the bytes of the archive it reads. Without it, nothing is
	// counted.
	Progress Progress
}

// meter keeps one phase of progress and tells it on. A nil meter does nothing, so the work
// pays for counting only when somebody listens.
type meter struct {
	progress Progress
	step     Step
}

func newMeter(p Progress, total int64, bytes bool) *meter {
	if p == nil {
		return nil
	}
	return &meter{progress: p, step: Step{Total: total, Bytes: bytes}}
}

// at names what is at work from now on, and reports it.
func (m *meter) at(what string) {
	if m != nil {
		m.step.What = what
		m.progress(m.step)
	}
}

// add counts n more done. Files that grew while the work ran may pass the total counted
// before: then the total grows with them.
func (m *meter) add(n int64) {
	if m == nil {
		return
	}
	m.step.Done += n
	if m.step.Total >= 0 && m.step.Done > m.step.Total {
		m.step.Total = m.step.Done
	}
	m.progress(m.step)
}

// file counts one media file done.
func (m *meter) file() {
	if m != nil {
		m.step.Files++
	}
}

// finish reports the end of the phase: whatever was not read (the end of the archive after
// counts.json) or shrank while the work ran is done too.
func (m *meter) finish(what string) {
	if m == nil {
		return
	}
	m.step.What = what
	if m.step.Total < 0 {
		m.step.Total = m.step.Done
	}
	m.step.Done = m.step.Total
	m.progress(m.step)
}

// countingReader tells a meter how many bytes were read through it.
type countingReader struct {
	r io.Reader
	m *meter
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.m.add(int64(n))
	}
	return n, err
}

// sizeOf is how many bytes are left to read from r, or -1 when r cannot tell (a pipe).
func sizeOf(r io.Reader) int64 {
	switch x := r.(type) {
	case interface{ Len() int }: // bytes.Reader, strings.Reader, bytes.Buffer
		return int64(x.Len())
	case interface {
		Stat() (fs.FileInfo, error)
		io.Seeker
	}: // a file, also standard input redirected from one
		info, err := x.Stat()
		if err != nil || !info.Mode().IsRegular() {
			return -1
		}
		at, err := x.Seek(0, io.SeekCurrent)
		if err != nil || at > info.Size() {
			return -1
		}
		return info.Size() - at
	}
	return -1
}
