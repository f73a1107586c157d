package funding

import (
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
