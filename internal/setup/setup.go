// Package setup prepares a new site as the Django grouprise's setup_site did: the site's
// name, the operator group with its first articles, an administrator, and the two special
// accounts (the "unknown" person that inherits the contributions of deleted accounts, and the
// importer that publishes the articles of group websites' feeds). Run again, it changes only
// what it is told and creates nothing twice.
package setup

import (
	"context"
	"errors"
	"fmt"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/contents"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/store"
)

// Options say what to set up; empty fields are left as they are.
type Options struct {
	SiteName string
	// OperatorGroup is the name of the group that runs the site (OperatorSlug its short name).
	OperatorGroup, OperatorSlug string
	// Admin is an administrator's username; made with AdminEmail (and AdminPassword, if
	// given) when it does not exist, promoted and made a member of the operator group.
	Admin, AdminEmail, AdminPassword string
	// UnknownUser and ImporterUser are the usernames of the special accounts.
	UnknownUser, ImporterUser string
	// Domain makes the special accounts' addresses (USERNAME@DOMAIN; they receive no mail).
	Domain string
	// Articles writes the operator group's first articles (imprint, about, tools, wiki).
	Articles bool
	// Catalog and Language give the articles' texts.
	Catalog  *i18n.Catalog
	Language string
	// Accounts, Groups and Contents are the site's services (app.Services), so that the
	// operator group's creation is known as any group's is (hook scripts, Matrix rooms).
	// Nil: plain ones on db that call no hooks and make no rooms (tests).
	Accounts *accounts.Accounts
	Groups   *groups.Groups
	Contents *contents.Service
}

// Result names the rows the configuration refers to (0: not set up this time) and what was
// done, one line each.
type Result struct {
	OperatorGroupID int64 `json:"operator_group_id,omitempty"`
	UnknownID       int64 `json:"unknown_gestalt_id,omitempty"`
	ImporterID      int64 `json:"feed_importer_gestalt_id,omitempty"`
	// AdminEmail is the administrator's address, for log_recipient_emails (error reports).
	AdminEmail string   `json:"admin_email,omitempty"`
	Done       []string `json:"done"`
}

// Run sets the site up in db.
func Run(ctx context.Context, db *store.DB, reserved func(string) bool, o Options) (*Result, error) {
	res := &Result{}
	acc, gr := o.Accounts, o.Groups
	if acc == nil {
		acc = accounts.New(db, reserved, nil)
	}
	if gr == nil {
		gr = groups.New(db, reserved, nil)
	}
	if o.Contents == nil {
		o.Contents = contents.New(db)
	}
	if o.SiteName != "" {
		if err := db.SetSiteSetting(ctx, "name", o.SiteName); err != nil {
			return nil, err
		}
		res.Done = append(res.Done, fmt.Sprintf("site name: %s", o.SiteName))
	}
	var admin *store.Gestalt
	if o.Admin != "" {
		var err error
		if admin, err = ensureAccount(ctx, db, acc, res, o.Admin, o.AdminEmail, o.AdminPassword, true); err != nil {
			return nil, err
		}
		if err := acc.Promote(ctx, admin.Username, true); err != nil {
			return nil, err
		}
		if addrs, err := db.EmailAddresses(ctx, admin.ID); err == nil && len(addrs) > 0 {
			res.AdminEmail = addrs[0].Email
		}
	}
	for _, special := range []struct {
		username string
		id       *int64
	}{{o.UnknownUser, &res.UnknownID}, {o.ImporterUser, &res.ImporterID}} {
		if special.username == "" {
			continue
		}
		g, err := ensureAccount(ctx, db, acc, res, special.username, special.username+"@"+o.Domain, "", false)
		if err != nil {
			return nil, err
		}
		*special.id = g.ID
	}
	if o.OperatorGroup != "" || o.OperatorSlug != "" {
		g, err := ensureGroup(ctx, db, gr, res, o, admin)
		if err != nil {
			return nil, err
		}
		res.OperatorGroupID = g.ID
		if o.Articles {
			author := admin
			if author == nil && res.UnknownID != 0 {
				author, err = db.GestaltByID(ctx, res.UnknownID)
				if err != nil {
					return nil, err
				}
			}
			if author == nil {
				return nil, errors.New("setup: the operator group's articles need an author: give --admin")
			}
			if err := writeArticles(ctx, db, res, g, author, o); err != nil {
				return nil, err
			}
		}
	}
	return res, nil
}

