// Package e2e tests grouprise as its users meet it: a real browser (headless Debian Chromium)
// on the web daemon, the task runner delivering mail to an SMTP server.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/mail/mailtest"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
	"grouprise.org/grouprise/internal/tasks"
	"grouprise.org/grouprise/internal/web"
)

func TestMain(m *testing.M) { storetest.Main(m) }

const chromium = "/usr/bin/chromium"

// site is a running grouprise: web daemon on a loopback port, task runner, SMTP sink.
type site struct {
	url  string
	sink *mailtest.Sink
	db   *store.DB
}

func startSite(t *testing.T, extra ...string) *site {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	sink := mailtest.Start(t)
	host, port, _ := net.SplitHostPort(sink.Addr)
	dir := t.TempDir()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/e2e.yaml": []byte(fmt.Sprintf(
		"domain: 127.0.0.1\ntransport_security: disabled\nsecret_key: e2e-secret-0123456789\ndata_path: %s\n"+
			"email_submission: {backend: smtp, host: %s, port: %s}\n%s", dir, host, port, strings.Join(extra, "")))}}, "/e2e.yaml")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	catalog, _ := i18n.Load()
	notifier, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	runner := tasks.New(db, log, tasks.Options{Poll: 100 * time.Millisecond})
	if _, err := tasks.Register(runner, cfg, catalog, &mail.SMTP{Addr: sink.Addr}); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Deps{Config: cfg, DB: db, Catalog: catalog, Notifier: notifier, Log: log, Wake: runner.Wake})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { srv.Serve(ctx, l); done <- struct{}{} }()
	go func() { runner.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return &site{url: "http://" + l.Addr().String(), sink: sink, db: db}
}

// mailLink waits for the n-th mail and returns its first link to path…, on this site's port
// (mails name the configured domain, without the test's port).
func (s *site) mailLink(t *testing.T, n int, path string) string {
	t.Helper()
	msgs := s.sink.Wait(t, n, 30*time.Second)
	body := strings.ReplaceAll(string(msgs[n-1].Data), "=\r\n", "")
	found := regexp.MustCompile(regexp.QuoteMeta(path) + `[a-z0-9]+/`).FindString(body)
	if found == "" {
		t.Fatalf("no link %s… in mail %d:\n%s", path, n, body)
	}
	return s.url + found
}

func artifacts(t *testing.T) string {
	dir := os.Getenv("GROUPRISE_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "var", "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("GROUPRISE_TEST_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("chromium required but missing: %v", err)
		}
		t.Skip("no chromium (Debian package chromium); skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("lang", "de-DE"), chromedp.Flag("accept-lang", "de-DE,de"), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelCtx := chromedp.NewContext(alloc)
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		cancelCtx()
		cancelAlloc()
		t.Fatalf("starting chromium: %v", err)
	}
	// A selector that never matches must fail the test, not wait for the run's time limit.
	ctx, cancelTimeout := context.WithTimeout(browserCtx, browserTestDeadline)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	t.Cleanup(func() { // runs first: keeps the page a failed test ended on
		if !t.Failed() {
			return
		}
		last, cancel := context.WithTimeout(browserCtx, 10*time.Second)
		defer cancel()
		err := chromedp.Do(last, shot(t, t.Name()+"-failed"))
		html, err2 := chromedp.Run(last, chromedp.OuterHTML(css("html")))
		if err == nil {
			err = err2
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(artifacts(t), t.Name()+"-failed.html"), []byte(html), 0o644)
		}
		t.Logf("page at the failure kept in %s (%v)", artifacts(t), err)
	})
	return ctx
}

// browserTestDeadline bounds each browser test; the slowest takes a few seconds.
const browserTestDeadline = 3 * time.Minute

type step = chromedp.Action[chromedp.Void]

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// shot saves a screenshot of the page as a test artifact.
func shot(t *testing.T, name string) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		img, err := chromedp.FullScreenshot(80)(ctx, tg)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(artifacts(t), name+".jpg"), img, 0o644)
	})
}

// solveCaptcha reads the sum from its label and types the result.
func solveCaptcha() step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		label, err := chromedp.Text(css(`label[for=f-captcha]`))(ctx, tg)
		if err != nil {
			return err
		}
		nums := regexp.MustCompile(`\d+`).FindAllString(label, 2)
		if len(nums) != 2 {
			return fmt.Errorf("no sum in %q", label)
		}
		a, _ := strconv.Atoi(nums[0])
		b, _ := strconv.Atoi(nums[1])
		_, err = chromedp.SendKeys(css(`#f-captcha`), strconv.Itoa(a+b))(ctx, tg)
		return err
	})
}

func signup(s *site, email string) step {
	return chromedp.Steps(
		chromedp.Navigate(s.url+"/stadt/signup/"),
		chromedp.SendKeys(css(`#f-email`), email),
		solveCaptcha(),
		clickLoad(`form[action="/stadt/signup/"] button[type=submit]`),
	)
}

