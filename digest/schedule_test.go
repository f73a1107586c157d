package digest

import (
	"testing"
	"time"

	"callmatch/funding"
)

func TestDue(t *testing.T) {
	ny := mustZone("America/New_York")
	daily := funding.Subscription{ID: 1, Frequency: funding.FrequencyDaily, Hour: 8, ConfirmedAt: tp(confirmed)}
	weekly := funding.Subscription{ID: 1, Frequency: funding.FrequencyWeekly, Weekday: time.Wednesday, Hour: 9, ConfirmedAt: tp(confirmed)}
	with := func(s funding.Subscription, f func(*funding.Subscription)) funding.Subscription { f(&s); return s }

	for _, tc := range []struct {
		name       string
		sub        funding.Subscription
		now        time.Time
		loc        *time.Location
		wantPeriod string
	}{
		{"daily after the hour", daily, monday, brussels, "2026-09-14"},
		{"daily before the hour: yesterday's slot", daily, local(2026, time.September, 14, 7, 59), brussels, "2026-09-13"},
		{"daily, sent since the slot", with(daily, func(s *funding.Subscription) { s.LastDigestAt = tp(local(2026, time.September, 14, 8, 1)) }), monday, brussels, ""},
		{"daily, last sent yesterday", with(daily, func(s *funding.Subscription) { s.LastDigestAt = tp(lastSent) }), monday, brussels, "2026-09-14"},
		{"weekly on its day", weekly, local(2026, time.September, 16, 9, 0), brussels, "2026-09-16"},
		{"weekly, the day after", weekly, local(2026, time.September, 17, 12, 0), brussels, "2026-09-16"},
		{"weekly, sent on its day", with(weekly, func(s *funding.Subscription) { s.LastDigestAt = tp(local(2026, time.September, 16, 9, 2)) }), local(2026, time.September, 22, 12, 0), brussels, ""},
		{"weekly, the next week", with(weekly, func(s *funding.Subscription) { s.LastDigestAt = tp(local(2026, time.September, 16, 9, 2)) }), local(2026, time.September, 23, 9, 0), brussels, "2026-09-23"},
		{"weekly, same weekday before the hour: last week's", weekly, local(2026, time.September, 23, 8, 0), brussels, "2026-09-16"},
		{"in the subscriber's zone", daily, time.Date(2026, time.September, 14, 11, 0, 0, 0, time.UTC), ny, "2026-09-13"},
		{"in the subscriber's zone, after its hour", daily, time.Date(2026, time.September, 14, 12, 0, 0, 0, time.UTC), ny, "2026-09-14"},
		{"first slot after confirmation only", with(daily, func(s *funding.Subscription) { s.ConfirmedAt = tp(local(2026, time.September, 14, 8, 3)) }), monday, brussels, ""},
		{"unconfirmed", with(daily, func(s *funding.Subscription) { s.ConfirmedAt = nil }), monday, brussels, ""},
		{"unsubscribed", with(daily, func(s *funding.Subscription) { s.UnsubscribedAt = tp(confirmed) }), monday, brussels, ""},
		{"bounced", with(daily, func(s *funding.Subscription) { s.Bounced = true }), monday, brussels, ""},
		{"paused", with(daily, func(s *funding.Subscription) { s.PausedUntil = tp(monday.Add(time.Hour)) }), monday, brussels, ""},
		{"pause over", with(daily, func(s *funding.Subscription) { s.PausedUntil = tp(monday.Add(-time.Hour)) }), monday, brussels, "2026-09-14"},
		{"unknown frequency", with(daily, func(s *funding.Subscription) { s.Frequency = "hourly" }), monday, brussels, ""},
		// 29 March 2026: clocks go from 02:00 to 03:00 in Brussels; a 02:00 slot becomes 03:00.
		{"DST gap", with(daily, func(s *funding.Subscription) { s.Hour, s.ConfirmedAt = 2, tp(local(2026, time.March, 1, 0, 0)) }), local(2026, time.March, 29, 3, 30), brussels, "2026-03-29"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			period, due := Due(tc.sub, tc.now, tc.loc)
			if period != tc.wantPeriod || due != (tc.wantPeriod != "") {
				t.Errorf("Due(%v) = %q, %v, want %q", tc.now, period, due, tc.wantPeriod)
			}
		})
	}
}

func TestZonesDefaultAndCache(t *testing.T) {
	var z zones
	loc, err := z.load("")
	if err != nil || loc.String() != DefaultTimezone {
		t.Fatalf("load(\"\") = %v, %v, want %s", loc, err, DefaultTimezone)
	}
	again, _ := z.load(DefaultTimezone)
	if again != loc {
		t.Errorf("zone not cached")
	}
	if _, err := z.load("Mars/Olympus_Mons"); err == nil {
		t.Errorf("an unknown zone loaded")
	}
}
