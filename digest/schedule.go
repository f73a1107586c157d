package digest

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // subscribers' zones must load on hosts without a zoneinfo database

	"callmatch/funding"
)

// Slot returns the most recent time at or before now when s was scheduled
// to get a digest: the day (daily) or the weekday (weekly) at s.Hour:00 in
// loc. On a day when that hour does not exist (DST), time.Date normalizes it.
func Slot(s funding.Subscription, now time.Time, loc *time.Location) time.Time {
	local := now.In(loc)
	hour := min(max(s.Hour, 0), 23)
	slot := time.Date(local.Year(), local.Month(), local.Day(), hour, 0, 0, 0, loc)
	if s.Frequency == funding.FrequencyWeekly {
		back := (int(local.Weekday()) - int(s.Weekday) + 7) % 7
		slot = time.Date(local.Year(), local.Month(), local.Day()-back, hour, 0, 0, 0, loc)
		if slot.After(now) {
			slot = time.Date(local.Year(), local.Month(), local.Day()-back-7, hour, 0, 0, 0, loc)
		}
		return slot
	}
	if slot.After(now) {
		slot = time.Date(local.Year(), local.Month(), local.Day()-1, hour, 0, 0, 0, loc)
	}
	return slot
}

// Period names the period of a slot, the PeriodKey of its digest: the
// slot's local date, YYYY-MM-DD.
func Period(slot time.Time) string { return slot.Format(time.DateOnly) }

// Due reports whether s has a digest due at now, and for which period. The
// rules:
//   - only active subscriptions (confirmed, not unsubscribed, not bounced);
//   - not while paused (PausedUntil after now);
//   - the latest slot (see Slot) must come after the confirmation: the
//     first digest comes at the first slot after subscribing;
//   - no digest may have been sent since that slot (LastDigestAt): one
//     digest per period, and a server that was down for days sends one
//     digest, not one per missed period.
func Due(s funding.Subscription, now time.Time, loc *time.Location) (period string, due bool) {
	if !s.Active() || (s.PausedUntil != nil && s.PausedUntil.After(now)) {
		return "", false
	}
	if s.Frequency != funding.FrequencyDaily && s.Frequency != funding.FrequencyWeekly {
		return "", false
	}
	slot := Slot(s, now, loc)
	if !slot.After(*s.ConfirmedAt) {
		return "", false
	}
	if s.LastDigestAt != nil && !s.LastDigestAt.Before(slot) {
		return "", false
	}
	return Period(slot), true
}

// zones caches loaded time zones: LoadLocation parses zone data on each call.
type zones struct {
	mu sync.Mutex
	m  map[string]*time.Location
}

// load returns the zone named name (DefaultTimezone when empty).
func (z *zones) load(name string) (*time.Location, error) {
	if name == "" {
		name = DefaultTimezone
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if loc, ok := z.m[name]; ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("digest: time zone %q: %w", name, err)
	}
	if z.m == nil {
		z.m = map[string]*time.Location{}
	}
	z.m[name] = loc
	return loc, nil
}
