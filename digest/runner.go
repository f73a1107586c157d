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

	"callmatch/funding"
)

// Config tunes a Runner. Zero fields take the defaults shown.
type Config struct {
	BaseURL   string // BASE_URL: links, Message-ID and List-Id domain (required)
	From      string // From address; default "callmatch <digest@BASE_URL host>"
	SecretKey string // SECRET_KEY: signs the unsubscribe links (required)

	MaxItems int // items shown per digest; the rest is "N more" (10)
	Workers  int // subscriptions planned, and digests rendered, concurrently (4)

	// Lease is how long a claimed digest may stay in sending (10m). One
	// still sending after that was being sent by a process that died: it is
	// planned and sent again (see RunDue). Keep it well above the SMTP
	// timeout times SendAttempts.
	Lease time.Duration

	// In-run retries of a transient failure (connection lost, 4xx from the
	// server, timeout): SendAttempts tries in all (3), waiting Backoff (1s),
	// doubling, at most MaxBackoff (30s), between them.
	SendAttempts int
	Backoff      time.Duration
	MaxBackoff   time.Duration

	// After the in-run retries, the digest waits for a later run:
	// RetryDelay (5m) after its last claim, doubling per claim, at most
	// MaxRetryDelay (6h).
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
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

	// checked remembers, per subscription, the last period found with
	// nothing new (or already in the outbox), so that the matcher is not
	// asked again every tick of that period. It is only an optimization:
	// after a restart a subscription is checked once more.
	mu      sync.Mutex
	checked map[int64]string
}

// New returns a Runner. cfg.BaseURL and cfg.SecretKey are required. mailer
// may be nil for a Runner that only runs DryRun.
func New(cfg Config, st Store, m Matcher, mailer Mailer, logger *slog.Logger) (*Runner, error) {
	cfg.defaults()
	if st == nil || m == nil {
		return nil, errors.New("digest: a store and a matcher are required")
	}
	if cfg.SecretKey == "" {
		return nil, errors.New("digest: a secret key is required to sign unsubscribe links (SECRET_KEY)")
	}
	comp, err := NewComposer(cfg.BaseURL, cfg.From)
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{cfg: cfg, store: st, matcher: m, mailer: mailer, composer: comp, logger: logger, checked: map[int64]string{}}, nil
}

// Composer returns the Runner's composer.
func (r *Runner) Composer() *Composer { return r.composer }

// Report counts what a run did.
type Report struct {
	Requeued  int // digests found stuck in sending (their sender died), planned again
	Due       int // subscriptions whose period had come
	Planned   int // digests planned into the outbox (or that a dry run would plan)
	Empty     int // due periods with nothing new: no digest
	Failed    int // due subscriptions not planned, digests not rendered (see the log)
	Sent      int
	Deferred  int // transient failures: the digest waits for a later run
	Bounced   int // permanent refusals: the address is marked bounced
	Cancelled int // digests of subscriptions no longer active: not sent
}

// LogValue makes a Report a structured log attribute.
func (rep Report) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Int("requeued", rep.Requeued), slog.Int("due", rep.Due), slog.Int("planned", rep.Planned),
		slog.Int("empty", rep.Empty), slog.Int("failed", rep.Failed), slog.Int("sent", rep.Sent),
		slog.Int("deferred", rep.Deferred), slog.Int("bounced", rep.Bounced), slog.Int("cancelled", rep.Cancelled))
}

