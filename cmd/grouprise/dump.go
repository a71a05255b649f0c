package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"grouprise.org/grouprise/internal/dump"
)

// runDump writes database and media into one archive while the daemons run.
func runDump(ctx context.Context, e *env, args []string) error {
	fs := e.flags("dump", "[--output FILE|-] [--keep N]")
	output := fs.String("output", "", "the archive to write, - for standard output (default: backup_path/grouprise-dump-TIME.tar.gz)")
	keep := fs.Int("keep", 0, "after writing into backup_path, keep only the newest `N` dumps there (default: all)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *keep < 0 || *keep > 0 && *output != "" {
		return usagef("--keep N counts the dumps in backup_path: it goes without --output, with N ≥ 1")
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
	bar := e.progressBar("dump")
	defer bar.end()
	opts := dump.Options{Progress: dumpProgress(bar)}
	if *output == "-" {
		_, err := dump.DumpWith(ctx, db, cfg.MediaRoot, version, e.stdout, opts)
		return err
	}
	path := *output
	if path == "" {
		if err := backupDir(cfg.BackupPath); err != nil {
			return fmt.Errorf("dump: %w", err)
		}
		path = filepath.Join(cfg.BackupPath, dumpPrefix+time.Now().UTC().Format("20060102-150405.000000")+".tar.gz")
	}
	// A temporary file beside it, renamed when complete: never half an archive under its name.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".grouprise-dump-*")
	if err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	defer os.Remove(tmp.Name())
	counts, err := dump.DumpWith(ctx, db, cfg.MediaRoot, version, tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("dump: %w", err)
	}
	if *keep > 0 {
		if err := prune(cfg.BackupPath, *keep, path, dumpPrefix+"*.tar.gz"); err != nil {
			return fmt.Errorf("dump: %w", err)
		}
	}
	rows := 0
	for _, n := range counts.Tables {
		rows += n
	}
	fmt.Fprintf(e.stdout, "%s: %d rows of %d tables, %d media files (%d bytes)\n", path, rows, len(counts.Tables),
		counts.MediaFiles, counts.MediaBytes)
	return nil
}

// runRestore reads an archive of `grouprise dump` into a new, empty store.
func runRestore(ctx context.Context, e *env, args []string) error {
	fs := e.flags("restore", "FILE|-")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	cfg, _, err := e.loadConfig()
	if err != nil {
		return err
	}
	db, err := e.openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	var in io.Reader = e.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		defer f.Close()
		in = f
	}
	bar := e.progressBar("restore")
	header, counts, err := dump.RestoreWith(ctx, db, cfg.MediaRoot, in, dump.Options{Progress: dumpProgress(bar)})
	bar.end()
	if err != nil {
		return err
	}
	rows := 0
	for _, n := range counts.Tables {
		rows += n
	}
	fmt.Fprintf(e.stdout, "restored the dump of %s (grouprise %s, %s) into %s: %d rows, %d media files\n",
		header.Created.Format(time.RFC3339), header.Grouprise, header.Dialect, db.Location, rows, counts.MediaFiles)
	return nil
}

// dumpProgress shows the progress of a dump or restore on bar; nil without one.
func dumpProgress(bar *terminalBar) dump.Progress {
	if bar == nil {
		return nil
	}
	return func(s dump.Step) { bar.show(s.Done, s.Total, s.Bytes, s.What, s.Files) }
}
