package cluster

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"callmatch/server"
	"callmatch/store/storetest"
)

func TestRedisLimiterHoldsAcrossInstancesAndFallsBack(t *testing.T) {
	addr, stop := storetest.RedisServer(t)
	ctx := context.Background()
	newClient := func() *redis.Client {
		opt, err := redisOptions("redis://" + addr + "/0")
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opt)
		t.Cleanup(func() { c.Close() })
		return c
	}
	a := newRedisLimiter(newClient(), server.NewMemoryLimiter(nil)) // two instances, one Redis
	b := newRedisLimiter(newClient(), server.NewMemoryLimiter(nil))

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

func TestRedisLimiterIsBounded(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	opt, err := redisOptions("redis://" + addr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	ctx := context.Background()
	l := newRedisLimiter(client, server.NewMemoryLimiter(nil))
	l.maxNew = 50
	for range 3 {
		l.Allow(ctx, "login-ip:victim", 3, time.Hour)
	}
	allowed := 0
	for i := range 300 {
		ok, _, err := l.Allow(ctx, fmt.Sprintf("login-ip:%d", i), 3, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		}
	}
	n, err := client.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n > 50+2 { // the counters, the overflow, the census
		t.Errorf("Redis holds %d keys, want at most 52", n)
	}
	if allowed > 49+3 {
		t.Errorf("%d of 300 new keys allowed, want at most 52", allowed)
	}
	if ok, _, _ := l.Allow(ctx, "login-ip:victim", 3, time.Hour); ok {
		t.Error("a key known before the flood lost its count")
	}
}
