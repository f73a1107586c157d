package cluster

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"callmatch/funding"
	"callmatch/search"
	"callmatch/store"
)

// LiveCalls is what the index holds: the store's calls, less those that
// vanished from the portal (kept in the store, marked gone). It is the
// search.Source of every index.
type LiveCalls struct{ Store *store.Store }

func (l LiveCalls) Calls(ctx context.Context) ([]funding.Call, error) {
	calls, err := l.Store.Calls(ctx)
	if err != nil {
		return nil, err
	}
	live := calls[:0]
	for _, c := range calls {
		if c.GoneAt == nil {
			live = append(live, c)
		}
	}
	return live, nil
}

// reindexRequestKey is the store's note that someone asked for a rebuild
// while a server owned the index.
const reindexRequestKey = "reindex_requested_at"

// RequestReindex asks the server that owns the index to rebuild it (it does
// within a minute: IndexSyncer.Sync).
func RequestReindex(ctx context.Context, st *store.Store) error {
	return st.SetMeta(ctx, reindexRequestKey, time.Now().UTC().Format(time.RFC3339Nano))
}

// IndexSyncer keeps the search index in step with the store: the store is
// the truth, the index is derived. It polls the store's generation, so calls
// written by another process (callmatch crawl, another instance) reach this
// index too, and re-syncs hourly anyway, since statuses and next deadlines
// move with time.
type IndexSyncer struct {
	store  *store.Store
	index  *search.Index
	logger *slog.Logger

	mu       sync.Mutex
	lastGen  int64
	lastFull time.Time
	synced   atomic.Int64 // the store generation the index holds
	ready    atomic.Bool
}

// NewIndexSyncer keeps index in step with st.
func NewIndexSyncer(st *store.Store, index *search.Index, logger *slog.Logger) *IndexSyncer {
	return &IndexSyncer{store: st, index: index, logger: logger}
}

// Generation is the store generation the index is synced to: instances
// synced alike share match cache entries.
func (s *IndexSyncer) Generation() int64 { return s.synced.Load() }

// Ready reports whether this instance's index holds the store's calls:
// after its own first crawl, or, when another instance crawled, after the
// sync.
func (s *IndexSyncer) Ready() error {
	if s.ready.Load() {
		return nil
	}
	if n, err := s.index.Count(); err == nil && n > 0 {
		s.ready.Store(true)
		return nil
	}
	return errors.New("first crawl in progress")
}

// Collectors are the index's gauges for /metrics.
func (s *IndexSyncer) Collectors() []prometheus.Collector {
	return []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callmatch_index_calls", Help: "Calls in the search index."}, func() float64 {
			n, _ := s.index.Count()
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callmatch_index_generation", Help: "Store generation the search index is synced to."}, func() float64 {
			return float64(s.Generation())
		}),
	}
}

// loop syncs every so often until ctx ends.
func (s *IndexSyncer) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		s.syncLogged(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *IndexSyncer) syncLogged(ctx context.Context) {
	if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
		s.logger.Error("Index sync failed", slog.Any("error", err))
	}
}

// Sync brings the index in line with the store when the store changed (or
// an hour passed), or rebuilds it when someone asked (callmatch reindex
// while this server runs).
func (s *IndexSyncer) Sync(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	gen, err := s.store.Generation(ctx)
	if err != nil {
		return err
	}
	if req, err := s.store.Meta(ctx, reindexRequestKey); err == nil && req != "" {
		s.logger.Info("Rebuilding the index on request", slog.String("requested_at", req))
		if err := s.index.Rebuild(ctx); err != nil {
			return err
		}
		if err := s.store.SetMeta(ctx, reindexRequestKey, ""); err != nil {
			return err
		}
		s.lastGen, s.lastFull = gen, time.Now()
		s.synced.Store(gen)
		return nil
	}
	if gen == s.lastGen && time.Since(s.lastFull) < time.Hour {
		return nil
	}
	if _, err := s.index.Sync(ctx); err != nil {
		return err
	}
	s.lastGen, s.lastFull = gen, time.Now()
	s.synced.Store(gen)
	return nil
}
