package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"callmatch/crawler"
	"callmatch/funding"
	"callmatch/store"
)

// Instances share one store: only one of them crawls or sends digests at a
// time (Exclusive: a Redis lease with fencing), and each hears when calls
// changed (PublishChanged, OnChanged: Redis pub/sub on this channel, a hint;
// polling the store stays the truth). Without Redis there is one instance
// and no coordination.
const callsChangedChannel = "cm:v1:calls-changed"

// Exclusive runs fn unless another instance holds the lock called name.
// fence is the lease's fencing token (0 without Redis).
func (c *Cluster) Exclusive(ctx context.Context, name string, ttl time.Duration, fn func(ctx context.Context, fence int64) error) error {
	if c.redis == nil {
		return fn(ctx, 0)
	}
	err := newLock(c.redis, name, ttl).Hold(ctx, fn)
	if errors.Is(err, ErrLockHeld) {
		c.logger.Info("Another instance holds the lock: skipping", slog.String("lock", name))
		return nil
	}
	return err
}

// PublishChanged tells the other instances that calls changed.
func (c *Cluster) PublishChanged(ctx context.Context) {
	if c.redis == nil {
		return
	}
	if err := c.redis.Publish(ctx, callsChangedChannel, time.Now().UTC().Format(time.RFC3339Nano)).Err(); err != nil {
		c.logger.Warn("Could not announce changed calls (other instances will poll)", slog.Any("error", err))
	}
}

// OnChanged calls fn whenever another instance announces changed calls,
// until ctx ends. Lost messages only delay the update to the next poll.
func (c *Cluster) OnChanged(ctx context.Context, fn func()) {
	if c.redis == nil {
		return
	}
	for ctx.Err() == nil {
		sub := c.redis.Subscribe(ctx, callsChangedChannel)
		ch := sub.Channel()
	recv:
		for {
			select {
			case <-ctx.Done():
				break recv
			case _, ok := <-ch:
				if !ok {
					break recv
				}
				fn()
			}
		}
		sub.Close()
		select { // Redis went away: retry later
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// Crawl runs one crawl under the cluster's crawl lock, fenced, and
// announces changed calls to the other instances. ran is false when another
// instance holds the lock.
func (c *Cluster) Crawl(ctx context.Context, cfg crawler.Config, st *store.Store, progress func(done, total int)) (sum funding.CrawlRun, ran bool, err error) {
	err = c.Exclusive(ctx, "crawl", 2*time.Minute, func(ctx context.Context, fence int64) error {
		ran = true
		cr := crawler.New(cfg, &fencedStore{Store: st, lock: "crawl", fence: fence}, c.logger)
		var err error
		sum, err = cr.Run(ctx, progress)
		if sum.New+sum.Changed+sum.Gone > 0 {
			c.PublishChanged(ctx)
		}
		return err
	})
	return sum, ran, err
}

// fencedStore is the store as a crawl holding a lease sees it: before it
// marks calls gone, finishes its run, and every fenceEvery saves, it checks
// that no newer lease holder has written; if one has, it stops. Miss
// counts are fenced the same way.
type fencedStore struct {
	*store.Store
	lock  string
	fence int64
	saves atomic.Int64
}

const fenceEvery = 50

func (f *fencedStore) check(ctx context.Context) error {
	if f.fence == 0 {
		return nil
	}
	return f.CheckFence(ctx, f.lock, f.fence)
}

func (f *fencedStore) SaveCall(ctx context.Context, c *funding.Call, now time.Time) (bool, []string, error) {
	if f.saves.Add(1)%fenceEvery == 1 {
		if err := f.check(ctx); err != nil {
			return false, nil, err
		}
	}
	return f.Store.SaveCall(ctx, c, now)
}

func (f *fencedStore) MarkMissing(ctx context.Context, programmeIDs, seen []string, now time.Time, goneAfter int) (int, int, error) {
	if err := f.check(ctx); err != nil {
		return 0, 0, err
	}
	return f.Store.MarkMissing(ctx, programmeIDs, seen, now, goneAfter)
}

func (f *fencedStore) ClearMissed(ctx context.Context, seen []string) error {
	if err := f.check(ctx); err != nil {
		return err
	}
	return f.Store.ClearMissed(ctx, seen)
}

func (f *fencedStore) FinishCrawlRun(ctx context.Context, run funding.CrawlRun) error {
	if err := f.check(ctx); err != nil {
		return err
	}
	return f.Store.FinishCrawlRun(ctx, run)
}
