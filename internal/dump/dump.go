// Package dump writes a whole site, its database rows and its media files, into one
// archive while the daemons keep running, and restores such an archive into an empty store
// of either dialect (so a dump also moves a site from SQLite to PostgreSQL).
//
// The archive is a gzip-compressed tar: grouprise-dump.json (format and schema version),
// then tables/NN-TABLE.jsonl (a line of column names, then one JSON array per row), then
// media/NAME for every file, and last counts.json, which a restore checks before it commits.
package dump

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/store"
)

// Format names the archive format in its header.
const Format = "grouprise-dump"

// formatVersion changes when the archive layout changes.
const formatVersion = 1

// Header is the first entry of an archive.
type Header struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	SchemaVersion int64     `json:"schema_version"`
	Created       time.Time `json:"created"`
	Grouprise     string    `json:"grouprise"`
	Dialect       string    `json:"dialect"`
}

// Counts is the last entry of an archive: what it holds.
type Counts struct {
	Tables     map[string]int `json:"tables"`
	MediaFiles int            `json:"media_files"`
	MediaBytes int64          `json:"media_bytes"`
}

// Dump writes the site in db and mediaRoot to w. The rows come from one consistent snapshot;
// media files are written after it (a file is saved before the row that names it, so every
// file the rows name is there).
func Dump(ctx context.Context, db *store.DB, mediaRoot, version string, w io.Writer) (*Counts, error) {
	return DumpWith(ctx, db, mediaRoot, version, w, Options{})
}

// DumpWith is Dump with options.
func DumpWith(ctx context.Context, db *store.DB, mediaRoot, version string, w io.Writer, opts Options) (*Counts, error) {
	state, err := db.Schema(ctx)
	if err != nil {
		return nil, err
	}
	if state.Current == 0 {
		return nil, errors.New("dump: the database has no schema yet")
	}
	gz := gzip.NewWriter(w)
	tw := tar.NewWriter(gz)
	now := time.Now().UTC()
	header := Header{Format: Format, FormatVersion: formatVersion, SchemaVersion: state.Current,
		Created: now, Grouprise: version, Dialect: db.Dialect().String()}
	if err := writeJSON(tw, "grouprise-dump.json", header, now); err != nil {
		return nil, err
	}
	counts := &Counts{Tables: map[string]int{}}
	err = db.ReadSnapshot(ctx, func(q *store.Queries) error {
		var rows *meter
		if opts.Progress != nil {
			// Counted in the snapshot that is dumped: the count is exact. A COUNT(*) costs a
			// fraction of reading, encoding and compressing the rows.
			total, err := countRows(ctx, q)
			if err != nil {
				return err
			}
			rows = newMeter(opts.Progress, total, false)
		}
		for i, table := range store.DataTables {
			rows.at(table)
			if err := dumpTable(ctx, q, tw, fmt.Sprintf("tables/%02d-%s.jsonl", i, table), table, now, counts, rows); err != nil {
				return err
			}
		}
		rows.finish(store.DataTables[len(store.DataTables)-1])
		return nil
	})
	if err != nil {
		return nil, err
	}
	var media *meter
	if opts.Progress != nil {
		total, err := mediaSize(ctx, mediaRoot)
		if err != nil {
			return nil, err
		}
		media = newMeter(opts.Progress, total, true)
	}
	media.at("media")
	if err := dumpMedia(ctx, tw, mediaRoot, counts, media); err != nil {
		return nil, err
	}
	media.finish("media")
	if err := writeJSON(tw, "counts.json", counts, now); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	return counts, nil
}

func writeJSON(tw *tar.Writer, name string, v any, now time.Time) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("dump: %s: %w", name, err)
	}
	data = append(data, '\n')
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: int64(len(data)), ModTime: now,
		Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("dump: %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("dump: %s: %w", name, err)
	}
	return nil
}

