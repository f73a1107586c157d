package digest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Config tunes a Runner. Zero fields take the defaults shown.
type Config struct {
	BaseURL   string // BASE_URL: links, Message-ID and List-Id domain (required)
	From      string // From address; default "callmatch <digest@BASE_URL host>"
	SecretKey string // signs unsubscribe tokens for subscriptions without one

	MaxItems int // items shown per digest; the rest is "N more" (10)
	Workers  int // subscriptions planned concurrently (4)

	// Lease is how long a claimed digest stays claimed (10m). A digest still
	// "sending" after its lease was being sent by a process that died: it is
	// sent again (see RunDue).
	Lease time.Duration

	// In-run retries of a transient failure (connection lost, 4xx from the
	// server, timeout): SendAttempts tries in all (3), waiting Backoff (1s),
	// doubling, at most MaxBackoff (30s), between them.
	SendAttempts int
	Backoff      time.Duration
	MaxBackoff   time.Duration

	// After the in-run retries, the digest waits for a later run:
	// RetryDelay (5m) after its first claim, doubling per claim, at most
	// MaxRetryDelay (6h).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration

	BatchSize int // pending digests fetched at a time (200)
}

func (c *Config) defaults() {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.MaxItems <= 0 {
		c.MaxItems = 10
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.SendAttempts <= 0 {
		c.SendAttempts = 3
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 200
	}
	def(&c.Lease, 10*time.Minute)
	def(&c.Backoff, time.Second)
	def(&c.MaxBackoff, 30*time.Second)
	def(&c.RetryDelay, 5*time.Minute)
	def(&c.MaxRetryDelay, 6*time.Hour)
}

// Runner plans and sends the digests that are due. Run RunDue from one
// process at a time (serve's scheduler holds the crawl lock); the outbox's
// claims keep a second one from sending a digest twice all the same.
type Runner struct {
	cfg      Config
	store    Store
	matcher  Matcher
	mailer   Mailer
	composer *Composer
	logger   *slog.Logger
	zones    zones
}

// New returns a Runner. mailer may be nil for a Runner that only runs DryRun.
func New(cfg Config, st Store, m Matcher, mailer Mailer, logger *slog.Logger) (*Runner, error) {
	cfg.defaults()
	if st == nil || m == nil {
		return nil, errors.New("digest: a store and a matcher are required")
	}
	comp, err := NewComposer(cfg.BaseURL, cfg.From)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, store: st, matcher: m, mailer: mailer, composer: comp, logger: logger}, nil
}

// Composer returns the Runner's composer.
func (r *Runner) Composer() *Composer { return r.composer }

// Report counts what a run did.
type Report struct {
	Due      int // subscriptions whose period had come
	Planned  int // digests planned into the outbox (or that a dry run would plan)
	Empty    int // due periods with nothing new: no digest
	Failed   int // due subscriptions that could not be planned (see the log)
	Sent     int
	Deferred int // transient failures: the digest waits for a later run
	Bounced  int // permanent refusals: the address is marked bounced
}

// LogValue makes a Report a structured log attribute.
func (rep Report) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("due", rep.Due), slog.Int("planned", rep.Planned), slog.Int("empty", rep.Empty),
		slog.Int("failed", rep.Failed), slog.Int("sent", rep.Sent), slog.Int("deferred", rep.Deferred),
		slog.Int("bounced", rep.Bounced))
}

// RunDue plans the digests due at now, then sends every pending digest of
// the outbox. The rules that make each digest go out exactly once:
//
//   - Plan before send. A digest is recorded in the outbox (insert-if-absent
//     keyed by subscription and period, with the keys of its items) before
//     any attempt to send it, so a crash after planning loses nothing and a
//     second run plans nothing new for that period.
//   - Claim -> send -> mark. A sender claims a digest (planned -> sending,
//     with a lease), sends it, then marks it sent. A claim succeeds once.
//   - A transient failure (network, timeout, 4xx) is retried a few times at
//     once with capped backoff, then left in the outbox ("retry") for a later
//     run with a capped, doubling delay. A connection-level failure that
//     outlasts the in-run retries ends the run: the rest waits.
//   - A permanent refusal of the address (5xx to RCPT TO) marks the digest
//     and the subscription bounced: nothing more goes to that address. A
//     5xx elsewhere (authentication, sender, content) is our problem, not the
//     subscriber's: it is handled as transient and reported.
//   - A digest stuck in "sending" (the process died between claim and mark)
//     is claimable again once its lease has passed, and is sent again. Over
//     SMTP there is no way to know whether the server took it before the
//     crash; a lost digest is worse than a duplicate, and every attempt
//     carries the same Message-ID (derived from the digest id) so a duplicate
//     can be recognized downstream. The same holds after an ambiguous failure
//     (the connection broke after the message was sent but before the reply).
//   - Digests are rendered from what was planned, as of PlannedAt: a resend
//     is the same message.
//
// The error is non-nil when the run could not finish its work (store or
// SMTP trouble); the Report still counts what was done.
func (r *Runner) RunDue(ctx context.Context, now time.Time) (Report, error) {
	if r.mailer == nil {
		return Report{}, errors.New("digest: no mailer configured")
	}
	start := time.Now()
	rep, _, planErr := r.planDue(ctx, now, true)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	sendErr := r.sendPending(ctx, now, start, &rep)
	return rep, errors.Join(planErr, sendErr)
}

