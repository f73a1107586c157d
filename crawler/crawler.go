// Package crawler collects calls from the EU Funding & Tenders Portal's
// SEDIA search API: a polite multipart client with deterministic paging,
// record parsing (JSON-in-string fields, HTML sections via goquery) that
// never touches the network, and an incremental crawl that only writes what
// changed and never blanks or deletes a stored call. A call becomes gone
// only when several complete listings in a row lack it, and a listing whose
// answers do not add up (fewer or more distinct results than announced,
// repeated pages, a total that moves, nothing at all) or that lacks too
// many live calls at once marks nothing gone: the run says why, and the
// next good crawl decides.
package crawler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"callmatch/funding"
)

// DefaultSearchURL is the portal's search endpoint.
const DefaultSearchURL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"

// Version goes into the User-Agent.
const Version = "0.1"

// DefaultUserAgent identifies the crawler with a contact URL.
const DefaultUserAgent = "callmatch/" + Version + " (+https://github.com/callmatch/callmatch; EU funding matcher for NCCs)"

// Config tunes a crawl. Zero values take the defaults noted; tests shrink
// the timings.
type Config struct {
	SearchURL  string   // default DefaultSearchURL
	Programmes []string // frameworkProgramme ids; default Digital Europe and Horizon Europe
	PageSize   int      // default 100
	MaxPages   int      // a listing longer than this fails; default 500

	// GoneAfter is how many complete listings in a row must lack a call
	// before it is marked gone; default 2.
	GoneAfter int
	// MaxMissingShare is the share of the live calls a listing may find
	// missing at once (at least one call); a listing that lacks more marks
	// nothing missing. Default 0.1.
	MaxMissingShare float64

	UserAgent         string        // default DefaultUserAgent
	Timeout           time.Duration // per request; default 60s
	MaxBodyBytes      int64         // default 32 MiB
	RequestsPerSecond float64       // per host; default 1; negative means no limit
	Retries           int           // retries after the first attempt; default 4; negative means none
	BackoffBase       time.Duration // first retry wait; default 2s
	BackoffMax        time.Duration // cap of the exponential backoff; default 1m
	RetryAfterMax     time.Duration // cap of an honoured Retry-After; default 5m

	HTTPClient *http.Client                                     // default: a client with Timeout
	Sleep      func(ctx context.Context, d time.Duration) error // waits between retries; default a timer
	Now        func() time.Time                                 // default time.Now
	SpoolDir   string                                           // where a listing is buffered; default os.TempDir()
}

