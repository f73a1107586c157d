package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"callmatch/store/storetest"
)

func TestLockIsExclusiveExpiresAndFences(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	ctx := context.Background()
	a := redis.NewClient(&redis.Options{Addr: addr})
	b := redis.NewClient(&redis.Options{Addr: addr})
	defer a.Close()
	defer b.Close()
	la := newLock(a, "crawl", 300*time.Millisecond)
	lb := newLock(b, "crawl", 300*time.Millisecond)

	first, err := la.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lb.Acquire(ctx); !errors.Is(err, ErrLockHeld) {
		t.Fatalf("second instance Acquire = %v, want ErrLockHeld", err)
	}
	// The holder "crashes": its lease expires by itself.
	time.Sleep(400 * time.Millisecond)
	second, err := lb.Acquire(ctx)
	if err != nil {
		t.Fatalf("after expiry Acquire = %v", err)
	}
	if second.Fence <= first.Fence {
		t.Errorf("fence %d after %d: fencing tokens must increase", second.Fence, first.Fence)
	}
	if err := first.Extend(ctx); err == nil {
		t.Error("the expired holder extended a lease that is no longer its own")
	}
	if err := first.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := la.Acquire(ctx); !errors.Is(err, ErrLockHeld) {
		t.Error("the old holder's Release freed the new holder's lock")
	}
	if err := second.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := la.Acquire(ctx); err != nil {
		t.Errorf("after Release, Acquire = %v", err)
	}
}

func TestLockHoldExtendsWhileWorking(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	l := newLock(c, "digest", 150*time.Millisecond)
	other := newLock(c, "digest", 150*time.Millisecond)
	err := l.Hold(ctx, func(ctx context.Context, fence int64) error {
		// Work for several TTLs: the lease must be extended meanwhile.
		for i := 0; i < 5; i++ {
			time.Sleep(100 * time.Millisecond)
			if _, err := other.Acquire(ctx); !errors.Is(err, ErrLockHeld) {
				t.Errorf("while held (step %d), another Acquire = %v", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Acquire(ctx); err != nil {
		t.Errorf("after Hold returned, Acquire = %v", err)
	}
}