// planDue plans the digests due at now. With write, each is recorded in
// the outbox; without (dry run), the digests that have items are returned.
func (r *Runner) planDue(ctx context.Context, now time.Time, write bool) (Report, []Digest, error) {
	var rep Report
	subs, err := r.store.DueSubscriptions(ctx, now)
	if err != nil {
		return rep, nil, fmt.Errorf("digest: due subscriptions: %w", err)
	}
	type job struct {
		sub    Subscription
		period string
	}
	var jobs []job
	for _, s := range subs {
		loc, err := r.zones.load(s.TimeZone)
		if err != nil {
			r.logger.Warn("Subscription has an unknown time zone: using the default", slog.String("subscription_id", s.ID), slog.Any("error", err))
			loc, _ = r.zones.load(DefaultTimeZone)
		}
		if period, ok := Due(s, now, loc); ok {
			jobs = append(jobs, job{s, period})
		}
	}
	rep.Due = len(jobs)

	var (
		mu       sync.Mutex
		planned  []Digest
		firstErr error
		wg       sync.WaitGroup
		next     = make(chan job)
	)
	for range min(r.cfg.Workers, max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				d, created, err := r.planOne(ctx, j.sub, j.period, now, write)
				mu.Lock()
				switch {
				case err != nil:
					rep.Failed++
					if firstErr == nil {
						firstErr = err
					}
				case !created:
				case d.Status == StatusSkipped:
					rep.Empty++
				default:
					rep.Planned++
					if !write {
						planned = append(planned, d)
					}
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case next <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	slices.SortFunc(planned, func(a, b Digest) int { return cmp.Compare(a.ID, b.ID) })
	if firstErr != nil {
		return rep, planned, fmt.Errorf("digest: %d of %d due subscriptions not planned, the first: %w", rep.Failed, rep.Due, firstErr)
	}
	return rep, planned, nil
}

func (r *Runner) planOne(ctx context.Context, s Subscription, period string, now time.Time, write bool) (Digest, bool, error) {
	d, err := r.plan(ctx, s, period, now)
	if err != nil {
		r.logger.Warn("Digest not planned", slog.String("subscription_id", s.ID), slog.Any("error", err))
		return d, false, err
	}
	if !write {
		return d, true, nil
	}
	d, created, err := r.store.PlanDigest(ctx, d)
	if err != nil {
		err = fmt.Errorf("digest: plan %s: %w", DigestID(s.ID, period), err)
		r.logger.Warn("Digest not planned", slog.String("subscription_id", s.ID), slog.Any("error", err))
		return d, false, err
	}
	if created {
		r.logger.Debug("Digest planned", slog.String("digest_id", d.ID), slog.String("status", string(d.Status)), slog.Int("items", len(d.Items)), slog.Int("more", d.More))
	}
	return d, created, nil
}

// errAbort ends the sending part of a run: the rest waits for the next one.
type errAbort struct{ err error }

func (e errAbort) Error() string { return e.err.Error() }
func (e errAbort) Unwrap() error { return e.err }

// sendPending claims, sends and marks every pending digest of the outbox.
func (r *Runner) sendPending(ctx context.Context, now, start time.Time, rep *Report) error {
	seen := map[string]bool{}
	for {
		batch, err := r.store.PendingDigests(ctx, r.clock(now, start), r.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("digest: pending digests: %w", err)
		}
		fresh := 0
		for _, d := range batch {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			fresh++
			if err := r.deliver(ctx, d.ID, now, start, rep); err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if fresh == 0 || len(batch) < r.cfg.BatchSize {
			return nil
		}
	}
}

// clock is the run's notion of the current time: now, plus the wall time
// the run has taken so far, so leases hold in long runs.
func (r *Runner) clock(now, start time.Time) time.Time { return now.Add(time.Since(start)) }

// deliver takes one digest through claim -> send -> mark. It returns an
// error only when the run should stop.
func (r *Runner) deliver(ctx context.Context, id string, now, start time.Time, rep *Report) error {
	at := r.clock(now, start)
	d, ok, err := r.store.ClaimDigest(ctx, id, at, at.Add(r.cfg.Lease))
	if err != nil {
		return fmt.Errorf("digest: claim %s: %w", id, err)
	}
	if !ok {
		return nil
	}
	log := r.logger.With(slog.String("digest_id", d.ID), slog.Int("attempt", d.Attempts))
	if d.Attempts > 1 {
		log.Info("Sending a digest again", slog.String("previous_error", d.LastError))
	}
	// Recording the outcome must survive a cancelled run, or the digest would
	// sit in "sending" until its lease ends.
	mark, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	retryAt := at.Add(r.retryDelay(d.Attempts))

	msg, err := r.composer.Compose(d)
	if err != nil {
		log.Error("Digest cannot be rendered", slog.Any("error", err))
		rep.Deferred++
		if err := r.store.MarkDigestFailed(mark, d.ID, Failure{At: at, Error: err.Error(), RetryAt: at.Add(r.cfg.MaxRetryDelay)}); err != nil {
			return fmt.Errorf("digest: mark %s failed: %w", d.ID, err)
		}
		return nil
	}

	sendErr := r.sendWithRetry(ctx, msg)
	done := r.clock(now, start)
	var se *SendError
	switch {
	case sendErr == nil:
		if err := r.store.MarkDigestSent(mark, d.ID, done); err != nil {
			log.Error("Digest sent but not recorded as sent: it will be sent again after its lease, with the same Message-ID", slog.Any("error", err))
			return fmt.Errorf("digest: mark %s sent: %w", d.ID, err)
		}
		rep.Sent++
		log.Debug("Digest sent", slog.String("message_id", msg.MessageID))
		return nil
	case errors.As(sendErr, &se) && se.Bounce():
		rep.Bounced++
		log.Warn("Digest refused for good: address marked bounced", slog.Int("smtp_code", se.Code), slog.Any("error", sendErr))
		if err := r.store.MarkDigestFailed(mark, d.ID, Failure{At: done, Error: sendErr.Error(), Permanent: true}); err != nil {
			return fmt.Errorf("digest: mark %s bounced: %w", d.ID, err)
		}
		return nil
	}
	rep.Deferred++
	if err := r.store.MarkDigestFailed(mark, d.ID, Failure{At: done, Error: sendErr.Error(), RetryAt: retryAt}); err != nil {
		return fmt.Errorf("digest: mark %s failed: %w", d.ID, err)
	}
	if errors.As(sendErr, &se) && se.RecipientDeferred() {
		log.Warn("Digest deferred by the recipient's server", slog.Int("smtp_code", se.Code), slog.Time("retry_at", retryAt), slog.Any("error", sendErr))
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errAbort{fmt.Errorf("digest: sending stopped, the rest waits for the next run: %w", sendErr)}
}

// sendWithRetry sends msg, retrying transient connection-level failures
// with capped exponential backoff. Recipient-level answers and 5xx are not
// retried here.
func (r *Runner) sendWithRetry(ctx context.Context, msg Message) error {
	wait := r.cfg.Backoff
	for attempt := 1; ; attempt++ {
		err := r.mailer.Send(ctx, msg)
		if err == nil {
			return nil
		}
		var se *SendError
		if errors.As(err, &se) && (se.Recipient || se.Code >= 500) {
			return err
		}
		if attempt >= r.cfg.SendAttempts || ctx.Err() != nil {
			return err
		}
		r.logger.Debug("Send failed, retrying", slog.String("digest_id", msg.DigestID), slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Any("error", err))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		wait = min(2*wait, r.cfg.MaxBackoff)
	}
}

// retryDelay is the wait before a later run tries a digest claimed
// attempts times: RetryDelay, doubling, at most MaxRetryDelay.
func (r *Runner) retryDelay(attempts int) time.Duration {
	d := r.cfg.RetryDelay
	for i := 1; i < attempts && d < r.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxRetryDelay)
}

// DryRun prints what RunDue would send at now, the digests due and those
// waiting in the outbox, and changes nothing: no planning, no claim, no
// mail.
func (r *Runner) DryRun(ctx context.Context, now time.Time, w io.Writer) (Report, error) {
	rep, planned, planErr := r.planDue(ctx, now, false)
	pending, err := r.store.PendingDigests(ctx, now, r.cfg.BatchSize)
	if err != nil {
		return rep, errors.Join(planErr, fmt.Errorf("digest: pending digests: %w", err))
	}
	show := func(d Digest, origin string) error {
		m, err := r.composer.Compose(d)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "=== %s (%s, %d items, %d more)\nTo: %s\nSubject: %s\nMessage-ID: <%s>\nList-Unsubscribe: <%s>\n\n%s\n",
			d.ID, origin, len(d.Items), d.More, m.To, m.Subject, m.MessageID, m.UnsubscribeURL, m.Text)
		return err
	}
	for _, d := range pending {
		if err := show(d, "waiting in the outbox"); err != nil {
			return rep, errors.Join(planErr, err)
		}
	}
	for _, d := range planned {
		if err := show(d, "due now"); err != nil {
			return rep, errors.Join(planErr, err)
		}
	}
	_, err = fmt.Fprintf(w, "dry run: %d subscriptions due, %d digests would be planned, %d with nothing new, %d waiting in the outbox, %d failed; nothing was sent\n",
		rep.Due, rep.Planned, rep.Empty, len(pending), rep.Failed)
	return rep, errors.Join(planErr, err)
}

// Loop runs RunDue now and then every interval until ctx ends. It logs each
// run's outcome; it is what `callmatch serve` runs.
func (r *Runner) Loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rep, err := r.RunDue(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.logger.Error("Digest run failed", slog.Any("report", rep), slog.Any("error", err))
		case rep != Report{}:
			r.logger.Info("Digest run finished", slog.Any("report", rep))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
