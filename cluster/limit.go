package cluster

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RateLimiter is what the server counts attempts with (server.RateLimiter):
// here, the fallback of a RedisLimiter.
type RateLimiter interface {
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retry time.Duration, err error)
	Refund(ctx context.Context, key string) error
}

// RedisLimiter counts attempts in Redis, so a limit holds across all
// instances behind a load balancer. When Redis fails it falls back to a
// per-instance limiter: the limit loosens (per instance) but never
// disappears, which matters for password logins.
//
// Its memory in Redis is bounded: keys are of a fixed size (the server
// hashes them) and expire with their window, and at most maxNew counters are
// created per window length and window (census); past that, new keys of a
// kind share one overflow counter until the window ends, as in the server's
// MemoryLimiter.
type RedisLimiter struct {
	client   *redis.Client
	fallback RateLimiter
	maxNew   int
}

// maxLimiterKeys bounds the counters made per window, as the server bounds
// its MemoryLimiter.
const maxLimiterKeys = 100_000

// newRedisLimiter returns a limiter over client; fallback (the server's
// in-process MemoryLimiter) serves while Redis is unreachable.
func newRedisLimiter(client *redis.Client, fallback RateLimiter) *RedisLimiter {
	return &RedisLimiter{client: client, fallback: fallback, maxNew: maxLimiterKeys}
}

// allowScript counts one attempt in a fixed window that starts with the
// first attempt: {count, milliseconds left in the window}. KEYS: the
// counter, the overflow counter of its kind, the census of counters made in
// the current window of that length; ARGV: the window in ms, the most
// counters the census allows.
var allowScript = redis.NewScript(`
local key = KEYS[1]
if redis.call("EXISTS", key) == 0 then
  local made = redis.call("INCR", KEYS[3])
  if made == 1 then redis.call("PEXPIRE", KEYS[3], ARGV[1]) end
  if made > tonumber(ARGV[2]) then key = KEYS[2] end
end
local n = redis.call("INCR", key)
if n == 1 then redis.call("PEXPIRE", key, ARGV[1]) end
local ttl = redis.call("PTTL", key)
if ttl < 0 then redis.call("PEXPIRE", key, ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`)

// refundScript takes one attempt back, never below zero.
var refundScript = redis.NewScript(`
local n = tonumber(redis.call("GET", KEYS[1]) or "0")
if n > 0 then return redis.call("DECR", KEYS[1]) end
return 0`)

func limiterKey(key string) string { return "cm:v1:rate:" + key }

// overflowKey is the counter that new keys of key's kind share once the
// census is full: the kind is what precedes the first colon.
func overflowKey(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind + ":overflow"
}

// Allow implements RateLimiter.
func (l *RedisLimiter) Allow(ctx context.Context, key string, limit int, per time.Duration) (bool, time.Duration, error) {
	keys := []string{limiterKey(key), limiterKey(overflowKey(key)), "cm:v1:rate-census:" + strconv.FormatInt(per.Milliseconds(), 10)}
	res, err := allowScript.Run(ctx, l.client, keys, per.Milliseconds(), l.maxNew).Int64Slice()
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
