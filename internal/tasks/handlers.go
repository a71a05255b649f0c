package tasks

import (
	"context"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/feedimport"
	"grouprise.org/grouprise/internal/hooks"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/scores"
)

// MailPolicy retries a message for about a day (a mail server down over night), then parks it.
var MailPolicy = Policy{MaxAttempts: 30, First: time.Minute, Max: time.Hour}

// Periodic work of grouprise (UTC), as the Django grouprise scheduled it.
var periodic = []Periodic{
	{Name: "scores", Spec: "23 */3 * * *"},
	{Name: "cleanup", Spec: "17 4 * * *"},
	{Name: "feeds", Spec: "41 * * * *"},
}

// Register installs grouprise's job handlers on r and returns the periodic jobs to schedule.
func Register(r *Runner, cfg *config.Config, catalog *i18n.Catalog, transport mail.Transport) ([]Periodic, error) {
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		return nil, err
	}
	r.Handle(mail.JobKind, (&mail.Sender{Transport: transport}).Handle, MailPolicy)
	r.HandleTx(notify.JobKind, notifier.Fanout, DefaultPolicy)
	// A failing script is logged, not retried; the policy covers a runner that stopped midway.
	r.Handle(hooks.JobKind, (&hooks.Runner{Paths: cfg.HookScriptPaths, Log: r.log}).Handle, DefaultPolicy)
	r.HandlePeriodic("scores", func(ctx context.Context) error {
		return scores.Update(ctx, r.db, cfg.ScoreContentAge, r.now())
	})
	feeds := &feedimport.Importer{DB: r.db, ImporterID: cfg.FeedImporterGestaltID,
		Printer: catalog.Printer(cfg.LanguageCode), Log: r.log}
	r.HandlePeriodic("feeds", func(ctx context.Context) error {
		if cfg.FeedImporterGestaltID == 0 {
			return nil // no importer account: the site imports no feeds
		}
		_, err := feeds.Run(ctx)
		return err
	})
	r.HandlePeriodic("cleanup", func(ctx context.Context) error {
		removed, err := r.db.Cleanup(ctx, r.now())
		if err == nil {
			r.log.Info("removed expired rows", "sessions", removed["sessions"], "tokens", removed["permission_tokens"],
				"confirmations", removed["email_confirmations"], "incoming_mails", removed["incoming_mails"])
		}
		return err
	})
	return periodic, nil
}
