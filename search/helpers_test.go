package search

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
)

// testNow is the fixed "now" of the tests.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return testNow }

// fakeSource is a Source over a slice of calls.
type fakeSource struct {
	mu    sync.Mutex
	calls []funding.Call
	err   error
}

func (s *fakeSource) Calls(context.Context) ([]funding.Call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]funding.Call(nil), s.calls...), s.err
}

func (s *fakeSource) set(calls []funding.Call) {
	s.mu.Lock()
	s.calls = calls
	s.mu.Unlock()
}

var (
	realCallsOnce sync.Once
	realCalls     []funding.Call
	realCallsErr  error
)

// loadCalls returns the real calls of the recorded portal (629 harvested
// topics and the raw captures), parsed by the crawler exactly as a crawl
// would store them (a fresh copy).
func loadCalls(tb testing.TB) []funding.Call {
	tb.Helper()
	realCallsOnce.Do(func() { realCalls, realCallsErr = parseRecorded() })
	if realCallsErr != nil {
		tb.Fatalf("load the recorded calls: %v", realCallsErr)
	}
	return append([]funding.Call(nil), realCalls...)
}

// parseRecorded runs the crawler's selection and parser over the recorded
// records, and sets what the crawler sets on a crawl at testNow.
func parseRecorded() ([]funding.Call, error) {
	raws, err := recorded.Records()
	if err != nil {
		return nil, err
	}
	results := make([]crawler.Result, 0, len(raws))
	for _, raw := range raws {
		r, err := crawler.DecodeResult(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		results = append(results, *r)
	}
	var calls []funding.Call
	for _, r := range crawler.Select(results) {
		c, _, err := crawler.ParseResult(&r)
		if err != nil {
			return nil, err
		}
		c.Status, c.CrawledAt = c.StatusAt(testNow), testNow
		c.ContentHash = c.Hash()
		calls = append(calls, *c)
	}
	if len(calls) < 600 {
		return nil, fmt.Errorf("only %d calls in the recorded portal", len(calls))
	}
	return calls, nil
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// openIndex opens a new index of calls in a temporary folder.
func openIndex(tb testing.TB, calls []funding.Call, opts ...Option) (*Index, *fakeSource, string) {
	tb.Helper()
	dir := tb.TempDir()
	src := &fakeSource{calls: calls}
	ix, err := Open(context.Background(), dir, src, discard(), append([]Option{WithClock(clock)}, opts...)...)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix, src, dir
}

var (
	sharedOnce sync.Once
	sharedIx   *Index
	sharedDir  string
	sharedErr  error
)

// realIndex returns one index of the real calls shared by the read-only tests.
func realIndex(tb testing.TB) *Index {
	tb.Helper()
	calls := loadCalls(tb)
	sharedOnce.Do(func() {
		sharedDir, sharedErr = os.MkdirTemp("", "callmatch-search-")
		if sharedErr != nil {
			return
		}
		sharedIx, sharedErr = Open(context.Background(), sharedDir, &fakeSource{calls: calls}, discard(), WithClock(clock))
	})
	if sharedErr != nil {
		tb.Fatalf("Open: %v", sharedErr)
	}
	return sharedIx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedIx != nil {
		sharedIx.Close()
		os.RemoveAll(sharedDir)
	}
	os.Exit(code)
}
