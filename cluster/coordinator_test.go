package cluster

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"callmatch/store"
	"callmatch/store/storetest"
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func openCluster(t *testing.T, redisURL string) *Cluster {
	t.Helper()
	c, err := Open(redisURL, discard())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestExclusiveRunsOnOneInstanceAtATime(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	a, b := openCluster(t, "redis://"+addr+"/0"), openCluster(t, "redis://"+addr+"/0")
	ctx := context.Background()

	ran := 0
	err := a.Exclusive(ctx, "crawl", time.Minute, func(ctx context.Context, fence int64) error {
		ran++
		if fence <= 0 {
			t.Errorf("fence = %d, want a positive fencing token", fence)
		}
		// Meanwhile the other instance skips, without an error.
		return b.Exclusive(ctx, "crawl", time.Minute, func(context.Context, int64) error {
			t.Error("the other instance ran while the lock was held")
			return nil
		})
	})
	if err != nil || ran != 1 {
		t.Fatalf("Exclusive = %v, ran %d times; want nil, once", err, ran)
	}
	if err := b.Exclusive(ctx, "crawl", time.Minute, func(context.Context, int64) error { ran++; return nil }); err != nil || ran != 2 {
		t.Errorf("after release: Exclusive = %v, ran %d times; want the other instance to run", err, ran)
	}

	single := openCluster(t, "")
	if single.Shared() {
		t.Error("no REDIS_URL: Shared = true")
	}
	if err := single.Exclusive(ctx, "crawl", time.Minute, func(_ context.Context, fence int64) error {
		if fence != 0 {
			t.Errorf("without Redis, fence = %d, want 0", fence)
		}
		return errors.New("boom")
	}); err == nil || err.Error() != "boom" {
		t.Errorf("without Redis, Exclusive = %v, want fn's error", err)
	}
}

func TestChangeHintsReachTheOtherInstances(t *testing.T) {
	addr, _ := storetest.RedisServer(t)
	a, b := openCluster(t, "redis://"+addr+"/0"), openCluster(t, "redis://"+addr+"/0")
	ctx, cancel := context.WithCancel(context.Background())
	heard := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		b.OnChanged(ctx, func() {
			select {
			case heard <- struct{}{}:
			default:
			}
		})
		close(done)
	}()
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		a.PublishChanged(ctx) // again until b's subscription is up
		select {
		case <-heard:
			got = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("the other instance never heard that calls changed")
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("OnChanged did not return when its context ended")
	}
}

// TestFencedStoreStopsAStaleHolder: a crawl whose lease expired while it
// was paused must not write over the next holder's work.
func TestFencedStoreStopsAStaleHolder(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), discard())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stale := &fencedStore{Store: st, lock: "crawl", fence: 1}
	if err := stale.ClearMissed(ctx, nil); err != nil {
		t.Fatalf("holder 1 alone: %v", err)
	}
	next := &fencedStore{Store: st, lock: "crawl", fence: 2}
	if err := next.ClearMissed(ctx, nil); err != nil {
		t.Fatalf("holder 2: %v", err)
	}
	if _, _, err := stale.MarkMissing(ctx, []string{"43108390"}, nil, time.Now(), 2); !errors.Is(err, store.ErrStaleFence) {
		t.Errorf("the stale holder's MarkMissing = %v, want ErrStaleFence", err)
	}
	unfenced := &fencedStore{Store: st, lock: "crawl"} // no Redis: one instance
	if err := unfenced.ClearMissed(ctx, nil); err != nil {
		t.Errorf("without a fence: %v", err)
	}
}
