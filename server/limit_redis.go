package server

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLimiter counts attempts in Redis, so a limit holds across all
// instances behind a load balancer. When Redis fails it falls back to a
// per-instance limiter: the limit loosens (per instance) but never
// disappears, which matters for password logins.
type RedisLimiter struct {
	client   *redis.Client
	fallback RateLimiter
}

// NewRedisLimiter returns a limiter over client; fallback serves while Redis
// is unreachable (nil: an in-process MemoryLimiter).
func NewRedisLimiter(client *redis.Client, fallback RateLimiter) *RedisLimiter {
	if fallback == nil {
		fallback = NewMemoryLimiter(nil)
	}
	return &RedisLimiter{client: client, fallback: fallback}
}

// allowScript counts one attempt in a fixed window that starts with the
// first attempt: {count, milliseconds left in the window}.
var allowScript = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], ARGV[1]) end
local ttl = redis.call("PTTL", KEYS[1])
if ttl < 0 then redis.call("PEXPIRE", KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// refundScript takes one attempt back, never below zero.
var refundScript = redis.NewScript(`
local n = tonumber(redis.call("GET", KEYS[1]) or "0")
if n > 0 then return redis.call("DECR", KEYS[1]) end
return 0`)

func limiterKey(key string) string { return "cm:v1:rate:" + key }

// Allow implements RateLimiter.
func (l *RedisLimiter) Allow(ctx context.Context, key string, limit int, per time.Duration) (bool, time.Duration, error) {
	res, err := allowScript.Run(ctx, l.client, []string{limiterKey(key)}, per.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		return l.fallback.Allow(ctx, key, limit, per)
	}
	if res[0] > int64(limit) {
		return false, time.Duration(res[1]) * time.Millisecond, nil
	}
	return true, 0, nil
}

// Refund implements RateLimiter.
func (l *RedisLimiter) Refund(ctx context.Context, key string) error {
	if err := refundScript.Run(ctx, l.client, []string{limiterKey(key)}).Err(); err != nil {
		return l.fallback.Refund(ctx, key)
	}
	return nil
}
