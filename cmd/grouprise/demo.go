package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/demo"
)

// runDemo fills an empty database with the demo site (make run uses it once).
func runDemo(ctx context.Context, e *env, args []string) error {
	fs := e.flags("demo", "[--if-empty]")
	ifEmpty := fs.Bool("if-empty", false, "do nothing (and succeed) when the database has data already")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		names, err := demo.Site{DB: a.DB, Accounts: a.Accounts, Groups: a.Groups}.Fill(ctx, time.Now())
		if errors.Is(err, demo.ErrNotEmpty) && *ifEmpty {
			fmt.Fprintln(e.stdout, "the database has data already; no demo data added")
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "demo site written; log in as %s with the password %q (admin is a site administrator)\n",
			strings.Join(names, ", "), demo.Password)
		return nil
	})
}