// finishSignup follows the link of the n-th mail and chooses the password there, which
// completes a signup and logs in.
func finishSignup(t *testing.T, s *site, n int) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Steps(
			chromedp.Navigate(s.mailLink(t, n, "/stadt/signup/confirm/")),
			chromedp.SendKeys(css(`#f-password`), "browser-password"),
			chromedp.SendKeys(css(`#f-password2`), "browser-password"),
			clickLoad(`main form button[type=submit]`),
		)(ctx, tg)
		return err
	})
}

// logout submits the menu's logout form (not a click at the menu's coordinates, which can
// miss while the menu opens).
func logout() step {
	return chromedp.Steps(
		submitLoad(`details.user-menu form[action="/stadt/logout/"]`),
	)
}

// clickLoad clicks what sel names and waits until the next page has loaded: a selector of the
// next page alone could match the page still shown (a heading, a menu) and let the test run on
// while the browser navigates.
func clickLoad(sel string) step { return loadAfter(chromedp.Click(css(sel))) }

// submitLoad submits the form sel names by script, as clickLoad.
func submitLoad(sel string) step { return loadAfter(chromedp.Submit(css(sel))) }

func loadAfter(act step) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Evaluate[bool](`window.e2eLeaving = true`)(ctx, tg); err != nil {
			return err
		}
		if _, err := act(ctx, tg); err != nil {
			return err
		}
		for {
			// Errors are expected while the old page goes and the new one comes.
			loaded, err := chromedp.Evaluate[bool](`!window.e2eLeaving && document.readyState === "complete"`)(ctx, tg)
			if err == nil && loaded {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for the next page: %w", ctx.Err())
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// eval runs script in the page.
func eval(js string) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](js)(ctx, tg)
		return err
	})
}

// mark marks the page shown; stayed tells whether the browser still shows that page (a
// script did its work without leaving it).
func mark() step { return eval(`window.e2eStayed = true`) }

func stayed(ctx context.Context) bool {
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.e2eStayed === true`))
	return err == nil && ok
}

// text returns the text of the first element matching sel.
func text(ctx context.Context, sel string) (string, error) {
	return chromedp.Run(ctx, chromedp.Text(css(sel)))
}

// One person signs up, finishes it with the link from the mail, starts a group; another signs
// up, joins the group and leaves it again — all in a real browser, without JavaScript needed.
func TestSignupGroupJoinLeave(t *testing.T) {
	s := startSite(t)
	ctx := browser(t)
	if err := chromedp.Do(ctx, signup(s, "gerda@example.org"), shot(t, "01-signed-up")); err != nil {
		t.Fatal(err)
	}
	if msg, _ := text(ctx, ".messages"); !strings.Contains(msg, "gerda@example.org") {
		t.Fatalf("after the signup form: %q, want the note that a link is on its way", msg)
	}
	err := chromedp.Do(ctx, finishSignup(t, s, 1), shot(t, "02-confirmed"))
	if msg, _ := text(ctx, ".messages"); err != nil || !strings.Contains(msg, "Willkommen") {
		t.Fatalf("confirming: %q, %v", msg, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/stadt/groups/add/"),
		chromedp.SendKeys(css(`#f-name`), "Gemüsebeet"),
		clickLoad(`main form button[type=submit]`),
		shot(t, "03-group-created"),
	)
	if h1, _ := text(ctx, "h1"); err != nil || h1 != "Gemüsebeet" {
		t.Fatalf("creating the group: %q, %v", h1, err)
	}
	err = chromedp.Do(ctx,
		logout(),
		signup(s, "hans@example.org"),
		finishSignup(t, s, 2),
		chromedp.Navigate(s.url+"/gemuesebeet/"),
		clickLoad(`a[href="/gemuesebeet/actions/join"]`),
		shot(t, "04-join-asks"),
		clickLoad(`main form button[type=submit]`),
		shot(t, "05-joined"),
	)
	if msg, _ := text(ctx, ".messages"); err != nil || !strings.Contains(msg, "Mitglied der Gruppe") {
		t.Fatalf("joining: %q, %v", msg, err)
	}
	err = chromedp.Do(ctx,
		clickLoad(`main a[href$="/members/"]`),
	)
	members, _ := text(ctx, "main ul.items")
	if err != nil || !strings.Contains(members, "gerda") || !strings.Contains(members, "hans") {
		t.Fatalf("members: %q, %v", members, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.url+"/gemuesebeet/"),
		clickLoad(`a[href$="/resign/"]`),
		clickLoad(`main form button[type=submit]`),
		shot(t, "06-left"),
	)
	if msg, _ := text(ctx, ".messages"); err != nil || !strings.Contains(msg, "ausgetreten") {
		t.Fatalf("leaving: %q, %v", msg, err)
	}
}
