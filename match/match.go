// Package match owns a profile's curated match list: what the matches page,
// the API, the CSV export, the calendar, the staff dashboard and the
// digests show. It asks the index for the ranked calls (the only caller of
// search.Index.Match), caches the list by profile version, index
// generation and day, computes it once for concurrent callers, applies the
// profile's dismissals and the staff's curations, and cuts it to a limit.
package match

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"callmatch/funding"
	"callmatch/search"
)

// PoolSize is how many matches are computed, cached and curated per profile
// version, whoever asks: a page, an export or a digest cuts this one list to
// its limit, so every view shows the same matches in the same order.
const PoolSize = search.MaxSize

// AnswersBytes bounds each instance's copy of finished API answers (about
// 800 answers of 20 matches, 30 of 100).
const AnswersBytes = 16 << 20

// Index ranks calls for a profile (search.Index).
type Index interface {
	Match(ctx context.Context, p *funding.Profile, o search.MatchOptions) ([]funding.Match, error)
	Generation() int64
}

// Store holds what the index does not know: dismissals, curations, the
// calls staff recommended (store.Store).
type Store interface {
	Dismissed(ctx context.Context, profileID string) ([]string, error)
	Curations(ctx context.Context) ([]funding.Curation, error)
	CurationsStamp(ctx context.Context) (string, error)
	Call(ctx context.Context, id string) (*funding.Call, error)
}

// Config tunes a Matcher; zero values get defaults in New.
type Config struct {
	MinDaysToDeadline int           // matches drop calls closing sooner (default 14)
	TTL               time.Duration // cache lifetime of a list (default 15 min, +0-10% jitter in the shared cache)
	Timeout           time.Duration // budget of computing one list (default 10 s)
	Now               func() time.Time
}

// Hooks are told of the caches' hits, misses and failures (metrics, health);
// any may be nil.
type Hooks struct {
	Hit    func()
	Miss   func()
	Failed func(op string, err error) // a cache operation failed: served uncached
}

// Deps are the parts a Matcher works with. Cache may be nil (an in-process
// cache), Answers too (an in-process copy of AnswersBytes).
type Deps struct {
	Index   Index
	Store   Store
	Cache   Cache // the match lists and answers, shared by instances when it is Redis
	Answers Cache // this instance's copy of finished answers, in front of Cache
	// Generation names the content of the index for cache keys; default the
	// index's own counter. Several instances pass the store generation their
	// index is synced to, so they share cache entries.
	Generation func() int64
	Hooks      Hooks
}

// Matcher builds and caches the curated match lists of profiles.
type Matcher struct {
	cfg     Config
	index   Index
	store   Store
	cache   Cache
	answers Cache
	gen     func() int64
	hooks   Hooks
	flight  singleflight.Group

	stampMu sync.Mutex // guards stamp and stampAt: the curations stamp memo
	stamp   string
	stampAt time.Time

	supplyMu  sync.Mutex // guards supplyKey and supply: the staff dashboard's memo
	supplyKey string
	supply    map[string]int
}

