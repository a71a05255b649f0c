package accounts

import (
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"grouprise.org/grouprise/internal/config"
	"grouprise.org/grouprise/internal/i18n"
	"grouprise.org/grouprise/internal/mail"
	"grouprise.org/grouprise/internal/notify"
	"grouprise.org/grouprise/internal/store"
	"grouprise.org/grouprise/internal/store/storetest"
)

func withLetters(t *testing.T, db *store.DB) *Accounts {
	t.Helper()
	cfg, err := config.LoadFiles(config.Options{Overlay: map[string][]byte{"/c.yaml": []byte("domain: grouprise.test\n")}}, "/c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.New(cfg, catalog)
	if err != nil {
		t.Fatal(err)
	}
	return New(db, cfg.SlugReserved, n)
}

// queuedMails returns the mails waiting in the queue and removes their jobs.
func queuedMails(t *testing.T, db *store.DB) []mail.Job {
	t.Helper()
	ctx := context.Background()
	jobs, err := db.ClaimJobs(ctx, "test", 100, time.Now().Add(time.Second), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	var out []mail.Job
	for _, j := range jobs {
		var m mail.Job
		if err := json.Unmarshal(j.Payload, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
		db.CompleteJob(ctx, j)
	}
	return out
}

func TestEmailConfirmation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		g, err := a.Create(ctx, NewAccount{Username: "alice", Email: "alice@example.org", Password: "peer-password"})
		if err != nil {
			t.Fatal(err)
		}
		addrs, _ := db.EmailAddresses(ctx, g.ID)
		if err := db.Tx(ctx, func(q *store.Queries) error {
			return a.RequestConfirmation(ctx, q, g, addrs[0], "https://grouprise.test")
		}); err != nil {
			t.Fatal(err)
		}
		mails := queuedMails(t, db)
		if len(mails) != 1 || mails[0].Envelope.To[0] != "alice@example.org" || mails[0].Message.Subject != "E-Mail-Adresse bestätigen" {
			t.Fatalf("mails %+v", mails)
		}
		m := regexp.MustCompile(`https://grouprise\.test/stadt/confirm/([a-z0-9]{40})/`).FindStringSubmatch(mails[0].Message.Text)
		if m == nil {
			t.Fatalf("no link in %q", mails[0].Message.Text)
		}
		if !strings.Contains(mails[0].Message.Text, "„alice“") {
			t.Errorf("the mail does not name the account: %q", mails[0].Message.Text)
		}
		// Someone else following the link (logged in as another account) confirms nothing.
		if _, err := a.ConfirmAddress(ctx, m[1], g.ID+1000); !errors.Is(err, ErrOtherAccount) {
			t.Fatalf("confirm by another account: %v, want ErrOtherAccount", err)
		}
		if addrs, _ := db.EmailAddresses(ctx, g.ID); addrs[0].Verified {
			t.Fatal("another account's click verified the address")
		}
		if got, err := a.ConfirmAddress(ctx, m[1], g.ID); err != nil || got.GestaltID != g.ID {
			t.Fatalf("confirm: %v, %v", got, err)
		}
		if addrs, _ := db.EmailAddresses(ctx, g.ID); !addrs[0].Verified {
			t.Error("the address is not verified")
		}
		if _, err := a.ConfirmAddress(ctx, m[1], g.ID); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("second use: got %v, want ErrLinkInvalid", err)
		}
		// An old link has expired.
		db.Tx(ctx, func(q *store.Queries) error {
			return a.RequestConfirmation(ctx, q, g, addrs[0], "https://grouprise.test")
		})
		key := regexp.MustCompile(`/confirm/([a-z0-9]+)/`).FindStringSubmatch(queuedMails(t, db)[0].Message.Text)[1]
		a.now = func() time.Time { return time.Now().Add(ConfirmationValid + time.Minute) }
		if _, err := a.ConfirmAddress(ctx, key, g.ID); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("expired link: got %v, want ErrLinkInvalid", err)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		if _, err := a.Create(ctx, NewAccount{Username: "bob", Email: "bob@example.org", Password: "old-password", Verified: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Create(ctx, NewAccount{Username: "una", Email: "una@example.org", Password: "una-password"}); err != nil {
			t.Fatal(err)
		}
		for _, unknown := range []string{"nobody@example.org", "una@example.org"} {
			if err := a.RequestPasswordReset(ctx, unknown, "https://grouprise.test"); err != nil {
				t.Fatal(err)
			}
			if mails := queuedMails(t, db); len(mails) != 0 {
				t.Fatalf("a mail to an unknown or unconfirmed address: %+v", mails)
			}
		}
		if err := a.RequestPasswordReset(ctx, "BOB@example.org", "https://grouprise.test"); err != nil {
			t.Fatal(err)
		}
		mails := queuedMails(t, db)
		if len(mails) != 1 {
			t.Fatalf("%d mails", len(mails))
		}
		m := regexp.MustCompile(`https://grouprise\.test/stadt/password/reset/key/([a-z0-9]{15})/`).FindStringSubmatch(mails[0].Message.Text)
		if m == nil {
			t.Fatalf("no link in %q", mails[0].Message.Text)
		}
		if _, err := a.ResetPassword(ctx, m[1], "short"); !errors.Is(err, ErrPasswordShort) {
			t.Errorf("short password: %v", err)
		}
		if g, err := a.ResetPassword(ctx, m[1], "new-password"); err != nil || g.Username != "bob" {
			t.Fatalf("reset: %v, %v", g, err)
		}
		if _, err := a.Authenticate(ctx, "bob", "new-password"); err != nil {
			t.Errorf("login with the new password: %v", err)
		}
		if _, err := a.ResetPassword(ctx, m[1], "third-password"); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("second use: got %v, want ErrLinkInvalid", err)
		}
		a.RequestPasswordReset(ctx, "bob@example.org", "https://grouprise.test")
		secret := regexp.MustCompile(`/key/([a-z0-9]+)/`).FindStringSubmatch(queuedMails(t, db)[0].Message.Text)[1]
		a.now = func() time.Time { return time.Now().Add(ResetValid + time.Minute) }
		if _, err := a.ResetPassword(ctx, secret, "late-password"); !errors.Is(err, ErrLinkInvalid) {
			t.Errorf("expired link: got %v, want ErrLinkInvalid", err)
		}
	})
}

// TestResetOfShadowAccountConfirmsItsAddress: a shadow account's reset link went to its main
// address, which is proven then; with a password it stays the account's identity.
func TestResetOfShadowAccountConfirmsItsAddress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := withLetters(t, db)
		var shadow *store.Gestalt
		db.Tx(ctx, func(q *store.Queries) error {
			var err error
			shadow, _, err = a.ShadowAccount(ctx, q, "frieda@example.net")
			return err
		})
		if err := a.RequestPasswordReset(ctx, "frieda@example.net", "https://grouprise.test"); err != nil {
			t.Fatal(err)
		}
		secret := regexp.MustCompile(`/reset/key/([a-z0-9]+)/`).FindStringSubmatch(queuedMails(t, db)[0].Message.Text)[1]
		if _, err := a.ResetPassword(ctx, secret, "friedas-password"); err != nil {
			t.Fatal(err)
		}
		g, err := a.Authenticate(ctx, "frieda@example.net", "friedas-password")
		if err != nil || g.ID != shadow.ID {
			t.Fatalf("login by the address after the reset: %+v, %v", g, err)
		}
	})
}
