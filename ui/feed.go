package ui

import (
	"time"

	"callmatch/locale"
)

// DateTime writes a day and its Brussels time in lang ("15 September 2026,
// 17:00"); a bare date (no time from the portal) without the time.
func (e *Engine) DateTime(lang string, t time.Time) string { return locale.For(lang).DateTime(t) }

// Budget writes a range of EUR amounts in lang, or says that none is published.
func (e *Engine) Budget(lang string, lo, hi int64) string { return locale.For(lang).Budget(lo, hi) }
