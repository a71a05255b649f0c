package dump

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// readHeader reads the header of an archive.
func readHeader(r io.Reader) (*Header, *tar.Reader, error) {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return nil, nil, fmt.Errorf("restore: not a grouprise dump: %w", err)
	}
	tr := tar.NewReader(gz)
	h, err := tr.Next()
	if err != nil || h.Name != "grouprise-dump.json" {
		return nil, nil, errors.New("restore: not a grouprise dump (grouprise-dump.json is not its first entry)")
	}
	var header Header
	if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&header); err != nil {
		return nil, nil, fmt.Errorf("restore: grouprise-dump.json: %w", err)
	}
	if header.Format != Format {
		return nil, nil, errors.New("restore: not a grouprise dump")
	}
	if header.FormatVersion > formatVersion {
		return nil, nil, fmt.Errorf("restore: the dump is of format %d, newer than this grouprise reads (%d)",
			header.FormatVersion, formatVersion)
	}
	return &header, tr, nil
}

// Restore reads an archive into db, a new database (no schema yet: it is migrated to the
// dump's schema version first) or an empty one at the dump's schema version, and its media
// files into mediaRoot; then it migrates the database to this grouprise's schema.
func Restore(ctx context.Context, db *store.DB, mediaRoot string, r io.Reader) (*Header, *Counts, error) {
	return RestoreWith(ctx, db, mediaRoot, r, Options{})
}

// RestoreWith is Restore with options.
func RestoreWith(ctx context.Context, db *store.DB, mediaRoot string, r io.Reader, opts Options) (*Header, *Counts, error) {
	// The bytes of the archive as read, before gzip: the only measure known from the start.
	read := newMeter(opts.Progress, sizeOf(r), true)
	if read != nil {
		r = countingReader{r, read}
	}
	header, tr, err := readHeader(r)
	if err != nil {
		return nil, nil, err
	}
	state, err := db.Schema(ctx)
	if err != nil {
		return nil, nil, err
	}
	if header.SchemaVersion > state.Latest {
		return nil, nil, fmt.Errorf("restore: the dump is from a newer grouprise (%s, schema %d); this one knows schema %d",
			header.Grouprise, header.SchemaVersion, state.Latest)
	}
	if state.Current == 0 {
		if err := db.MigrateTo(ctx, header.SchemaVersion); err != nil {
			return nil, nil, err
		}
	}
	counts, err := restore(ctx, db, mediaRoot, header, tr, read)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx, nil); err != nil {
		return header, counts, fmt.Errorf("the dump was restored, but: %w; run `grouprise migrate` once the cause is fixed", err)
	}
	return header, counts, nil
}

// restore writes the rest of an archive into db, which must be empty and at the schema
// version of the dump, and its media files into mediaRoot. All rows go in one transaction,
// committed only when the counts at the end of the archive match; on any failure the store
// is as it was and the media files written are removed again.
func restore(ctx context.Context, db *store.DB, mediaRoot string, header *Header, tr *tar.Reader, progress *meter) (*Counts, error) {
	state, err := db.Schema(ctx)
	if err != nil {
		return nil, err
	}
	if state.Current != header.SchemaVersion {
		return nil, fmt.Errorf("restore: the dump has schema version %d, the database %d; restore into a new, empty database",
			header.SchemaVersion, state.Current)
	}
	empty, err := db.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, errors.New("restore: the database holds a site already; restore into a new, empty database")
	}
	got := &Counts{Tables: map[string]int{}}
	var late []lateValue
	var written []string
	undo := func() {
		for _, f := range written {
			os.Remove(f)
		}
	}
	err = db.Tx(ctx, func(q *store.Queries) error {
		for {
			h, err := tr.Next()
			if err == io.EOF {
				return errors.New("restore: the archive ends before counts.json; it is incomplete")
			}
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			switch {
			case strings.HasPrefix(h.Name, "tables/"):
				table, err := tableOf(h.Name)
				if err != nil {
					return err
				}
				progress.at(table)
				n, err := restoreTable(ctx, q, table, tr, &late)
				if err != nil {
					return err
				}
				got.Tables[table] = n
			case strings.HasPrefix(h.Name, "media/"):
				if got.MediaFiles == 0 {
					progress.at("media")
				}
				file, err := restoreMedia(mediaRoot, h, tr)
				if err != nil {
					return err
				}
				if file != "" {
					written = append(written, file)
				}
				got.MediaFiles++
				got.MediaBytes += h.Size
				progress.file()
			case h.Name == "counts.json":
				var want Counts
				if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(&want); err != nil {
					return fmt.Errorf("restore: counts.json: %w", err)
				}
				if err := compare(&want, got); err != nil {
					return err
				}
				// The rest is quick but for the search index, which the bar names while it is made.
				progress.finish("search index")
				for _, l := range late {
					if err := q.SetColumn(ctx, l.table, l.id, l.column, l.value); err != nil {
						return fmt.Errorf("restore: %w", err)
					}
				}
				// Jobs that ran when the dump was taken run again, from the start.
				if err := q.ResetRunningJobs(ctx); err != nil {
					return err
				}
				if err := q.ResetIdentities(ctx); err != nil {
					return err
				}
				return q.RebuildSearchIndex(ctx)
			default:
				return fmt.Errorf("restore: unexpected entry %s", h.Name)
			}
		}
	})
	if err != nil {
		undo()
		return nil, err
	}
	return got, nil
}