// ensureAccount returns the account with the username, made if missing.
func ensureAccount(ctx context.Context, db *store.DB, acc *accounts.Accounts, res *Result, username, email, password string, person bool) (*store.Gestalt, error) {
	g, err := db.GestaltByUsername(ctx, username)
	if err == nil {
		if person && password != "" {
			if err := acc.SetPassword(ctx, g.Username, password); err != nil {
				return nil, err
			}
			res.Done = append(res.Done, fmt.Sprintf("password of %s set", username))
		}
		return g, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if person && email == "" {
		return nil, fmt.Errorf("setup: there is no account %s; give its e-mail address to make it", username)
	}
	g, err = acc.Create(ctx, accounts.NewAccount{Username: username, Email: email, Password: password, Verified: true})
	if err != nil {
		return nil, fmt.Errorf("setup: account %s: %w", username, err)
	}
	res.Done = append(res.Done, fmt.Sprintf("created account %s (id %d)", g.Username, g.ID))
	return g, nil
}

// ensureGroup returns the operator group, made if missing; the administrator is a member.
func ensureGroup(ctx context.Context, db *store.DB, gs *groups.Groups, res *Result, o Options, admin *store.Gestalt) (*store.Group, error) {
	var g *store.Group
	var err error
	if o.OperatorSlug != "" {
		g, err = db.GroupBySlug(ctx, o.OperatorSlug)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	if g == nil {
		if o.OperatorGroup == "" {
			return nil, fmt.Errorf("setup: there is no group %s; give its name to make it", o.OperatorSlug)
		}
		if g, err = gs.Create(ctx, groups.NewGroup{Name: o.OperatorGroup, Slug: o.OperatorSlug, Creator: admin}); err != nil {
			return nil, fmt.Errorf("setup: operator group: %w", err)
		}
		res.Done = append(res.Done, fmt.Sprintf("created the operator group %s (id %d)", g.Slug, g.ID))
		return g, nil
	}
	if admin != nil {
		if member, err := db.IsMember(ctx, g.ID, admin.ID); err != nil {
			return nil, err
		} else if !member {
			if err := gs.AddMember(ctx, g.ID, admin.ID, admin.ID); err != nil {
				return nil, err
			}
			res.Done = append(res.Done, fmt.Sprintf("%s is a member of %s now", admin.Username, g.Slug))
		}
	}
	return g, nil
}

// articles are the operator group's first articles, as in the original: the imprint (the
// footer links it), about and tools (pinned, for the help page) and an internal wiki.
var articles = []struct {
	slug           string
	public, pinned bool
}{
	{"imprint", true, false}, {"about", true, true}, {"tools", true, true}, {"wiki", false, true},
}

func writeArticles(ctx context.Context, db *store.DB, res *Result, g *store.Group, author *store.Gestalt, o Options) error {
	for _, a := range articles {
		if _, err := db.AssociationBySlug(ctx, g.Slug, a.slug); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		p := o.Catalog.Printer(o.Language)
		_, err := o.Contents.Create(ctx, author, g.ID, contents.Article, contents.Draft{Slug: a.slug,
			Title: p.T("setup." + a.slug + ".title"), Text: p.T("setup."+a.slug+".text", "Group", g.Name),
			Public: a.public, Pinned: a.pinned})
		if err != nil {
			return fmt.Errorf("setup: article %s: %w", a.slug, err)
		}
		res.Done = append(res.Done, fmt.Sprintf("wrote the article /%s/%s/", g.Slug, a.slug))
	}
	return nil
}
