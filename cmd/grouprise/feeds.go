package main

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/feedimport"
	"grouprise.org/grouprise/internal/i18n"
)

// runImportFeeds imports the feeds of group websites once, as the hourly job does.
func runImportFeeds(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("import-feeds", ""), args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return err
	}
	catalog, err := i18n.Load()
	if err != nil {
		return err
	}
	db, err := e.openCurrentStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	im := &feedimport.Importer{DB: db, ImporterID: cfg.FeedImporterGestaltID, Printer: catalog.Printer(cfg.LanguageCode), Log: log}
	res, err := im.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d groups with feeds: %d entries imported, %d feeds failed\n", res.Groups, res.Imported, res.Failed)
	if res.Failed > 0 {
		return errProblems
	}
	return nil
}
