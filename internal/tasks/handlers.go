package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/hooks"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/matrix"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/scores"
	"grouprise.org/grouprise/internal/store"
)

// MailPolicy retries a message for about a day (a mail server down over night), then parks it.
var MailPolicy = Policy{MaxAttempts: 30, First: time.Minute, Max: time.Hour}

// MatrixPolicy retries a chat job about every ten minutes for three days, as the original
// did: a homeserver that is down delays messages, it does not lose them.
var MatrixPolicy = Policy{MaxAttempts: 432, First: 10 * time.Minute, Max: 10 * time.Minute}

// DeliveryPolicy retries an ActivityPub delivery for about three days (a server down for a
// weekend), then parks it.
var DeliveryPolicy = Policy{MaxAttempts: 40, First: time.Minute, Max: 2 * time.Hour}

// MediaPolicy tries a remote author's avatar or a reply's pictures a few times over about two
// hours (a server that is briefly down; one that fails slowly is not tried again, see
// federation.SiteMediaPerHour), then gives up: the comment shows without them.
var MediaPolicy = Policy{MaxAttempts: 5, First: 5 * time.Minute, Max: time.Hour}

// A media job that finds another one fetching waits for its turn: the first time about
// mediaLater, later about half as long as it has waited so far, up to mediaLaterMax (each wait
// between that and twice it, so that the waiting jobs spread out). A job that waited
// mediaGiveUp is given up: a comment's pictures that come a quarter of a day late are not
// worth the turn, and each wait costs the queue two writes.
const (
	mediaLater    = 20 * time.Second
	mediaLaterMax = 10 * time.Minute
	mediaGiveUp   = 6 * time.Hour
)

// mediaWait is how long a media job that has waited age for its turn waits next (at least
// shortest), or false when it is to be given up.
func mediaWait(age, shortest time.Duration) (time.Duration, bool) {
	if age >= mediaGiveUp {
		return 0, false
	}
	d := min(max(age/2, shortest), mediaLaterMax)
	return d + rand.N(d), true
}

// Periodic work of grouprise (UTC), as the Django grouprise scheduled it.
var periodic = []Periodic{
	{Name: "scores", Spec: "23 */3 * * *"},
	{Name: "cleanup", Spec: "17 4 * * *"},
	{Name: "feeds", Spec: "41 * * * *"},
	{Name: "matrix.sync", Spec: "29 * * * *"},
}

