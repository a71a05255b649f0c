package djangoimport

import "context"

// Step is one report of progress: Done of Total rows of the source, What kind of row is at
// work, and the media files copied so far.
type Step struct {
	Done, Total int64
	What        string
	Files       int64
}

// countRows counts the rows of source tables (0 for a table the source lacks).
func (im *importer) countRows(ctx context.Context, tables []string) (int64, error) {
	var total int64
	for _, t := range tables {
		n, err := im.src.count(ctx, t)
		if err != nil {
			return 0, err
		}
		total += int64(n)
	}
	return total, nil
}

// each runs a query on the source like Source.each and counts every row read.
func (im *importer) each(ctx context.Context, query string, fn func(scan scanFunc) error) error {
	if im.opts.Progress == nil {
		return im.src.each(ctx, query, fn)
	}
	return im.src.each(ctx, query, func(scan scanFunc) error {
		// A kind of row may read fewer rows than its tables hold (a WHERE) or the same
		// table twice: the count stops at the rows counted, and end makes up the rest.
		if im.progress.Done < im.stepEnd {
			im.progress.Done++
		}
		im.report()
		return fn(scan)
	})
}

// begin starts a kind of row that reads rows rows of the source.
func (im *importer) begin(what string, rows int64) {
	im.progress.What = what
	im.stepEnd = im.progress.Done + rows
	im.report()
}

// end finishes a kind of row: all its rows are done.
func (im *importer) end() {
	im.progress.Done = im.stepEnd
	im.report()
}

func (im *importer) report() {
	if im.opts.Progress != nil {
		im.progress.Files = int64(im.media.copied)
		im.opts.Progress(im.progress)
	}
}