// tableOf reads the table of an entry tables/NN-TABLE.jsonl and checks that it is one of
// the store's.
func tableOf(name string) (string, error) {
	base := strings.TrimSuffix(strings.TrimPrefix(name, "tables/"), ".jsonl")
	if _, table, ok := strings.Cut(base, "-"); ok {
		for _, t := range store.DataTables {
			if t == table {
				return t, nil
			}
		}
	}
	return "", fmt.Errorf("restore: %s names no table of this grouprise", name)
}

// lateValue is a reference written after all rows (store.LateColumns).
type lateValue struct {
	table, column string
	id            int64
	value         any
}

func restoreTable(ctx context.Context, q *store.Queries, table string, r io.Reader, late *[]lateValue) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 256<<20) // a row may hold a long text
	var cols []string
	n := 0
	for sc.Scan() {
		line := sc.Bytes()
		if cols == nil {
			if err := json.Unmarshal(line, &cols); err != nil || len(cols) == 0 {
				return n, fmt.Errorf("restore: %s: the first line names no columns", table)
			}
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var raw []any
		if err := dec.Decode(&raw); err != nil {
			return n, fmt.Errorf("restore: %s row %d: %w", table, n+1, err)
		}
		if len(raw) != len(cols) {
			return n, fmt.Errorf("restore: %s row %d: %d values for %d columns", table, n+1, len(raw), len(cols))
		}
		vals := make([]any, len(raw))
		for i, v := range raw {
			var err error
			if vals[i], err = decodeValue(v); err != nil {
				return n, fmt.Errorf("restore: %s row %d, %s: %w", table, n+1, cols[i], err)
			}
		}
		if lateCols := store.LateColumns[table]; lateCols != nil {
			deferLate(table, cols, vals, lateCols, late)
		}
		if err := q.InsertRow(ctx, table, cols, vals); err != nil {
			return n, fmt.Errorf("restore: %s row %d: %w", table, n+1, err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return n, fmt.Errorf("restore: %s: %w", table, err)
	}
	return n, nil
}

// deferLate replaces the late references of a row by NULL and remembers them.
func deferLate(table string, cols []string, vals []any, lateCols []string, late *[]lateValue) {
	var id int64
	for i, c := range cols {
		if c == "id" {
			id, _ = vals[i].(int64)
		}
	}
	for i, c := range cols {
		if vals[i] != nil && slices.Contains(lateCols, c) {
			*late = append(*late, lateValue{table: table, column: c, id: id, value: vals[i]})
			vals[i] = nil
		}
	}
}

// restoreMedia writes one file below root (through a temporary file) and returns its path,
// or "" when the same file is there already.
func restoreMedia(root string, h *tar.Header, r io.Reader) (string, error) {
	rel, ok := cleanMediaName(h.Name)
	if !ok || h.Typeflag != tar.TypeReg {
		return "", fmt.Errorf("restore: refusing the media entry %q", h.Name)
	}
	dst := filepath.Join(root, filepath.FromSlash(rel))
	if info, err := os.Stat(dst); err == nil {
		if info.Size() == h.Size && files.SameContent(dst, r) {
			return "", nil // restored before (an earlier attempt) or the same media directory
		}
		return "", fmt.Errorf("restore: %s exists with other content; restore into an empty media directory", dst)
	}
	if err := files.MkdirAll(filepath.Dir(dst)); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".restore-*")
	if err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return "", fmt.Errorf("restore: %s: %w", rel, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("restore: %s: %w", rel, err)
	}
	if err := os.Chmod(tmp.Name(), files.FileMode); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("restore: %w", err)
	}
	return dst, nil
}

// compare checks that an archive held what its counts say.
func compare(want, got *Counts) error {
	var diffs []string
	for _, t := range store.DataTables {
		if want.Tables[t] != got.Tables[t] {
			diffs = append(diffs, fmt.Sprintf("%s: %d rows, the dump says %d", t, got.Tables[t], want.Tables[t]))
		}
	}
	if want.MediaFiles != got.MediaFiles || want.MediaBytes != got.MediaBytes {
		diffs = append(diffs, fmt.Sprintf("media: %d files of %d bytes, the dump says %d of %d",
			got.MediaFiles, got.MediaBytes, want.MediaFiles, want.MediaBytes))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("restore: the archive is damaged:\n%s", strings.Join(diffs, "\n"))
	}
	return nil
}
