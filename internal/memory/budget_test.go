package memory

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	b := NewBudget(10 * 1024)
	ctx := context.Background()
	first, err := b.Take(ctx, 6*1024)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := b.Take(short, 6*1024); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("6 of 10 MiB taken, 6 more: %v, want to wait until the deadline", err)
	}
	second, err := b.Take(ctx, 4*1024)
	if err != nil {
		t.Fatalf("4 of the remaining 4 MiB: %v", err)
	}
	first()
	second()
	// Work larger than the budget runs alone instead of never.
	all, err := b.Take(ctx, 100*1024)
	if err != nil {
		t.Fatal(err)
	}
	short2, cancel2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel2()
	if _, err := b.Take(short2, 1); err == nil {
		t.Error("something ran beside work that took the whole budget")
	}
	all()
}
