package funding

import (
	"slices"
	"testing"
	"time"
)

func TestDeadlineOn(t *testing.T) {
	tests := []struct {
		day  time.Time
		want time.Time
	}{
		// Summer (CEST, UTC+2) and winter (CET, UTC+1).
		{time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 9, 15, 15, 0, 0, 0, time.UTC)},
		{time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 20, 16, 0, 0, 0, time.UTC)},
		// The day as written, whatever its zone.
		{time.Date(2026, 3, 24, 0, 0, 0, 0, Brussels), time.Date(2026, 3, 24, 16, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		if got := DeadlineOn(tc.day); !got.Equal(tc.want) {
			t.Errorf("DeadlineOn(%v) = %v, want %v", tc.day, got, tc.want)
		}
	}
}

// TestStatusAtDeadlineDay walks a deadline day in Brussels time: a call
// is open all morning, still open at 16:59 and closed at 17:01.
func TestStatusAtDeadlineDay(t *testing.T) {
	brussels := func(y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, Brussels)
	}
	tests := []struct {
		name string
		day  time.Time
		now  time.Time
		want Status
	}{
		{"summer 09:00", time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), brussels(2026, 9, 15, 9, 0), StatusOpen},
		{"summer 16:59", time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), brussels(2026, 9, 15, 16, 59), StatusOpen},
		{"summer 17:01", time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), brussels(2026, 9, 15, 17, 1), StatusClosed},
		{"summer day before", time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC), brussels(2026, 9, 14, 23, 0), StatusOpen},
		{"winter 09:00", time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), brussels(2026, 1, 20, 9, 0), StatusOpen},
		{"winter 16:59", time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), brussels(2026, 1, 20, 16, 59), StatusOpen},
		{"winter 17:01", time.Date(2026, 1, 20, 0, 0, 0, 0, time.UTC), brussels(2026, 1, 20, 17, 1), StatusClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Call{PortalStatus: StatusOpen, Deadlines: []time.Time{DeadlineOn(tc.day)}}
			if got := c.StatusAt(tc.now); got != tc.want {
				t.Errorf("StatusAt(%v) = %q, want %q", tc.now, got, tc.want)
			}
			next := c.NextDeadline(tc.now)
			if (next != nil) != (tc.want == StatusOpen) {
				t.Errorf("NextDeadline(%v) = %v, want one only while open", tc.now, next)
			}
		})
	}
}

// TestChangedFieldsReread: the dates callmatch used to read as UTC and now
// reads in Brussels time are not changes that alert anyone; a real move is.
func TestChangedFieldsReread(t *testing.T) {
	day := time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)
	opening := time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC)
	old := Call{
		Deadlines:   []time.Time{day},
		OpeningDate: &opening,
		Updates:     []Update{{Date: time.Date(2025, 10, 3, 17, 59, 44, 0, time.UTC), Text: "56 proposals submitted"}},
	}
	reread := old
	openingBrussels := time.Date(2026, 5, 12, 0, 0, 0, 0, Brussels)
	reread.Deadlines = []time.Time{DeadlineOn(day)}
	reread.OpeningDate = &openingBrussels
	reread.Updates = []Update{{Date: time.Date(2025, 10, 3, 15, 59, 44, 0, time.UTC), Text: "56 proposals submitted"}}
	if got := reread.ChangedFields(&old); len(got) != 1 || got[0] != "brussels_time" {
		t.Errorf("ChangedFields(re-read dates) = %q, want [brussels_time]", got)
	}

	moved := reread
	moved.Deadlines = []time.Time{DeadlineOn(day.AddDate(0, 0, 7))}
	// The deadline moved a week; the opening date and update are re-read.
	if got := moved.ChangedFields(&old); !slices.Equal(got, []string{"deadlines", "brussels_time"}) {
		t.Errorf("ChangedFields(deadline a week later) = %q, want [deadlines brussels_time]", got)
	}
}

// TestHashLeavesOutPortalIngest: the portal's ingest date moves when it
// re-indexes an unchanged record, and the server's previous round is
// derived: neither changes the content hash; a new destination text does.
func TestHashLeavesOutPortalIngest(t *testing.T) {
	c := Call{ID: "X-1", Title: "T", Sections: []Section{{Title: "Scope", Text: "s"}}}
	h := c.Hash()
	ingest := time.Date(2025, 10, 3, 16, 4, 40, 0, time.UTC)
	c.PortalChangedAt = &ingest
	c.PreviousRound = &PreviousRound{CallID: "X-0", Proposals: 56}
	if got := c.Hash(); got != h {
		t.Errorf("Hash with portal ingest date = %s, want %s", got, h)
	}
	c.Sections = append(c.Sections, Section{Title: "Destination", Text: "d"})
	if got := c.Hash(); got == h {
		t.Error("Hash did not change with a destination section")
	}
}
