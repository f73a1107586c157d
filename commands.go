package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/digest"
	"callmatch/funding"
	"callmatch/match"
	"callmatch/search"
	"callmatch/server"
	"callmatch/store"
)

// serve runs the web server with its schedulers until ctx is cancelled.
func serve(ctx context.Context, cfg Config, demo bool, logger *slog.Logger) error {
	if demo {
		var stopPortal func()
		var err error
		cfg, stopPortal, err = startDemo(cfg, logger)
		if err != nil {
			return err
		}
		defer stopPortal()
	}
	logger.Info("Starting callmatch", slog.String("config", cfg.String()), slog.Bool("demo", demo))

	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()

	ix, err := search.Open(ctx, filepath.Join(cfg.DataDir, "index"), liveCalls{st}, logger)
	if err != nil {
		return err
	}
	defer ix.Close()

	var rdb *redis.Client
	if cfg.RedisURL != "" {
		if rdb, err = newRedisClient(cfg); err != nil {
			return err
		}
		defer rdb.Close()
	}
	coord := &coordinator{redis: rdb, logger: logger}
	cache := newCache(rdb, logger)

	// Ready once this instance's index holds the store's calls: after its own
	// first crawl, or, when another instance crawled, after the sync.
	var crawled atomic.Bool
	ready := func() error {
		if crawled.Load() {
			return nil
		}
		if n, err := ix.Count(); err == nil && n > 0 {
			crawled.Store(true)
			return nil
		}
		return errors.New("first crawl in progress")
	}

	syncer := &indexSyncer{store: st, index: ix, logger: logger}
	metrics := server.NewMetrics()
	metrics.Register(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callmatch_index_calls", Help: "Calls in the search index."}, func() float64 {
			n, _ := ix.Count()
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "callmatch_index_generation", Help: "Store generation the search index is synced to."}, func() float64 {
			return float64(syncer.generation())
		}),
	)
	// One mailer for sign-in links, subscription confirmations and digests
	// (an SMTP mailer serializes them on its connection), and one unsubscribe
	// key for the digests' links and the server that checks them.
	mailer, err := newMailer(cfg)
	if err != nil {
		return err
	}
	if c, ok := mailer.(io.Closer); ok {
		defer c.Close()
	}
	unsubKey, err := unsubscribeKey(ctx, cfg, st)
	if err != nil {
		return err
	}
	srv, err := server.New(server.Config{BaseURL: cfg.BaseURL, SecretKey: cfg.SecretKey, UnsubscribeKey: unsubKey, TrustedProxies: cfg.TrustedProxies,
		Limits: cfg.Limits}, server.Deps{
		Store: st, Index: ix, Cache: cache, Metrics: metrics, Logger: logger, Ready: ready, Mailer: mailer,
		Generation: syncer.generation, Limiter: newLimiter(rdb),
	})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	wg.Add(3)
	go func() {
		defer wg.Done()
		syncer.loop(bg, 10*time.Second)
	}()
	go func() {
		defer wg.Done()
		coord.onChanged(bg, func() {
			if err := syncer.sync(bg); err != nil && bg.Err() == nil {
				logger.Error("Index sync failed", slog.Any("error", err))
			}
		})
	}()
	go func() {
		defer wg.Done()
		runCrawl := func() {
			// Several instances tick on their own: one crawl per interval is enough.
			if runs, err := st.CrawlRuns(bg, 1); err == nil && len(runs) == 1 && !runs[0].Failed &&
				!runs[0].FinishedAt.IsZero() && time.Since(runs[0].FinishedAt) < cfg.CrawlInterval/2 {
				logger.Info("Skipping the crawl: one finished recently", slog.Time("finished_at", runs[0].FinishedAt))
				return
			}
			sum, _, err := crawlLocked(bg, cfg, st, coord, logger, nil)
			outcome := "ok"
			switch {
			case err != nil:
				outcome = "failed"
			case sum.Held != nil:
				outcome = "held"
			}
			metrics.CrawlRuns.WithLabelValues(outcome).Inc()
			if err := syncer.sync(bg); err != nil && bg.Err() == nil {
				logger.Error("Index sync failed", slog.Any("error", err))
			}
		}
		if n, err := st.CallCount(bg); demo || err == nil && n == 0 {
			runCrawl()
		}
		t := time.NewTicker(cfg.CrawlInterval)
		defer t.Stop()
		for {
			select {
			case <-bg.Done():
				return
			case <-t.C:
				runCrawl()
			}
		}
	}()

	digests, err := newDigestRunner(cfg, st, srv.Matcher(), unsubKey, mailer, logger)
	if err != nil {
		return err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(cfg.DigestInterval)
		defer t.Stop()
		for {
			err := coord.exclusive(bg, "digest", 10*time.Minute, func(ctx context.Context, _ int64) error {
				rep, err := digests.RunDue(ctx, time.Now())
				metrics.Digests.WithLabelValues("sent").Add(float64(rep.Sent))
				metrics.Digests.WithLabelValues("failed").Add(float64(rep.Failed + rep.Deferred))
				metrics.Digests.WithLabelValues("bounced").Add(float64(rep.Bounced))
				if rep != (digest.Report{}) {
					logger.Info("Digest run finished", slog.Any("report", rep))
				}
				return err
			})
			if err != nil && bg.Err() == nil {
				logger.Error("Digest run failed", slog.Any("error", err))
			}
			select {
			case <-bg.Done():
				return
			case <-t.C:
			}
		}
	}()

	// Housekeeping: unconfirmed profiles past their few days, expired
	// sessions and sign-in links. Every instance may run it: it only deletes.
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if err := srv.Housekeep(bg); err != nil && bg.Err() == nil {
				logger.Error("Housekeeping failed", slog.Any("error", err))
			}
			select {
			case <-bg.Done():
				return
			case <-t.C:
			}
		}
	}()

	errc := make(chan error, 1)
	addr := ":" + strconv.Itoa(cfg.Port)
	go func() { errc <- srv.Listen(addr) }()
	logger.Info("Listening", slog.String("addr", addr), slog.String("url", cfg.BaseURL))

	select {
	case err = <-errc:
	case <-ctx.Done():
		logger.Info("Shutting down")
		err = srv.Shutdown(20 * time.Second)
	}
	stopBackground()
	wg.Wait()
	return err
}

