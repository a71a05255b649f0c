package dump_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/dump"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// site is a store filled with the Django fixture (every kind of row) and its media.
func site(t *testing.T, d store.Dialect) (*store.DB, string) {
	t.Helper()
	db := storetest.Open(t, d)
	media := t.TempDir()
	src, err := djangoimport.Open(context.Background(), "../djangoimport/testdata/django-grouprise-5.5.sqlite3")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if _, err := djangoimport.Import(context.Background(), src, db, djangoimport.Options{
		MediaDir: "../djangoimport/testdata/django-grouprise-5.5-media", MediaRoot: media}); err != nil {
		t.Fatal(err)
	}
	// a job waiting to be done and a site setting travel along
	storetest.Exec(t, db, `INSERT INTO jobs (kind, payload, run_at, created_at, updated_at)
		VALUES ('mail', '{"to":"x"}', '2026-11-23 10:00:00', '2026-11-23 10:00:00', '2026-11-23 10:00:00')`,
		`UPDATE groups SET latitude = 52.5, longitude = 13.40625 WHERE id = 2`)
	return db, media
}

// fresh is a new database without a schema, as a restore on a new machine finds it.
func fresh(t *testing.T, d store.Dialect) *store.DB {
	t.Helper()
	cfg := config.Database{Engine: "sqlite", Name: filepath.Join(t.TempDir(), "restored.sqlite3")}
	if d == store.Postgres {
		cfg = storetest.EmptyPostgres(t)
	}
	return storetest.OpenConfig(t, cfg, false)
}

func tableRows(t *testing.T, db *store.DB) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range store.DataTables {
		out[table] = storetest.Rows(t, db, "SELECT * FROM "+table+" ORDER BY 1, 2")
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ from, to store.Dialect }{
		{store.SQLite, store.SQLite}, {store.Postgres, store.Postgres},
		{store.SQLite, store.Postgres}, {store.Postgres, store.SQLite},
	} {
		t.Run(tc.from.String()+"-to-"+tc.to.String(), func(t *testing.T) {
			ctx := context.Background()
			src, srcMedia := site(t, tc.from)
			var archive bytes.Buffer
			counts, err := dump.Dump(ctx, src, srcMedia, "test", &archive)
			if err != nil {
				t.Fatal(err)
			}
			if counts.Tables["contributions"] != 23 || counts.MediaFiles != 8 {
				t.Errorf("dump counts: %+v", counts)
			}
			dst, dstMedia := fresh(t, tc.to), t.TempDir()
			header, got, err := dump.Restore(ctx, dst, dstMedia, bytes.NewReader(archive.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if header.Dialect != tc.from.String() || got.MediaFiles != 8 {
				t.Errorf("restore: header %+v, counts %+v", header, got)
			}
			want, have := tableRows(t, src), tableRows(t, dst)
			for _, table := range store.DataTables {
				if !slices.Equal(want[table], have[table]) {
					t.Errorf("%s differs after the round trip:\n got %q\nwant %q", table, have[table], want[table])
				}
			}
			for _, name := range []string{"2cnpq9y5uplnby5t.png", "wbb4dzubxc8lkupn.pdf"} {
				a, _ := os.ReadFile(filepath.Join(srcMedia, name))
				b, err := os.ReadFile(filepath.Join(dstMedia, name))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("media %s not restored: %v", name, err)
				}
			}
			// New rows continue after the restored ids; search works.
			storetest.Exec(t, dst, `INSERT INTO conversations (subject) VALUES ('Nach dem Restore')`)
			if ids := storetest.Rows(t, dst, `SELECT id FROM conversations WHERE subject = 'Nach dem Restore'`); !slices.Equal(ids, []string{"8"}) {
				t.Errorf("new conversation id %v, want 8", ids)
			}
			if n := storetest.Rows(t, dst, `SELECT COUNT(*) FROM search_index`); n[0] == "0" {
				t.Error("the search index is empty after the restore")
			}
		})
	}
}

func TestRestoreRefuses(t *testing.T) {
	ctx := context.Background()
	src, media := site(t, store.SQLite)
	var archive bytes.Buffer
	if _, err := dump.Dump(ctx, src, media, "test", &archive); err != nil {
		t.Fatal(err)
	}
	// Into a store that holds a site: refused, nothing written.
	otherMedia := t.TempDir()
	if _, _, err := dump.Restore(ctx, src, otherMedia, bytes.NewReader(archive.Bytes())); err == nil ||
		!strings.Contains(err.Error(), "holds a site already") {
		t.Errorf("restore into a full store: %v", err)
	}
	// Not an archive.
	if _, _, err := dump.Restore(ctx, fresh(t, store.SQLite), t.TempDir(), strings.NewReader("hello")); err == nil ||
		!strings.Contains(err.Error(), "not a grouprise dump") {
		t.Errorf("restore of a text: %v", err)
	}
	// A truncated archive: the transaction is rolled back and the media written are removed.
	cut := truncated(t, archive.Bytes())
	dst, dstMedia := fresh(t, store.SQLite), t.TempDir()
	if _, _, err := dump.Restore(ctx, dst, dstMedia, bytes.NewReader(cut)); err == nil {
		t.Fatal("a truncated archive was restored")
	}
	if n, _ := dst.Count(ctx, "gestalten"); n != 0 {
		t.Errorf("a failed restore left %d people", n)
	}
	if entries, _ := os.ReadDir(dstMedia); len(entries) != 0 {
		t.Errorf("a failed restore left %d media files", len(entries))
	}
}

