package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/store"
)

func runActivityPub(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate-keys" {
		return usagef("usage: grouprise activitypub rotate-keys [SLUG …]")
	}
	fs := e.flags("activitypub rotate-keys", "[SLUG …]")
	slugs, err := parse(fs, args[1:], 0, 1<<20)
	if err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		done, err := a.Federation.RotateKeys(ctx, slugs)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w (rotated: %s)", err, strings.Join(done, ", "))
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rotated %d key(s)", len(done))
		if len(done) > 0 {
			fmt.Fprintf(e.stdout, ": %s", strings.Join(done, ", "))
		}
		fmt.Fprintln(e.stdout)
		return nil
	})
}
