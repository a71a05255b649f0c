package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/store"
)

// Letter is a mail to one person that is not about an item: an address confirmation, a
// password reset, news of a membership. It goes through the job queue like every mail.
type Letter struct {
	// Template is a file below templates/mail, e.g. "confirm_email.txt".
	Template string
	// Subject is the catalog id of the subject line.
	Subject  string
	To       mail.Address
	Language string // "" for the site's language
	// Data is what the template sees besides .Site and .BaseURL.
	Data map[string]any
}

// Queue renders a letter and queues it in the caller's transaction.
func (n *Notifier) Queue(ctx context.Context, q *store.Queries, l Letter) error {
	lang := l.Language
	if lang == "" {
		lang = n.cfg.LanguageCode
	}
	p := n.catalog.Printer(lang)
	site, err := q.SiteSetting(ctx, "name", n.cfg.Domain)
	if err != nil {
		return err
	}
	data := map[string]any{"Site": site, "BaseURL": n.baseURL()}
	for k, v := range l.Data {
		data[k] = v
	}
	var text strings.Builder
	if err := n.bodies[p.Lang].ExecuteTemplate(&text, l.Template, data); err != nil {
		return fmt.Errorf("notify: letter %s: %w", l.Template, err)
	}
	now := n.now()
	msg := &mail.Message{
		From:      mail.Address{Name: site, Address: n.cfg.DefaultFromEmail},
		To:        []mail.Address{l.To},
		Subject:   p.T(l.Subject, "Site", site),
		Date:      now,
		MessageID: mail.RandomID(now, l.To.Address, n.cfg.Domain),
		Headers:   []mail.Field{{Name: "Auto-Submitted", Value: "auto-generated"}},
		Text:      text.String(),
	}
	env := mail.Envelope{From: n.cfg.DefaultFromEmail, To: []string{l.To.Address}}
	return mail.Queue(ctx, q, env, msg, now)
}

// membershipCreated tells all members of a group (whatever their settings) that another
// member admitted someone; a new member without a password learns how to get one.
func (n *Notifier) membershipCreated(ctx context.Context, q *store.Queries, id int64) error {
	m, err := q.MembershipByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil // ended before the news went out
	} else if err != nil {
		return err
	}
	group, err := q.GroupByID(ctx, m.GroupID)
	if err != nil {
		return err
	}
	member, err := q.RecipientByID(ctx, m.MemberID)
	if err != nil {
		return err
	}
	by := ""
	if m.CreatedByID.Valid {
		if g, err := q.GestaltByID(ctx, m.CreatedByID.V); err == nil {
			by = g.Name()
		}
	}
	members, err := q.MemberRecipients(ctx, group.ID)
	if err != nil {
		return err
	}
	for _, r := range members {
		if r.Email == "" {
			continue
		}
		data := map[string]any{"Group": group.Name, "GroupURL": n.baseURL() + "/" + group.Slug + "/",
			"Member": member.Name(), "By": by, "You": r.ID == member.ID}
		if r.ID == member.ID && !r.CanLogIn {
			data["SignupURL"] = n.baseURL() + "/stadt/signup/?next=/" + group.Slug + "/"
		}
		err := n.Queue(ctx, q, Letter{Template: "membership_created.txt", Subject: "mail.membership.subject",
			To: mail.Address{Name: r.Name(), Address: r.Email}, Language: r.Language, Data: data})
		if err != nil {
			return err
		}
	}
	return nil
}

// followRequested tells all members of a group (whatever their settings, as they decide) of a
// follow request that is still pending, with the page where they decide.
func (n *Notifier) followRequested(ctx context.Context, q *store.Queries, f FollowRequest) error {
	fl, err := q.Follower(ctx, f.GroupID, f.Actor)
	if errors.Is(err, store.ErrNotFound) || (err == nil && fl.Accepted) {
		return nil // decided, withdrawn, or the group went, before the news went out
	} else if err != nil {
		return err
	}
	group, err := q.GroupByID(ctx, f.GroupID)
	if err != nil {
		return err
	}
	members, err := q.MemberRecipients(ctx, group.ID)
	if err != nil {
		return err
	}
	who := f.Handle
	if who == "" {
		who = f.Actor
	}
	for _, r := range members {
		if r.Email == "" {
			continue
		}
		data := map[string]any{"Group": group.Name, "Who": who,
			"FollowersURL": n.baseURL() + "/stadt/groups/" + strconv.FormatInt(group.ID, 10) + "/followers/"}
		err := n.Queue(ctx, q, Letter{Template: "follow_request.txt", Subject: "mail.follow_request.subject",
			To: mail.Address{Name: r.Name(), Address: r.Email}, Language: r.Language, Data: data})
		if err != nil {
			return err
		}
	}
	return nil
}
