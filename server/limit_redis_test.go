package server

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"callmatch/store/storetest"
)

func TestRedisLimiterHoldsAcrossInstancesAndFallsBack(t *testing.T) {
	addr, stop := storetest.RedisServer(t)
	ctx := context.Background()
	newClient := func() *redis.Client {
		opt, err := RedisOptions("redis://" + addr + "/0")
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opt)
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := NewRedisLimiter(newClient(), nil) // two instances, one Redis
	b := NewRedisLimiter(newClient(), nil)

	for i, l := range []*RedisLimiter{a, b, a} {
		if ok, _, err := l.Allow(ctx, "login:1.2.3.4", 3, time.Minute); !ok || err != nil {
			t.Fatalf("attempt %d = %v, %v; want allowed", i+1, ok, err)
		}
	}
	ok, retry, err := b.Allow(ctx, "login:1.2.3.4", 3, time.Minute)
	if ok || err != nil || retry <= 0 || retry > time.Minute {
		t.Fatalf("4th attempt on the other instance = %v, retry %v, %v; want refused with a retry within the window", ok, retry, err)
	}
	if ok, _, _ := a.Allow(ctx, "login:5.6.7.8", 3, time.Minute); !ok {
		t.Error("another key is limited too")
	}

	// Refund takes one back (a registration that was not created).
	if err := a.Refund(ctx, "signup:9.9.9.9"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		a.Allow(ctx, "signup:9.9.9.9", 2, time.Minute)
	}
	a.Refund(ctx, "signup:9.9.9.9")
	if ok, _, _ := b.Allow(ctx, "signup:9.9.9.9", 2, time.Minute); !ok {
		t.Error("after a refund the next attempt should pass")
	}

	// Windows end.
	for i := 0; i < 2; i++ {
		a.Allow(ctx, "short", 1, 200*time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	if ok, _, _ := a.Allow(ctx, "short", 1, 200*time.Millisecond); !ok {
		t.Error("a new window should allow again")
	}

	// Redis down: the per-instance fallback still limits.
	stop()
	for i := 0; i < 2; i++ {
		if ok, _, err := a.Allow(ctx, "login:fallback", 2, time.Minute); !ok || err != nil {
			t.Fatalf("fallback attempt %d = %v, %v", i+1, ok, err)
		}
	}
	if ok, _, _ := a.Allow(ctx, "login:fallback", 2, time.Minute); ok {
		t.Error("with Redis down, the limit disappeared")
	}
}
