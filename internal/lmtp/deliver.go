// Package lmtp receives mail: an LMTP server (RFC 2033) for the MTA that checks recipients,
// reads each mail and hands it to internal/incoming, which turns a mail to a group's address
// into a conversation and a reply to a notification into a comment or message in its thread.
package lmtp

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/conversations"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/incoming"
	"grouprise.org/grouprise/internal/store"
)

// Recipient is an accepted address: a group's (GroupSlug) or a reply address (Token).
type Recipient struct {
	Address   string
	GroupSlug string
	Token     string
}

// ErrUnknownRecipient means that no group or reply address has this name.
var ErrUnknownRecipient = errors.New("no such recipient")

// Outcome is what became of a mail for one recipient (see incoming.Outcome).
type Outcome = incoming.Outcome

// The outcomes of a delivery.
const (
	Delivered = incoming.Delivered
	Duplicate = incoming.Duplicate
	Dropped   = incoming.Dropped
	Refused   = incoming.Refused
	Withheld  = incoming.Withheld
)

// Deliverer checks recipients and hands each mail to the incoming service, which publishes it.
type Deliverer struct {
	db       *store.DB
	cfg      *config.Config
	incoming *incoming.Service
	now      func() time.Time
	// the reply address pattern split around its {reply_key}, and the mail domains
	replyPrefix, replySuffix string
	domains                  map[string]bool
	// Wake tells the task runner that jobs wait.
	Wake func()
}

// New returns the deliverer for a site; mail is published through the contents and
// conversations services given (the App's).
func New(cfg *config.Config, db *store.DB, catalog *i18n.Catalog, log *slog.Logger,
	cs *contents.Service, conv *conversations.Conversations) *Deliverer {
	d := &Deliverer{db: db, cfg: cfg, incoming: incoming.New(cfg, db, catalog, log, cs, conv),
		now: time.Now, domains: map[string]bool{strings.ToLower(cfg.Domain): true}, Wake: func() {}}
	pattern := strings.ToLower(cfg.DefaultReplyToEmail)
	if i := strings.Index(pattern, "{reply_key}"); i >= 0 {
		d.replyPrefix, d.replySuffix = pattern[:i], pattern[i+len("{reply_key}"):]
	}
	if _, domain, ok := strings.Cut(d.replySuffix, "@"); ok {
		d.domains[domain] = true
	}
	return d
}

// Check decides at RCPT whether an address takes mail: a group's slug at the site's domain
// (any case) or a reply address with a valid token. noreply, postmaster and everything else
// are unknown; the MTA, which knows whether the sender is real, answers for them.
func (d *Deliverer) Check(ctx context.Context, addr string) (*Recipient, error) {
	addr = strings.TrimSpace(addr)
	lower := strings.ToLower(addr)
	local, domain, ok := strings.Cut(lower, "@")
	if !ok || local == "" || !d.domains[domain] {
		return nil, ErrUnknownRecipient
	}
	if d.replyPrefix != "" && strings.HasPrefix(lower, d.replyPrefix) && strings.HasSuffix(lower, d.replySuffix) &&
		len(lower) > len(d.replyPrefix)+len(d.replySuffix) {
		token := lower[len(d.replyPrefix) : len(lower)-len(d.replySuffix)]
		if !strings.ContainsAny(token, "@+ ") {
			_, err := d.db.TokenBySecret(ctx, store.FeatureReply, token, d.now())
			if errors.Is(err, store.ErrNotFound) {
				return nil, ErrUnknownRecipient
			}
			if err != nil {
				return nil, err
			}
			return &Recipient{Address: addr, Token: token}, nil
		}
	}
	if _, _, err := d.db.GroupMember(ctx, local, 0); errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownRecipient
	} else if err != nil {
		return nil, err
	}
	return &Recipient{Address: addr, GroupSlug: local}, nil
}

// Deliver publishes a mail for one recipient: in one transaction the conversation or
// comment, its attachments, its notification job and the record that makes a redelivery do
// nothing (see incoming.Service.Deliver). A returned error is temporary: nothing was written,
// the MTA should try again.
func (d *Deliverer) Deliver(ctx context.Context, sender string, r *Recipient, p *Parsed) (Outcome, error) {
	m := &incoming.Mail{Sender: sender, Recipient: r.Address, GroupSlug: r.GroupSlug, Token: r.Token,
		MessageID: p.MessageID, InReplyTo: inReplyTo(p.Refs), Subject: p.Subject, Date: p.Date, Received: d.now(),
		Text: p.Text, TooLarge: p.TooLarge, Auto: p.Auto,
		Forged: senderForged(d.cfg.LMTP.AuthservID, senderDomain(strings.TrimSpace(sender)), p.AuthResults)}
	for _, a := range p.Attachments {
		m.Attachments = append(m.Attachments, incoming.Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	outcome, err := d.incoming.Deliver(ctx, m)
	if err != nil {
		return 0, err
	}
	if outcome == Delivered || outcome == Refused {
		d.Wake()
	}
	return outcome, nil
}

// replied finds the contribution a mail answers among its references: our Message-IDs end
// in ".contribution.<id>-<hash>@<domain>" (F91).
var replied = regexp.MustCompile(`\.contribution\.(\d+)(?:-[0-9a-f]+)?@`)

func inReplyTo(refs []string) int64 {
	for _, ref := range refs {
		if m := replied.FindStringSubmatch(ref); m != nil {
			if id, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				return id
			}
		}
	}
	return 0
}