// dumpTable writes one table. A tar entry needs its size first, so the rows go to a
// temporary file: memory stays flat however big the table.
func dumpTable(ctx context.Context, q *store.Queries, tw *tar.Writer, name, table string, now time.Time, counts *Counts,
	progress *meter) error {
	tmp, err := os.CreateTemp("", "grouprise-dump-*.jsonl")
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	buf := bufio.NewWriter(tmp)
	enc := json.NewEncoder(buf)
	rows, wroteColumns := 0, false
	err = q.ScanTable(ctx, table, func(cols []string, vals []any) error {
		if !wroteColumns {
			if err := enc.Encode(cols); err != nil {
				return err
			}
			wroteColumns = true
		}
		encoded := make([]any, len(vals))
		for i, v := range vals {
			encoded[i] = encodeValue(v)
		}
		rows++
		progress.add(1)
		return enc.Encode(encoded)
	})
	if err != nil {
		return err
	}
	if err := buf.Flush(); err != nil {
		return fmt.Errorf("dump: %s: %w", table, err)
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("dump: %s: %w", table, err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("dump: %s: %w", table, err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o640, Size: size, ModTime: now, Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("dump: %s: %w", table, err)
	}
	if _, err := io.Copy(tw, tmp); err != nil {
		return fmt.Errorf("dump: %s: %w", table, err)
	}
	counts.Tables[table] = rows
	return nil
}

// encodeValue turns a portable value into JSON that decodeValue reads back exactly: times and
// bytes are tagged objects, everything else is plain JSON.
func encodeValue(v any) any {
	switch x := v.(type) {
	case time.Time:
		return map[string]string{"t": x.UTC().Format(time.RFC3339Nano)}
	case []byte:
		return map[string]string{"b": base64.StdEncoding.EncodeToString(x)}
	case float64:
		return map[string]string{"f": strconv.FormatFloat(x, 'g', -1, 64)}
	}
	return v
}

func decodeValue(raw any) (any, error) {
	switch x := raw.(type) {
	case nil, bool, string:
		return x, nil
	case json.Number:
		return x.Int64()
	case map[string]any:
		for k, v := range x {
			s, ok := v.(string)
			if !ok || len(x) != 1 {
				break
			}
			switch k {
			case "t":
				return time.Parse(time.RFC3339Nano, s)
			case "b":
				return base64.StdEncoding.DecodeString(s)
			case "f":
				return strconv.ParseFloat(s, 64)
			}
		}
	}
	return nil, fmt.Errorf("a value the dump format does not have: %v", raw)
}

// countRows counts the rows a dump writes.
func countRows(ctx context.Context, q *store.Queries) (int64, error) {
	var total int64
	for _, table := range store.DataTables {
		n, err := q.Count(ctx, table)
		if err != nil {
			return 0, fmt.Errorf("dump: %w", err)
		}
		total += int64(n)
	}
	return total, nil
}

// eachMedia calls fn for every file below root that a dump holds: all but temporary files
// and scaled copies (which the web daemon makes again on demand).
func eachMedia(ctx context.Context, root string, fn func(path, rel string, d fs.DirEntry) error) error {
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	// media_root may be a link to the real directory (another disk): walk that.
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("dump: media: %w", err)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("dump: media: %w", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel != "." && skipMedia(filepath.ToSlash(rel)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skipMedia(filepath.ToSlash(rel)) {
			return nil
		}
		return fn(p, rel, d)
	})
}

// mediaSize adds up the sizes of the media files a dump holds: one walk over the directory,
// no file read.
func mediaSize(ctx context.Context, root string) (int64, error) {
	var total int64
	err := eachMedia(ctx, root, func(_, _ string, d fs.DirEntry) error {
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed since the directory was read
		}
		if err != nil {
			return fmt.Errorf("dump: media: %w", err)
		}
		total += info.Size()
		return nil
	})
	return total, err
}

// dumpMedia writes the media files below root.
func dumpMedia(ctx context.Context, tw *tar.Writer, root string, counts *Counts, progress *meter) error {
	return eachMedia(ctx, root, func(p, rel string, _ fs.DirEntry) error {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("dump: media: %w", err)
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return fmt.Errorf("dump: media: %w", err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: "media/" + filepath.ToSlash(rel), Mode: int64(files.FileMode), Size: info.Size(),
			ModTime: info.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("dump: media: %w", err)
		}
		var in io.Reader = f
		if progress != nil {
			in = countingReader{f, progress}
		}
		// A file that grows while it is read is cut at the size in the header.
		if _, err := io.CopyN(tw, in, info.Size()); err != nil {
			return fmt.Errorf("dump: media %s: %w", rel, err)
		}
		progress.file()
		counts.MediaFiles++
		counts.MediaBytes += info.Size()
		return nil
	})
}

// skipMedia tells which names below media_root are no site data: temporary files of uploads
// and imports, and the cache of scaled images (ours and the Django grouprise's).
func skipMedia(rel string) bool {
	return strings.HasPrefix(path.Base(rel), ".") || rel == "cache" || rel == "CACHE"
}

// cleanMediaName checks a media entry's name from an archive: relative, no way up.
func cleanMediaName(name string) (string, bool) {
	rel := strings.TrimPrefix(name, "media/")
	if rel == "" || rel != path.Clean(rel) || strings.HasPrefix(rel, "../") || rel == ".." || path.IsAbs(rel) {
		return "", false
	}
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, ".") {
			return "", false
		}
	}
	return rel, true
}
