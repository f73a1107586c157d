package ui

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
)

// Languages are the languages of the interface, the default first.
var Languages = []string{"en", "fr", "nl"}

// DefaultLanguage is used when nothing else is known.
const DefaultLanguage = "en"

// catalog is one language's messages: key -> fmt format.
type catalog map[string]string

func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, lang := range Languages {
		b, err := fs.ReadFile(files, "i18n/"+lang+".json")
		if err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", lang, err)
		}
		var c catalog
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("ui: catalogue %s: %w", lang, err)
		}
		out[lang] = c
	}
	return out, nil
}

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
// ("nl-BE,nl;q=0.9,fr;q=0.8,en;q=0.5"); DefaultLanguage when none fits.
func Negotiate(acceptLanguage string) string {
	best, bestQ := DefaultLanguage, 0.0
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

// translator formats the messages of one language.
type translator struct {
	lang string
	cat  catalog
	en   catalog
}

// T formats the message key with args. A key missing from the language
// falls back to English, then to the key itself (a test keeps every key in
// every language).
func (tr translator) T(key string, args ...any) string {
	f, ok := tr.cat[key]
	if !ok {
		if f, ok = tr.en[key]; !ok {
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
func (tr translator) N(key string, n int, args ...any) string {
	form := ".other"
	if n == 1 || (tr.lang == "fr" && n == 0) {
		form = ".one"
	}
	if f := tr.T(key + form); !strings.Contains(f, "%") {
		return f // a form that does not show the count ("Deadline")
	}
	return tr.T(key+form, append([]any{n}, args...)...)
}

func (tr translator) month(m time.Month) string {
	return tr.T("month." + strconv.Itoa(int(m)))
}

// Date writes a day: "15 September 2026", "15 septembre 2026", "15 september 2026".
func (tr translator) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(brussels)
	return fmt.Sprintf("%d %s %d", t.Day(), tr.month(t.Month()), t.Year())
}

// DateTime writes a day and the Brussels time: "15 September 2026, 17:00".
func (tr translator) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if h, m, s := t.UTC().Clock(); h == 0 && m == 0 && s == 0 {
		return tr.Date(t) // a bare date: the portal gave no time
	}
	return tr.Date(t) + ", " + t.In(brussels).Format("15:04")
}

// DaysLeft says how far a deadline is from now: "in 42 days", "today",
// "closed 3 days ago".
func (tr translator) DaysLeft(deadline, now time.Time) string {
	d := deadline.Sub(now)
	days := int(d.Hours() / 24)
	switch {
	case d < 0:
		return tr.N("days.ago", -int(d.Hours()/24))
	case days == 0:
		return tr.T("days.today")
	default:
		return tr.N("days.left", days)
	}
}

// Amount writes EUR amounts: "EUR 3.5 M" / "3,5 M EUR" / "EUR 3,5 mln".
func (tr translator) Amount(v int64) string {
	if v <= 0 {
		return ""
	}
	dec := "."
	if tr.lang != "en" {
		dec = ","
	}
	var num string
	switch {
	case v >= 1_000_000:
		s := strconv.FormatFloat(float64(v)/1e6, 'f', 2, 64)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		num = strings.Replace(s, ".", dec, 1) + tr.T("amount.million")
	default:
		num = groupThousands(v, tr.T("amount.thousands_sep"))
	}
	return fmt.Sprintf(tr.T("amount.eur"), num)
}

// Budget writes a range of amounts: "EUR 3 M – EUR 4 M", or one amount.
func (tr translator) Budget(lo, hi int64) string {
	switch {
	case hi <= 0 && lo <= 0:
		return tr.T("budget.unknown")
	case lo <= 0 || lo == hi:
		return tr.Amount(max(lo, hi))
	case hi <= 0:
		return tr.T("budget.from", tr.Amount(lo))
	}
	return tr.Amount(lo) + " – " + tr.Amount(hi)
}

func groupThousands(v int64, sep string) string {
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Status names a call status.
func (tr translator) Status(s funding.Status) string { return tr.T("status." + string(s)) }

// Programme names a programme code.
func (tr translator) Programme(code string) string {
	switch code {
	case funding.ProgrammeDigital, funding.ProgrammeHorizon:
		return tr.T("programme." + code)
	}
	return tr.T("programme.OTHER")
}

// Domain names a domain slug.
func (tr translator) Domain(slug string) string {
	if funding.IsDomain(slug) {
		return tr.T("domain." + slug)
	}
	return slug
}

// Size names a company size.
func (tr translator) Size(size string) string {
	if size == "" {
		return ""
	}
	return tr.T("size." + size)
}

// Action names a type of action code: "RIA – Research and innovation action".
func (tr translator) Action(code string) string {
	key := "action." + code
	if _, ok := tr.en[key]; !ok {
		return code
	}
	return code + " – " + tr.T(key)
}

// Kind names a kind of call.
func (tr translator) Kind(k funding.Kind) string {
	if k == "" {
		return ""
	}
	return tr.T("kind." + string(k))
}

// Reason writes the lead of a match reason in the interface language; the
// call's passage, in the portal's language, is shown beside it.
func (tr translator) Reason(r funding.Reason) string {
	var who string
	switch r.Kind {
	case funding.ReasonKeyword:
		who = tr.T("reason.keyword", r.Term)
	case funding.ReasonDomain:
		who = tr.T("reason.domain", tr.Domain(r.Term))
	case funding.ReasonDescription:
		who = tr.T("reason.description", r.Term)
	case funding.ReasonMeaning:
		if r.Concept != "" && !strings.EqualFold(r.Concept, r.Term) {
			return tr.T("reason.meaning_via", r.Term, r.Concept, tr.field(r.Field))
		}
		return tr.T("reason.meaning", r.Term, tr.field(r.Field))
	case funding.ReasonProgramme:
		return tr.T("reason.programme", tr.Programme(r.Term))
	case funding.ReasonTypeOfAction:
		return tr.T("reason.type_of_action", tr.Action(r.Term))
	case funding.ReasonTRL:
		return tr.T("reason.trl", r.Term)
	case funding.ReasonCurated:
		return tr.T("reason.curated")
	case funding.ReasonBudget, funding.ReasonDeadline:
		return "" // shown as the match's facts
	default:
		return r.Text
	}
	if r.Concept != "" && !strings.EqualFold(r.Concept, r.Term) {
		who += " " + tr.T("reason.via", r.Concept)
	}
	return who + " " + tr.T("reason.met", tr.field(r.Field))
}

// field names a call field of a reason.
func (tr translator) field(f string) string {
	if _, ok := tr.en["field."+f]; ok {
		return tr.T("field." + f)
	}
	return strings.ReplaceAll(f, "_", " ")
}

// Eligibility writes a rule check's lead in the interface language.
func (tr translator) Eligibility(c funding.EligibilityCheck) string {
	key := "elig." + c.Rule + "." + c.Result
	if _, ok := tr.en[key]; ok {
		return tr.T(key)
	}
	return c.Detail
}
