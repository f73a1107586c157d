package server

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// dependency is one line of /readyz.
type dependency struct {
	Status string `json:"status"` // ok, degraded, down, starting
	Detail string `json:"detail,omitempty"`
	Reason string `json:"reason,omitempty"` // a code, e.g. the funding.GoneHold reason of a crawl that held back
}

// readyz reports the store, the index, the cache and the crawl. The process
// is ready when the store and the index are; a degraded cache is reported
// but does not make it unready (requests are then served uncached), nor does
// a last crawl that held back marking calls gone (the calls stay served).
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	deps := map[string]dependency{}
	ready := true

	// Anyone may read /readyz: details say what is wrong in plain words,
	// the errors themselves (addresses, paths, drivers' words) go to the log.
	if err := s.store.Ping(ctx); err != nil {
		s.logger.Warn("Readiness: store unreachable", slog.Any("error", err))
		deps["store"] = dependency{Status: "down", Detail: "the database cannot be reached"}
		ready = false
	} else {
		deps["store"] = dependency{Status: "ok", Detail: s.store.Driver()}
	}

	if n, err := s.index.Count(); err != nil {
		s.logger.Warn("Readiness: index unreadable", slog.Any("error", err))
		deps["index"] = dependency{Status: "down", Detail: "the search index cannot be read"}
		ready = false
	} else {
		deps["index"] = dependency{Status: "ok", Detail: formatCount(n, "calls")}
	}

	cacheDep := dependency{Status: "ok", Detail: s.cache.Name()}
	if s.cache.Name() == "memory" {
		cacheDep.Detail = "in-process (no REDIS_URL): not shared between instances"
	}
	if err := s.cache.Ping(ctx); err != nil {
		s.health.failed("ping", err)
		cacheDep = dependency{Status: "degraded", Detail: "the cache cannot be reached: serving uncached"}
	} else if s.health.degraded() {
		cacheDep = dependency{Status: "degraded", Detail: "recent cache errors: serving uncached"}
	}
	deps["cache"] = cacheDep

	if s.readyFn != nil {
		if err := s.readyFn(); err != nil {
			s.logger.Debug("Readiness: not ready", slog.Any("error", err))
			deps["crawl"] = dependency{Status: "starting", Detail: "the first crawl has not finished"}
			ready = false
		} else {
			deps["crawl"] = dependency{Status: "ok"}
		}
	}
	if d, ok := deps["crawl"]; !ok || d.Status == "ok" {
		// A store that fails here is reported above.
		if run, err := s.store.LastFinishedCrawlRun(ctx); err == nil && run.Held != nil {
			deps["crawl"] = dependency{Status: "degraded", Reason: run.Held.Reason,
				Detail: "last crawl: " + run.Held.String() + "; the next good crawl decides"}
		}
	}
	status := fiber.StatusOK
	overall := "ready"
	if !ready {
		status, overall = fiber.StatusServiceUnavailable, "unready"
	}
	return c.Status(status).JSON(fiber.Map{"status": overall, "dependencies": deps})
}

func formatCount(n uint64, unit string) string {
	return strconv.FormatUint(n, 10) + " " + unit
}
