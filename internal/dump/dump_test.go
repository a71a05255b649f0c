package dump_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// phases splits the reports of a Progress where it changes between rows and bytes, and
// checks each phase: done never goes back, never passes the total, and ends at it; the total
// stays the same once it is known (-1 while it is not).
func phases(t *testing.T, name string, steps []dump.Step) [][]dump.Step {
	t.Helper()
	var out [][]dump.Step
	for i, s := range steps {
		if i == 0 || s.Bytes != steps[i-1].Bytes {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], s)
	}
	for _, phase := range out {
		for i, s := range phase {
			if s.Total >= 0 && s.Done > s.Total || s.Done < 0 {
				t.Errorf("%s: done %d of %d (%s)", name, s.Done, s.Total, s.What)
			}
			if i == 0 {
				continue
			}
			prev := phase[i-1]
			if s.Done < prev.Done || s.Files < prev.Files || prev.Total >= 0 && s.Total != prev.Total {
				t.Errorf("%s: %+v after %+v", name, s, prev)
			}
		}
		if last := phase[len(phase)-1]; last.Done != last.Total {
			t.Errorf("%s: ends at %d of %d", name, last.Done, last.Total)
		}
	}
	return out
}

// reportsOn counts the reports that name what.
func reportsOn(steps []dump.Step, what string) int {
	n := 0
	for _, s := range steps {
		if s.What == what {
			n++
		}
	}
	return n
}

// manyConversations adds n conversations with subjects that gzip cannot shrink much, so that
// one table is big in rows and in bytes.
func manyConversations(t testing.TB, db *store.DB, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("INSERT INTO conversations (subject) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		sum := sha256.Sum256([]byte(strconv.Itoa(i)))
		fmt.Fprintf(&b, "('%x')", sum)
	}
	storetest.Exec(t, db, b.String())
}

// TestProgress: a dump reports rows (a big table moves it row by row) and then media bytes; a
// restore reports the bytes of the archive it has read; each ends at its total.
func TestProgress(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(d.String(), func(t *testing.T) {
			ctx := context.Background()
			src, srcMedia := site(t, d)
			const many = 3000
			manyConversations(t, src, many)
			var archive bytes.Buffer
			var dumped []dump.Step
			counts, err := dump.DumpWith(ctx, src, srcMedia, "test", &archive,
				dump.Options{Progress: func(s dump.Step) { dumped = append(dumped, s) }})
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			for _, n := range counts.Tables {
				rows += n
			}
			p := phases(t, "dump", dumped)
			if len(p) != 2 || p[0][0].Bytes || !p[1][0].Bytes {
				t.Fatalf("dump: %d phases, want rows and then media bytes", len(p))
			}
			if last := p[0][len(p[0])-1]; last.Total != int64(rows) {
				t.Errorf("dump: %d rows of %d, the archive holds %d", last.Done, last.Total, rows)
			}
			if last := p[1][len(p[1])-1]; last.Total != counts.MediaBytes || last.Files != int64(counts.MediaFiles) {
				t.Errorf("dump: media %+v, the archive holds %d files of %d bytes", last, counts.MediaFiles, counts.MediaBytes)
			}
			if n := reportsOn(p[0], "conversations"); n < many/100 {
				t.Errorf("dump: %d reports during the %d rows of conversations", n, many)
			}
			if p[0][0].What != store.DataTables[0] || p[1][0].What != "media" {
				t.Errorf("dump: the phases begin with %q and %q", p[0][0].What, p[1][0].What)
			}

			// A restore knows the size of what it reads when the reader tells it ...
			var restored []dump.Step
			if _, _, err := dump.RestoreWith(ctx, fresh(t, d), t.TempDir(), bytes.NewReader(archive.Bytes()),
				dump.Options{Progress: func(s dump.Step) { restored = append(restored, s) }}); err != nil {
				t.Fatal(err)
			}
			p = phases(t, "restore", restored)
			if len(p) != 1 || !p[0][0].Bytes || p[0][0].Total != int64(archive.Len()) {
				t.Fatalf("restore: %d phases, first report %+v; want bytes of %d", len(p), restored[0], archive.Len())
			}
			if n := reportsOn(restored, "conversations"); n < 5 {
				t.Errorf("restore: %d reports during conversations", n)
			}
			if last := restored[len(restored)-1]; last.Files != int64(counts.MediaFiles) {
				t.Errorf("restore: ends with %+v, the archive holds %d media files", last, counts.MediaFiles)
			}
			// ... and counts up to what it read when not (a pipe).
			restored = nil
			if _, _, err := dump.RestoreWith(ctx, fresh(t, d), t.TempDir(), io.MultiReader(bytes.NewReader(archive.Bytes())),
				dump.Options{Progress: func(s dump.Step) { restored = append(restored, s) }}); err != nil {
				t.Fatal(err)
			}
			phases(t, "restore from a pipe", restored)
			if first, last := restored[0], restored[len(restored)-1]; first.Total != -1 || last.Total < int64(archive.Len())*9/10 {
				t.Errorf("restore from a pipe: begins %+v, ends %+v; the archive has %d bytes", first, last, archive.Len())
			}
		})
	}
}

// BenchmarkDumpProgress measures what counting and reporting every row costs a dump of a
// few thousand rows.
func BenchmarkDumpProgress(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		db := storetest.Open(b, d)
		storetest.Exec(b, db, `INSERT INTO gestalten (id, username, date_joined) VALUES (1, 'anna', '2026-11-23 10:00:00')`)
		manyConversations(b, db, 5000)
		for _, c := range []struct {
			name     string
			progress dump.Progress
		}{{"quiet", nil}, {"reported", func(dump.Step) {}}} {
			b.Run(d.String()+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := dump.DumpWith(context.Background(), db, b.TempDir(), "test", io.Discard,
						dump.Options{Progress: c.progress}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
