package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"grouprise.org/grouprise/internal/commander"
	"grouprise.org/grouprise/internal/systemd"
)

// runMatrixCommander runs the administrators' chat bot, or its console.
func runMatrixCommander(ctx context.Context, e *env, args []string) error {
	fs := e.flags("matrix-commander", "[--console]")
	console := fs.Bool("console", false, "read commands from standard input instead of Matrix rooms")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return err
	}
	mc := cfg.MatrixCommander
	if !*console {
		switch {
		case !mc.Enabled:
			return usagef("matrix_commander.enabled is not true")
		case mc.BotID == "" || mc.BotAccessToken == "" || len(mc.AdminRooms) == 0:
			return usagef("matrix_commander needs bot_id, bot_access_token and admin_rooms")
		}
	}
	a, err := e.openApp(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer a.Close()
	cmd := &commander.Commander{DB: a.DB, Accounts: a.Accounts, Groups: a.Groups, Contents: a.Contents,
		BaseURL: cfg.BaseURL(), UnknownID: cfg.UnknownGestaltID, ImporterID: cfg.FeedImporterGestaltID}
	if *console {
		sc := bufio.NewScanner(e.stdin)
		for {
			fmt.Fprint(e.stderr, "> ")
			if !sc.Scan() {
				fmt.Fprintln(e.stderr)
				return sc.Err()
			}
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			if line == "quit" || line == "exit" {
				return nil
			}
			fmt.Fprintln(e.stdout, cmd.Run(ctx, line))
		}
	}
	if _, _, err := a.Observe(ctx, "matrix-commander", true); err != nil {
		return err
	}
	client, err := commander.NewClient(cfg.MatrixChat.AdminAPIURL, mc.BotID, mc.BotAccessToken)
	if err != nil {
		return err
	}
	bot := &commander.Bot{Commander: cmd, Client: client, AdminRooms: mc.AdminRooms, Log: log, Ready: systemd.Ready}
	go systemd.Watchdog(ctx, a.DB.Ping)
	log.Info("matrix commander started", "bot", mc.BotID, "rooms", len(mc.AdminRooms))
	err = bot.Run(ctx)
	systemd.Stopping()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
