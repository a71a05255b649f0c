package tasks

import (
	"context"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/feedimport"
	"grouprise.org/grouprise/internal/i18n"
)

// registerFeeds installs the hourly import of group websites' feeds; the articles are
// published through Options.Contents.
func registerFeeds(r *Runner, cfg *config.Config, catalog *i18n.Catalog) {
	articles := r.opts.Contents
	if articles == nil {
		articles = contents.New(r.db)
	}
	feeds := &feedimport.Importer{DB: r.db, Contents: articles, ImporterID: cfg.FeedImporterGestaltID,
		Printer: catalog.Printer(cfg.LanguageCode), Log: r.log}
	r.HandlePeriodic("feeds", func(ctx context.Context) error {
		if cfg.FeedImporterGestaltID == 0 {
			return nil // no importer account: the site imports no feeds
		}
		_, err := feeds.Run(ctx)
		return err
	})
}
