package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
	"callmatch/search"
)

// matchesResponse is the contract's answer of GET /api/v1/profiles/{id}/matches.
type matchesResponse struct {
	ProfileID   string          `json:"profile_id"`
	GeneratedAt time.Time       `json:"generated_at"`
	Cached      bool            `json:"cached"`
	Matches     []funding.Match `json:"matches"`
}

// cachedMatches is what the cache holds: the matcher's ranked list, before
// the per-profile curations and dismissals, which are cheap to apply on read
// and change without a profile edit.
type cachedMatches struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Matches     []funding.Match `json:"matches"`
}

// matchPoolSize is how many matches are computed and cached per profile
// version; requests cut it to their limit after curation.
const matchPoolSize = 100

// matchCacheKey versions a match list by everything it is computed from: the
// profile's version, the index generation and the day (days-to-deadline and
// the deadline horizon move daily). An edit or a crawl that changed calls
// makes a new key; old ones expire by TTL, nothing is deleted by hand.
func matchCacheKey(profileID string, version, generation int64, now time.Time) string {
	return fmt.Sprintf("cm:v1:match:%s:p%d:g%d:%s", profileID, version, generation, now.UTC().Format("20060102"))
}

// matchesFor returns the profile's matches: from the cache when it can, else
// computed once for all concurrent callers (singleflight) and stored. A cache
// that fails is logged and skipped: the answer is then computed, uncached.
func (s *Server) matchesFor(ctx context.Context, p *funding.Profile, limit int) (matchesResponse, error) {
	now := s.cfg.Now()
	key := matchCacheKey(p.ID, p.Version, s.gen(), now)
	res := matchesResponse{ProfileID: p.ID}

	var list cachedMatches
	if b, ok, err := s.cache.Get(ctx, key); err != nil {
		s.health.failed("get", err)
	} else if ok && json.Unmarshal(b, &list) == nil {
		res.Cached = true
		s.metrics.cacheHits.Inc()
	}
	if !res.Cached {
		s.metrics.cacheMisses.Inc()
		profile := *p
		ch := s.flight.DoChan(key, func() (any, error) {
			// The first caller's context must not cancel the others' work.
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.RequestTimeout)
			defer cancel()
			return s.computeMatches(fctx, &profile, key, now)
		})
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case r := <-ch:
			if r.Err != nil {
				return res, r.Err
			}
			list = r.Val.(cachedMatches)
		}
	}
	res.GeneratedAt = list.GeneratedAt
	ms, err := s.store.Curate(ctx, p, list.Matches, now)
	if err != nil {
		return res, err
	}
	if len(ms) > limit {
		ms = ms[:limit]
	}
	res.Matches = ms
	return res, nil
}

// matchesJSON is the API's answer for the profile, as bytes: served from a
// cache of finished answers when it can (one Redis GET, no decoding), else
// built by matchesFor and stored. One answer is kept per profile version,
// with every match of the pool, whatever the limit asked: it is cut to the
// limit when served, so that limits cannot multiply the entries. The key
// adds to the match list's key the curations stamp, so a new staff
// curation shows at once. On a hit the profile itself is never loaded:
// load runs only on a miss.
func (s *Server) matchesJSON(ctx context.Context, profileID string, version int64, limit int, load func() (*funding.Profile, error)) ([]byte, string, error) {
	stamp, err := s.curationsStamp(ctx)
	if err != nil {
		return nil, "", err
	}
	key := fmt.Sprintf("%s:all:c%s", matchCacheKey(profileID, version, s.gen(), s.cfg.Now()), stamp)
	// The key names everything the answer depends on, so a copy kept in
	// this process is exactly as valid as the shared one: look here first
	// and spare the Redis round trip.
	if b, ok, _ := s.answers.Get(ctx, key); ok {
		if head, tail, ok := cutParts(b, limit); ok {
			s.metrics.cacheHits.Inc()
			return head, tail, nil
		}
	}
	if b, ok, err := s.cache.Get(ctx, key); err != nil {
		s.health.failed("get", err)
	} else if ok {
		if head, tail, ok := cutParts(b, limit); ok {
			s.metrics.cacheHits.Inc()
			s.answers.Set(ctx, key, b, s.cfg.MatchTTL) //nolint:errcheck // in-process: never fails
			return head, tail, nil
		}
	}
	p, err := load()
	if err != nil {
		return nil, "", err
	}
	res, err := s.matchesFor(ctx, p, matchPoolSize)
	if err != nil {
		return nil, "", err
	}
	fresh := res.Cached
	res.Cached = true
	stored, err := encodeAnswer(res)
	if err != nil {
		return nil, "", err
	}
	if err := s.cache.Set(ctx, key, stored, s.ttl()); err != nil {
		s.health.failed("set", err)
	}
	s.answers.Set(ctx, key, stored, s.cfg.MatchTTL) //nolint:errcheck // in-process: never fails
	out, _ := cutAnswer(stored, limit)
	if !fresh {
		out = bytes.Replace(out, []byte(`"cached":true,"matches":`), []byte(`"cached":false,"matches":`), 1)
	}
	return out, "", nil
}

