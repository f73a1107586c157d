package match

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryCacheIsBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	c := NewMemoryCache(100 << 10)
	value := make([]byte, 10<<10)
	for i := range 100 {
		c.Set(ctx, fmt.Sprintf("k%d", i), value, time.Hour)
	}
	n, size := c.Size()
	if size > 100<<10 || n > 10 {
		t.Errorf("after 100 sets of 10 KB: %d entries, %d bytes; want at most 100 KB", n, size)
	}
	if _, ok, _ := c.Get(ctx, "k99"); !ok {
		t.Error("the newest entry is gone")
	}
	if _, ok, _ := c.Get(ctx, "k0"); ok {
		t.Error("the oldest entry is still there")
	}
}

func TestMemoryCacheEvictsTheLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	value := make([]byte, 1000)
	c := NewMemoryCache(16 * entrySize("k00", value)) // sixteen entries
	for i := range 16 {
		c.Set(ctx, fmt.Sprintf("k%02d", i), value, time.Hour)
	}
	c.Get(ctx, "k00") // now the most recently used
	c.Set(ctx, "new", value, time.Hour)
	for key, want := range map[string]bool{"k00": true, "k01": false, "k02": true, "new": true} {
		if _, ok, _ := c.Get(ctx, key); ok != want {
			t.Errorf("Get(%q) found = %v, want %v", key, ok, want)
		}
	}
}

func TestMemoryCacheExpiresReplacesAndRefusesGiants(t *testing.T) {
	ctx := context.Background()
	now := testNow
	c := NewMemoryCache(80 << 10)
	c.now = func() time.Time { return now }
	c.Set(ctx, "short", []byte("x"), time.Minute)
	now = now.Add(2 * time.Minute)
	if _, ok, _ := c.Get(ctx, "short"); ok {
		t.Error("an expired entry was served")
	}
	c.Set(ctx, "k", make([]byte, 5000), time.Hour)
	c.Set(ctx, "k", make([]byte, 10), time.Hour)
	if n, size := c.Size(); n != 1 || size != entrySize("k", make([]byte, 10)) {
		t.Errorf("after replacing a value: %d entries, %d bytes; want 1 entry of the new size", n, size)
	}
	c.Set(ctx, "giant", make([]byte, 20<<10), time.Hour) // more than an eighth
	if _, ok, _ := c.Get(ctx, "giant"); ok {
		t.Error("a value of a quarter of the cache was kept")
	}
	if _, ok, _ := c.Get(ctx, "k"); !ok {
		t.Error("a giant value pushed out the others")
	}
}