// New returns a Matcher.
func New(cfg Config, d Deps) *Matcher {
	if cfg.MinDaysToDeadline <= 0 {
		cfg.MinDaysToDeadline = search.DefaultMinDaysToDeadline
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if d.Cache == nil {
		d.Cache = NewMemoryCache(0)
	}
	if d.Answers == nil {
		d.Answers = NewMemoryCache(AnswersBytes)
	}
	if d.Generation == nil {
		d.Generation = d.Index.Generation
	}
	h := d.Hooks
	if h.Hit == nil {
		h.Hit = func() {}
	}
	if h.Miss == nil {
		h.Miss = func() {}
	}
	if h.Failed == nil {
		h.Failed = func(string, error) {}
	}
	return &Matcher{cfg: cfg, index: d.Index, store: d.Store, cache: d.Cache, answers: d.Answers, gen: d.Generation, hooks: h}
}

// MinDaysToDeadline is the deadline horizon of the lists: calls closing
// sooner are left out.
func (m *Matcher) MinDaysToDeadline() int { return m.cfg.MinDaysToDeadline }

// List is a profile's curated match list, as the API answers it.
type List struct {
	ProfileID   string          `json:"profile_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	Cached      bool            `json:"cached"`
	Matches     []funding.Match `json:"matches"`
}

// ranked is what the cache holds: the index's ranked list, before the
// per-profile curations and dismissals, which are cheap to apply on read
// and change without a profile edit.
type ranked struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Matches     []funding.Match `json:"matches"`
}

// cacheKey versions a match list by everything it is computed from: the
// profile's version, the index generation and the day (days-to-deadline and
// the deadline horizon move daily). An edit or a crawl that changed calls
// makes a new key; old ones expire by TTL, nothing is deleted by hand.
func cacheKey(profileID string, version, generation int64, now time.Time) string {
	return fmt.Sprintf("cm:v2:match:%s:p%d:g%d:%s", profileID, version, generation, now.UTC().Format("20060102"))
}

// List returns the profile's curated matches, the first limit of them (at
// most PoolSize): the ranked list from the cache when it can, else computed
// once for all concurrent callers (singleflight) and stored; then the
// profile's dismissals and the staff's curations. A cache that fails is
// reported (Hooks.Failed) and skipped: the list is then computed, uncached.
func (m *Matcher) List(ctx context.Context, p *funding.Profile, limit int) (List, error) {
	now := m.cfg.Now()
	key := cacheKey(p.ID, p.Version, m.gen(), now)
	res := List{ProfileID: p.ID}

	var list ranked
	if b, ok, err := m.cache.Get(ctx, key); err != nil {
		m.hooks.Failed("get", err)
	} else if ok && json.Unmarshal(b, &list) == nil {
		res.Cached = true
		m.hooks.Hit()
	}
	if !res.Cached {
		m.hooks.Miss()
		profile := *p
		ch := m.flight.DoChan(key, func() (any, error) {
			// The first caller's context must not cancel the others' work.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.Timeout)
			defer cancel()
			return m.compute(fctx, &profile, key, now)
		})
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case r := <-ch:
			if r.Err != nil {
				return res, r.Err
			}
			list = r.Val.(ranked)
		}
	}
	res.GeneratedAt = list.GeneratedAt
	ms, err := m.curate(ctx, p, list.Matches, now)
	if err != nil {
		return res, err
	}
	if len(ms) > limit {
		ms = ms[:limit]
	}
	res.Matches = ms
	return res, nil
}

// Match is the profile's curated list, the whole pool: what a digest picks
// its new matches from (digest.Matcher).
func (m *Matcher) Match(ctx context.Context, p funding.Profile) ([]funding.Match, error) {
	l, err := m.List(ctx, &p, PoolSize)
	if err != nil {
		return nil, err
	}
	return l.Matches, nil
}

func (m *Matcher) compute(ctx context.Context, p *funding.Profile, key string, now time.Time) (ranked, error) {
	ms, err := m.index.Match(ctx, p, search.MatchOptions{Now: now, Limit: PoolSize, MinDaysToDeadline: m.cfg.MinDaysToDeadline})
	if err != nil {
		return ranked{}, err
	}
	if ms == nil {
		ms = []funding.Match{}
	}
	list := ranked{GeneratedAt: now.UTC(), Matches: ms}
	b, err := json.Marshal(list)
	if err != nil {
		return list, err
	}
	if err := m.cache.Set(ctx, key, b, m.ttl()); err != nil {
		m.hooks.Failed("set", err)
	}
	return list, nil
}

// curate applies to the index's ranked list of profile p what the store
// knows and the index does not: the profile's dismissals and the staff's
// curations (see curate in curate.go).
func (m *Matcher) curate(ctx context.Context, p *funding.Profile, ms []funding.Match, now time.Time) ([]funding.Match, error) {
	dismissed, err := m.store.Dismissed(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	curations, err := m.store.Curations(ctx)
	if err != nil {
		return nil, err
	}
	return curate(p, ms, curations, dismissed, now, func(id string) (*funding.Call, error) {
		return m.store.Call(ctx, id)
	}), nil
}

// Answer is the API's answer for the profile, as bytes: head followed by
// tail. It is served from a cache of finished answers when it can (one
// shared-cache GET, no decoding), else built by List and stored. One answer
// is kept per profile version, with every match of the pool, whatever the
// limit asked: it is cut to the limit when served, so that limits cannot
// multiply the entries. The key adds to the match list's key the curations
// stamp, so a new staff curation shows at once. On a hit the profile itself
// is never loaded: load runs only on a miss.
func (m *Matcher) Answer(ctx context.Context, profileID string, version int64, limit int, load func() (*funding.Profile, error)) (head []byte, tail string, err error) {
	stamp, err := m.curationsStamp(ctx)
	if err != nil {
		return nil, "", err
	}
	key := fmt.Sprintf("%s:all:c%s", cacheKey(profileID, version, m.gen(), m.cfg.Now()), stamp)
	// The key names everything the answer depends on, so a copy kept in
	// this process is exactly as valid as the shared one: look here first
	// and spare the shared cache's round trip.
	if b, ok, _ := m.answers.Get(ctx, key); ok {
		if head, tail, ok := cutParts(b, limit); ok {
			m.hooks.Hit()
			return head, tail, nil
		}
	}
	if b, ok, err := m.cache.Get(ctx, key); err != nil {
		m.hooks.Failed("get", err)
	} else if ok {
		if head, tail, ok := cutParts(b, limit); ok {
			m.hooks.Hit()
			m.answers.Set(ctx, key, b, m.cfg.TTL) //nolint:errcheck // in-process: never fails
			return head, tail, nil
		}
	}
	p, err := load()
	if err != nil {
		return nil, "", err
	}
	res, err := m.List(ctx, p, PoolSize)
	if err != nil {
		return nil, "", err
	}
	fresh := res.Cached
	res.Cached = true
	stored, err := encodeAnswer(res)
	if err != nil {
		return nil, "", err
	}
	if err := m.cache.Set(ctx, key, stored, m.ttl()); err != nil {
		m.hooks.Failed("set", err)
	}
	m.answers.Set(ctx, key, stored, m.cfg.TTL) //nolint:errcheck // in-process: never fails
	out, _ := cutAnswer(stored, limit)
	if !fresh {
		out = bytes.Replace(out, []byte(`"cached":true,"matches":`), []byte(`"cached":false,"matches":`), 1)
	}
	return out, "", nil
}

// curationsStamp is the store's curations stamp, read at most every two
// seconds: a curation made on another instance shows within that time.
func (m *Matcher) curationsStamp(ctx context.Context) (string, error) {
	m.stampMu.Lock()
	defer m.stampMu.Unlock()
	if time.Since(m.stampAt) < 2*time.Second && m.stamp != "" {
		return m.stamp, nil
	}
	st, err := m.store.CurationsStamp(ctx)
	if err != nil {
		return "", err
	}
	m.stamp, m.stampAt = st, time.Now()
	return st, nil
}

// ttl is the cache lifetime with 0-10% jitter, so entries made together do
// not all expire together.
func (m *Matcher) ttl() time.Duration {
	return m.cfg.TTL + time.Duration(rand.Int64N(int64(m.cfg.TTL)/10+1))
}

// Supply counts, for each domain, the open and forthcoming calls that a
// profile of that domain alone would be matched with, whatever their
// deadline (capped at PoolSize): the staff dashboard's supply. It is kept
// for an index generation and a day.
func (m *Matcher) Supply(ctx context.Context) (map[string]int, error) {
	now := m.cfg.Now()
	key := fmt.Sprintf("%d:%s", m.gen(), now.UTC().Format("20060102"))
	m.supplyMu.Lock()
	defer m.supplyMu.Unlock()
	if m.supplyKey == key {
		return m.supply, nil
	}
	out := map[string]int{}
	for _, d := range funding.Domains {
		p := &funding.Profile{ID: "dashboard", Name: d.Slug, Domains: []string{d.Slug}}
		ms, err := m.index.Match(ctx, p, search.MatchOptions{Now: now, Limit: PoolSize, MinDaysToDeadline: -1})
		if err != nil {
			return nil, err
		}
		out[d.Slug] = len(ms)
	}
	m.supplyKey, m.supply = key, out
	return out, nil
}