// answerMagic starts a stored answer: this format, then the offsets where
// each match ends in the JSON, then the JSON.
const answerMagic = "cm-answer-1\n"

// encodeAnswer is the stored form of an answer: its JSON, which any limit
// cuts after the match it ends on, preceded by where each match ends. The
// JSON is the contract's answer, "matches" last.
func encodeAnswer(res matchesResponse) ([]byte, error) {
	head, err := json.Marshal(struct {
		ProfileID   string    `json:"profile_id"`
		GeneratedAt time.Time `json:"generated_at"`
		Cached      bool      `json:"cached"`
	}{res.ProfileID, res.GeneratedAt, res.Cached})
	if err != nil {
		return nil, err
	}
	body := append(head[:len(head)-1:len(head)-1], `,"matches":[`...)
	ends := make([]string, 0, len(res.Matches))
	for i, m := range res.Matches {
		if i > 0 {
			body = append(body, ',')
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		body = append(body, b...)
		ends = append(ends, strconv.Itoa(len(body)))
	}
	body = append(body, "]}"...)
	out := make([]byte, 0, len(answerMagic)+len(body)+8*len(ends)+1)
	out = append(out, answerMagic...)
	out = append(out, strings.Join(ends, ",")...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// cutAnswer returns the JSON of a stored answer with its first limit
// matches, in a new slice unless it is the whole answer, which is a part of
// stored and must not be written to; false when stored is not in
// encodeAnswer's form.
func cutAnswer(stored []byte, limit int) ([]byte, bool) {
	head, tail, ok := cutParts(stored, limit)
	if !ok || tail == "" {
		return head, ok
	}
	out := make([]byte, 0, len(head)+len(tail))
	return append(append(out, head...), tail...), true
}

// cutParts is cutAnswer without the copy: the answer is head (a part of
// stored, shared and never written to) followed by tail.
func cutParts(stored []byte, limit int) (head []byte, tail string, ok bool) {
	rest, ok := bytes.CutPrefix(stored, []byte(answerMagic))
	if !ok {
		return nil, "", false
	}
	line, body, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok {
		return nil, "", false
	}
	// The offsets, read up to the limit's.
	n, end := 0, 0
	for f := range bytes.SplitSeq(line, []byte{','}) {
		if len(line) == 0 {
			break
		}
		v, ok := atoi(f)
		if !ok || v > len(body) {
			return nil, "", false
		}
		n++
		if n == limit {
			end = v
		}
	}
	if limit >= n {
		return body, "", true // whole
	}
	if limit <= 0 {
		i := bytes.Index(body, []byte(`"matches":[`))
		if i < 0 {
			return nil, "", false
		}
		end = i + len(`"matches":[`)
	}
	return body[:end], "]}", true
}

// atoi reads a non-negative decimal number.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// curationsStamp is the store's curations stamp, read at most every two
// seconds: a curation made on another instance shows within that time.
func (s *Server) curationsStamp(ctx context.Context) (string, error) {
	s.stampMu.Lock()
	defer s.stampMu.Unlock()
	if time.Since(s.stampAt) < 2*time.Second && s.stamp != "" {
		return s.stamp, nil
	}
	st, err := s.store.CurationsStamp(ctx)
	if err != nil {
		return "", err
	}
	s.stamp, s.stampAt = st, time.Now()
	return st, nil
}

// ttl is the cache lifetime with 0-10% jitter, so entries made together do
// not all expire together.
func (s *Server) ttl() time.Duration {
	return s.cfg.MatchTTL + time.Duration(rand.Int64N(int64(s.cfg.MatchTTL)/10+1))
}

func (s *Server) computeMatches(ctx context.Context, p *funding.Profile, key string, now time.Time) (cachedMatches, error) {
	ms, err := s.index.Match(ctx, p, search.MatchOptions{Now: now, Limit: matchPoolSize, MinDaysToDeadline: s.cfg.MinDaysToDeadline})
	if err != nil {
		return cachedMatches{}, err
	}
	if ms == nil {
		ms = []funding.Match{}
	}
	list := cachedMatches{GeneratedAt: now.UTC(), Matches: ms}
	b, err := json.Marshal(list)
	if err != nil {
		return list, err
	}
	if err := s.cache.Set(ctx, key, b, s.ttl()); err != nil {
		s.health.failed("set", err)
	}
	return list, nil
}
