package groups

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// A Recommendee is one recipient of a recommendation, found from what the sender wrote: an
// address, or a person named by @username (whose address the sender never learns).
type Recommendee struct {
	Address  mail.Address
	Language string // the person's, for the mail's subject and footer; "" for an address
}

// UnknownRecipientError is a recipient that is neither an e-mail address nor @username of a
// person who can be reached by mail.
type UnknownRecipientError struct{ Recipient string }

func (e *UnknownRecipientError) Error() string {
	return fmt.Sprintf("groups: %q is no e-mail address and no person reachable by mail", e.Recipient)
}

// Recommendees finds the recipients the sender named, each once (an address named twice, or a
// person named by address and by @username, gets one mail).
func (g *Groups) Recommendees(ctx context.Context, named []string) ([]Recommendee, error) {
	var out []Recommendee
	seen := map[string]bool{}
	for _, n := range named {
		r := Recommendee{Address: mail.Address{Address: n}}
		if username, ok := strings.CutPrefix(n, "@"); ok {
			person, err := g.db.GestaltByUsername(ctx, username)
			if errors.Is(err, store.ErrNotFound) {
				return nil, &UnknownRecipientError{Recipient: n}
			} else if err != nil {
				return nil, err
			}
			rec, err := g.db.RecipientByID(ctx, person.ID)
			if err != nil {
				return nil, err
			}
			if rec.Email == "" || !person.IsActive {
				return nil, &UnknownRecipientError{Recipient: n}
			}
			r = Recommendee{Address: mail.Address{Name: rec.Name(), Address: rec.Email}, Language: rec.Language}
		} else if !accounts.ValidEmail(n) {
			return nil, &UnknownRecipientError{Recipient: n}
		}
		if key := store.Fold(r.Address.Address); !seen[key] {
			seen[key] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// Recommend mails a recommendation of the group to each recipient, with the sender's text,
// all queued in one transaction.
func (g *Groups) Recommend(ctx context.Context, group *store.Group, sender string, to []Recommendee, text string) error {
	if g.letters == nil {
		return errNoLetters
	}
	for _, r := range to {
		if !accounts.ValidEmail(r.Address.Address) {
			return fmt.Errorf("%w: %s", accounts.ErrEmailInvalid, r.Address.Address)
		}
	}
	return g.db.Tx(ctx, func(q *store.Queries) error {
		for _, r := range to {
			err := g.letters.Queue(ctx, q, notify.Letter{Template: "group_recommend.txt", Subject: "mail.recommend.subject",
				To: r.Address, Language: r.Language, Data: map[string]any{"Group": group.Name, "Sender": sender, "Text": text}})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
