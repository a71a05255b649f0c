package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/groups"
	"grouprise.org/grouprise/internal/store"
)

func runGroup(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: grouprise group create|list|add-member|remove-member|import-members|reserved-slugs|release-slug …")
	}
	sub := map[string]func(context.Context, *env, []string) error{
		"create": groupCreate, "list": groupList, "add-member": groupAddMember, "remove-member": groupRemoveMember,
		"import-members": groupImportMembers, "reserved-slugs": groupReservedSlugs, "release-slug": groupReleaseSlug,
	}[args[0]]
	if sub == nil {
		return usagef("unknown group command %q; expected create, list, add-member, remove-member, import-members, reserved-slugs or release-slug", args[0])
	}
	return sub(ctx, e, args[1:])
}

func groupCreate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("group create", "--name NAME [--slug SLUG] [--closed] [--creator USERNAME]")
	name := fs.String("name", "", "the group's name (required)")
	slug := fs.String("slug", "", "the short name in addresses /SLUG/ (default: made from the name)")
	closed := fs.Bool("closed", false, "a closed group: only members add members")
	creator := fs.String("creator", "", "an account that becomes the first member")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *name == "" {
		fs.Usage()
		return usagef("--name is required")
	}
	return withApp(ctx, e, func(a *app.App) error {
		n := groups.NewGroup{Name: *name, Slug: *slug, Closed: *closed}
		if *creator != "" {
			g, err := a.DB.GestaltByUsername(ctx, *creator)
			if err != nil {
				return noSuchAccount(*creator, err)
			}
			n.Creator = g
		}
		g, err := a.Groups.Create(ctx, n)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created group %s (id %d)\n", g.Slug, g.ID)
		return nil
	})
}

func groupList(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("group list", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		list, err := a.DB.Groups(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tSLUG\tNAME\tMEMBERS\tCLOSED")
		for _, g := range list {
			fmt.Fprintf(w, "%d\t%s\t%s\t%d\t%s\n", g.ID, g.Slug, g.Name, g.Members, yesNo(g.Closed))
		}
		return w.Flush()
	})
}

// memberFlags are the flags that name a group and a person.
type memberFlags struct {
	slug, user, email *string
}

// memberCommand parses the flags of a membership command (add-member, remove-member) and
// runs fn with the App and the group of --slug.
func memberCommand(ctx context.Context, e *env, name string, args []string, fn func(a *app.App, g *store.Group, m *memberFlags) error) error {
	fs := e.flags(name, "--slug GROUP (--user USERNAME | --email ADDRESS)")
	m := &memberFlags{
		slug:  fs.String("slug", "", "the group (required)"),
		user:  fs.String("user", "", "the person's username"),
		email: fs.String("email", "", "the person's e-mail address"),
	}
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *m.slug == "" || (*m.user == "") == (*m.email == "") {
		fs.Usage()
		return usagef("--slug and one of --user or --email are required")
	}
	return m.withGroup(ctx, e, func(a *app.App, g *store.Group) error { return fn(a, g, m) })
}

// withGroup builds the App and runs fn with the group of --slug.
func (m *memberFlags) withGroup(ctx context.Context, e *env, fn func(a *app.App, g *store.Group) error) error {
	return withApp(ctx, e, func(a *app.App) error {
		g, err := a.DB.GroupBySlug(ctx, *m.slug)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no group %q", *m.slug)
		} else if err != nil {
			return err
		}
		return fn(a, g)
	})
}

func groupAddMember(ctx context.Context, e *env, args []string) error {
	return memberCommand(ctx, e, "group add-member", args, func(a *app.App, g *store.Group, m *memberFlags) error {
		var person *store.Gestalt
		var err error
		if *m.user != "" {
			if person, err = a.DB.GestaltByUsername(ctx, *m.user); err != nil {
				return noSuchAccount(*m.user, err)
			}
		} else {
			// An unknown address gets a shadow account, claimed when its owner signs up.
			var created bool
			if person, created, err = a.Accounts.OwnerOrShadow(ctx, *m.email); err != nil {
				return err
			}
			if created {
				fmt.Fprintf(e.stdout, "created shadow account %s for %s\n", person.Username, *m.email)
			}
		}
		if err := a.Groups.AddMember(ctx, g.ID, person.ID, person.ID); err != nil {
			return fmt.Errorf("%s: %w", person.Username, err)
		}
		fmt.Fprintf(e.stdout, "%s is a member of %s now\n", person.Username, g.Slug)
		return nil
	})
}

func groupRemoveMember(ctx context.Context, e *env, args []string) error {
	return memberCommand(ctx, e, "group remove-member", args, func(a *app.App, g *store.Group, m *memberFlags) error {
		var person *store.Gestalt
		var err error
		if *m.user != "" {
			person, err = a.DB.GestaltByUsername(ctx, *m.user)
		} else {
			person, err = a.DB.GestaltByEmail(ctx, *m.email)
		}
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no account %s%s", *m.user, *m.email)
		} else if err != nil {
			return err
		}
		if err := a.Groups.RemoveMember(ctx, g.ID, person.ID); err != nil {
			return fmt.Errorf("%s: %w", person.Username, err)
		}
		fmt.Fprintf(e.stdout, "%s is no longer a member of %s\n", person.Username, g.Slug)
		return nil
	})
}

// groupImportMembers adds everyone whose address is in a file (a list, a CSV export, a mail).
func groupImportMembers(ctx context.Context, e *env, args []string) error {
	fs := e.flags("group import-members", "--slug GROUP --by USERNAME FILE|-")
	slug := fs.String("slug", "", "the group (required)")
	by := fs.String("by", "", "the member who adds them; the new members are told so (required)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if *slug == "" || *by == "" {
		fs.Usage()
		return usagef("--slug and --by are required")
	}
	var data []byte
	if pos[0] == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(pos[0])
	}
	if err != nil {
		return err
	}
	addresses, duplicates := groups.Addresses(string(data))
	if len(addresses) == 0 {
		return fmt.Errorf("no e-mail addresses in %s", pos[0])
	}
	return (&memberFlags{slug: slug}).withGroup(ctx, e, func(a *app.App, g *store.Group) error {
		adder, err := a.DB.GestaltByUsername(ctx, *by)
		if err != nil {
			return noSuchAccount(*by, err)
		}
		for _, d := range duplicates {
			fmt.Fprintf(e.stdout, "%s: more than once in the file\n", d)
		}
		report, end := e.progress("import-members")
		res := a.Groups.ImportMembers(ctx, g, adder, addresses, groups.ImportOptions{Progress: report})
		end()
		for _, a := range res.AlreadyMembers {
			fmt.Fprintf(e.stdout, "%s: a member already\n", a)
		}
		for _, a := range addresses {
			if err := res.Failed[a]; err != nil {
				fmt.Fprintf(e.stdout, "%s: not added: %v\n", a, err)
			}
		}
		fmt.Fprintf(e.stdout, "%d added to %s, %d members already, %d failed\n", len(res.Added), g.Slug,
			len(res.AlreadyMembers), len(res.Failed))
		if len(res.Failed) > 0 {
			return errProblems
		}
		return nil
	})
}
