package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/groups"
)

// groupReservedSlugs lists the slugs that groups gave up (a new slug, or deleted) and that
// nobody else may take until the date shown.
func groupReservedSlugs(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("group reserved-slugs", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		list, err := a.Groups.SlugReservations(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SLUG\tGROUP\tUNTIL")
		for _, r := range list {
			group := r.Group
			if group == "" {
				group = "(deleted)"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.Slug, group, r.Expires.UTC().Format(time.RFC3339))
		}
		return w.Flush()
	})
}

// groupReleaseSlug frees a reserved slug before its time.
func groupReleaseSlug(ctx context.Context, e *env, args []string) error {
	pos, err := parse(e.flags("group release-slug", "SLUG"), args, 1, 1)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		err := a.Groups.ReleaseSlug(ctx, pos[0])
		if errors.Is(err, groups.ErrNoSlugReservation) {
			return fmt.Errorf("%s is not reserved", pos[0])
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "released %s: a group or person may take it now\n", pos[0])
		return nil
	})
}
