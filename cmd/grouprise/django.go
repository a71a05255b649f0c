package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/djangoimport"
	"grouprise.org/grouprise/internal/store"
)

// runImportDjango copies a Django grouprise's database and media into the (empty) store.
func runImportDjango(ctx context.Context, e *env, args []string) error {
	fs := e.flags("import-django", "[--media DIR] [--dry-run] SQLITE-FILE|POSTGRESQL-URL|MYSQL-URL")
	media := fs.String("media", "", "the Django site's media directory (default: media/ beside an SQLite file, else media_root)")
	dryRun := fs.Bool("dry-run", false, "import and roll back: report counts and problems, change nothing")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		fmt.Fprint(e.stderr, djangoSources)
	}
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	cfg, _, err := e.loadConfig()
	if err != nil {
		return err
	}
	db, err := e.openCurrentStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	source := pos[0]
	if *media == "" {
		*media = defaultDjangoMedia(source, cfg)
	}
	return importDjango(ctx, e, db, cfg, source, *media, *dryRun)
}

// djangoSources explains the forms of the source argument.
const djangoSources = `The Django grouprise's database:
  SQLITE-FILE     the path of its SQLite file
  POSTGRESQL-URL  postgresql://USER:PASSWORD@HOST:PORT/DB or postgresql:///DB?host=/run/postgresql
  MYSQL-URL       mysql://USER:PASSWORD@HOST:PORT/DB (port 3306 if left out; ?tls=true for TLS),
                  mysql://USER@/DB?socket=/run/mysqld/mysqld.sock (a unix socket), or
                  mysql://USER@/DB (Debian's socket, /run/mysqld/mysqld.sock)
`

// defaultDjangoMedia is where a Django grouprise keeps its media: media/ beside its SQLite
// file (its data_path), or, on the same machine, the media_root that both share.
func defaultDjangoMedia(source string, cfg *config.Config) string {
	if djangoimport.IsFile(source) {
		dir := filepath.Join(filepath.Dir(source), "media")
		if info, err := os.Stat(dir); err == nil && info.IsDir() {
			return dir
		}
	}
	return cfg.MediaRoot
}

func importDjango(ctx context.Context, e *env, db *store.DB, cfg *config.Config, source, media string, dryRun bool) error {
	out := e.stdout
	src, err := djangoimport.Open(ctx, source)
	if err != nil {
		return err
	}
	defer src.Close()
	bar := e.progressBar("import-django")
	var progress func(djangoimport.Step)
	if bar != nil {
		progress = func(s djangoimport.Step) { bar.show(s.Done, s.Total, false, s.What, s.Files) }
	}
	rep, err := djangoimport.Import(ctx, src, db, djangoimport.Options{MediaDir: media, MediaRoot: cfg.MediaRoot,
		DryRun: dryRun, Progress: progress})
	bar.end()
	if err != nil {
		return fmt.Errorf("import of %s: %w", src.Location, err)
	}
	printReport(out, rep, src.Location, media, db.Location)
	if dryRun {
		return nil
	}
	return untagInternal(ctx, out, db)
}

// untagInternal takes from contents the tags that only internal comments name: the Django
// grouprise (and grouprise before 2026-12) let an internal comment's hashtags tag its public
// content, showing them on tag pages and in the search.
func untagInternal(ctx context.Context, out io.Writer, db *store.DB) error {
	n, err := contents.New(db).UntagInternal(ctx)
	if err != nil {
		return fmt.Errorf("tags of internal comments: %w", err)
	}
	if n > 0 {
		fmt.Fprintf(out, "%s: removed %d tag(s) that only internal comments named\n", db.Location, n)
	}
	return nil
}

func printReport(out io.Writer, rep *djangoimport.Report, source, media, target string) {
	verb := "imported"
	if rep.DryRun {
		verb = "would import (dry run, nothing changed)"
	}
	fmt.Fprintf(out, "%s %s into %s; media from %s\n", verb, source, target, media)
	total := 0
	for _, c := range rep.Imported {
		fmt.Fprintf(out, "%8d  %s\n", c.Rows, c.Table)
		total += c.Rows
	}
	fmt.Fprintf(out, "%8d  rows in all; %d media files copied\n", total, rep.Files)
	if len(rep.Skipped) > 0 {
		fmt.Fprintln(out, "left out on purpose:")
		for _, s := range rep.Skipped {
			fmt.Fprintf(out, "  %s (%d rows): %s\n", s.Table, s.Rows, s.Note)
		}
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintln(out, "no problems")
		return
	}
	fmt.Fprintf(out, "%d problems (rows changed or not imported):\n", len(rep.Problems))
	for _, p := range rep.Problems {
		fmt.Fprintf(out, "  %s\n", p)
	}
}

// convertDjango replaces a Django grouprise's SQLite database at the configured path by a
// new store with its data (`grouprise migrate --convert-django`, run by the package on an
// upgrade from the Django grouprise). The old file stays beside as NAME.django-STAMP; when
// anything fails, the old file is put back and nothing else changed.
func (e *env) convertDjango(ctx context.Context, db *store.DB, cfg *config.Config) (*store.DB, error) {
	if db.Dialect() != store.SQLite {
		return db, errors.New("a Django grouprise's PostgreSQL database is converted into a new database: " +
			"create one, set `database` to it, run `grouprise migrate`, then `grouprise import-django URL-OF-THE-OLD-ONE` (README.Debian)")
	}
	name := cfg.Database.Name
	if err := db.Close(); err != nil {
		return nil, err
	}
	if err := store.LeaveWAL(ctx, name); err != nil {
		return nil, err
	}
	old := name + ".django-" + time.Now().UTC().Format("20060102-150405")
	if err := os.Rename(name, old); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	restore := func(cause error) error {
		os.Remove(name)
		os.Remove(name + "-wal")
		os.Remove(name + "-shm")
		if err := os.Rename(old, name); err != nil {
			return errors.Join(cause, fmt.Errorf("putting back %s: %w", name, err))
		}
		return fmt.Errorf("%w; %s is as it was", cause, name)
	}
	fresh, err := store.Open(ctx, cfg.Database, store.OpenOptions{Create: true})
	if err != nil {
		return nil, restore(err)
	}
	if _, err := fresh.Migrate(ctx, nil); err != nil {
		fresh.Close()
		return nil, restore(err)
	}
	fmt.Fprintf(e.stdout, "%s is a Django grouprise's database; converting it (the original stays as %s)\n", name, old)
	if err := importDjango(ctx, e, fresh, cfg, old, cfg.MediaRoot, false); err != nil {
		fresh.Close()
		return nil, restore(err)
	}
	return fresh, nil
}
