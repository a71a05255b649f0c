package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/setup"
)

// setupStage marks the child process that does the database half of `grouprise setup` as
// the service user, while the parent (root) writes the configuration.
const setupStage = "GROUPRISE_SETUP_STAGE"

// runSetup prepares a site: its name, the operator group with its first articles, an
// administrator and the special accounts; the ids go into the configuration.
func runSetup(ctx context.Context, e *env, args []string) error {
	fs := e.flags("setup", "[--site-name NAME] [--operator-group NAME] [--operator-slug SLUG] "+
		"[--admin USERNAME [--admin-email ADDRESS] [--admin-password-stdin]] [--unknown-user USERNAME] "+
		"[--importer-user USERNAME] [--no-articles] [--file FILE]")
	siteName := fs.String("site-name", "", "the site's name, shown in the header and in mails")
	opName := fs.String("operator-group", "", "the name of the group that runs the site (made if missing)")
	opSlug := fs.String("operator-slug", "", "its short name (default: made from the name)")
	admin := fs.String("admin", "", "an administrator's username (made if missing, promoted, member of the operator group)")
	adminEmail := fs.String("admin-email", "", "the administrator's e-mail address, to make the account")
	adminPassword := fs.Bool("admin-password-stdin", false, "read the administrator's password from standard input")
	unknown := fs.String("unknown-user", "unbekannt", "the account that keeps the contributions of deleted accounts (\"\" to skip)")
	importer := fs.String("importer-user", "feed-import", "the account that publishes the feeds of group websites (\"\" to skip)")
	noArticles := fs.Bool("no-articles", false, "do not write the operator group's first articles")
	file := fs.String("file", "", "the configuration file to write the ids into (default: 800-local.yaml in the configuration directory)")
	if _, err := parse(fs, args, 0, 0); err != nil {
		return err
	}
	cfg, log, err := e.loadConfig()
	if err != nil {
		return err
	}
	password := ""
	if *adminPassword {
		if *admin == "" {
			return usagef("--admin-password-stdin needs --admin")
		}
		if password, err = e.readPassword(); err != nil {
			return err
		}
	}
	opts := setup.Options{SiteName: *siteName, OperatorGroup: *opName, OperatorSlug: *opSlug, Admin: *admin,
		AdminEmail: *adminEmail, AdminPassword: password, UnknownUser: *unknown, ImporterUser: *importer,
		Domain: cfg.Domain, Articles: !*noArticles}

	var res *setup.Result
	if os.Geteuid() == 0 && ownedByOther(cfg.DataPath) && !hasEnv(e.environ, setupStage) {
		// The database half runs as the service user; root keeps the right to write /etc.
		if res, err = setupAsServiceUser(ctx, e, args, password); err != nil {
			return err
		}
	} else {
		a, err := e.openApp(ctx, cfg, log, false)
		if err != nil {
			return err
		}
		opts.Catalog, opts.Language = a.Catalog, cfg.LanguageCode
		opts.Accounts, opts.Groups, opts.Contents = a.Accounts, a.Groups, a.Contents
		res, err = setup.Run(ctx, a.DB, cfg.SlugReserved, opts)
		a.Close()
		if err != nil {
			return err
		}
		if hasEnv(e.environ, setupStage) {
			return json.NewEncoder(e.stdout).Encode(res)
		}
	}
	for _, line := range res.Done {
		fmt.Fprintln(e.stdout, line)
	}
	return writeSetupKeys(e, cfg, *file, res)
}

// setupAsServiceUser runs `grouprise setup` again as a child that drops to the owner of
// data_path, and reads its result.
func setupAsServiceUser(ctx context.Context, e *env, args []string, password string) (*setup.Result, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, self, append([]string{"setup"}, args...)...)
	cmd.Env = append(append([]string(nil), e.environ...), setupStage+"=database")
	cmd.Stdin = strings.NewReader(password + "\n")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, e.stderr
	if err := cmd.Run(); err != nil {
		code := exitFailure
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			code = exit.ExitCode()
		}
		return nil, &exitStatus{code: code, err: errProblems} // the child has said why
	}
	var res setup.Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("setup: the database step said %q: %w", out.String(), err)
	}
	return &res, nil
}

// writeSetupKeys stores the ids that changed in the configuration file, if the whole
// configuration stays valid.
func writeSetupKeys(e *env, cfg *config.Config, file string, res *setup.Result) error {
	opts := e.options()
	if file == "" {
		file = opts.WritableFile()
	}
	data, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	changed := []string{}
	for _, kv := range []struct {
		key      string
		now, was int64
	}{
		{"operator_group_id", res.OperatorGroupID, cfg.OperatorGroupID},
		{"unknown_gestalt_id", res.UnknownID, cfg.UnknownGestaltID},
		{"feed_importer_gestalt_id", res.ImporterID, cfg.FeedImporterGestaltID},
	} {
		if kv.now == 0 || kv.now == kv.was {
			continue
		}
		if data, err = config.SetValue(file, data, kv.key, kv.now); err != nil {
			return err
		}
		changed = append(changed, fmt.Sprintf("%s: %d", kv.key, kv.now))
	}
	// The administrator hears of errors, as the original's setup arranged, unless someone does.
	if res.AdminEmail != "" && len(cfg.LogRecipientEmails) == 0 {
		if data, err = config.SetValue(file, data, "log_recipient_emails", []string{res.AdminEmail}); err != nil {
			return err
		}
		changed = append(changed, "log_recipient_emails: "+res.AdminEmail)
	}
	if len(changed) == 0 {
		fmt.Fprintln(e.stdout, "the configuration was right already")
		return nil
	}
	opts.Overlay = map[string][]byte{file: data}
	if _, err := config.Load(opts); err != nil {
		return err
	}
	if err := config.WriteFile(file, data); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s into %s; restart the daemons to use it\n", strings.Join(changed, ", "), file)
	return nil
}

// ownedByOther tells whether dir belongs to someone else than root (the service user).
func ownedByOther(dir string) bool {
	fi, err := os.Stat(dir)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && st.Uid != 0
}

func hasEnv(environ []string, key string) bool {
	for _, kv := range environ {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}
