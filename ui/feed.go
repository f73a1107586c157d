package ui

import "time"

// DateTime writes a day and its Brussels time in lang ("15 September 2026,
// 17:00"); a bare date (no time from the portal) without the time.
func (e *Engine) DateTime(lang string, t time.Time) string { return e.translator(lang).DateTime(t) }

// Budget writes a range of EUR amounts in lang, or says that none is published.
func (e *Engine) Budget(lang string, lo, hi int64) string {
	return e.translator(lang).Budget(lo, hi)
}

func (e *Engine) translator(lang string) translator {
	if tr, ok := e.trs[lang]; ok {
		return tr
	}
	return e.trs[DefaultLanguage]
}
