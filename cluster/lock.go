package cluster

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrLockHeld means another instance holds the lock.
var ErrLockHeld = errors.New("lock: held by another instance")

// Lock is a lease in Redis that lets one instance at a time crawl or send
// digests. It expires by itself (a crashed holder's lease ends after its
// TTL) and every acquisition gets a fencing token, strictly increasing, that
// the holder presents to the store with its writes so a paused holder whose
// lease expired cannot overwrite the work of the next one.
type Lock struct {
	client *redis.Client
	name   string
	ttl    time.Duration
}

// newLock returns the lock called name with lease ttl.
func newLock(client *redis.Client, name string, ttl time.Duration) *Lock {
	return &Lock{client: client, name: name, ttl: ttl}
}

// Lease is one holding of a Lock.
type Lease struct {
	lock  *Lock
	value string // unique per acquisition: only this holder may extend or release
	Fence int64  // fencing token
}

func (l *Lock) key() string      { return "cm:v1:lock:" + l.name }
func (l *Lock) fenceKey() string { return "cm:v1:fence:" + l.name }

// Acquire takes the lock or returns ErrLockHeld.
func (l *Lock) Acquire(ctx context.Context) (*Lease, error) {
	fence, err := l.client.Incr(ctx, l.fenceKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.name, err)
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.name, err)
	}
	value := fmt.Sprintf("%d:%s", fence, base64.RawURLEncoding.EncodeToString(b))
	ok, err := l.client.SetNX(ctx, l.key(), value, l.ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", l.name, err)
	}
	if !ok {
		return nil, ErrLockHeld
	}
	return &Lease{lock: l, value: value, Fence: fence}, nil
}

// Extend renews the lease for another TTL if it is still ours.
var extendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes the key only if it still holds our value.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// Extend renews the lease; an error means it was lost (expired and maybe taken).
func (ls *Lease) Extend(ctx context.Context) error {
	n, err := extendScript.Run(ctx, ls.lock.client, []string{ls.lock.key()}, ls.value, ls.lock.ttl.Milliseconds()).Int()
	if err != nil {
		return fmt.Errorf("lock %s: extend: %w", ls.lock.name, err)
	}
	if n == 0 {
		return fmt.Errorf("lock %s: lease lost", ls.lock.name)
	}
	return nil
}

// Release gives the lock up if it is still ours.
func (ls *Lease) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, ls.lock.client, []string{ls.lock.key()}, ls.value).Err(); err != nil {
		return fmt.Errorf("lock %s: release: %w", ls.lock.name, err)
	}
	return nil
}

// Hold runs fn while holding the lock, extending the lease every ttl/3. fn's
// context is cancelled when the lease is lost. Without the lock it returns
// ErrLockHeld and does not run fn.
func (l *Lock) Hold(ctx context.Context, fn func(ctx context.Context, fence int64) error) error {
	lease, err := l.Acquire(ctx)
	if err != nil {
		return err
	}
	defer lease.Release(context.WithoutCancel(ctx)) //nolint:errcheck // an unreleased lease expires by itself
	fctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		t := time.NewTicker(l.ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-fctx.Done():
				return
			case <-t.C:
				if err := lease.Extend(fctx); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	return fn(fctx, lease.Fence)
}
