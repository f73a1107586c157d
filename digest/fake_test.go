package digest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"callmatch/funding"
)

var errNotFound = errors.New("fake store: not found")

// memStore is an in-memory Store with the semantics the interfaces
// document (those of the real store): insert-if-absent planning, claims
// that succeed once, sent items recorded when a digest is marked sent.
type memStore struct {
	mu       sync.Mutex
	subs     map[int64]*funding.Subscription
	profiles map[string]funding.Profile
	follows  map[string][]string
	calls    map[string]funding.Call
	changes  []funding.CallChange
	digests  map[int64]*funding.Digest
	byPeriod map[string]int64 // subscription/period -> digest id
	sent     map[int64]map[string]bool
	nextID   int64

	failMarkSent bool // MarkDigestSent fails (the process "dies" after sending)
	planCalls    int
}

func newMemStore() *memStore {
	return &memStore{
		subs: map[int64]*funding.Subscription{}, profiles: map[string]funding.Profile{}, follows: map[string][]string{},
		calls: map[string]funding.Call{}, digests: map[int64]*funding.Digest{}, byPeriod: map[string]int64{}, sent: map[int64]map[string]bool{},
	}
}

func (m *memStore) addSub(s funding.Subscription) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subs[s.ID] = &s
}

func (m *memStore) addCall(c funding.Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[c.ID] = c
}

func (m *memStore) sub(id int64) funding.Subscription {
	m.mu.Lock()
	defer m.mu.Unlock()
	return *m.subs[id]
}

func (m *memStore) allDigests() []funding.Digest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []funding.Digest
	for _, d := range m.digests {
		out = append(out, cloneDigest(*d))
	}
	slices.SortFunc(out, func(a, b funding.Digest) int { return int(a.ID - b.ID) })
	return out
}

func cloneDigest(d funding.Digest) funding.Digest {
	d.Items = slices.Clone(d.Items)
	return d
}

func (m *memStore) DueSubscriptions(_ context.Context, now time.Time) ([]funding.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []funding.Subscription
	for _, s := range m.subs {
		if s.Active() && (s.PausedUntil == nil || !s.PausedUntil.After(now)) {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(a, b funding.Subscription) int { return int(a.ID - b.ID) })
	return out, nil
}

func (m *memStore) Subscription(_ context.Context, id int64) (funding.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[id]
	if !ok {
		return funding.Subscription{}, errNotFound
	}
	return *s, nil
}

func (m *memStore) MarkBounced(_ context.Context, email string, _ time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, s := range m.subs {
		if s.Email == email && !s.Bounced {
			s.Bounced = true
			n++
		}
	}
	return n, nil
}

func (m *memStore) Profile(_ context.Context, id string) (*funding.Profile, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.profiles[id]
	if !ok {
		return nil, fmt.Errorf("profile %s: %w", id, errNotFound)
	}
	return &p, nil
}

func (m *memStore) Follows(_ context.Context, profileID string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.follows[profileID]), nil
}

func (m *memStore) Call(_ context.Context, id string) (*funding.Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.calls[id]
	if !ok {
		return nil, fmt.Errorf("call %s: %w", id, errNotFound)
	}
	return &c, nil
}

func (m *memStore) CallChanges(_ context.Context, callID string, since time.Time) ([]funding.CallChange, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []funding.CallChange
	for _, ch := range m.changes {
		if ch.CallID == callID && !ch.ChangedAt.Before(since) {
			out = append(out, ch)
		}
	}
	return out, nil
}

func (m *memStore) SentItems(_ context.Context, subscriptionID int64) (map[string]bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]bool{}
	for k := range m.sent[subscriptionID] {
		out[k] = true
	}
	return out, nil
}

func (m *memStore) PlanDigest(_ context.Context, d *funding.Digest) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.planCalls++
	if _, ok := m.subs[d.SubscriptionID]; !ok {
		return false, errNotFound
	}
	key := fmt.Sprint(d.SubscriptionID, "/", d.PeriodKey)
	if id, ok := m.byPeriod[key]; ok {
		*d = cloneDigest(*m.digests[id])
		return false, nil
	}
	m.nextID++
	m.byPeriod[key] = m.nextID
	nd := cloneDigest(*d)
	nd.ID, nd.State, nd.Attempts = m.nextID, funding.DigestPlanned, 0
	m.digests[nd.ID] = &nd
	*d = cloneDigest(nd)
	return true, nil
}

func (m *memStore) PendingDigests(context.Context) ([]funding.Digest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []funding.Digest
	for _, d := range m.digests {
		if d.State == funding.DigestPlanned {
			out = append(out, cloneDigest(*d))
		}
	}
	slices.SortFunc(out, func(a, b funding.Digest) int {
		if c := a.PlannedAt.Compare(b.PlannedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

func (m *memStore) ClaimDigest(_ context.Context, id int64, now time.Time) (funding.Digest, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.digests[id]
	if !ok {
		return funding.Digest{}, errNotFound
	}
	if d.State != funding.DigestPlanned {
		return funding.Digest{}, fmt.Errorf("digest is %s: %w", d.State, funding.ErrDigestNotClaimable)
	}
	d.State, d.Attempts = funding.DigestSending, d.Attempts+1
	d.ClaimedAt = &now
	return cloneDigest(*d), nil
}

func (m *memStore) MarkDigestSent(_ context.Context, id int64, messageID string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failMarkSent {
		return errors.New("fake store: disk full")
	}
	d, ok := m.digests[id]
	if !ok || d.State != funding.DigestSending {
		return errors.New("fake store: conflict")
	}
	d.State, d.SentAt, d.MessageID, d.LastError = funding.DigestSent, &now, messageID, ""
	if m.sent[d.SubscriptionID] == nil {
		m.sent[d.SubscriptionID] = map[string]bool{}
	}
	for _, it := range d.Items {
		m.sent[d.SubscriptionID][funding.SentItemKey(it.CallID, it.Reason)] = true
	}
	m.subs[d.SubscriptionID].LastDigestAt = &now
	return nil
}

func (m *memStore) MarkDigestFailed(_ context.Context, id int64, errMsg string, permanent bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.digests[id]
	if !ok || d.State != funding.DigestSending {
		return errors.New("fake store: conflict")
	}
	d.State, d.LastError = funding.DigestPlanned, errMsg
	if permanent {
		d.State = funding.DigestFailed
	}
	return nil
}

func (m *memStore) RequeueStaleDigests(_ context.Context, claimedBefore time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, d := range m.digests {
		if d.State == funding.DigestSending && d.ClaimedAt != nil && d.ClaimedAt.Before(claimedBefore) {
			d.State = funding.DigestPlanned
			n++
		}
	}
	return n, nil
}

// fakeMatcher returns fixed match lists per profile.
type fakeMatcher struct {
	mu      sync.Mutex
	matches map[string][]funding.Match
	calls   int
}

func (f *fakeMatcher) Match(_ context.Context, p funding.Profile) ([]funding.Match, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.matches[p.ID], nil
}

func (f *fakeMatcher) set(profileID string, ms []funding.Match) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.matches == nil {
		f.matches = map[string][]funding.Match{}
	}
	f.matches[profileID] = ms
}

// memMailer records messages in memory.
type memMailer struct {
	mu   sync.Mutex
	msgs []Message
}

func (m *memMailer) Send(_ context.Context, msg Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return nil
}

func (m *memMailer) sent() []Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.msgs)
}
