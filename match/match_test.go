package match

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/search"
)

// fakeIndex ranks n calls, CALL-00 first, and counts its Match calls.
type fakeIndex struct {
	n     int
	calls atomic.Int32
	opts  []search.MatchOptions
}

func (f *fakeIndex) Match(_ context.Context, _ *funding.Profile, o search.MatchOptions) ([]funding.Match, error) {
	f.calls.Add(1)
	f.opts = append(f.opts, o)
	var ms []funding.Match
	for i := range min(f.n, o.Limit) {
		ms = append(ms, funding.Match{CallID: fmt.Sprintf("CALL-%02d", i), Score: float64(100 - i)})
	}
	return ms, nil
}

func (f *fakeIndex) Generation() int64 { return 7 }

// fakeStore holds dismissals and curations.
type fakeStore struct {
	dismissed []string
	curations []funding.Curation
}

func (f *fakeStore) Dismissed(context.Context, string) ([]string, error) { return f.dismissed, nil }
func (f *fakeStore) Curations(context.Context) ([]funding.Curation, error) {
	return f.curations, nil
}
func (f *fakeStore) CurationsStamp(context.Context) (string, error) {
	return fmt.Sprint(len(f.curations)), nil
}
func (f *fakeStore) Call(_ context.Context, id string) (*funding.Call, error) {
	return nil, fmt.Errorf("call %s: not found", id)
}

func ids(ms []funding.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.CallID
	}
	return out
}

// TestOneListForEveryView: the page (a limit), the digest (Match) and the
// API (Answer) cut the same curated pool, computed once a day per profile
// version.
func TestOneListForEveryView(t *testing.T) {
	ix := &fakeIndex{n: 150}
	st := &fakeStore{dismissed: []string{"CALL-01"}, curations: []funding.Curation{
		{CallID: "CALL-05", ProfileID: "p1", Action: funding.CurationRecommend, Note: "look", By: "ncc"},
		{CallID: "CALL-02", ProfileID: "p1", Action: funding.CurationHide},
	}}
	m := New(Config{Now: func() time.Time { return testNow }}, Deps{Index: ix, Store: st})
	p := &funding.Profile{ID: "p1", Version: 3}
	ctx := context.Background()

	page, err := m.List(ctx, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(page.Matches), []string{"CALL-05", "CALL-00", "CALL-03"}; !slices.Equal(got, want) {
		t.Errorf("List(3) = %v, want %v", got, want)
	}
	if page.Cached || page.Matches[0].Curated == nil {
		t.Errorf("first list: cached %v, curated %+v; want computed, CALL-05 recommended", page.Cached, page.Matches[0].Curated)
	}
	digest, err := m.Match(ctx, *p)
	if err != nil {
		t.Fatal(err)
	}
	if len(digest) != PoolSize-2 || !slices.Equal(ids(digest[:3]), ids(page.Matches)) {
		t.Errorf("digest list: %d matches starting %v; want the pool less the dismissed and hidden, in the page's order", len(digest), ids(digest[:min(3, len(digest))]))
	}
	head, tail, err := m.Answer(ctx, p.ID, p.Version, 3, func() (*funding.Profile, error) { return p, nil })
	if err != nil {
		t.Fatal(err)
	}
	if got := string(head) + tail; !containsInOrder(got, page.Matches) {
		t.Errorf("answer %s, want the page's matches", got)
	}
	if n := ix.calls.Load(); n != 1 {
		t.Errorf("index asked %d times, want once for one profile version and day", n)
	}
	if o := ix.opts[0]; o.Limit != PoolSize || o.MinDaysToDeadline != search.DefaultMinDaysToDeadline || !o.Now.Equal(testNow) {
		t.Errorf("index asked with %+v, want the pool, the default horizon and the matcher's clock", o)
	}
}

func containsInOrder(s string, ms []funding.Match) bool {
	for _, m := range ms {
		i := strings.Index(s, `"call_id":"`+m.CallID+`"`)
		if i < 0 {
			return false
		}
		s = s[i:]
	}
	return true
}