func (cfg Config) withDefaults() Config {
	if cfg.SearchURL == "" {
		cfg.SearchURL = DefaultSearchURL
	}
	if len(cfg.Programmes) == 0 {
		cfg.Programmes = []string{funding.PortalIDDigital, funding.PortalIDHorizon}
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 500
	}
	if cfg.GoneAfter <= 0 {
		cfg.GoneAfter = 2
	}
	if cfg.MaxMissingShare <= 0 {
		cfg.MaxMissingShare = 0.1
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 32 << 20
	}
	if cfg.RequestsPerSecond == 0 {
		cfg.RequestsPerSecond = 1
	}
	if cfg.Retries == 0 {
		cfg.Retries = 4
	} else if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 2 * time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = time.Minute
	}
	if cfg.RetryAfterMax <= 0 {
		cfg.RetryAfterMax = 5 * time.Minute
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// Store is what the crawler needs from persistence (store.Store provides it).
type Store interface {
	// SaveCall inserts or updates a call by identifier; an unchanged
	// ContentHash means no write at all (created false, changed empty).
	SaveCall(ctx context.Context, c *funding.Call, now time.Time) (created bool, changed []string, err error)
	// MissingCalls counts the live (not gone) calls of these programmes
	// and, of them, those not in seen, writing nothing.
	MissingCalls(ctx context.Context, programmeIDs []string, seen []string) (live, missing int, err error)
	// MarkMissing records a complete listing: the live calls of these
	// programmes not in seen are missed once more, those missed goneAfter
	// times in a row get gone_at=now, the calls in seen start over.
	MarkMissing(ctx context.Context, programmeIDs []string, seen []string, now time.Time, goneAfter int) (missed, gone int, err error)
	// ClearMissed makes the calls in seen start over, counting no miss.
	ClearMissed(ctx context.Context, seen []string) error
	StartCrawlRun(ctx context.Context, startedAt time.Time) (id int64, err error)
	FinishCrawlRun(ctx context.Context, run funding.CrawlRun) error
}

// Summary is the record of one crawl.
type Summary = funding.CrawlRun

// Crawler crawls the portal into a Store.
type Crawler struct {
	cfg    Config
	store  Store
	logger *slog.Logger
	client *client
}

// New returns a crawler; bad or zero config values take defaults.
func New(cfg Config, store Store, logger *slog.Logger) *Crawler {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Crawler{cfg: cfg, store: store, logger: logger, client: newClient(cfg, logger)}
}

// Run crawls once: it lists every page of the configured programmes, then
// saves the calls and, only after a complete listing, counts the live calls
// it lacks as missed (gone after Config.GoneAfter such crawls in a row). A
// listing that fails (after retries) saves and marks nothing; one that ends
// but does not add up saves what it has, marks nothing missing and says
// why in Summary.Held. A record that does not parse is an error of the run
// and leaves the stored call as it was. progress, if not nil, receives work units
// done out of total (records listed, then calls saved; total grows once
// the listing is complete). Run returns an error when the crawl failed;
// the Summary is recorded through the Store either way.
func (c *Crawler) Run(ctx context.Context, progress func(done, total int)) (Summary, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	now := c.cfg.Now()
	sum := Summary{StartedAt: now}
	id, err := c.store.StartCrawlRun(ctx, now)
	if err != nil {
		return sum, fmt.Errorf("crawler: start run: %w", err)
	}
	sum.ID = id
	c.logger.Info("Crawl started", slog.Int64("run_id", id), slog.Any("programmes", c.cfg.Programmes))

	err = c.run(ctx, &sum, now, progress)
	if err != nil {
		sum.Failed = true
		sum.Errors = append(sum.Errors, err.Error())
	}
	sum.FinishedAt = c.cfg.Now()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if ferr := c.store.FinishCrawlRun(fctx, sum); ferr != nil {
		err = errors.Join(err, fmt.Errorf("crawler: finish run: %w", ferr))
	}
	attrs := []any{
		slog.Int64("run_id", id), slog.Int("pages", sum.Pages), slog.Int("seen", sum.Seen),
		slog.Int("new", sum.New), slog.Int("changed", sum.Changed), slog.Int("unchanged", sum.Unchanged),
		slog.Int("gone", sum.Gone), slog.Int("missed", sum.Missed), slog.Int("errors", len(sum.Errors)),
		slog.Int64("duration_ms", sum.FinishedAt.Sub(sum.StartedAt).Milliseconds()),
	}
	if err != nil {
		c.logger.Warn("Crawl failed", append(attrs, slog.Any("error", err))...)
		return sum, err
	}
	if sum.Held != nil {
		c.logger.Warn("Crawl marked nothing gone", append(attrs, slog.String("reason", sum.Held.Reason), slog.String("why", sum.Held.String()))...)
		return sum, nil
	}
	c.logger.Info("Crawl finished", attrs...)
	return sum, nil
}

// spooled is one parsed call buffered until the listing is complete.
type spooled struct {
	Seq  int           `json:"seq"`
	Call *funding.Call `json:"call"`
}

// listing is the state of one listing pass.
type listing struct {
	seen    []string
	best    map[string]int // identifier -> seq of its best parsed row
	quality map[string]int // identifier -> quality of that row
	seq     int
	spool   *json.Encoder
	rows    map[string]bool // distinct result rows listed
}

// rowKey tells result rows apart: the portal's reference, per language.
func rowKey(r *Result) string {
	if r.Reference != "" {
		return r.Reference + "\x00" + r.Language
	}
	return strings.Join([]string{"", r.Identifier(), r.Lang(), r.Type(), r.URL, r.Summary}, "\x00")
}

func (c *Crawler) run(ctx context.Context, sum *Summary, now time.Time, progress func(done, total int)) error {
	f, err := os.CreateTemp(c.cfg.SpoolDir, "callmatch-crawl-*.jsonl")
	if err != nil {
		return fmt.Errorf("crawler: spool: %w", err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	l := &listing{best: map[string]int{}, quality: map[string]int{}, spool: json.NewEncoder(f), rows: map[string]bool{}}

	listed, held, err := c.list(ctx, sum, l, progress)
	if err != nil {
		return err
	}

	// Apply: the listing is complete.
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("crawler: spool: %w", err)
	}
	total := listed + len(l.best)
	done := listed
	progress(done, total)
	dec := json.NewDecoder(f)
	var storeErrs int
	for {
		var s spooled
		if err := dec.Decode(&s); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("crawler: spool: %w", err)
		}
		call := s.Call
		if l.best[call.ID] != s.Seq {
			continue // a better row of the same topic came later
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("crawler: %w", err)
		}
		call.Status = call.StatusAt(now)
		call.CrawledAt = now
		call.ContentHash = call.Hash()
		created, changed, err := c.store.SaveCall(ctx, call, now)
		switch {
		case err != nil:
			storeErrs++
			sum.Errors = append(sum.Errors, fmt.Sprintf("save %s: %v", call.ID, err))
		case created:
			sum.New++
			sum.ChangedIDs = append(sum.ChangedIDs, call.ID)
		case len(changed) > 0:
			sum.Changed++
			sum.ChangedIDs = append(sum.ChangedIDs, call.ID)
			c.logger.Debug("Call changed", slog.String("call_id", call.ID), slog.Any("fields", changed))
		default:
			sum.Unchanged++
		}
		done++
		progress(done, total)
	}

	if held == nil {
		if held, err = c.checkMissing(ctx, l.seen); err != nil {
			return err
		}
	}
	if held != nil {
		sum.Held = held
		if err := c.store.ClearMissed(ctx, l.seen); err != nil {
			return fmt.Errorf("crawler: clear missed: %w", err)
		}
	} else {
		missed, gone, err := c.store.MarkMissing(ctx, c.cfg.Programmes, l.seen, now, c.cfg.GoneAfter)
		if err != nil {
			return fmt.Errorf("crawler: mark missing: %w", err)
		}
		sum.Missed, sum.Gone = missed, gone
	}
	if storeErrs > 0 {
		return fmt.Errorf("crawler: %d calls could not be saved", storeErrs)
	}
	return nil
}

// checkMissing holds back a complete listing that lists nothing while
// calls are live, or that lacks more live calls than a crawl may mark
// missing at once.
func (c *Crawler) checkMissing(ctx context.Context, seen []string) (*funding.GoneHold, error) {
	live, missing, err := c.store.MissingCalls(ctx, c.cfg.Programmes, seen)
	if err != nil {
		return nil, fmt.Errorf("crawler: missing calls: %w", err)
	}
	allowed := max(1, int(float64(live)*c.cfg.MaxMissingShare))
	switch {
	case len(seen) == 0 && live > 0:
		return &funding.GoneHold{Reason: funding.HoldEmpty, Live: live}, nil
	case missing > allowed:
		return &funding.GoneHold{Reason: funding.HoldShare, Missing: missing, Live: live, Allowed: allowed}, nil
	}
	return nil, nil
}

// list fetches every page and spools the parsed calls. It returns the
// number of records listed and, when the listing ended but its answers do
// not add up, why it may not mark calls missing: a page that brings only
// rows already listed (paging broke: it stops there), a total that changes
// between pages, or fewer or more distinct rows than the first page
// announced. When the last page is full, one more page is asked, which
// must be empty: a total that lies low shows there.
func (c *Crawler) list(ctx context.Context, sum *Summary, l *listing, progress func(done, total int)) (int, *funding.GoneHold, error) {
	body, contentType, err := searchBody(query(c.cfg.Programmes))
	if err != nil {
		return 0, nil, fmt.Errorf("crawler: build query: %w", err)
	}
	var held *funding.GoneHold
	listed, announced, probing := 0, 0, false
	for page := 1; ; page++ {
		if page > c.cfg.MaxPages {
			return listed, nil, fmt.Errorf("%w: %d pages of %d", ErrTooManyPages, c.cfg.MaxPages, c.cfg.PageSize)
		}
		u, err := pageURL(c.cfg.SearchURL, c.cfg.PageSize, page)
		if err != nil {
			return listed, nil, err
		}
		p, err := c.client.fetchPage(ctx, u, body, contentType)
		if err != nil && probing && ctx.Err() == nil {
			// The listing itself is whole; a portal that will not answer
			// past its end is no reason to fail it.
			c.logger.Warn("Page after the last not answered", slog.String("url", u), slog.Any("error", err))
			break
		}
		if err != nil {
			return listed, nil, err
		}
		sum.Pages++
		if page == 1 {
			announced = p.TotalResults
		} else if p.TotalResults != announced && held == nil {
			held = &funding.GoneHold{Reason: funding.HoldTotalChanged, Announced: announced, Later: p.TotalResults}
		}
		listed += len(p.Results)
		fresh := 0
		for i := range p.Results {
			if k := rowKey(&p.Results[i]); !l.rows[k] {
				l.rows[k] = true
				fresh++
			}
		}
		c.logger.Debug("Search page listed", slog.String("url", u), slog.Int("results", len(p.Results)),
			slog.Int("new_rows", fresh), slog.Int("total", p.TotalResults))
		if err := c.take(p.Results, u, sum, l); err != nil {
			return listed, nil, err
		}
		progress(listed, max(announced, listed))
		if len(p.Results) > 0 && fresh == 0 {
			if probing {
				break // a portal that answers its last page again past the end
			}
			if held == nil {
				held = &funding.GoneHold{Reason: funding.HoldRepeated, Page: page, Listed: len(l.rows), Announced: announced}
			}
			return listed, held, nil // the pages after it would repeat as well
		}
		if len(p.Results) < c.cfg.PageSize || probing {
			break
		}
		probing = page*c.cfg.PageSize >= p.TotalResults
	}
	if held != nil {
		return listed, held, nil
	}
	switch distinct := len(l.rows); {
	case distinct < announced:
		held = &funding.GoneHold{Reason: funding.HoldShort, Announced: announced, Listed: distinct}
	case distinct > announced:
		held = &funding.GoneHold{Reason: funding.HoldOverTotal, Announced: announced, Listed: distinct}
	}
	return listed, held, nil
}

// take parses the rows of one page and spools the calls.
func (c *Crawler) take(results []Result, sourceURL string, sum *Summary, l *listing) error {
	for i := range results {
		r := &results[i]
		if ok, why := r.Keep(); !ok {
			c.logger.Debug("Record skipped", slog.String("call_id", r.Identifier()), slog.String("reason", why))
			continue
		}
		id := r.Identifier()
		q := r.quality()
		if prev, seen := l.quality[id]; seen && id != "" {
			if q <= prev {
				continue
			}
		} else if id != "" {
			l.seen = append(l.seen, id)
			sum.Seen++
		}
		call, warnings, err := ParseResult(r)
		for _, w := range warnings {
			sum.Warnings = append(sum.Warnings, w)
			c.logger.Warn("Record field skipped", slog.String("call_id", id), slog.String("warning", w))
		}
		if err != nil {
			sum.Errors = append(sum.Errors, err.Error())
			c.logger.Warn("Record not parsed", slog.String("call_id", id), slog.Any("error", err))
			if id != "" {
				l.quality[id] = max(l.quality[id], 0)
			}
			continue
		}
		call.SourceURL = sourceURL
		l.seq++
		if err := l.spool.Encode(spooled{Seq: l.seq, Call: call}); err != nil {
			return fmt.Errorf("crawler: spool: %w", err)
		}
		l.best[id] = l.seq
		l.quality[id] = q
	}
	return nil
}
