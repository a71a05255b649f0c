package incoming

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
)

// refusal is why a mail is not published; its sender is told (the catalog id of the text).
type refusal struct{ why string }

func (r *refusal) Error() string { return r.why }

var (
	errNoGroup      = &refusal{"lmtp.error.no_group"}
	errNotMember    = &refusal{"lmtp.error.not_member"}
	errUnknownToken = &refusal{"lmtp.error.unknown_token"}
	errWrongSender  = &refusal{"lmtp.error.wrong_sender"}
	errGone         = &refusal{"lmtp.error.gone"}
	errMembersOnly  = &refusal{"lmtp.error.members_only"}
)

// explainEvery is how often a sender is told at most why mail was not published: an
// envelope sender can be anybody's address, and the site must not become a source of
// backscatter.
const explainEvery = time.Hour

// firstExplanation claims the one explanation a message gets, and the one a sender gets
// within explainEvery (the claims are shared by all lmtpd processes through the store).
func firstExplanation(ctx context.Context, q *store.Queries, sender, messageID string, now time.Time) (bool, error) {
	sum := sha256.Sum256([]byte(messageID))
	first, err := q.ClaimOnce(ctx, "lmtp:explained:message:"+hex.EncodeToString(sum[:]), now)
	if err != nil || !first {
		return false, err
	}
	n, err := q.CountAttempt(ctx, "lmtp:explained:sender:"+strings.ToLower(sender), now, explainEvery)
	return n == 1, err
}

// explain queues the answer to a mail that was not published: automatic (auto-replied),
// never to the null sender, from the site's address.
func (s *Service) explain(ctx context.Context, q *store.Queries, sender string, author *store.Gestalt, m *Mail, why *refusal, now time.Time) error {
	cfg := s.cfg
	lang := cfg.LanguageCode
	if author != nil && author.Language != "" {
		lang = author.Language
	}
	pr := s.catalog.Printer(lang)
	site, err := q.SiteSetting(ctx, "name", cfg.Domain)
	if err != nil {
		return err
	}
	subject := m.Subject
	if subject == "" {
		subject = pr.T("mail.untitled")
	}
	msg := &mail.Message{
		From:    mail.Address{Name: site, Address: cfg.DefaultFromEmail},
		To:      []mail.Address{{Address: sender}},
		Subject: pr.T("mail.reply_prefix") + " " + subject,
		Date:    now, MessageID: mail.RandomID(now, sender, cfg.Domain),
		Headers: []mail.Field{{Name: "Auto-Submitted", Value: "auto-replied"}},
		Text: pr.T("lmtp.error.intro") + "\n\n" + pr.T(why.why, "Sender", sender, "Site", site, "URL", cfg.BaseURL()) +
			"\n\n" + pr.T("lmtp.error.outro", "Site", site, "URL", cfg.BaseURL()),
	}
	if !strings.HasPrefix(m.MessageID, "sha256:") {
		msg.InReplyTo, msg.References = []string{m.MessageID}, []string{m.MessageID}
	}
	return mail.Queue(ctx, q, mail.Envelope{From: cfg.DefaultFromEmail, To: []string{sender}}, msg, now)
}
