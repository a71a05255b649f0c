// Package incoming publishes the mail people send to the site: a mail to a group's address
// starts a conversation, a reply to a notification continues its thread. The LMTP daemon and
// import-mail read the mail; this package decides and writes, in one transaction.
package incoming

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/files"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
)

// Outcome is what became of a mail for one recipient.
type Outcome int

// The outcomes of a delivery.
const (
	Delivered Outcome = iota // stored as a conversation, comment or message
	Duplicate                // delivered before (same Message-ID and recipient): nothing done
	Dropped                  // automatic mail (auto-reply, bounce): ignored on purpose
	Refused                  // not allowed; the sender was sent an explanation
	Withheld                 // not allowed; the sender is not told (told within the hour, or forged)
)

// Mail is a mail for one recipient, as the daemon read it.
type Mail struct {
	// Sender is the envelope sender; "" or "<>" (the null sender) is dropped.
	Sender string
	// Recipient is the address as the MTA gave it; with MessageID it is what makes a
	// redelivery do nothing. GroupSlug names a group's address, Token a reply address's.
	Recipient        string
	GroupSlug, Token string
	// MessageID identifies the mail (its Message-ID, or a hash of it when it has none).
	MessageID string
	// InReplyTo is the contribution its references answer (0: none).
	InReplyTo int64
	Subject   string
	// Date is the mail's Date header (zero when missing); Received is when it arrived.
	Date, Received time.Time
	Text           string
	Attachments    []Attachment
	// TooLarge names attachments left out for their size.
	TooLarge []string
	// Auto marks automatic mail (auto-replies, bounces, bulk mail): dropped.
	Auto bool
	// Forged: the local MTA found the sender forged. The sender is taken as a stranger and
	// not answered (the answer would go to the person whose address was forged).
	Forged bool
}

// Attachment is a file that came with a mail.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Service publishes incoming mail through the contents and conversations services.
type Service struct {
	db            *store.DB
	cfg           *config.Config
	catalog       *i18n.Catalog
	contents      *contents.Service
	conversations *conversations.Conversations
	log           *slog.Logger
}

// New returns the service that publishes incoming mail.
func New(cfg *config.Config, db *store.DB, catalog *i18n.Catalog, log *slog.Logger,
	cs *contents.Service, conv *conversations.Conversations) *Service {
	return &Service{db: db, cfg: cfg, catalog: catalog, contents: cs, conversations: conv, log: log}
}

// Deliver publishes a mail for one recipient in one transaction: the conversation or
// comment, its attachments, its notification job and the record that makes a redelivery do
// nothing (claimed last: a redelivery rolls back what it wrote) — or, when the sender may not
// write there, the explanation to the sender. A returned error is temporary: nothing was
// written, the MTA should try again.
func (s *Service) Deliver(ctx context.Context, m *Mail) (Outcome, error) {
	sender := strings.TrimSpace(m.Sender)
	if m.Auto || sender == "" || sender == "<>" {
		return Dropped, nil
	}
	var outcome Outcome
	var saved []string
	err := s.db.Tx(ctx, func(q *store.Queries) error {
		saved = saved[:0]
		now := m.Received
		claim := func(contributionID int64) error {
			fresh, err := q.ClaimIncoming(ctx, m.MessageID, m.Recipient, contributionID, now)
			if err == nil && !fresh {
				return errDelivered
			}
			return err
		}
		author, err := q.GestaltByEmail(ctx, sender)
		if errors.Is(err, store.ErrNotFound) {
			author = nil
		} else if err != nil {
			return err
		}
		if m.Forged {
			s.log.Warn("the MTA found the sender forged; taken as a stranger", "sender", sender, "message_id", m.MessageID)
			author = nil
		}
		at := written(m.Date, now)
		var id int64
		if m.GroupSlug != "" {
			id, err = s.toGroup(ctx, q, author, m, at)
		} else {
			id, err = s.toThread(ctx, q, author, m, at)
		}
		var refused *refusal
		if errors.As(err, &refused) {
			outcome = Withheld
			if !m.Forged {
				tell, err := firstExplanation(ctx, q, sender, m.MessageID, now)
				if err != nil {
					return err
				}
				if tell {
					outcome = Refused
					if err := s.explain(ctx, q, sender, author, m, refused, now); err != nil {
						return err
					}
				}
			}
			if err := claim(0); err != nil {
				return err
			}
			s.log.Info("incoming mail refused", "sender", sender, "reason", refused.Error(), "message_id", m.MessageID)
			return nil
		}
		if err != nil {
			return err
		}
		names, err := s.attach(ctx, q, id, author.ID, m.Attachments, at)
		saved = names
		if err != nil {
			return err
		}
		outcome = Delivered
		return claim(id)
	})
	if err != nil {
		for _, n := range saved {
			files.Remove(s.cfg.MediaRoot, n)
		}
		if errors.Is(err, errDelivered) {
			return Duplicate, nil
		}
		return 0, err
	}
	return outcome, nil
}

// errDelivered rolls back a redelivered mail's transaction.
var errDelivered = errors.New("incoming: the mail was delivered before")

// written is when a mail was written, as its Date header says — unless that lies in the
// future or more than a month back (a wrong clock), then now.
func written(date, now time.Time) time.Time {
	if date.IsZero() || date.After(now.Add(5*time.Minute)) || date.Before(now.AddDate(0, -1, 0)) {
		return now
	}
	return date.UTC()
}

// String names an outcome for logs.
func (o Outcome) String() string {
	switch o {
	case Delivered:
		return "delivered"
	case Duplicate:
		return "duplicate"
	case Dropped:
		return "dropped"
	case Refused:
		return "refused"
	case Withheld:
		return "withheld"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}
