package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/app"
	"grouprise.org/grouprise/internal/federation"
	"grouprise.org/grouprise/internal/store"
)

const activityPubUsage = "usage: grouprise activitypub rotate-keys [SLUG …] | block ACTOR-ACCOUNT-OR-SERVER | unblock ACTOR-ACCOUNT-OR-SERVER | blocks"

func runActivityPub(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usagef(activityPubUsage)
	}
	switch args[0] {
	case "rotate-keys":
		return rotateKeys(ctx, e, args[1:])
	case "block", "unblock":
		return block(ctx, e, args[0], args[1:])
	case "blocks":
		return listBlocks(ctx, e, args[1:])
	}
	return usagef(activityPubUsage)
}

// block blocks or unblocks an actor (its URL, or its account @user@host, found by
// WebFinger) or a server (example.org, example.org:8443): its inbox POSTs are refused,
// nothing is delivered to it, and its follows end.
func block(ctx context.Context, e *env, cmd string, args []string) error {
	pos, err := parse(e.flags("activitypub "+cmd, "ACTOR-ACCOUNT-OR-SERVER"), args, 1, 1)
	if err != nil {
		return err
	}
	parsed, err := federation.ParseBlock(pos[0])
	if err != nil {
		return usagef("%v, got %q", err, pos[0])
	}
	account := ""
	if strings.HasPrefix(parsed, "@") {
		account = " (" + parsed + ")"
	}
	return withApp(ctx, e, func(a *app.App) error {
		if cmd == "unblock" {
			ok, err := a.Federation.Unblock(ctx, pos[0])
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("%s is not blocked", pos[0])
			}
			fmt.Fprintf(e.stdout, "unblocked %s\n", pos[0])
			return nil
		}
		entry, removed, err := a.Federation.Block(ctx, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "blocked %s%s; %d follow(s) ended\n", entry, account, removed)
		return nil
	})
}

func listBlocks(ctx context.Context, e *env, args []string) error {
	if _, err := parse(e.flags("activitypub blocks", ""), args, 0, 0); err != nil {
		return err
	}
	return withApp(ctx, e, func(a *app.App) error {
		list, err := a.Federation.Blocks(ctx)
		if err != nil {
			return err
		}
		for _, b := range list {
			fmt.Fprintf(e.stdout, "%s\t%s\n", b.Entry, b.Since.UTC().Format(time.RFC3339))
		}
		return nil
	})
}

func rotateKeys(ctx context.Context, e *env, args []string) error {
	fs := e.flags("activitypub rotate-keys", "[SLUG …]")
	slugs, err := parse(fs, args, 0, 1<<20)
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