// startDemo serves the recorded portal on a loopback port and points the
// configuration at it and at a fresh data folder.
func startDemo(cfg Config, logger *slog.Logger) (Config, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return cfg, nil, fmt.Errorf("demo: listen: %w", err)
	}
	hs := &http.Server{Handler: recorded.NewHandler(recorded.Options{}), ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln) //nolint:errcheck // ends with Close below
	dir, err := os.MkdirTemp("", "callmatch-demo-")
	if err != nil {
		hs.Close()
		return cfg, nil, fmt.Errorf("demo: data folder: %w", err)
	}
	cfg.DataDir = dir
	cfg.DatabaseURL = ""
	cfg.PortalSearchURL = "http://" + ln.Addr().String() + "/search-api/prod/rest/search"
	cfg.PortalProgrammes = recorded.ProgrammeIDs()
	logger.Info("Demo: serving the recorded portal", slog.String("url", cfg.PortalSearchURL), slog.String("data_dir", dir))
	return cfg, func() {
		hs.Close()
		os.RemoveAll(dir)
	}, nil
}

func crawlerConfig(cfg Config) crawler.Config {
	return crawler.Config{
		SearchURL:  cfg.PortalSearchURL,
		Programmes: cfg.PortalProgrammes,
		// Say who crawls and where to reach them: this instance's address.
		UserAgent: "callmatch/" + crawler.Version + " (+" + cfg.BaseURL + "; EU funding matcher for a National Coordination Centre)",
	}
}