// RunDue plans the digests due at now, then sends every pending digest of
// the outbox. The rules that make each digest go out exactly once:
//
//   - Plan before send. A digest is recorded in the outbox (insert-if-absent
//     keyed by subscription and period) before any attempt to send it, so a
//     crash after planning loses nothing, and planning again for the same
//     period is a no-op.
//   - Claim -> send -> mark. A sender claims a planned digest (-> sending),
//     sends it, then marks it sent; the store then remembers its items as
//     sent and the subscription's LastDigestAt, which ends the period. Items
//     of digests still waiting in the outbox are left out of newer ones.
//   - A transient failure (network, timeout, 4xx) is retried at once a few
//     times with capped backoff, then goes back to planned and waits for a
//     later run: RetryDelay after the last claim, doubling per claim, at most
//     MaxRetryDelay. A connection-level failure that outlasts the in-run
//     retries ends the run: the rest waits too.
//   - A permanent refusal of the address (5xx to RCPT TO) fails the digest
//     and marks the address bounced: nothing more goes to it. A 5xx
//     elsewhere (authentication, sender, content) is our problem, not the
//     subscriber's: it is handled as transient and the run stops.
//   - A digest stuck in sending (the process died between claim and mark)
//     is planned again once claimed longer than Lease ago, and sent again.
//     Over SMTP there is no knowing whether the server took it before the
//     crash; a lost digest is worse than a duplicate, and every attempt
//     carries the same Message-ID (derived from subscription and period) and
//     the same content (rendered as of PlannedAt), so a duplicate can be
//     recognized downstream. The same holds after an ambiguous failure (the
//     connection broke after the message went but before the reply).
//
// The error is non-nil when the run could not finish its work (store or
// SMTP trouble); the Report still counts what was done.
func (r *Runner) RunDue(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	if r.mailer == nil {
		return rep, errors.New("digest: no mailer configured")
	}
	start := time.Now()
	n, err := r.store.RequeueStaleDigests(ctx, now.Add(-r.cfg.Lease))
	if err != nil {
		return rep, fmt.Errorf("digest: requeue stale digests: %w", err)
	}
	if rep.Requeued = n; n > 0 {
		r.logger.Warn("Digests found stuck in sending: sending them again with the same Message-ID", slog.Int("digests", n))
	}
	pending, err := r.store.PendingDigests(ctx)
	if err != nil {
		return rep, fmt.Errorf("digest: pending digests: %w", err)
	}
	_, planErr := r.planDue(ctx, now, pending, true, &rep)
	if ctx.Err() != nil {
		return rep, ctx.Err()
	}
	sendErr := r.sendPending(ctx, now, start, &rep)
	return rep, errors.Join(planErr, sendErr)
}

// composed is a digest with what it takes to render it.
type composed struct {
	sub         funding.Subscription
	profileName string
	d           funding.Digest
}

