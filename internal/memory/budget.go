// Package memory bounds the memory that large, short-lived work takes at once in a daemon:
// password hashes and decoded pictures each ask one shared budget for what they need.
package memory

import (
	"context"

	"golang.org/x/sync/semaphore"
)

// Budget is an amount of memory, in KiB, that work takes from and gives back.
type Budget struct {
	sem  *semaphore.Weighted
	size int64
}

// NewBudget makes a budget of kib KiB (at least 1 MiB).
func NewBudget(kib int64) *Budget {
	kib = max(kib, 1024)
	return &Budget{sem: semaphore.NewWeighted(kib), size: kib}
}

// Size is the budget in KiB.
func (b *Budget) Size() int64 { return b.size }

// Take waits until kib KiB are free, as long as ctx lets it; work larger than the budget
// takes all of it (it runs alone). release gives the memory back.
func (b *Budget) Take(ctx context.Context, kib int64) (release func(), err error) {
	w := min(max(kib, 1), b.size)
	if err := b.sem.Acquire(ctx, w); err != nil {
		return nil, err
	}
	return func() { b.sem.Release(w) }, nil
}