// newRedisClient connects lazily: a Redis that is down at start degrades
// the cache and the coordination, it does not stop the server.
func newRedisClient(cfg Config) (*redis.Client, error) {
	opt, err := server.RedisOptions(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	redis.SetLogger(quietRedisLogger{})
	return redis.NewClient(opt), nil
}

// newLimiter shares rate limits between instances through Redis when there is one.
func newLimiter(rdb *redis.Client) server.RateLimiter {
	if rdb == nil {
		return nil // the server's in-process limiter
	}
	return server.NewRedisLimiter(rdb, nil)
}

func newCache(rdb *redis.Client, logger *slog.Logger) match.Cache {
	if rdb == nil {
		logger.Info("No REDIS_URL: match results are cached in-process, not shared between instances")
		return match.NewMemoryCache(0)
	}
	return server.NewRedisCache(rdb)
}

// quietRedisLogger drops go-redis's own pool logs: failures reach the
// server's cache health, which logs them once in a while.
type quietRedisLogger struct{}

func (quietRedisLogger) Printf(context.Context, string, ...any) {}

// crawlOnce runs one crawl, with a progress bar on a terminal and a summary line.
func crawlOnce(ctx context.Context, cfg Config, logger *slog.Logger, stdout, stderr io.Writer) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	var progress func(done, total int)
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription("crawling"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		progress = func(done, total int) {
			if total > 0 {
				bar.ChangeMax(total)
			}
			bar.Set(done) //nolint:errcheck // a progress bar write error is not worth failing a crawl
		}
		defer bar.Finish() //nolint:errcheck
	}
	var rdb *redis.Client
	if cfg.RedisURL != "" {
		if rdb, err = newRedisClient(cfg); err != nil {
			return err
		}
		defer rdb.Close()
	}
	sum, ran, err := crawlLocked(ctx, cfg, st, &coordinator{redis: rdb, logger: logger}, logger, progress)
	switch {
	case !ran && err == nil:
		fmt.Fprintln(stdout, "crawl: another instance is crawling now: nothing done")
	case sum.New+sum.Changed+sum.Gone == 0 && err == nil:
		fmt.Fprintf(stdout, "crawl: %d calls seen on %d pages, nothing changed: nothing written\n", sum.Seen, sum.Pages)
	default:
		fmt.Fprintf(stdout, "crawl: %d calls seen on %d pages: %d new, %d changed, %d unchanged, %d gone, %d errors\n",
			sum.Seen, sum.Pages, sum.New, sum.Changed, sum.Unchanged, sum.Gone, len(sum.Errors))
	}
	if sum.Missed > 0 {
		fmt.Fprintf(stdout, "crawl: %d calls missing from the listing: gone if the next complete crawl misses them too\n", sum.Missed)
	}
	if sum.Held != nil {
		fmt.Fprintf(stdout, "crawl: warning: %s; the next good crawl decides\n", sum.Held)
	}
	if err != nil {
		return fmt.Errorf("crawl failed: %w", err)
	}
	return nil
}

// crawlLocked runs one crawl under the cluster's crawl lock, fenced, and
// announces changed calls to the other instances. ran is false when another
// instance holds the lock.
func crawlLocked(ctx context.Context, cfg Config, st *store.Store, coord *coordinator, logger *slog.Logger, progress func(done, total int)) (sum funding.CrawlRun, ran bool, err error) {
	err = coord.exclusive(ctx, "crawl", 2*time.Minute, func(ctx context.Context, fence int64) error {
		ran = true
		c := crawler.New(crawlerConfig(cfg), &fencedStore{Store: st, lock: "crawl", fence: fence}, logger)
		var err error
		sum, err = c.Run(ctx, progress)
		if sum.New+sum.Changed+sum.Gone > 0 {
			coord.publishChanged(ctx)
		}
		return err
	})
	return sum, ran, err
}