// truncated rewrites an archive without its last entry (counts.json).
func truncated(t *testing.T, archive []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == "counts.json" {
			continue
		}
		tw.WriteHeader(h)
		io.Copy(tw, tr)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

// TestDumpIsConsistentWhileWriting dumps while another connection keeps adding people with
// an inbox notification each (read long after the people): without one snapshot the dump
// would hold notifications of people it lacks, and the restore would fail.
func TestDumpIsConsistentWhileWriting(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			db, media := site(t, d)
			ctx := context.Background()
			stop := make(chan struct{})
			done := make(chan struct{})
			go func() {
				defer close(done)
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					db.Tx(ctx, func(q *store.Queries) error {
						id := int64(1000 + i)
						now := time.Now()
						if err := q.InsertRow(ctx, "gestalten", []string{"id", "username", "date_joined"},
							[]any{id, fmt.Sprintf("writer%d", i), now}); err != nil {
							return err
						}
						return q.InsertRow(ctx, "inbox_notifications", []string{"id", "receiver_id", "created_on"},
							[]any{id, id, now})
					})
				}
			}()
			var archive bytes.Buffer
			_, err := dump.Dump(ctx, db, media, "test", &archive)
			close(stop)
			<-done
			if err != nil {
				t.Fatal(err)
			}
			dst := fresh(t, store.SQLite)
			if _, _, err := dump.Restore(ctx, dst, t.TempDir(), bytes.NewReader(archive.Bytes())); err != nil {
				t.Fatalf("the dump taken during writes does not restore: %v", err)
			}
		})
	}
}

// Whatever the umask, restored media are the service's and its group's only.
func TestRestoredMediaModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	ctx := context.Background()
	src, srcMedia := site(t, store.SQLite)
	var archive bytes.Buffer
	if _, err := dump.Dump(ctx, src, srcMedia, "test", &archive); err != nil {
		t.Fatal(err)
	}
	dstMedia := filepath.Join(t.TempDir(), "media")
	if _, _, err := dump.Restore(ctx, fresh(t, store.SQLite), dstMedia, &archive); err != nil {
		t.Fatal(err)
	}
	n := 0
	filepath.WalkDir(dstMedia, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o640)
		if d.IsDir() {
			want = 0o750
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v", path, fi.Mode().Perm(), want)
		}
		n++
		return nil
	})
	if n < 9 {
		t.Errorf("%d media entries restored", n)
	}
}

// recorder keeps what a Progress was told and checks that done only grows, within one total.
type recorder struct {
	t     *testing.T
	done  []int64
	what  []string
	total int64
}

func (r *recorder) progress(done, total int64, what string) {
	if r.total != 0 && total != r.total {
		r.t.Errorf("progress: total %d, before %d", total, r.total)
	}
	if n := len(r.done); n > 0 && done <= r.done[n-1] {
		r.t.Errorf("progress: done %d after %d", done, r.done[n-1])
	}
	r.total = total
	r.done = append(r.done, done)
	r.what = append(r.what, what)
}

func TestProgress(t *testing.T) {
	want := int64(len(store.DataTables) + 1)
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			src, srcMedia := site(t, d)
			var archive bytes.Buffer
			dumped := &recorder{t: t}
			if _, err := dump.DumpWith(ctx, src, srcMedia, "test", &archive, dump.Options{Progress: dumped.progress}); err != nil {
				t.Fatal(err)
			}
			restored := &recorder{t: t}
			if _, _, err := dump.RestoreWith(ctx, fresh(t, d), t.TempDir(), bytes.NewReader(archive.Bytes()),
				dump.Options{Progress: restored.progress}); err != nil {
				t.Fatal(err)
			}
			for name, r := range map[string]*recorder{"dump": dumped, "restore": restored} {
				if r.total != want || int64(len(r.done)) != want || r.done[len(r.done)-1] != want {
					t.Errorf("%s: total %d, done %v; want %d steps up to %d", name, r.total, r.done, want, want)
				}
				if r.what[0] != store.DataTables[0] || r.what[len(r.what)-1] != "media" {
					t.Errorf("%s: steps %q", name, r.what)
				}
			}
		})
	}
}
