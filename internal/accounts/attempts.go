package accounts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"grouprise.org/grouprise/internal/store"
)

// CountLoginAttempts counts n password checks (n is -1 to take one back) for the account, as
// LoginKey names it, and for the client address (an IPv6 /64 as one) within window, and
// returns how many each holds now. The caller decides on the limits.
func (a *Accounts) CountLoginAttempts(ctx context.Context, account, address string, n int, window time.Duration) (onAccount, onAddress int, err error) {
	if onAccount, err = a.db.AddAttempts(ctx, "login:account:"+account, n, a.now(), window); err != nil {
		return 0, 0, fmt.Errorf("accounts: count login attempts: %w", err)
	}
	if onAddress, err = a.db.AddAttempts(ctx, "login:ip:"+address, n, a.now(), window); err != nil {
		return 0, 0, fmt.Errorf("accounts: count login attempts: %w", err)
	}
	return onAccount, onAddress, nil
}

// ForgetLoginAttempts clears the account's count after a successful login (the client
// address's count stays).
func (a *Accounts) ForgetLoginAttempts(ctx context.Context, account string) error {
	if err := a.db.ResetAttempts(ctx, "login:account:"+account); err != nil {
		return fmt.Errorf("accounts: forget login attempts: %w", err)
	}
	return nil
}

// CountMailRequest counts a mail that a visitor at client asks the site to send to address
// (a signup link, a password reset) and tells whether it may go: at most perAddress to one
// address and perClient caused from one client within window. Refused requests count too.
func (a *Accounts) CountMailRequest(ctx context.Context, address, client string, perAddress, perClient int, window time.Duration) (bool, error) {
	ok := true
	for _, k := range []struct {
		key   string
		limit int
	}{{"mail:to:" + store.Fold(strings.TrimSpace(address)), perAddress}, {"mail:from:" + client, perClient}} {
		n, err := a.db.CountAttempt(ctx, k.key, a.now(), window)
		if err != nil {
			return false, fmt.Errorf("accounts: count mail request: %w", err)
		}
		ok = ok && n <= k.limit
	}
	return ok, nil
}

// SpendCaptcha records that the sum with nonce was answered right and tells whether this was
// the first time: an answer counts once. Nonces are forgotten a day later.
func (a *Accounts) SpendCaptcha(ctx context.Context, nonce string) (bool, error) {
	first, err := a.db.ClaimOnce(ctx, "captcha:"+nonce, a.now())
	if err != nil {
		return false, fmt.Errorf("accounts: spend captcha: %w", err)
	}
	return first, nil
}
