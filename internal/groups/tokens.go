package groups

import (
	"context"
	"errors"
	"fmt"
	"time"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
)

// FeatureSubscribe is new: the original subscribed an address at once; we ask its owner first.
const FeatureSubscribe = "group-subscribe"

// LinkValid is how long the links of join, leave and subscribe requests work.
const LinkValid = 7 * 24 * time.Hour

// Errors of requests by e-mail.
var (
	ErrClosed    = errors.New("the group is closed; members add new members")
	errNoLetters = errors.New("groups: no mail service configured")
)

// requestByMail mails a confirmation link of feature (and group) to the owner of email,
// making a shadow account for an unknown address when create is set. Without an account (and
// create unset) the letter otherwise is sent instead, so the requester learns nothing.
func (g *Groups) requestByMail(ctx context.Context, group *store.Group, email, baseURL, feature, letter, otherwise string,
	create bool, applies func(q *store.Queries, person *store.Gestalt) (bool, error)) error {
	if g.letters == nil {
		return errNoLetters
	}
	if !accounts.ValidEmail(email) {
		return accounts.ErrEmailInvalid
	}
	return g.db.Tx(ctx, func(q *store.Queries) error {
		var person *store.Gestalt
		var err error
		if create {
			person, _, err = g.accounts.ShadowAccount(ctx, q, email)
		} else {
			person, err = q.GestaltByEmail(ctx, email)
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		ok := false
		if person != nil {
			if ok, err = applies(q, person); err != nil {
				return err
			}
		}
		data := map[string]any{"Group": group.Name, "GroupURL": baseURL + "/" + group.Slug + "/"}
		to := mail.Address{Address: email}
		lang := ""
		if person != nil {
			to.Name, lang = person.Name(), person.Language
			// To the address as stored: case folding matches more spellings than mail does.
			h, err := q.EmailHolder(ctx, email)
			if err != nil {
				return err
			}
			to.Address = h.Email
		}
		if !ok {
			if otherwise == "" {
				return nil
			}
			return g.letters.Queue(ctx, q, notify.Letter{Template: otherwise, Subject: "mail.group.subject", To: to,
				Language: lang, Data: data})
		}
		now := g.now()
		t := &store.Token{GestaltID: person.ID, GroupID: group.ID, Feature: feature, Created: now, ExpiresAt: now.Add(LinkValid)}
		if err := q.CreateToken(ctx, t); err != nil {
			return err
		}
		data["URL"] = baseURL + confirmPath[feature] + t.Secret + "/"
		return g.letters.Queue(ctx, q, notify.Letter{Template: letter, Subject: "mail.group.subject", To: to,
			Language: lang, Data: data})
	})
}

// confirmPath are the pages of the mailed links, as in the original (subscribing is new).
var confirmPath = map[string]string{
	store.FeatureJoin:        "/stadt/groups/join/confirm/",
	store.FeatureResign:      "/stadt/groups/resign/confirm/",
	FeatureSubscribe:         "/stadt/groups/subscribe/confirm/",
	store.FeatureUnsubscribe: "/stadt/unsubscribe/confirm/",
}

// RequestJoin mails a link that makes the owner of email a member of an open group; an
// unknown address gets a shadow account.
func (g *Groups) RequestJoin(ctx context.Context, group *store.Group, email, baseURL string) error {
	if group.Closed {
		return ErrClosed
	}
	return g.requestByMail(ctx, group, email, baseURL, store.FeatureJoin, "group_join.txt", "group_already_member.txt", true,
		func(q *store.Queries, p *store.Gestalt) (bool, error) {
			member, err := q.IsMember(ctx, group.ID, p.ID)
			return !member, err
		})
}

// RequestResign mails a link that ends the membership of the owner of email (or a notice that
// the address has none).
func (g *Groups) RequestResign(ctx context.Context, group *store.Group, email, baseURL string) error {
	return g.requestByMail(ctx, group, email, baseURL, store.FeatureResign, "group_resign.txt", "group_not_member.txt", false,
		func(q *store.Queries, p *store.Gestalt) (bool, error) { return q.IsMember(ctx, group.ID, p.ID) })
}

// RequestSubscribe mails a link that makes the owner of email follow the group: the same for
// every address, so that the form tells nobody whether an address has an account (the
// original refused addresses of accounts with a password, which told).
func (g *Groups) RequestSubscribe(ctx context.Context, group *store.Group, email, baseURL string) error {
	return g.requestByMail(ctx, group, email, baseURL, FeatureSubscribe, "group_subscribe.txt", "", true,
		func(q *store.Queries, p *store.Gestalt) (bool, error) { return true, nil })
}

// RequestUnsubscribe mails the unsubscribe link to a follower (or a notice that the address
// follows nothing here).
func (g *Groups) RequestUnsubscribe(ctx context.Context, group *store.Group, email, baseURL string) error {
	return g.requestByMail(ctx, group, email, baseURL, store.FeatureUnsubscribe, "group_unsubscribe.txt",
		"group_not_subscribed.txt", false,
		func(q *store.Queries, p *store.Gestalt) (bool, error) { return q.IsSubscribed(ctx, group.ID, p.ID) })
}

// Confirm carries out the request of a mailed link and returns the group and the person.
// Join, resign and subscribe links work once; unsubscribe links (in every notification)
// keep working.
func (g *Groups) Confirm(ctx context.Context, feature, secret string) (*store.Group, *store.Gestalt, error) {
	var group *store.Group
	var person *store.Gestalt
	err := g.db.Tx(ctx, func(q *store.Queries) error {
		t, err := q.TokenBySecret(ctx, feature, secret, g.now())
		if err != nil {
			return err
		}
		if group, err = q.GroupByID(ctx, t.GroupID); err != nil {
			return err
		}
		if person, err = q.GestaltByID(ctx, t.GestaltID); err != nil {
			return err
		}
		switch feature {
		case store.FeatureJoin:
			if group.Closed {
				return ErrClosed
			}
			err = g.join(ctx, q, group.ID, person.ID, person.ID, g.now().UTC().Truncate(24*time.Hour))
			if errors.Is(err, store.ErrConflict) {
				err = nil // clicked twice
			}
		case store.FeatureResign:
			if err = q.RemoveMembership(ctx, group.ID, person.ID); err == nil {
				if g.chatDomain != "" {
					err = g.kick(ctx, q, group.ID, person.ID)
				}
				if err == nil {
					err = q.Unsubscribe(ctx, group.ID, person.ID)
				}
			} else if errors.Is(err, store.ErrNotFound) {
				err = nil
			}
		case FeatureSubscribe:
			err = q.Subscribe(ctx, group.ID, person.ID)
		case store.FeatureUnsubscribe:
			return q.Unsubscribe(ctx, group.ID, person.ID)
		default:
			return fmt.Errorf("groups: unknown token feature %q", feature)
		}
		if err != nil {
			return err
		}
		return q.DeleteToken(ctx, t.ID)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, accounts.ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, err
	}
	return group, person, nil
}
