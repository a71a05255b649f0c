// Package memo keeps what a daemon computed from the store (lists, counts, rendered parts of
// pages) for as long as the store's generation stays the one read before computing it.
// Every committed change of what pages show raises the generation (store.Generation), so a
// kept value is never older than the database it would be shown with, on every daemon that
// shares the database; and nothing is kept across a change.
package memo

import (
	"strconv"
	"sync"

	"golang.org/x/sync/singleflight"
)

// Cache holds values of one generation, at most about max bytes of them (as the values'
// loaders estimate their size). Within a generation it keeps what is used: new values go
// into the young half; when that is full, it becomes the old half and the former old half is
// dropped; a value found in the old half moves back into the young one.
type Cache struct {
	mu         sync.Mutex
	gen        int64
	young, old map[string]entry
	youngSize  int
	oldSize    int
	max        int
	flight     singleflight.Group

	hits, misses, drops uint64
}

type entry struct {
	v    any
	size int
}

// New makes a cache that keeps about max bytes.
func New(max int) *Cache {
	return &Cache{young: map[string]entry{}, old: map[string]entry{}, max: max}
}

// Stats are a cache's counters since it was made.
type Stats struct {
	Hits, Misses, Drops uint64 // Drops: entries dropped for a new generation or for room
	Entries, Bytes      int
	Generation          int64
}

// Stats tells how the cache does.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Stats{Hits: c.hits, Misses: c.misses, Drops: c.drops, Entries: len(c.young) + len(c.old),
		Bytes: c.youngSize + c.oldSize, Generation: c.gen}
}

// lookup returns the entry of key when the cache is at generation gen, moving the cache to
// gen first when gen is newer (everything older is dropped).
func (c *Cache) lookup(gen int64, key string) (any, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen > c.gen {
		c.drops += uint64(len(c.young) + len(c.old))
		clear(c.young)
		clear(c.old)
		c.youngSize, c.oldSize = 0, 0
		c.gen = gen
	}
	if gen == c.gen {
		if e, ok := c.young[key]; ok {
			c.hits++
			return e.v, true
		}
		if e, ok := c.old[key]; ok {
			c.hits++
			delete(c.old, key)
			c.oldSize -= e.size
			c.add(key, e)
			return e.v, true
		}
	}
	c.misses++
	return nil, false
}

// keep stores v under key when the cache is still at generation gen: a value computed by
// a request that began before a change is not kept once the change is known.
func (c *Cache) keep(gen int64, key string, v any, size int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || size > c.max/2 {
		return
	}
	if _, ok := c.young[key]; ok {
		return
	}
	if e, ok := c.old[key]; ok {
		delete(c.old, key)
		c.oldSize -= e.size
	}
	c.add(key, entry{v, size})
}

// add puts an entry into the young half, turning a full young half into the old one.
func (c *Cache) add(key string, e entry) {
	if c.youngSize+e.size > c.max/2 {
		c.drops += uint64(len(c.old))
		c.old, c.young = c.young, c.old
		clear(c.young)
		c.oldSize, c.youngSize = c.youngSize, 0
	}
	c.young[key] = e
	c.youngSize += e.size
}

// Get returns the value of key at generation gen, computed by load when the cache does not
// have it; load also tells the value's size in bytes (roughly). Requests that miss the
// same key at once share one load. Values are shared: callers must not change them.
func Get[T any](c *Cache, gen int64, key string, load func() (T, int, error)) (T, error) {
	if v, ok := c.lookup(gen, key); ok {
		return v.(T), nil
	}
	type result struct {
		v    T
		size int
	}
	r, err, _ := c.flight.Do(strconv.FormatInt(gen, 10)+"\x00"+key, func() (any, error) {
		v, size, err := load()
		if err != nil {
			return nil, err
		}
		c.keep(gen, key, v, size)
		return result{v, size}, nil
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return r.(result).v, nil
}

// Peek returns the value of key at generation gen if the cache has it (for callers that
// compute several missing values at once and Put them).
func (c *Cache) Peek(gen int64, key string) (any, bool) { return c.lookup(gen, key) }

// Put keeps v under key for generation gen (when the cache is still at gen).
func (c *Cache) Put(gen int64, key string, v any, size int) { c.keep(gen, key, v, size) }
