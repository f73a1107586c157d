package match

import (
	"container/list"
	"context"
	"strings"
	"sync"
	"time"
)

// Cache stores match lists and finished answers. It is only an
// optimization: every caller treats an error as a miss and serves uncached.
// The shared implementation of several instances is Redis (server.RedisCache);
// MemoryCache is the in-process one.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Ping(ctx context.Context) error
	Name() string
	Close() error
}

// MemoryCache is an in-process cache bounded in bytes: past its size, the
// least recently used entries go. It is the match cache when no REDIS_URL
// is set, and each instance's copy of finished answers in front of Redis.
// An entry counts its key, its value and a fixed overhead; a value larger
// than an eighth of the cache is not kept, so one answer cannot empty it.
type MemoryCache struct {
	mu       sync.Mutex
	maxBytes int64
	bytes    int64
	order    *list.List // front: most recently used; values are *memEntry
	entries  map[string]*list.Element
	now      func() time.Time
}

type memEntry struct {
	key     string
	value   []byte
	expires time.Time
}

// entryOverhead is what an entry costs besides its key and value: the map
// slot, the list element, the entry.
const entryOverhead = 160

// DefaultMemoryCacheBytes is the size of an in-process match cache when
// none is given.
const DefaultMemoryCacheBytes = 48 << 20

// NewMemoryCache returns an empty cache of at most maxBytes (<= 0: DefaultMemoryCacheBytes).
func NewMemoryCache(maxBytes int64) *MemoryCache {
	if maxBytes <= 0 {
		maxBytes = DefaultMemoryCacheBytes
	}
	return &MemoryCache{maxBytes: maxBytes, order: list.New(), entries: map[string]*list.Element{}, now: time.Now}
}

// WithClock makes the cache reckon expiry on now (the clock the cached
// answers were made with) instead of the wall clock; it returns c.
func (c *MemoryCache) WithClock(now func() time.Time) *MemoryCache {
	c.now = now
	return c
}

func entrySize(key string, value []byte) int64 {
	return int64(len(key) + len(value) + entryOverhead)
}

func (c *MemoryCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		return nil, false, nil
	}
	e := el.Value.(*memEntry)
	if c.now().After(e.expires) {
		c.remove(el)
		return nil, false, nil
	}
	c.order.MoveToFront(el)
	return e.value, true, nil
}

// Set keeps value under key for ttl. The cache keeps value itself: the
// caller must not change it afterwards.
func (c *MemoryCache) Set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	size := entrySize(key, value)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
	if size > c.maxBytes/8 {
		return nil
	}
	key = strings.Clone(key) // the cache outlives whatever buffer key came from
	c.entries[key] = c.order.PushFront(&memEntry{key: key, value: value, expires: c.now().Add(ttl)})
	c.bytes += size
	for c.bytes > c.maxBytes {
		c.remove(c.order.Back())
	}
	return nil
}

func (c *MemoryCache) remove(el *list.Element) {
	e := c.order.Remove(el).(*memEntry)
	delete(c.entries, e.key)
	c.bytes -= entrySize(e.key, e.value)
}

// Size reports the entries held and their bytes, as counted against the bound.
// Limit is the most bytes the cache holds.
func (c *MemoryCache) Limit() int64 { return c.maxBytes }

func (c *MemoryCache) Size() (entries int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

func (c *MemoryCache) Ping(context.Context) error { return nil }
func (c *MemoryCache) Name() string               { return "memory" }
func (c *MemoryCache) Close() error               { return nil }
