package server

import (
	"bytes"
	"encoding/csv"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/locale"
	"callmatch/match"
	"callmatch/search"
)

// maxCSVRows bounds an export of search results.
const maxCSVRows = 5000

// csvCell defuses spreadsheet formulas: portal text that starts with = + -
// @ (or a tab or carriage return) is prefixed with an apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func isoDate(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func amount(v int64) string {
	if v <= 0 {
		return ""
	}
	return strconv.FormatInt(v, 10)
}

func sendCSV(c *fiber.Ctx, filename string, rows [][]string) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff") // so that spreadsheets read UTF-8
	w := csv.NewWriter(&buf)
	for _, r := range rows {
		for i := range r {
			r[i] = csvCell(r[i])
		}
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+filename+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// exportCalls is GET /calls.csv: the search of the same parameters, every
// page of it (up to maxCSVRows).
func (s *Server) exportCalls(c *fiber.Ctx) error {
	q, err := s.parseSearchQuery(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	rows := [][]string{{"id", "title", "programme", "status", "deadline", "budget_min", "budget_max", "url"}}
	q.Size, q.NoHighlights = search.MaxSize, true // a CSV has no passages
	for q.Page = 1; len(rows)-1 < maxCSVRows; q.Page++ {
		res, err := s.index.Search(ctx, q)
		if err != nil {
			return err
		}
		for _, h := range res.Hits {
			rows = append(rows, []string{h.ID, h.Title, h.Programme, string(h.Status), isoDate(h.Deadline),
				amount(h.BudgetMin), amount(h.BudgetMax), h.URL})
		}
		if len(res.Hits) < q.Size || uint64(q.Page*q.Size) >= res.Total {
			break
		}
	}
	return sendCSV(c, "calls.csv", rows)
}

// exportMatches is GET /profiles/{id}/matches.csv, for the profile's owner
// (session or API token) and staff.
func (s *Server) exportMatches(c *fiber.Ctx) error {
	p, _, err := s.profileAccess(c)
	if p == nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	res, err := s.matches.List(ctx, p, match.PoolSize)
	if err != nil {
		return err
	}
	pr := locale.For(s.lang(c))
	rows := [][]string{{"call_id", "title", "programme", "status", "deadline", "days_left", "score", "budget_min", "budget_max",
		"recommended_by", "note", "reasons", "url"}}
	for _, m := range res.Matches {
		var by, note string
		if m.Curated != nil {
			by, note = m.Curated.By, m.Curated.Note
		}
		var reasons []string
		for _, r := range m.Reasons {
			reasons = append(reasons, pr.Reason(r)) // in the language of the request, as on the page
		}
		days := ""
		if m.Deadline != nil {
			days = strconv.Itoa(m.DaysLeft)
		}
		rows = append(rows, []string{m.CallID, m.Title, m.Programme, string(m.Status), isoDate(m.Deadline), days,
			strconv.FormatFloat(m.Score, 'f', -1, 64), amount(m.BudgetMin), amount(m.BudgetMax), by, note,
			strings.Join(reasons, " | "), m.URL})
	}
	return sendCSV(c, "matches-"+p.ID+".csv", rows)
}

// calendarFeed is GET /profiles/{id}/deadlines.ics?token=: the deadlines of
// the profile's matches and followed calls, for calendars that subscribe.
// The token is an HMAC of the profile id and its calendar secret, so a
// calendar app needs no cookie, and the owner can revoke the address. An
// unknown profile is refused like a wrong token.
func (s *Server) calendarFeed(c *fiber.Ctx) error {
	id := c.Params("id")
	token := c.Query("token")
	refuse := func() error {
		return c.Status(fiber.StatusForbidden).SendString("this calendar address is not valid\n")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	p, err := s.profileBySecretAddress(ctx, id, token, s.keys.calendarToken)
	switch {
	case errors.Is(err, errBadAddress):
		return refuse()
	case isNotFound(err):
		return c.Status(fiber.StatusNotFound).SendString("no such profile\n")
	case err != nil:
		return err
	}
	res, err := s.matches.List(ctx, p, match.PoolSize)
	if err != nil {
		return err
	}
	follows, err := s.store.Follows(ctx, p.ID)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(res.Matches)+len(follows))
	why := map[string][]string{} // a matched call's reasons, as the matches page gives them
	pr := locale.For(s.lang(c))
	for _, m := range res.Matches {
		ids = append(ids, m.CallID)
		for _, r := range m.Reasons {
			if r.Kind != funding.ReasonBudget && r.Kind != funding.ReasonDeadline {
				why[m.CallID] = append(why[m.CallID], pr.Reason(r))
			}
		}
	}
	for _, f := range follows {
		if !slices.Contains(ids, f) {
			ids = append(ids, f)
		}
	}
	lang := s.lang(c)
	host := "callmatch"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	cal := icalWriter{}
	cal.line("BEGIN:VCALENDAR")
	cal.line("VERSION:2.0")
	cal.line("PRODID:-//callmatch//EU funding deadlines//EN")
	cal.line("CALSCALE:GREGORIAN")
	cal.line("METHOD:PUBLISH")
	cal.prop("X-WR-CALNAME", s.views.T(lang, "ics.name", p.Name))
	cal.line("X-WR-TIMEZONE:Europe/Brussels")
	cal.line("REFRESH-INTERVAL;VALUE=DURATION:PT12H")
	cal.line("X-PUBLISHED-TTL:PT12H")
	base := strings.TrimRight(s.cfg.BaseURL, "/")
	calls, err := s.store.CallsByID(ctx, ids) // a call gone from the store is left out
	if err != nil {
		return err
	}
	for _, call := range calls {
		for i, d := range call.Deadlines {
			summary := s.views.T(lang, "ics.summary", call.Title)
			if len(call.Deadlines) > 1 {
				summary = s.views.T(lang, "ics.summary_stage", i+1, len(call.Deadlines), call.Title)
			}
			cal.line("BEGIN:VEVENT")
			cal.prop("UID", call.ID+"-"+d.UTC().Format("20060102T150405Z")+"@"+host)
			cal.line("DTSTAMP:" + icalTime(call.ChangedAt))
			cal.line("LAST-MODIFIED:" + icalTime(call.ChangedAt))
			if h, m, sec := d.UTC().Clock(); h == 0 && m == 0 && sec == 0 {
				// A bare date (the portal gave no time): an all-day event.
				cal.line("DTSTART;VALUE=DATE:" + d.UTC().Format("20060102"))
				cal.line("DTEND;VALUE=DATE:" + d.UTC().AddDate(0, 0, 1).Format("20060102"))
			} else {
				cal.line("DTSTART:" + icalTime(d))
				cal.line("DTEND:" + icalTime(d.Add(time.Hour)))
			}
			cal.prop("SUMMARY", summary)
			desc := call.ID + "\n" + call.Title + "\n" + base + callPath(call.ID) + "\n" + call.URL
			if rs := why[call.ID]; len(rs) > 0 {
				desc += "\n\n" + strings.Join(rs, "\n")
			}
			cal.prop("DESCRIPTION", desc)
			cal.prop("URL", base+callPath(call.ID))
			cal.line("TRANSP:TRANSPARENT")
			cal.line("BEGIN:VALARM")
			cal.line("ACTION:DISPLAY")
			cal.prop("DESCRIPTION", summary)
			cal.line("TRIGGER:-P7D")
			cal.line("END:VALARM")
			cal.line("END:VEVENT")
		}
	}
	cal.line("END:VCALENDAR")
	c.Set(fiber.HeaderContentType, "text/calendar; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="deadlines.ics"`)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(cal.buf.Bytes())
}

func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icalWriter writes RFC 5545 content lines: CRLF endings, folded at 75
// octets without splitting a UTF-8 character, text values escaped.
type icalWriter struct {
	buf bytes.Buffer
}

func (w *icalWriter) prop(name, value string) { w.line(name + ":" + icalEscape(value)) }

func icalEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

func (w *icalWriter) line(s string) {
	const limit = 75
	first := true
	for len(s) > 0 {
		max := limit
		if !first {
			max = limit - 1 // the leading space of a continuation counts
		}
		if len(s) <= max {
			if !first {
				w.buf.WriteByte(' ')
			}
			w.buf.WriteString(s)
			break
		}
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if !first {
			w.buf.WriteByte(' ')
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n")
		s = s[cut:]
		first = false
	}
	w.buf.WriteString("\r\n")
}
