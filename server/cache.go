package server

import (
	"log/slog"
	"sync/atomic"
	"time"
)

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
