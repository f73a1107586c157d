package search

import (
	"context"
	"testing"
	"time"

	"callmatch/funding"
)

// TestSearchDeadlineWithin: a window keeps the open or forthcoming calls
// whose next deadline falls within so many days of now, and no other.
func TestSearchDeadlineWithin(t *testing.T) {
	ix := realIndex(t)
	calls := loadCalls(t)
	var prev uint64
	for _, days := range []int{7, 30, 90} {
		end := testNow.Add(time.Duration(days) * 24 * time.Hour)
		want := map[string]bool{}
		for i := range calls {
			c := &calls[i]
			if next := c.NextDeadline(testNow); next != nil && !next.After(end) && c.StatusAt(testNow) != funding.StatusClosed {
				want[c.ID] = true
			}
		}
		res := search(t, ix, Query{DeadlineWithin: days, Sort: SortDeadline, Size: MaxSize})
		if res.Total != uint64(len(want)) {
			t.Errorf("deadline_within=%d: total = %d, want %d", days, res.Total, len(want))
		}
		if res.Total < prev {
			t.Errorf("deadline_within=%d: total = %d, fewer than the narrower window's %d", days, res.Total, prev)
		}
		prev = res.Total
		for i, h := range res.Hits {
			if !want[h.ID] {
				t.Errorf("deadline_within=%d: %s (status %s, deadline %v) is not in the window", days, h.ID, h.Status, h.Deadline)
			}
			if i > 0 && h.Deadline.Before(*res.Hits[i-1].Deadline) {
				t.Errorf("deadline_within=%d: %s (%v) after %s (%v)", days, h.ID, h.Deadline, res.Hits[i-1].ID, res.Hits[i-1].Deadline)
			}
		}
	}
	if prev == 0 {
		t.Fatal("deadline_within=90 finds nothing: the test proves nothing")
	}
	// With words and other filters too.
	all := search(t, ix, Query{Text: "security", Programmes: []string{"HORIZON"}})
	res := search(t, ix, Query{Text: "security", Programmes: []string{"HORIZON"}, DeadlineWithin: 90})
	if res.Total > all.Total {
		t.Errorf("security in HORIZON within 90 days: %d hits, more than without the window (%d)", res.Total, all.Total)
	}
	for _, bad := range []int{-1, MaxDeadlineWithin + 1} {
		if _, err := ix.Search(context.Background(), Query{DeadlineWithin: bad, Now: testNow}); !isValidation(err) {
			t.Errorf("Search(deadline_within %d) error = %v, want a ValidationError", bad, err)
		}
	}
}

// TestSearchDeadlineSortClosedLast: sorted by deadline, the calls with a
// next deadline come soonest first, then the open or forthcoming ones
// without, and the closed calls last, also when a call closed after it
// was indexed (a later now).
func TestSearchDeadlineSortClosedLast(t *testing.T) {
	ix := realIndex(t)
	for _, now := range []time.Time{testNow, testNow.AddDate(0, 4, 0)} {
		rank := func(h Hit) int {
			switch {
			case h.Status == funding.StatusClosed:
				return 2
			case h.Deadline == nil:
				return 1
			}
			return 0
		}
		var hits []Hit
		for page := 1; ; page++ {
			res := search(t, ix, Query{Sort: SortDeadline, Size: MaxSize, Page: page, Now: now})
			hits = append(hits, res.Hits...)
			if len(res.Hits) < MaxSize {
				break
			}
		}
		closed := 0
		for i, h := range hits {
			if rank(h) == 2 {
				closed++
			}
			if i == 0 {
				continue
			}
			p := hits[i-1]
			if rank(h) < rank(p) {
				t.Errorf("now %s: %s (%s, %v) after %s (%s, %v)", now.Format(time.DateOnly), h.ID, h.Status, h.Deadline, p.ID, p.Status, p.Deadline)
			}
			if rank(h) == 0 && rank(p) == 0 && h.Deadline.Before(*p.Deadline) {
				t.Errorf("now %s: %s (%v) after %s (%v)", now.Format(time.DateOnly), h.ID, h.Deadline, p.ID, p.Deadline)
			}
		}
		if closed == 0 || closed == len(hits) {
			t.Errorf("now %s: %d closed calls of %d: the test proves nothing", now.Format(time.DateOnly), closed, len(hits))
		}
	}
}
