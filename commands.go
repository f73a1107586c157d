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
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"callmatch/cluster"
	"callmatch/crawler"
	"callmatch/crawler/recorded"
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
	ix, err := search.Open(ctx, filepath.Join(cfg.DataDir, "index"), cluster.LiveCalls{Store: st}, logger)
	if err != nil {
		return err
	}
	defer ix.Close()
	cl, err := cluster.Open(cfg.RedisURL, logger)
	if err != nil {
		return err
	}
	defer cl.Close()
	cache, limiter := caches(cl, logger)
	syncer := cluster.NewIndexSyncer(st, ix, logger)
	metrics := server.NewMetrics()
	metrics.Register(syncer.Collectors()...)
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
		Store: st, Index: ix, Cache: cache, Metrics: metrics, Logger: logger, Ready: syncer.Ready, Mailer: mailer,
		Generation: syncer.Generation, Limiter: limiter,
	})
	if err != nil {
		return err
	}
	digests, err := newDigestRunner(cfg, st, srv.Matcher(), unsubKey, mailer, logger)
	if err != nil {
		return err
	}
	bg, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	schedules := &cluster.Schedules{Cluster: cl, Store: st, Syncer: syncer, Logger: logger,
		Crawler: crawlerConfig(cfg), CrawlInterval: cfg.CrawlInterval, CrawlAtStart: demo, CrawlRuns: metrics.CrawlRuns,
		Digests: digests, DigestInterval: cfg.DigestInterval, DigestCounts: metrics.Digests, Housekeep: srv.Housekeep}
	stopped := make(chan struct{})
	go func() { schedules.Run(bg); close(stopped) }()
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
	<-stopped
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

// caches are the match cache and the rate limiter: shared by the instances
// through Redis, or this process's own.
func caches(cl *cluster.Cluster, logger *slog.Logger) (match.Cache, server.RateLimiter) {
	if cl.Shared() {
		return cl.Cache(), cl.Limiter(server.NewMemoryLimiter(nil))
	}
	logger.Info("No REDIS_URL: match results are cached in-process, not shared between instances")
	return match.NewMemoryCache(0), nil // nil: the server's in-process limiter
}

func crawlerConfig(cfg Config) crawler.Config {
	return crawler.Config{
		SearchURL:  cfg.PortalSearchURL,
		Programmes: cfg.PortalProgrammes,
		// Say who crawls and where to reach them: this instance's address.
		UserAgent: "callmatch/" + crawler.Version + " (+" + cfg.BaseURL + "; EU funding matcher for a National Coordination Centre)",
	}
}

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
	cl, err := cluster.Open(cfg.RedisURL, logger)
	if err != nil {
		return err
	}
	defer cl.Close()
	sum, ran, err := cl.Crawl(ctx, crawlerConfig(cfg), st, progress)
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

// reindex rebuilds the index. When a server owns the index (its lock is
// held), the request is left in the store and that server rebuilds.
func reindex(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	defer st.Close()
	ix, err := search.Open(ctx, filepath.Join(cfg.DataDir, "index"), cluster.LiveCalls{Store: st}, logger)
	if errors.Is(err, search.ErrLocked) {
		if err := cluster.RequestReindex(ctx, st); err != nil {
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
