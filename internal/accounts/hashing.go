package accounts

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/semaphore"

	"grouprise.org/grouprise/internal/memory"
)

// hashWait is how long a password check waits for its turn before the caller is told to come
// back (ErrBusy): a few seconds of queue instead of unbounded memory.
const hashWait = 10 * time.Second

// maxArgonMemory bounds the memory (KiB) of a stored argon2 hash that we are willing to check.
const maxArgonMemory = 256 * 1024

// hashLimiter bounds password hashing: one hash per CPU at a time, each taking the memory it
// needs from a budget (shared with other large work of the daemon, see ShareMemory). A hash
// stored with more memory than the budget (Django's argon2 uses 100 MiB) runs alone.
type hashLimiter struct {
	cpus   *semaphore.Weighted
	memory *memory.Budget
	wait   time.Duration
}

func newHashLimiter(cpus int) *hashLimiter {
	cpus = max(cpus, 1)
	// Enough for a hash per CPU, and at least 64 MiB, so that a Django hash can run at all.
	return &hashLimiter{cpus: semaphore.NewWeighted(int64(cpus)),
		memory: memory.NewBudget(max(int64(cpus)*argonMemory, 64*1024)), wait: hashWait}
}

func defaultHashLimiter() *hashLimiter { return newHashLimiter(runtime.GOMAXPROCS(0)) }

// ShareMemory makes password hashing take its memory from budget, which the daemon shares
// with its other large work (decoding pictures), so that their peaks never add up.
func (a *Accounts) ShareMemory(budget *memory.Budget) *Accounts {
	a.hashing.memory = budget
	return a
}

// run calls fn when a CPU and kib KiB of memory are free for it. A caller that waits longer
// than l.wait gets ErrBusy.
func (l *hashLimiter) run(ctx context.Context, kib int64, fn func()) error {
	ctx, cancel := context.WithTimeout(ctx, l.wait)
	defer cancel()
	busy := func(err error) error {
		if errors.Is(err, context.DeadlineExceeded) {
			return ErrBusy
		}
		return fmt.Errorf("accounts: wait for password check: %w", err)
	}
	if err := l.cpus.Acquire(ctx, 1); err != nil {
		return busy(err)
	}
	defer l.cpus.Release(1)
	release, err := l.memory.Take(ctx, max(kib, 1024))
	if err != nil {
		return busy(err)
	}
	defer release()
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
