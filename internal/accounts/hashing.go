package accounts

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"
)

// hashBudgetPerCPU is the memory (KiB) of password hashing one CPU may use at a time: one
// argon2id hash with our parameters. A hash stored with more memory (Django's argon2 uses
// 100 MiB) takes a larger share, so that concurrent logins never add up to more than the
// budget, however many arrive.
const hashBudgetPerCPU = argonMemory

// hashWait is how long a password check waits for its turn before the caller is told to come
// back (ErrBusy): a few seconds of queue instead of unbounded memory.
const hashWait = 5 * time.Second

// maxArgonMemory bounds the memory (KiB) of a stored argon2 hash that we are willing to check.
const maxArgonMemory = 256 * 1024

// hashLimiter bounds the memory that password hashing uses at once.
type hashLimiter struct {
	sem    *semaphore.Weighted
	budget int64
	min    int64
	wait   time.Duration
}

func newHashLimiter(cpus int) *hashLimiter {
	if cpus < 1 {
		cpus = 1
	}
	budget := int64(cpus) * hashBudgetPerCPU
	// A budget of at least 64 MiB lets a Django argon2 hash (100 MiB, clamped to the budget)
	// be checked at all, alone.
	budget = max(budget, 64*1024)
	return &hashLimiter{sem: semaphore.NewWeighted(budget), budget: budget, min: budget / int64(cpus), wait: hashWait}
}

func defaultHashLimiter() *hashLimiter { return newHashLimiter(runtime.GOMAXPROCS(0)) }

// run calls fn when memory KiB of hashing fit the budget; fn runs at most as often at once as
// the budget and the CPUs allow. A caller that waits longer than l.wait gets ErrBusy.
func (l *hashLimiter) run(ctx context.Context, memory int64, fn func()) error {
	w := min(max(memory, l.min), l.budget)
	ctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	if err := l.sem.Acquire(ctx, w); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return ErrBusy
		}
		return fmt.Errorf("accounts: wait for password check: %w", err)
	}
	defer l.sem.Release(w)
	fn()
	return nil
}

// hashMemory is the memory (KiB) checking a stored hash costs; pbkdf2 costs CPU only and
// counts as one share.
func hashMemory(hash string) int64 {
	for _, prefix := range []string{"$argon2id$", "argon2$argon2id$"} {
		if rest, ok := strings.CutPrefix(hash, prefix); ok {
			if m, _, _, ok := argonParams(rest); ok {
				return int64(m)
			}
		}
	}
	return 0
}

// hashPassword is HashPassword within the budget.
func (a *Accounts) hashPassword(ctx context.Context, password string) (string, error) {
	var hash string
	err := a.hashing.run(ctx, argonMemory, func() { hash = HashPassword(password) })
	return hash, err
}

// checkPassword is CheckPassword within the budget. A hash that cannot match (a shadow
// account's, an empty one) costs as much as a real one, so that the answer's time does not
// tell which accounts exist or have a password.
func (a *Accounts) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	if !PasswordUsable(hash) {
		hash = ""
	}
	check := hash
	if hashMemory(check) == 0 && !strings.HasPrefix(check, "pbkdf2_") {
		check = dummyHash
	}
	var ok bool
	err := a.hashing.run(ctx, hashMemory(check), func() { ok = CheckPassword(check, password) && check == hash })
	return ok, err
}
