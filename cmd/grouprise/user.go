package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"grouprise.org/grouprise/internal/accounts"
	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/store"
)

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: grouprise user create|list|set-password|promote …")
	}
	sub := map[string]func(context.Context, *env, []string) error{
		"create": userCreate, "list": userList, "set-password": userSetPassword, "promote": userPromote,
	}[args[0]]
	if sub == nil {
		return usagef("unknown user command %q; expected create, list, set-password or promote", args[0])
	}
	return sub(ctx, e, args[1:])
}

func userCreate(ctx context.Context, e *env, args []string) error {
	fs := e.flags("user create", "--username NAME --email ADDRESS [options]")
	username := fs.String("username", "", "the login name, also the profile's address /NAME/ (required)")
	email := fs.String("email", "", "the e-mail address, taken as confirmed (required)")
	first := fs.String("first-name", "", "first name")
	last := fs.String("last-name", "", "last name")
	admin := fs.Bool("admin", false, "make the account a site administrator")
	withPassword := fs.Bool("password-stdin", false, "read the password from stdin (otherwise the account has none until it is reset)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *username == "" || *email == "" {
		fs.Usage()
		return usagef("--username and --email are required")
	}
	password := ""
	if *withPassword {
		var err error
		if password, err = e.readPassword(); err != nil {
			return err
		}
	}
	return withApp(ctx, e, func(a *app.App) error {
		g, err := a.Accounts.Create(ctx, accounts.NewAccount{Username: *username, Email: *email, FirstName: *first,
			LastName: *last, Password: password, Superuser: *admin, Verified: true})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created account %s (id %d)\n", g.Username, g.ID)
		return nil
	})
}

func userList(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("user list", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		people, err := a.DB.Gestalten(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUSERNAME\tNAME\tE-MAIL\tADMIN\tLOGIN")
		for _, g := range people {
			addrs, err := a.DB.EmailAddresses(ctx, g.ID)
			if err != nil {
				return err
			}
			email := "-"
			if len(addrs) > 0 {
				email = addrs[0].Email
			}
			login := "password"
			if !accounts.PasswordUsable(g.Password) {
				login = "none"
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", g.ID, g.Username, g.Name(), email, yesNo(g.IsSuperuser), login)
		}
		return w.Flush()
	})
}

func userSetPassword(ctx context.Context, e *env, args []string) error {
	fs := e.flags("user set-password", "USERNAME [--password-stdin]")
	fs.Bool("password-stdin", true, "read the password from stdin (the default; on a terminal it is asked for)")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	password, err := e.readPassword()
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		if err := a.Accounts.SetPassword(ctx, pos[0], password); err != nil {
			return noSuchAccount(pos[0], err)
		}
		fmt.Fprintf(e.stdout, "password of %s changed\n", pos[0])
		return nil
	})
}

func userPromote(ctx context.Context, e *env, args []string) error {
	fs := e.flags("user promote", "USERNAME [--revoke]")
	revoke := fs.Bool("revoke", false, "take the administrator's rights away instead")
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		if err := a.Accounts.Promote(ctx, pos[0], !*revoke); err != nil {
			return noSuchAccount(pos[0], err)
		}
		if *revoke {
			fmt.Fprintf(e.stdout, "%s is no longer a site administrator\n", pos[0])
		} else {
			fmt.Fprintf(e.stdout, "%s is a site administrator\n", pos[0])
		}
		return nil
	})
}

func noSuchAccount(username string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no account %q", username)
	}
	return err
}

// readPassword reads one line from stdin; on a terminal it asks twice without echo.
func (e *env) readPassword() (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(e.stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(e.stderr, "Password (again): ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", usagef("the passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", usagef("no password on stdin")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
