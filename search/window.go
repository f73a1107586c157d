package search

import (
	"time"

	"callmatch/funding"
)

// MaxDeadlineWithin is the widest deadline window a Query may ask for, in days.
const MaxDeadlineWithin = 3660

// deadlineWindow is the test of q.DeadlineWithin: the call is open or
// forthcoming at q.Now and its next deadline falls between q.Now and
// q.Now + DeadlineWithin days (both included).
func (q Query) deadlineWindow() (func(*entry) bool, error) {
	days := q.DeadlineWithin
	if days < 1 || days > MaxDeadlineWithin {
		return nil, &funding.ValidationError{Field: "deadline_within", Message: "must be a number of days from 1 to 3660"}
	}
	now := q.Now
	end := now.Add(time.Duration(days) * 24 * time.Hour)
	return func(e *entry) bool {
		if e.statusAt(now) == funding.StatusClosed {
			return false
		}
		next := e.nextDeadline(now)
		return next != nil && !next.After(end)
	}, nil
}

// nextDeadline is the first deadline of the call at or after now, or nil:
// funding.Call.NextDeadline.
func (e *entry) nextDeadline(now time.Time) *time.Time {
	for i := range e.deadlines {
		if !e.deadlines[i].Before(now) {
			return &e.deadlines[i]
		}
	}
	return nil
}