// Register installs grouprise's job handlers on r and returns the periodic jobs to schedule.
func Register(r *Runner, cfg *config.Config, catalog *i18n.Catalog, transport mail.Transport) ([]Periodic, error) {
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		return nil, err
	}
	sender := &mail.Sender{Transport: transport}
	r.Handle(mail.JobKind, func(ctx context.Context, j *store.Job) error {
		err := sender.Handle(ctx, j)
		if r.opts.Metrics != nil {
			switch {
			case err == nil:
				r.opts.Metrics.Mail(true, r.now().Sub(mail.ItemDate(j)))
			case mail.IsPermanent(err) || j.Attempts >= MailPolicy.MaxAttempts:
				r.opts.Metrics.Mail(false, 0)
			}
		}
		return err
	}, MailPolicy)
	r.HandleTx(notify.JobKind, notifier.Fanout, DefaultPolicy)
	// A failing script is logged, not retried; the policy covers a runner that stopped midway.
	r.Handle(hooks.JobKind, (&hooks.Runner{Paths: cfg.HookScriptPaths, Log: r.log}).Handle, DefaultPolicy)
	r.HandlePeriodic("scores", func(ctx context.Context) error {
		return scores.Update(ctx, r.db, cfg.ScoreContentAge, r.now())
	})
	fed := federation.New(r.db, cfg, federation.Options{Deliveries: r.opts.Metrics.Delivery, Log: r.log})
	r.Handle(federation.JobDeliver, func(ctx context.Context, j *store.Job) error {
		err := fed.Deliver(ctx, j)
		if federation.IsPermanent(err) {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return err
	}, DeliveryPolicy)
	for kind, run := range map[string]func(context.Context, *store.Job) error{federation.JobAvatar: fed.FetchAvatar,
		federation.JobPictures: fed.FetchPictures, federation.JobRemoveMedia: fed.RemoveMedia} {
		r.Handle(kind, func(ctx context.Context, j *store.Job) error {
			err := run(ctx, j)
			if errors.Is(err, federation.ErrMediaBusy) {
				// Its worker goes on to the mails and deliveries that wait.
				age := r.now().Sub(j.CreatedAt)
				wait, ok := mediaWait(age, r.opts.MediaLater)
				if !ok {
					r.log.Warn("media job given up: it waited too long for its turn", "job", j.ID, "kind", kind,
						"waited", age.Round(time.Second))
					return nil
				}
				return &Later{After: wait, Reason: err.Error()}
			}
			if federation.IsPermanent(err) {
				return fmt.Errorf("%w: %w", ErrPermanent, err)
			}
			return err
		}, MediaPolicy)
	}
	r.HandleTx(federation.JobPublish, func(ctx context.Context, q *store.Queries, j *store.Job) error {
		err := fed.Publish(ctx, q, j)
		if federation.IsPermanent(err) {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return err
	}, DefaultPolicy)
	r.HandleTx(federation.JobActorUpdate, func(ctx context.Context, q *store.Queries, j *store.Job) error {
		err := fed.UpdateActor(ctx, q, j)
		if federation.IsPermanent(err) {
			return fmt.Errorf("%w: %w", ErrPermanent, err)
		}
		return err
	}, DefaultPolicy)
	registerFeeds(r, cfg, catalog)
	if err := registerMatrix(r, cfg, catalog); err != nil {
		return nil, err
	}
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

// registerMatrix installs the chat's handlers: working ones when matrix_chat is enabled, else
// ones that park the jobs (queued while it was on), so that they wait for it to come back.
func registerMatrix(r *Runner, cfg *config.Config, catalog *i18n.Catalog) error {
	kinds := []string{matrix.JobSync, matrix.JobKick, matrix.JobSend, matrix.JobReplace}
	if !cfg.MatrixChat.Enabled {
		for _, k := range kinds {
			r.Handle(k, func(context.Context, *store.Job) error {
				return fmt.Errorf("%w: %w", ErrPermanent, matrix.ErrDisabled)
			}, MatrixPolicy)
		}
		r.HandlePeriodic("matrix.sync", func(context.Context) error { return nil })
		return nil
	}
	chat, err := NewChat(r.db, cfg, catalog, r.log)
	if err != nil {
		return err
	}
	r.Handle(matrix.JobSync, chat.HandleSync, MatrixPolicy)
	r.Handle(matrix.JobKick, chat.HandleKick, MatrixPolicy)
	r.Handle(matrix.JobSend, chat.HandleSend, MatrixPolicy)
	r.Handle(matrix.JobReplace, chat.HandleReplace, MatrixPolicy)
	r.HandlePeriodic("matrix.sync", chat.SyncAll)
	return nil
}

// NewChat connects the chat to the homeserver of the configuration.
func NewChat(db *store.DB, cfg *config.Config, catalog *i18n.Catalog, log *slog.Logger) (*matrix.Chat, error) {
	mc := cfg.MatrixChat
	client, err := matrix.NewHTTPClient(mc.AdminAPIURL, "@"+mc.BotUsername+":"+mc.Domain, mc.BotAccessToken)
	if err != nil {
		return nil, err
	}
	p := catalog.Printer(cfg.LanguageCode)
	site, err := db.SiteSetting(context.Background(), "name", cfg.Domain)
	if err != nil {
		return nil, err
	}
	return &matrix.Chat{DB: db, Client: client, Domain: mc.Domain, BaseURL: cfg.BaseURL(), SiteName: site,
		Texts: matrix.Texts{PrivateTopic: p.T("chat.private_topic"), NotificationsRoom: p.T("chat.notifications_room"),
			Moved: p.T("chat.moved")}, Log: log.With("part", "matrix")}, nil
}
