// Package locale says things in the user's language (English, French,
// Dutch): the message catalogues of the pages and e-mails, and every label,
// date, amount, budget and number format, and the match reasons, for the
// pages, the CSV exports, the calendar, the e-mails and the API's English
// text fields. One source: nothing else formats these.
package locale

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Brussels on hosts without a zone database

	"callmatch/funding"
)

//go:embed catalog
var files embed.FS

// Languages are the languages of the interface, the default first.
var Languages = []string{"en", "fr", "nl"}

// Default is used when nothing else is known.
const Default = "en"

// Brussels is the time zone in which dates are shown: the portal's
// deadlines are Brussels times.
var Brussels = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// catalog is one language's messages: key -> fmt format.
type catalog map[string]string

func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, lang := range Languages {
		b, err := fs.ReadFile(files, "catalog/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("locale: catalogue %s: %w", lang, err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("locale: catalogue %s: %w", lang, err)
		}
		out[lang] = c
	}
	return out, nil
}

// printers are the languages' Printers, built once: the catalogues are
// embedded, so a broken one fails every test and the start.
var printers = func() map[string]Printer {
	cats, err := loadCatalogs()
	if err != nil {
		panic(err) // embedded at build time
	}
	out := map[string]Printer{}
	for _, lang := range Languages {
		out[lang] = Printer{lang: lang, cat: cats[lang], en: cats[Default]}
	}
	return out
}()

// For returns the Printer of lang; English for an unknown language.
func For(lang string) Printer {
	if p, ok := printers[strings.ToLower(strings.TrimSpace(lang))]; ok {
		return p
	}
	return printers[Default]
}

// English is the Printer of the API's English text fields.
func English() Printer { return printers[Default] }

