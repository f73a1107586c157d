// Package cluster lets several `callmatch serve` share one store: the Redis
// client (this is the only package that imports go-redis), the lease with
// fencing that lets one instance at a time crawl or send digests, the hints
// that calls changed, the shared match cache and rate limiter, the index
// sync, and the schedulers a serving instance runs. Without REDIS_URL there
// is one instance: no coordination, and the caller uses in-process caches.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is this instance's link to the others.
type Cluster struct {
	redis  *redis.Client // nil without REDIS_URL
	logger *slog.Logger
}

// Open connects lazily to the Redis at redisURL: a Redis that is down at
// start degrades the cache and the coordination, it does not stop the
// server. An empty redisURL means a single instance.
func Open(redisURL string, logger *slog.Logger) (*Cluster, error) {
	c := &Cluster{logger: logger}
	if redisURL == "" {
		return c, nil
	}
	opt, err := redisOptions(redisURL)
	if err != nil {
		return nil, err
	}
	redis.SetLogger(quietRedisLogger{})
	c.redis = redis.NewClient(opt)
	return c, nil
}

// Shared reports whether instances share a Redis (REDIS_URL is set).
func (c *Cluster) Shared() bool { return c.redis != nil }

// Close closes the Redis client.
func (c *Cluster) Close() error {
	if c.redis == nil {
		return nil
	}
	return c.redis.Close()
}

// Cache is the match cache shared by the instances; nil when not Shared.
// It does not ping: a Redis that is down at start is a degraded cache, not
// a failed start.
func (c *Cluster) Cache() *RedisCache {
	if c.redis == nil {
		return nil
	}
	return &RedisCache{client: c.redis}
}

// Limiter shares rate limits between the instances; fallback counts while
// Redis is unreachable. Nil when not Shared.
func (c *Cluster) Limiter(fallback RateLimiter) *RedisLimiter {
	if c.redis == nil {
		return nil
	}
	return newRedisLimiter(c.redis, fallback)
}

// redisOptions tunes the client to fail fast: a cache that is down, slow or
// hung must cost a request milliseconds, not seconds (PITFALLS: go-redis
// defaults wait 5 s on a hung server and ignore the context).
func redisOptions(rawURL string) (*redis.Options, error) {
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

// quietRedisLogger drops go-redis's own pool logs: failures reach the
// server's cache health, which logs them once in a while.
type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

// RedisCache is the match cache shared by several instances. It implements
// the server's Cache.
type RedisCache struct {
	client *redis.Client
}

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

// Close does nothing: the client is the Cluster's, closed by Cluster.Close.
func (c *RedisCache) Close() error { return nil }