// planDue plans the digests due at now; pending is the outbox's planned
// digests. With write, each is recorded in the outbox; without (dry run),
// those that have news are returned.
func (r *Runner) planDue(ctx context.Context, now time.Time, pending []funding.Digest, write bool, rep *Report) ([]composed, error) {
	subs, err := r.store.DueSubscriptions(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("digest: due subscriptions: %w", err)
	}
	waiting := map[int64][]string{} // subscription -> sent-item keys of its digests in the outbox
	inOutbox := map[string]bool{}   // subscription/period planned already
	for _, d := range pending {
		inOutbox[fmt.Sprint(d.SubscriptionID, "/", d.PeriodKey)] = true
		for _, it := range d.Items {
			waiting[d.SubscriptionID] = append(waiting[d.SubscriptionID], funding.SentItemKey(it.CallID, it.Reason))
		}
	}
	type job struct {
		sub    funding.Subscription
		period string
	}
	var jobs []job
	r.mu.Lock()
	for _, s := range subs {
		if s.ProfileID == "" {
			continue // nothing to match: digests are per profile
		}
		loc, err := r.zones.load(s.Timezone)
		if err != nil {
			r.logger.Warn("Subscription has an unknown time zone: using the default", slog.Int64("subscription_id", s.ID), slog.Any("error", err))
			loc, _ = r.zones.load(DefaultTimezone)
		}
		period, ok := Due(s, now, loc)
		if !ok || inOutbox[fmt.Sprint(s.ID, "/", period)] || period <= r.checked[s.ID] {
			continue
		}
		jobs = append(jobs, job{s, period})
	}
	r.mu.Unlock()
	rep.Due += len(jobs)

	var (
		mu       sync.Mutex
		planned  []composed
		firstErr error
		failed   int
		wg       sync.WaitGroup
		next     = make(chan job)
	)
	for range min(r.cfg.Workers, max(len(jobs), 1)) {
		wg.Go(func() {
			for j := range next {
				c, outcome, err := r.planOne(ctx, j.sub, j.period, now, waiting[j.sub.ID], write)
				mu.Lock()
				switch outcome {
				case planFailed:
					failed++
					if firstErr == nil {
						firstErr = err
					}
				case planEmpty:
					rep.Empty++
				case planCreated:
					rep.Planned++
					if !write {
						planned = append(planned, c)
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
	rep.Failed += failed
	slices.SortFunc(planned, func(a, b composed) int { return cmp.Compare(a.sub.ID, b.sub.ID) })
	if firstErr != nil {
		return planned, fmt.Errorf("digest: %d of %d due subscriptions not planned, the first: %w", failed, len(jobs), firstErr)
	}
	return planned, nil
}

type planOutcome int

const (
	planFailed  planOutcome = iota
	planEmpty               // nothing new
	planCreated             // a digest was planned
	planExisted             // the outbox had one for that period already
)

func (r *Runner) planOne(ctx context.Context, s funding.Subscription, period string, now time.Time, pendingKeys []string, write bool) (composed, planOutcome, error) {
	d, name, err := r.plan(ctx, s, period, now, pendingKeys)
	if err != nil {
		r.logger.Warn("Digest not planned", slog.Int64("subscription_id", s.ID), slog.Any("error", err))
		return composed{}, planFailed, err
	}
	c := composed{sub: s, profileName: name, d: d}
	if !hasNews(d) {
		r.remember(s.ID, period, write)
		return c, planEmpty, nil
	}
	if !write {
		return c, planCreated, nil
	}
	created, err := r.store.PlanDigest(ctx, &c.d)
	if err != nil {
		err = fmt.Errorf("digest: plan %d %s: %w", s.ID, period, err)
		r.logger.Warn("Digest not planned", slog.Int64("subscription_id", s.ID), slog.Any("error", err))
		return composed{}, planFailed, err
	}
	if !created {
		r.remember(s.ID, period, write)
		return c, planExisted, nil
	}
	r.logger.Debug("Digest planned", slog.Int64("digest_id", c.d.ID), slog.Int64("subscription_id", s.ID), slog.String("period", period), slog.Int("items", len(c.d.Items)))
	return c, planCreated, nil
}

// remember records that s has nothing more to plan for period.
func (r *Runner) remember(subscriptionID int64, period string, write bool) {
	if !write {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if period > r.checked[subscriptionID] {
		r.checked[subscriptionID] = period
	}
}

// errAbort ends the sending part of a run: the rest waits for the next one.
type errAbort struct{ err error }

func (e errAbort) Error() string { return e.err.Error() }
func (e errAbort) Unwrap() error { return e.err }

// sendPending claims, sends and marks the pending digests of the outbox
// whose retry delay has passed. Reading what a digest needs and rendering it
// happen ahead, on Workers goroutines; claim -> send -> mark stay in order,
// one digest at a time, on one SMTP connection.
func (r *Runner) sendPending(ctx context.Context, now, start time.Time, rep *Report) error {
	pending, err := r.store.PendingDigests(ctx)
	if err != nil {
		return fmt.Errorf("digest: pending digests: %w", err)
	}
	var ready []funding.Digest
	for _, d := range pending {
		if r.ready(d, r.clock(now, start)) {
			ready = append(ready, d)
		}
	}
	stop := make(chan struct{})
	ahead := make(chan chan prepared, 4*r.cfg.Workers) // futures, in outbox order
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(ahead)
		sem := make(chan struct{}, r.cfg.Workers)
		for _, d := range ready {
			select {
			case <-stop:
				return
			default:
			}
			f := make(chan prepared, 1)
			select {
			case ahead <- f:
			case <-stop:
				return
			}
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				f <- r.prepare(ctx, d)
			})
		}
	})
	defer func() {
		close(stop)
		for range ahead { // let the producer finish
		}
		wg.Wait()
	}()
	for f := range ahead {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		p := <-f
		// A digest being delivered is finished even when ctx ends (the
		// server shutting down): one cut off mid-send would sit claimed
		// until its lease ends and go out again. The next is not started.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Lease/2)
		err := r.deliver(dctx, p, now, start, rep)
		cancel()
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// prepared is a pending digest made ready to send: its subscription, and
// the rendered message or why there is none.
type prepared struct {
	d        funding.Digest
	sub      funding.Subscription
	msg      Message
	inactive bool  // the subscription no longer takes digests
	subErr   error // the subscription could not be read: stop the run
	err      error // the digest cannot go now (transient unless permanent)
	perm     bool
}

// prepare reads what d needs and renders it. It writes nothing.
func (r *Runner) prepare(ctx context.Context, d funding.Digest) prepared {
	p := prepared{d: d}
	sub, err := r.store.Subscription(ctx, d.SubscriptionID)
	if err != nil {
		p.subErr = fmt.Errorf("digest: subscription %d: %w", d.SubscriptionID, err)
		return p
	}
	p.sub = sub
	if !sub.Active() {
		p.inactive = true
		return p
	}
	prof, err := r.store.Profile(ctx, sub.ProfileID)
	if err != nil {
		p.err = fmt.Errorf("digest: profile %s: %w", sub.ProfileID, err)
		return p
	}
	p.msg, err = r.composer.Compose(sub, prof.Name, d, UnsubscribeToken([]byte(r.cfg.SecretKey), sub.ID))
	if err != nil {
		p.err, p.perm = err, true
	}
	return p
}

// ready reports whether a planned digest may be tried at now: never tried,
// or its retry delay since the last claim has passed.
func (r *Runner) ready(d funding.Digest, now time.Time) bool {
	return d.Attempts == 0 || d.ClaimedAt == nil || !now.Before(d.ClaimedAt.Add(r.retryDelay(d.Attempts)))
}

// clock is the run's notion of the current time: now, plus the wall time
// the run has taken so far, so claim times stay true in long runs.
func (r *Runner) clock(now, start time.Time) time.Time { return now.Add(time.Since(start)) }

// deliver takes one prepared digest through claim -> send -> mark. It
// returns an error only when the run should stop.
func (r *Runner) deliver(ctx context.Context, p prepared, now, start time.Time, rep *Report) error {
	at := r.clock(now, start)
	d, err := r.store.ClaimDigest(ctx, p.d.ID, at)
	if errors.Is(err, funding.ErrDigestNotClaimable) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("digest: claim %d: %w", p.d.ID, err)
	}
	log := r.logger.With(slog.Int64("digest_id", d.ID), slog.Int64("subscription_id", d.SubscriptionID), slog.Int("attempt", d.Attempts))
	if d.Attempts > 1 {
		log.Info("Sending a digest again", slog.String("previous_error", d.LastError))
	}
	// Recording the outcome must survive a cancelled run, or the digest
	// would sit in sending until its lease ends.
	mark, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	fail := func(cause error, permanent bool) error {
		if err := r.store.MarkDigestFailed(mark, d.ID, cause.Error(), permanent); err != nil {
			return fmt.Errorf("digest: mark %d failed: %w", d.ID, err)
		}
		return nil
	}

	switch {
	case p.subErr != nil:
		rep.Deferred++
		return errors.Join(p.subErr, fail(p.subErr, false))
	case p.inactive:
		rep.Cancelled++
		log.Info("Digest not sent: the subscription is no longer active")
		return fail(errors.New("the subscription is no longer active"), true)
	case p.err != nil && p.perm:
		log.Error("Digest cannot be rendered", slog.Any("error", p.err))
		rep.Failed++
		return fail(p.err, true)
	case p.err != nil:
		log.Warn("Digest deferred", slog.Any("error", p.err))
		rep.Deferred++
		return fail(p.err, false)
	}

	msg, sub := p.msg, p.sub
	sendErr := r.sendWithRetry(ctx, msg)
	done := r.clock(now, start)
	var se *SendError
	switch {
	case sendErr == nil:
		if err := r.store.MarkDigestSent(mark, d.ID, msg.MessageID, done); err != nil {
			log.Error("Digest sent but not recorded as sent: it will be sent again after its lease, with the same Message-ID", slog.Any("error", err))
			return fmt.Errorf("digest: mark %d sent: %w", d.ID, err)
		}
		rep.Sent++
		log.Debug("Digest sent", slog.String("message_id", msg.MessageID))
		return nil
	case errors.As(sendErr, &se) && se.Bounce():
		rep.Bounced++
		log.Warn("Digest refused for good: address marked bounced", slog.Int("smtp_code", se.Code), slog.Any("error", sendErr))
		if err := fail(sendErr, true); err != nil {
			return err
		}
		if _, err := r.store.MarkBounced(mark, sub.Email, done); err != nil {
			return fmt.Errorf("digest: mark subscription %d bounced: %w", sub.ID, err)
		}
		return nil
	}
	rep.Deferred++
	if err := fail(sendErr, false); err != nil {
		return err
	}
	if errors.As(sendErr, &se) && se.RecipientDeferred() {
		log.Warn("Digest deferred by the recipient's server", slog.Int("smtp_code", se.Code), slog.Any("error", sendErr))
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errAbort{fmt.Errorf("digest: sending stopped, the rest waits for the next run: %w", sendErr)}
}

// sendWithRetry sends msg, retrying transient connection-level failures
// with capped exponential backoff. Answers about the recipient, and 5xx,
// are not retried here.
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
		r.logger.Debug("Send failed, retrying", slog.Int64("digest_id", msg.DigestID), slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Any("error", err))
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

// retryDelay is the wait before a later run tries again a digest claimed
// attempts times: RetryDelay, doubling, at most MaxRetryDelay.
func (r *Runner) retryDelay(attempts int) time.Duration {
	d := r.cfg.RetryDelay
	for i := 1; i < attempts && d < r.cfg.MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, r.cfg.MaxRetryDelay)
}

// DryRun prints what RunDue would send at now: the digests waiting in the
// outbox and those due, with their plain-text part. It changes nothing: no
// planning, no claim, no mail.
func (r *Runner) DryRun(ctx context.Context, now time.Time, w io.Writer) (Report, error) {
	var rep Report
	pending, err := r.store.PendingDigests(ctx)
	if err != nil {
		return rep, fmt.Errorf("digest: pending digests: %w", err)
	}
	planned, planErr := r.planDue(ctx, now, pending, false, &rep)
	var errs []error
	if planErr != nil {
		errs = append(errs, planErr)
	}
	show := func(c composed, origin string) {
		m, err := r.composer.Compose(c.sub, c.profileName, c.d, UnsubscribeToken([]byte(r.cfg.SecretKey), c.sub.ID))
		if err != nil {
			errs = append(errs, err)
			return
		}
		printMessage(w, c.sub.ID, c.d, origin, m)
	}
	waiting := 0
	for _, d := range pending {
		if !r.ready(d, now) {
			continue
		}
		p := r.prepare(ctx, d)
		switch {
		case p.inactive:
			continue
		case p.subErr != nil:
			errs = append(errs, p.subErr)
			continue
		case p.err != nil:
			errs = append(errs, p.err)
			continue
		}
		waiting++
		printMessage(w, p.sub.ID, d, "waiting in the outbox", p.msg)
	}
	for _, c := range planned {
		show(c, "due now")
	}
	_, err = fmt.Fprintf(w, "dry run: %d digests waiting in the outbox, %d subscriptions due: %d digests would be planned, %d with nothing new, %d failed; nothing was planned or sent\n",
		waiting, rep.Due, rep.Planned, rep.Empty, rep.Failed)
	return rep, errors.Join(append(errs, err)...)
}

func printMessage(w io.Writer, subscriptionID int64, d funding.Digest, origin string, m Message) {
	items, more, _ := decodeItems(d)
	fmt.Fprintf(w, "=== subscription %d, period %s (%s): %d items, %d more\nTo: %s\nSubject: %s\nMessage-ID: <%s>\nList-Unsubscribe: <%s>\n\n%s\n",
		subscriptionID, d.PeriodKey, origin, len(items), more, m.To, m.Subject, m.MessageID, m.UnsubscribeURL, m.Text)
}