// reindex rebuilds the index. When a server owns the index (its lock is
// held), the request is left in the store and that server rebuilds.
func reindex(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := search.Open(ctx, filepath.Join(cfg.DataDir, "index"), liveCalls{st}, logger)
	if errors.Is(err, search.ErrLocked) {
		if err := st.SetMeta(ctx, reindexRequestKey, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "reindex: a running server owns the index; it will rebuild it within a minute")
		return nil
	}
	if err != nil {
		return err
	}
	defer ix.Close()
	start := time.Now()
	if err := ix.Rebuild(ctx); err != nil {
		return err
	}
	n, _ := ix.Count()
	fmt.Fprintf(stdout, "reindex: %d calls indexed in %s\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

const reindexRequestKey = "reindex_requested_at"

// staffCredentials creates an NCC staff account (action "add") or gives an
// existing one a new password and API token ("reset": the old ones and its
// sessions end), and prints them once: the store keeps only their hashes.
func staffCredentials(ctx context.Context, cfg Config, action, email string, logger *slog.Logger, stdout io.Writer) error {
	if err := funding.ValidateEmail(email); err != nil {
		return fmt.Errorf("staff %s: %q %v", action, email, err)
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	password, passwordHash, token, tokenHash, err := server.NewStaffCredentials()
	if err != nil {
		return err
	}
	var staff store.Staff
	if action == "reset" {
		staff, err = st.ResetStaffCredentials(ctx, email, passwordHash, tokenHash)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("staff reset: %s has no account (create it with 'callmatch staff add')", email)
		}
	} else {
		staff, err = st.CreateStaff(ctx, email, passwordHash, tokenHash)
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("staff add: %s already has an account (new credentials: 'callmatch staff reset')", email)
		}
	}
	if err != nil {
		return err
	}
	if action == "reset" {
		fmt.Fprintf(stdout, "Staff account %d (%s) has new credentials; the old password, token and sessions no longer work.\n\n", staff.ID, staff.Email)
	} else {
		fmt.Fprintf(stdout, "Staff account %d created for %s.\n\n", staff.ID, staff.Email)
	}
	fmt.Fprintf(stdout, "Password:  %s\nAPI token: %s\n\n", password, token)
	fmt.Fprintf(stdout, "Both are shown only now: keep them in a password manager.\n")
	fmt.Fprintf(stdout, "Sign in at %s/staff/login; send the token as 'Authorization: Bearer <token>' to POST /api/v1/curations.\n", cfg.BaseURL)
	return nil
}

// liveCalls is what the index holds: the store's calls, less those that
// vanished from the portal (kept in the store, marked gone).
type liveCalls struct{ store *store.Store }

func (l liveCalls) Calls(ctx context.Context) ([]funding.Call, error) {
	calls, err := l.store.Calls(ctx)
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

// indexSyncer keeps the search index in step with the store: the store is
// the truth, the index is derived. It polls the store's generation, so calls
// written by another process (callmatch crawl, another instance) reach this
// index too, and re-syncs hourly anyway, since statuses and next deadlines
// move with time.
type indexSyncer struct {
	store  *store.Store
	index  *search.Index
	logger *slog.Logger

	mu       sync.Mutex
	lastGen  int64
	lastFull time.Time
	synced   atomic.Int64 // the store generation the index holds
}

// generation is the store generation the index is synced to: instances
// synced alike share match cache entries.
func (s *indexSyncer) generation() int64 { return s.synced.Load() }

func (s *indexSyncer) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := s.sync(ctx); err != nil && ctx.Err() == nil {
			s.logger.Error("Index sync failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sync brings the index in line with the store when the store changed (or
// an hour passed), or rebuilds it when someone asked (callmatch reindex
// while this server runs).
func (s *indexSyncer) sync(ctx context.Context) error {
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
