package main

import (
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// drawEvery is how often a bar is drawn at most while the work goes on: the long commands
// report every row, far more often than anybody can read.
const drawEvery = 100 * time.Millisecond

// terminalBar draws the progress of a long command on stderr, labelled with the command.
type terminalBar struct {
	f     *os.File
	label string
	bar   *progressbar.ProgressBar
	bytes bool   // the bar counts bytes, else rows or addresses
	desc  string // what the bar says it does
	what  string // what was reported last
	drawn time.Time
}

// progressBar returns a bar on stderr, or nil when stderr is no terminal (scripts, CI,
// postinst): those see only the summary, as before.
func (e *env) progressBar(label string) *terminalBar {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &terminalBar{f: f, label: label}
}

// show moves the bar to done of total (-1: not known yet), counted in bytes or not, with
// what at work and files done (media files, 0: none to tell). A change between bytes and
// counts starts a new bar: a dump counts rows first, then the bytes of its media. Between
// draws a report costs a clock reading and a few comparisons.
func (b *terminalBar) show(done, total int64, bytes bool, what string, files int64) {
	if total == 0 {
		return // nothing to do, nothing to show (the bar would refuse a maximum of 0)
	}
	now := time.Now()
	if b.bar != nil && bytes == b.bytes && what == b.what && now.Sub(b.drawn) < drawEvery {
		return
	}
	b.drawn, b.what = now, what
	desc := b.label
	if what != "" {
		desc += " " + what
	}
	if files > 0 {
		desc += " (" + strconv.FormatInt(files, 10) + " files)"
	}
	if b.bar != nil && bytes != b.bytes {
		b.end()
	}
	if b.bar == nil {
		b.bytes, b.desc = bytes, desc
		// ShowCount also makes the bar draw at every Set64 (not only when the percentage
		// changes): show is throttled already.
		b.bar = progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(b.f),
			progressbar.OptionSetDescription(desc),
			progressbar.OptionShowCount(),
			progressbar.OptionShowBytes(bytes),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionFullWidth(),
			progressbar.OptionClearOnFinish(),
		)
	}
	if b.bar.GetMax64() != total {
		b.bar.ChangeMax64(total)
	}
	// A bar at its maximum is finished and cleared; what comes after the last row (a search
	// index to build) is still shown at the bar's last step, until end.
	if total > 0 && done >= total {
		done = total - 1
	}
	_ = b.bar.Set64(done)
	if desc != b.desc {
		b.desc = desc
		b.bar.Describe(desc)
	}
}

// end finishes and clears the bar; the next report starts a new one.
func (b *terminalBar) end() {
	if b != nil && b.bar != nil {
		_ = b.bar.Finish()
		b.bar = nil
	}
}

// progress returns a callback for a command that counts in one unit (addresses, say), nil
// without a terminal, and a function that ends the bar.
func (e *env) progress(label string) (report func(done, total int64, what string), end func()) {
	b := e.progressBar(label)
	if b == nil {
		return nil, func() {}
	}
	return func(done, total int64, what string) { b.show(done, total, false, what, 0) }, b.end
}
