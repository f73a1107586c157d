package server

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"callmatch/funding"
)

// Metrics are the Prometheus series of one process, served on /metrics.
type Metrics struct {
	registry    *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	cacheHits   prometheus.Counter
	cacheMisses prometheus.Counter
	cacheErrors prometheus.Counter
	CrawlRuns   *prometheus.CounterVec // label outcome: ok | held (marked nothing gone) | failed
	Digests     *prometheus.CounterVec // label outcome: sent | failed | bounced
}

// NewMetrics registers callmatch's series (and the Go runtime's) on a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callmatch_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "callmatch_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		cacheHits:   prometheus.NewCounter(prometheus.CounterOpts{Name: "callmatch_match_cache_hits_total", Help: "Match lists served from the cache."}),
		cacheMisses: prometheus.NewCounter(prometheus.CounterOpts{Name: "callmatch_match_cache_misses_total", Help: "Match lists computed."}),
		cacheErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "callmatch_match_cache_errors_total", Help: "Cache operations that failed (served uncached)."}),
		CrawlRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callmatch_crawl_runs_total", Help: "Crawl runs by outcome.",
		}, []string{"outcome"}),
		Digests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "callmatch_digests_total", Help: "Digests by outcome.",
		}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.cacheHits, m.cacheMisses, m.cacheErrors, m.CrawlRuns, m.Digests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// crawlCollector reports the last finished crawl run, read from the store
// at each scrape so that every instance tells the same.
type crawlCollector struct {
	last   func(ctx context.Context) (funding.CrawlRun, error)
	held   *prometheus.Desc
	missed *prometheus.Desc
}

func newCrawlCollector(last func(ctx context.Context) (funding.CrawlRun, error)) *crawlCollector {
	return &crawlCollector{
		last: last,
		held: prometheus.NewDesc("callmatch_crawl_gone_held",
			"1 when the last finished crawl marked nothing gone because the portal's answers did not add up (label reason), else 0.",
			[]string{"reason"}, nil),
		missed: prometheus.NewDesc("callmatch_crawl_missed_calls",
			"Calls the last finished crawl found missing, not gone yet.", nil, nil),
	}
}

func (cc *crawlCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cc.held
	ch <- cc.missed
}

func (cc *crawlCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	run, err := cc.last(ctx)
	if err != nil {
		return // no run yet, or the store is down (/readyz says so)
	}
	held, reason := 0.0, ""
	if run.Held != nil {
		held, reason = 1, run.Held.Reason
	}
	ch <- prometheus.MustNewConstMetric(cc.held, prometheus.GaugeValue, held, reason)
	ch <- prometheus.MustNewConstMetric(cc.missed, prometheus.GaugeValue, float64(run.Missed))
}

// Register adds further collectors (e.g. gauges owned by the index).
func (m *Metrics) Register(cs ...prometheus.Collector) { m.registry.MustRegister(cs...) }

// registerOnce adds a collector unless an equal one is registered already
// (several servers may share one Metrics).
func (m *Metrics) registerOnce(c prometheus.Collector) error {
	if err := m.registry.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
		return err
	}
	return nil
}

// middleware counts every request by its route pattern (never the raw path:
// ids would make unbounded label values).
func (m *Metrics) middleware(c *fiber.Ctx) error {
	start := time.Now()
	err := c.Next()
	route := c.Route().Path
	if route == "" || route == "/" && c.Path() != "/" {
		route = "unmatched"
	}
	status := c.Response().StatusCode()
	if err != nil {
		if fe, ok := err.(*fiber.Error); ok {
			status = fe.Code
		} else if ae, ok := err.(*apiError); ok {
			status = ae.status
		} else {
			status = fiber.StatusInternalServerError
		}
	}
	method := methodLabel(c.Method())
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
	return err
}

// methodLabel returns the package constant of a method, never the request's
// string: fasthttp reuses that buffer for the next request, and a label
// value kept by the registry would change under it ("GETT", "GETETE"),
// duplicating series until every scrape fails. Unknown methods are "other",
// so that clients cannot make label values either.
func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodOptions, fiber.MethodConnect, fiber.MethodTrace} {
		if m == known {
			return known
		}
	}
	return "other"
}

func (m *Metrics) handler() fiber.Handler {
	h := fasthttpadaptor.NewFastHTTPHandler(promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		h(c.Context())
		return nil
	}
}
