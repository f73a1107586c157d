package funding

import (
	"time"
	_ "time/tzdata" // Brussels time must not depend on the host's zoneinfo
)

// Brussels is the portal's time zone: deadlines and update times are
// Brussels local time.
var Brussels = mustLoad("Europe/Brussels")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil { // embedded by time/tzdata: cannot happen
		panic(err)
	}
	return loc
}

// DeadlineHour is the hour, Brussels time, at which the portal closes a
// call on its deadline day unless the call states another ("15 September
// 2026 – 17:00:00 CET (Brussels)").
const DeadlineHour = 17

// DeadlineOn returns the closing instant of a deadline day: 17:00 Brussels
// time on the calendar date of day (its year, month and day as written).
func DeadlineOn(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, DeadlineHour, 0, 0, 0, Brussels).UTC()
}
