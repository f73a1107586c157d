package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"callmatch/crawler"
	"callmatch/digest"
	"callmatch/store"
)

// Schedules are the background work of a serving instance: index sync,
// crawls, digests and housekeeping, each on its own ticker.
type Schedules struct {
	Cluster *Cluster
	Store   *store.Store
	Syncer  *IndexSyncer
	Logger  *slog.Logger

	Crawler       crawler.Config
	CrawlInterval time.Duration
	// CrawlAtStart crawls as soon as the instance starts (the demo); an
	// empty store is crawled at start anyway.
	CrawlAtStart bool
	CrawlRuns    *prometheus.CounterVec // label outcome: ok | held | failed

	Digests        DigestRunner
	DigestInterval time.Duration
	DigestCounts   *prometheus.CounterVec // label outcome: sent | failed | bounced

	// Housekeep deletes what expired (unconfirmed profiles, sessions,
	// sign-in links): every instance may run it, hourly.
	Housekeep func(context.Context) error
}

// DigestRunner sends the digests that are due (digest.Runner).
type DigestRunner interface {
	RunDue(ctx context.Context, now time.Time) (digest.Report, error)
}

// Run runs the schedules until ctx ends, and returns once all stopped.
func (s *Schedules) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, job := range []func(context.Context){
		func(ctx context.Context) { s.Syncer.loop(ctx, 10*time.Second) },
		func(ctx context.Context) { s.Cluster.OnChanged(ctx, func() { s.Syncer.syncLogged(ctx) }) },
		s.crawls,
		s.digests,
		s.housekeeping,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			job(ctx)
		}()
	}
	wg.Wait()
}

// every runs fn now (when now is set) and then every d until ctx ends.
func every(ctx context.Context, d time.Duration, now bool, fn func()) {
	t := time.NewTicker(d)
	defer t.Stop()
	if now {
		fn()
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}

func (s *Schedules) crawls(ctx context.Context) {
	if n, err := s.Store.CallCount(ctx); s.CrawlAtStart || err == nil && n == 0 {
		s.crawl(ctx)
	}
	every(ctx, s.CrawlInterval, false, func() { s.crawl(ctx) })
}

func (s *Schedules) crawl(ctx context.Context) {
	// Several instances tick on their own: one crawl per interval is enough.
	if runs, err := s.Store.CrawlRuns(ctx, 1); err == nil && len(runs) == 1 && !runs[0].Failed &&
		!runs[0].FinishedAt.IsZero() && time.Since(runs[0].FinishedAt) < s.CrawlInterval/2 {
		s.Logger.Info("Skipping the crawl: one finished recently", slog.Time("finished_at", runs[0].FinishedAt))
		return
	}
	sum, _, err := s.Cluster.Crawl(ctx, s.Crawler, s.Store, nil)
	outcome := "ok"
	switch {
	case err != nil:
		outcome = "failed"
	case sum.Held != nil:
		outcome = "held"
	}
	s.CrawlRuns.WithLabelValues(outcome).Inc()
	s.Syncer.syncLogged(ctx)
}

func (s *Schedules) digests(ctx context.Context) {
	every(ctx, s.DigestInterval, true, func() {
		err := s.Cluster.Exclusive(ctx, "digest", 10*time.Minute, func(ctx context.Context, _ int64) error {
			rep, err := s.Digests.RunDue(ctx, time.Now())
			s.DigestCounts.WithLabelValues("sent").Add(float64(rep.Sent))
			s.DigestCounts.WithLabelValues("failed").Add(float64(rep.Failed + rep.Deferred))
			s.DigestCounts.WithLabelValues("bounced").Add(float64(rep.Bounced))
			if rep != (digest.Report{}) {
				s.Logger.Info("Digest run finished", slog.Any("report", rep))
			}
			return err
		})
		if err != nil && ctx.Err() == nil {
			s.Logger.Error("Digest run failed", slog.Any("error", err))
		}
	})
}

func (s *Schedules) housekeeping(ctx context.Context) {
	every(ctx, time.Hour, true, func() {
		if err := s.Housekeep(ctx); err != nil && ctx.Err() == nil {
			s.Logger.Error("Housekeeping failed", slog.Any("error", err))
		}
	})
}
