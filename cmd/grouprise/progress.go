package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress returns a callback that draws a progress bar on stderr, labelled label, and a
// function that ends the bar. When stderr is no terminal (scripts, CI, postinst) the callback
// is nil and nothing is drawn: those see only the summary, as before.
func (e *env) progress(label string) (report func(done, total int64, what string), end func()) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	var bar *progressbar.ProgressBar
	report = func(done, total int64, what string) {
		if bar == nil {
			// Made at the first report, when the total is known.
			bar = progressbar.NewOptions64(total,
				progressbar.OptionSetWriter(f),
				progressbar.OptionSetDescription(label+" "+what),
				progressbar.OptionShowCount(),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionSetElapsedTime(true),
				progressbar.OptionFullWidth(),
				progressbar.OptionClearOnFinish(),
				progressbar.OptionThrottle(100*time.Millisecond),
			)
		} else {
			if bar.GetMax64() != total {
				bar.ChangeMax64(total)
			}
			bar.Describe(label + " " + what)
		}
		_ = bar.Set64(done)
	}
	end = func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}
	return report, end
}
