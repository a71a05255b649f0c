package main

import (
	"context"
	"fmt"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/feedimport"
)

// runImportFeeds imports the feeds of group websites once, as the hourly job does.
func runImportFeeds(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("import-feeds", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		im := &feedimport.Importer{DB: a.DB, Contents: a.Contents, ImporterID: a.Config.FeedImporterGestaltID,
			Printer: a.Catalog.Printer(a.Config.LanguageCode), Log: a.Log}
		res, err := im.Run(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d groups with feeds: %d entries imported, %d feeds failed\n", res.Groups, res.Imported, res.Failed)
		if res.Failed > 0 {
			return errProblems
		}
		return nil
	})
}
