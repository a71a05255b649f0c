package memo

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestKeptWithinAGeneration(t *testing.T) {
	c := New(1 << 20)
	loads := 0
	load := func(v string) func() (string, int, error) {
		return func() (string, int, error) { loads++; return v, len(v), nil }
	}
	if v, _ := Get(c, 5, "k", load("a")); v != "a" {
		t.Fatal(v)
	}
	if v, _ := Get(c, 5, "k", load("b")); v != "a" || loads != 1 {
		t.Fatalf("same generation: %q after %d loads", v, loads)
	}
	// A change: the value is computed again.
	if v, _ := Get(c, 6, "k", load("c")); v != "c" || loads != 2 {
		t.Fatalf("next generation: %q after %d loads", v, loads)
	}
	// A request that read the generation before the change gets its own value, and it is
	// not kept: the cache stays at generation 6.
	if v, _ := Get(c, 5, "k", load("old")); v != "old" {
		t.Fatalf("older generation: %q", v)
	}
	if v, _ := Get(c, 6, "k", load("d")); v != "c" {
		t.Fatalf("after an older request: %q", v)
	}
	if s := c.Stats(); s.Generation != 6 || s.Entries != 1 || s.Hits != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestErrorsAreNotKept(t *testing.T) {
	c := New(1 << 20)
	oops := errors.New("oops")
	if _, err := Get(c, 1, "k", func() (int, int, error) { return 0, 0, oops }); !errors.Is(err, oops) {
		t.Fatal(err)
	}
	if v, err := Get(c, 1, "k", func() (int, int, error) { return 7, 8, nil }); err != nil || v != 7 {
		t.Fatal(v, err)
	}
}

func TestBoundedSize(t *testing.T) {
	c := New(100)
	for i := range 50 {
		Get(c, 1, string(rune('a'+i)), func() (int, int, error) { return i, 30, nil })
		if s := c.Stats(); s.Bytes > 100 {
			t.Fatalf("%d bytes kept, at most 100", s.Bytes)
		}
	}
	// Too large to keep at all.
	Get(c, 1, "big", func() (int, int, error) { return 0, 1000, nil })
	if _, ok := c.lookup(1, "big"); ok {
		t.Fatal("a value larger than the cache was kept")
	}
}

// What is used stays; what is not used goes first.
func TestKeepsWhatIsUsed(t *testing.T) {
	c := New(100)
	loads := 0
	get := func(key string) {
		Get(c, 1, key, func() (int, int, error) { loads++; return 0, 10, nil })
	}
	get("hot")
	for i := range 40 {
		get(string(rune('a' + i)))
		get("hot")
	}
	if loads != 41 {
		t.Fatalf("%d loads: the value used all the time was dropped", loads)
	}
	if _, ok := c.lookup(1, "a"); ok {
		t.Fatal("the oldest unused value is still kept")
	}
}

// Requests that miss one key at once share a load.
func TestOneLoadForConcurrentMisses(t *testing.T) {
	c := New(1 << 20)
	var loads atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			Get(c, 1, "k", func() (int, int, error) { loads.Add(1); <-release; return 1, 1, nil })
		})
	}
	for loads.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the others reach Get meanwhile
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d loads for 8 concurrent misses", n)
	}
}
