package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisOptions tunes the client to fail fast: a cache that is down, slow or
// hung must cost a request milliseconds, not seconds (PITFALLS: go-redis
// defaults wait 5 s on a hung server and ignore the context).
func RedisOptions(rawURL string) (*redis.Options, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("cache: REDIS_URL: %w", err)
	}
	opt.DialTimeout = 300 * time.Millisecond
	opt.ReadTimeout = 150 * time.Millisecond
	opt.WriteTimeout = 150 * time.Millisecond
	opt.PoolTimeout = 250 * time.Millisecond
	opt.MaxRetries = -1
	opt.DialerRetries = 1
	opt.ContextTimeoutEnabled = true
	return opt, nil
}

// RedisCache is the shared match cache of several instances (a match.Cache).
type RedisCache struct {
	client *redis.Client
}

// NewRedisCache wraps a client built with RedisOptions. It does not ping:
// a Redis that is down at start is a degraded cache, not a failed start.
func NewRedisCache(client *redis.Client) *RedisCache { return &RedisCache{client: client} }

func (c *RedisCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := c.client.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache: redis get: %w", err)
	}
	return b, true, nil
}

func (c *RedisCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := c.client.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis set: %w", err)
	}
	return nil
}

func (c *RedisCache) Ping(ctx context.Context) error { return c.client.Ping(ctx).Err() }
func (c *RedisCache) Name() string                   { return "redis" }
func (c *RedisCache) Close() error                   { return c.client.Close() }

// cacheHealth remembers the last cache failure so /readyz can report a
// degraded cache, and logs a warning at most once per interval.
type cacheHealth struct {
	lastErr    atomic.Int64 // unix nanos of the last failure
	lastWarned atomic.Int64
	logger     *slog.Logger
	errors     interface{ Inc() }
}

func (h *cacheHealth) failed(op string, err error) {
	now := time.Now().UnixNano()
	h.lastErr.Store(now)
	h.errors.Inc()
	if now-h.lastWarned.Load() > int64(10*time.Second) {
		h.lastWarned.Store(now)
		h.logger.Warn("Cache unavailable, serving uncached", slog.String("op", op), slog.Any("error", err))
	}
}

// degraded reports whether the cache failed within the last 30 seconds.
func (h *cacheHealth) degraded() bool {
	t := h.lastErr.Load()
	return t != 0 && time.Since(time.Unix(0, t)) < 30*time.Second
}
