package crawler_test

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"time"

	"callmatch/funding"
)

// memStore is an in-memory crawler.Store with the store package's contract:
// SaveCall compares ContentHash and writes nothing when it is unchanged;
// MarkMissing only touches calls of the given programmes and marks a call
// gone after goneAfter misses in a row.
type memStore struct {
	mu     sync.Mutex
	calls  map[string]*funding.Call
	missed map[string]int // consecutive misses
	writes int            // SaveCall writes and MarkMissing updates
	runs   []funding.CrawlRun
	nextID int64
}

func newMemStore() *memStore {
	return &memStore{calls: map[string]*funding.Call{}, missed: map[string]int{}}
}

func (s *memStore) SaveCall(_ context.Context, c *funding.Call, now time.Time) (bool, []string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.calls[c.ID]
	if ok && old.ContentHash == c.ContentHash && old.GoneAt == nil {
		return false, nil, nil
	}
	cp := clone(c)
	cp.ChangedAt = now
	s.calls[c.ID] = cp
	delete(s.missed, c.ID)
	s.writes++
	if !ok {
		return true, nil, nil
	}
	changed := c.ChangedFields(old)
	if len(changed) == 0 {
		changed = []string{"gone_at"}
	}
	return false, changed, nil
}

func (s *memStore) live(programmes []string) []*funding.Call {
	var out []*funding.Call
	for _, c := range s.calls {
		if c.GoneAt == nil && (slices.Contains(programmes, c.ProgrammeID) || slices.Contains(programmes, string(c.Programme))) {
			out = append(out, c)
		}
	}
	return out
}

func (s *memStore) MissingCalls(_ context.Context, programmes, seen []string) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.live(programmes)
	missing := 0
	for _, c := range live {
		if !slices.Contains(seen, c.ID) {
			missing++
		}
	}
	return len(live), missing, nil
}

func (s *memStore) MarkMissing(_ context.Context, programmes, seen []string, now time.Time, goneAfter int) (int, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	missed, gone := 0, 0
	for _, c := range s.live(programmes) {
		if slices.Contains(seen, c.ID) {
			delete(s.missed, c.ID)
			continue
		}
		s.missed[c.ID]++
		s.writes++
		if s.missed[c.ID] < goneAfter {
			missed++
			continue
		}
		t := now
		c.GoneAt = &t
		gone++
	}
	return missed, gone, nil
}

func (s *memStore) ClearMissed(_ context.Context, seen []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range seen {
		delete(s.missed, id)
	}
	return nil
}

func (s *memStore) StartCrawlRun(context.Context, time.Time) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	return s.nextID, nil
}

func (s *memStore) FinishCrawlRun(_ context.Context, run funding.CrawlRun) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, run)
	return nil
}

func (s *memStore) get(id string) *funding.Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.calls[id]; ok {
		return clone(c)
	}
	return nil
}

func (s *memStore) snapshot() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for id, c := range s.calls {
		b, _ := json.Marshal(c)
		out[id] = string(b)
	}
	return out
}

func (s *memStore) writeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

func clone(c *funding.Call) *funding.Call {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var cp funding.Call
	if err := json.Unmarshal(b, &cp); err != nil {
		panic(err)
	}
	return &cp
}
