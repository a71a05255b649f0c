package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"grouprise.org/grouprise/internal/check"
	"grouprise.org/grouprise/internal/store"
)

func runCheck(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("check", ""), args, 0, 0); err != nil {
		return err
	}
	cfg, err := e.loadConfigAsOwner()
	if err != nil {
		return err
	}
	problems := 0
	for _, r := range check.Run(ctx, cfg) {
		status := "ok"
		if r.Problem {
			status = "PROBLEM"
			problems++
		}
		fmt.Fprintf(e.stdout, "%-7s %s: %s\n", status, r.Name, r.Detail)
	}
	if problems > 0 {
		fmt.Fprintf(e.stdout, "%d problem(s) found\n", problems)
		return errProblems
	}
	fmt.Fprintln(e.stdout, "all checks passed")
	return nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("migrate", "[--backup DIR] [--convert-django]")
	backup := fs.String("backup", "", "copy an existing database into `DIR` first (the newest 5 copies are kept); package upgrades do this")
	convert := fs.Bool("convert-django", false, "if the SQLite database is a Django grouprise's, import it into a new one in its place")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return err
	}
	db, err := e.openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	django, err := db.IsDjango(ctx)
	if err != nil {
		return err
	}
	if *backup != "" {
		// From the first installation on, the directory is there with its README (D3).
		if err := backupDir(*backup); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		before, err := db.Schema(ctx)
		if err != nil {
			return err
		}
		if before.Current > 0 || (django && db.Dialect() == store.SQLite) {
			path, err := backupDatabase(ctx, db, cfg, *backup, 5)
			if err != nil {
				return fmt.Errorf("%w; the schema was not changed (set GROUPRISE_SKIP_DATABASE_BACKUP=1 in the package's environment to migrate without a copy)", err)
			}
			fmt.Fprintf(e.stdout, "%s: copied to %s\n", db.Location, path)
		}
	}
	if django && *convert {
		if db, err = e.convertDjango(ctx, db, cfg); err != nil {
			return err
		}
	}
	applied, err := db.Migrate(ctx, log)
	if err != nil {
		return err
	}
	makeMediaRoot(log, cfg.MediaRoot)
	// The upgrade to schema 4 comes with a repair of data that older versions wrote.
	if slices.Contains(applied, int64(4)) && !slices.Contains(applied, int64(1)) {
		if err := untagInternal(ctx, e.stdout, db); err != nil {
			return err
		}
	}
	state, err := db.Schema(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(e.stdout, "%s: schema version %d is current; nothing to do\n", db.Location, state.Current)
		return nil
	}
	versions := make([]string, len(applied))
	for i, v := range applied {
		versions[i] = fmt.Sprint(v)
	}
	fmt.Fprintf(e.stdout, "%s: applied migration(s) %s; schema version %d\n", db.Location,
		strings.Join(versions, ", "), state.Current)
	return nil
}