// IsLanguage reports whether lang is one of Languages.
func IsLanguage(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Negotiate picks the best of Languages for an Accept-Language header
// ("nl-BE,nl;q=0.9,fr;q=0.8,en;q=0.5"); Default when none fits.
func Negotiate(acceptLanguage string) string {
	best, bestQ := Default, 0.0
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 20 {
			break
		}
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if IsLanguage(primary) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

// Printer formats the messages, labels, dates and amounts of one language.
type Printer struct {
	lang string
	cat  catalog
	en   catalog
}

// Language is the Printer's language code.
func (p Printer) Language() string { return p.lang }

// Has reports whether key is a message of the catalogues.
func (p Printer) Has(key string) bool {
	_, ok := p.en[key]
	return ok
}

// T formats the message key with args. A key missing from the language
// falls back to English, then to the key itself (a test keeps every key in
// every language).
func (p Printer) T(key string, args ...any) string {
	f, ok := p.cat[key]
	if !ok {
		if f, ok = p.en[key]; !ok {
			return key
		}
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// N formats the plural form of key for n: key.one or key.other, with n as
// the first argument. French uses the singular for 0 and 1.
func (p Printer) N(key string, n int, args ...any) string {
	form := ".other"
	if n == 1 || (p.lang == "fr" && n == 0) {
		form = ".one"
	}
	if f := p.T(key + form); !strings.Contains(f, "%") {
		return f // a form that does not show the count ("Deadline")
	}
	return p.T(key+form, append([]any{n}, args...)...)
}

func (p Printer) month(m time.Month) string {
	return p.T("month." + strconv.Itoa(int(m)))
}

// Date writes a day, in Brussels: "15 September 2026", "15 septembre 2026", "15 september 2026".
func (p Printer) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(Brussels)
	return fmt.Sprintf("%d %s %d", t.Day(), p.month(t.Month()), t.Year())
}

// DateTime writes a day and the Brussels time: "15 September 2026, 17:00".
func (p Printer) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if h, m, s := t.UTC().Clock(); h == 0 && m == 0 && s == 0 {
		return p.Date(t) // a bare date: the portal gave no time
	}
	return p.Date(t) + ", " + t.In(Brussels).Format("15:04")
}

// LongDate writes a day with its weekday, in t's own zone: "Tuesday 16
// September 2026" (e-mails, in the subscriber's zone).
func (p Printer) LongDate(t time.Time) string {
	return fmt.Sprintf("%s %d %s %d", p.T("weekday."+strconv.Itoa(int(t.Weekday()))), t.Day(), p.month(t.Month()), t.Year())
}

// LongDateTime writes LongDate and the time with its zone: "Tuesday 16
// September 2026, 17:00 CEST".
func (p Printer) LongDateTime(t time.Time) string {
	zone, _ := t.Zone()
	return p.T("date.at", p.LongDate(t), t.Format("15:04")) + " " + zone
}

// DaysLeft says how far a deadline is from now: "in 42 days", "today",
// "closed 3 days ago".
func (p Printer) DaysLeft(deadline, now time.Time) string {
	d := deadline.Sub(now)
	days := int(d.Hours() / 24)
	switch {
	case d < 0:
		return p.N("days.ago", -int(d.Hours()/24))
	case days == 0:
		return p.T("days.today")
	default:
		return p.N("days.left", days)
	}
}

// Number writes a whole number with the language's thousands separator:
// "60,000", "60 000", "60.000".
func (p Printer) Number(v int64) string {
	s := strconv.FormatInt(v, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := p.T("amount.thousands_sep")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Amount writes EUR amounts: "EUR 3.5 M" / "3,5 M EUR" / "EUR 3,5 mln".
func (p Printer) Amount(v int64) string {
	if v <= 0 {
		return ""
	}
	dec := "."
	if p.lang != "en" {
		dec = ","
	}
	var num string
	switch {
	case v >= 1_000_000:
		s := strconv.FormatFloat(float64(v)/1e6, 'f', 2, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		num = strings.Replace(s, ".", dec, 1) + p.T("amount.million")
	default:
		num = p.Number(v)
	}
	return fmt.Sprintf(p.T("amount.eur"), num)
}

// Budget writes a range of amounts: "EUR 3 M – EUR 4 M", or one amount;
// budget.unknown when none is published.
func (p Printer) Budget(lo, hi int64) string {
	switch {
	case hi <= 0 && lo <= 0:
		return p.T("budget.unknown")
	case lo <= 0 || lo == hi:
		return p.Amount(max(lo, hi))
	case hi <= 0:
		return p.T("budget.from", p.Amount(lo))
	}
	return p.Amount(lo) + " – " + p.Amount(hi)
}

// Status names a call status.
func (p Printer) Status(s funding.Status) string { return p.T("status." + string(s)) }

// Programme names a programme code.
func (p Printer) Programme(code string) string {
	switch code {
	case funding.ProgrammeDigital, funding.ProgrammeHorizon:
		return p.T("programme." + code)
	}
	return p.T("programme.OTHER")
}

// Domain names a domain slug.
func (p Printer) Domain(slug string) string {
	if funding.IsDomain(slug) {
		return p.T("domain." + slug)
	}
	return slug
}

// Size names a company size.
func (p Printer) Size(size string) string {
	if size == "" {
		return ""
	}
	return p.T("size." + size)
}

// Action names a type of action code: "RIA – Research and innovation action".
func (p Printer) Action(code string) string {
	key := "action." + code
	if _, ok := p.en[key]; !ok {
		return code
	}
	return code + " – " + p.T(key)
}

// Kind names a kind of call.
func (p Printer) Kind(k funding.Kind) string {
	if k == "" {
		return ""
	}
	return p.T("kind." + string(k))
}

// Eligibility writes a rule check's lead in the language.
func (p Printer) Eligibility(c funding.EligibilityCheck) string {
	key := "elig." + c.Rule + "." + c.Result
	if _, ok := p.en[key]; ok {
		return p.T(key)
	}
	return c.Detail
}

// field names a call field of a reason.
func (p Printer) field(f string) string {
	if _, ok := p.en["field."+f]; ok {
		return p.T("field." + f)
	}
	return strings.ReplaceAll(f, "_", " ")
}
