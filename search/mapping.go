package search

import (
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"

	"callmatch/funding"
)

// mappingVersion is the version of the mapping and of what is indexed.
// Bump it whenever either changes: an index built with another version is
// rebuilt from the Source when it is opened.
//
// 2: only the text was indexed; the analyzer caches its stems.
// 3: the keyword, number and date fields are back, without what depends on
// the time of indexing (the derived status, the next deadline): the index
// describes the calls by itself for any reader. Searches filter, sort and
// count facets on the entries kept in memory (see entryQuery), which is
// faster; the call_id field finds the topics of a call id typed as text
// (identifierQuery).
// 4: British -ise/-yse spellings are indexed the American way (americanSpelling).
const mappingVersion = 4

// Field names of the index: the texts of a call, then its keyword (exact,
// facetable), number and date fields.
const (
	fieldTitle      = "title"
	fieldKeywords   = "keywords" // call keywords and tags, as text
	fieldOutcome    = "outcome"  // "Expected Outcome"
	fieldScope      = "scope"
	fieldObjective  = "objective"
	fieldImpact     = "impact" // "Expected Impact"
	fieldBody       = "body"   // any other description section
	fieldConditions = "conditions"

	fieldProgramme    = "programme"
	fieldPortalStatus = "portal_status"
	fieldKind         = "kind"
	fieldType         = "type_of_action"
	fieldCallID       = "call_id"
	fieldTag          = "tag" // call keywords and tags, as written
	fieldPriority     = "priority"

	fieldBudgetMin = "budget_min"
	fieldBudgetMax = "budget_max"

	fieldDeadline    = "deadline" // every deadline
	fieldOpeningDate = "opening_date"
)

// textFields are the analyzed text fields with their query-time boosts for
// search: title and keywords above the scope, the scope above the conditions.
var textFields = []struct {
	name  string
	boost float64
}{
	{fieldTitle, 4},
	{fieldKeywords, 3},
	{fieldScope, 1.5},
	{fieldOutcome, 1.5},
	{fieldObjective, 1.5},
	{fieldImpact, 1.2},
	{fieldBody, 1},
	{fieldConditions, 0.4},
}

// highlightFields are the stored text fields that hits are highlighted on.
var highlightFields = []string{fieldTitle, fieldKeywords, fieldOutcome, fieldScope, fieldObjective, fieldImpact, fieldBody}

// Sentinel dates of statusDates.
var (
	dateLongAgo   = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	dateFarFuture = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func newMapping() *mapping.IndexMappingImpl {
	text := func(store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzerName
		f.Store = store
		f.IncludeTermVectors = true // phrase queries, highlights, match passages
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}

	doc := bleve.NewDocumentStaticMapping()
	doc.Dynamic = false
	for _, name := range []string{fieldTitle, fieldKeywords, fieldOutcome, fieldScope, fieldObjective, fieldImpact, fieldBody} {
		doc.AddFieldMappingsAt(name, text(true))
	}
	cond := text(false)
	cond.IncludeTermVectors = false // no highlights, no phrases: the cost is not worth it here
	doc.AddFieldMappingsAt(fieldConditions, cond)

	kw := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeTermVectors = false
		f.IncludeInAll = false
		f.DocValues = true // facets
		return f
	}
	// Numbers and dates are for range queries: searches sort on the
	// entries in memory, so no doc values.
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	date := func() *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false
		return f
	}
	for _, name := range []string{fieldProgramme, fieldPortalStatus, fieldKind, fieldType, fieldCallID, fieldTag, fieldPriority} {
		doc.AddFieldMappingsAt(name, kw())
	}
	doc.AddFieldMappingsAt(fieldBudgetMin, num())
	doc.AddFieldMappingsAt(fieldBudgetMax, num())
	doc.AddFieldMappingsAt(fieldDeadline, date())
	doc.AddFieldMappingsAt(fieldOpeningDate, date())

	m := bleve.NewIndexMapping()
	m.DefaultMapping = doc
	m.TypeMapping = nil
	m.DefaultAnalyzer = analyzerName
	m.DefaultField = fieldTitle // no _all field: every query names its field
	m.IndexDynamic = false
	m.StoreDynamic = false
	m.DocValuesDynamic = false
	m.ScoringModel = "bm25"
	return m
}

// document is what is indexed for a call. Empty fields are left out.
type document struct {
	Title      string   `json:"title,omitempty"`
	Keywords   []string `json:"keywords,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Scope      string   `json:"scope,omitempty"`
	Objective  string   `json:"objective,omitempty"`
	Impact     string   `json:"impact,omitempty"`
	Body       []string `json:"body,omitempty"`
	Conditions []string `json:"conditions,omitempty"`

	Programme    string   `json:"programme,omitempty"`
	PortalStatus string   `json:"portal_status,omitempty"`
	Kind         string   `json:"kind,omitempty"`
	Types        []string `json:"type_of_action,omitempty"`
	CallID       string   `json:"call_id,omitempty"`
	Tags         []string `json:"tag,omitempty"`
	Priorities   []string `json:"priority,omitempty"`

	BudgetMin *float64 `json:"budget_min,omitempty"`
	BudgetMax *float64 `json:"budget_max,omitempty"`

	Deadlines   []time.Time `json:"deadline,omitempty"`
	OpeningDate *time.Time  `json:"opening_date,omitempty"`
}

// newDocument maps a call to its indexed document.
func newDocument(c *funding.Call) document {
	d := document{
		Title:        c.Title,
		Keywords:     append(append([]string{}, c.Keywords...), c.Tags...),
		Programme:    c.Programme,
		PortalStatus: string(c.PortalStatus),
		Kind:         string(c.Kind),
		Types:        c.TypesOfAction,
		CallID:       c.CallID,
		Tags:         append(append([]string{}, c.Keywords...), c.Tags...),
		Priorities:   c.CrossCuttingPriorities,
		Deadlines:    c.Deadlines,
		OpeningDate:  c.OpeningDate,
	}
	for _, s := range c.Sections {
		switch sectionField(s.Title) {
		case fieldOutcome:
			d.Outcome = joinText(d.Outcome, s.Text)
		case fieldScope:
			d.Scope = joinText(d.Scope, s.Text)
		case fieldObjective:
			d.Objective = joinText(d.Objective, s.Text)
		case fieldImpact:
			d.Impact = joinText(d.Impact, s.Text)
		default:
			d.Body = append(d.Body, s.Text)
		}
	}
	for _, s := range c.Conditions {
		// Evaluation, financial and legal set-up are general annex text:
		// searching them finds every call.
		if !conditionSectionSkipped(s.Title) {
			d.Conditions = append(d.Conditions, s.Text)
		}
	}
	if lo, hi := budgetRange(c.Budget); lo > 0 {
		l, h := float64(lo), float64(hi)
		d.BudgetMin, d.BudgetMax = &l, &h
	}
	return d
}

// sectionField tells which field a description section is indexed in.
func sectionField(title string) string {
	t := strings.ToLower(title)
	switch {
	case strings.Contains(t, "outcome"):
		return fieldOutcome
	case strings.Contains(t, "scope"):
		return fieldScope
	case strings.Contains(t, "objective"):
		return fieldObjective
	case strings.Contains(t, "impact"):
		return fieldImpact
	}
	return fieldBody
}

func joinText(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

// budgetRange returns the call's [min, max] EUR per project, filling a
// missing end with the other; 0, 0 when nothing is published.
func budgetRange(b funding.Budget) (lo, hi int64) {
	lo, hi = b.MinContribution, b.MaxContribution
	if lo <= 0 {
		lo = hi
	}
	if hi <= 0 {
		hi = lo
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	return max(lo, 0), max(hi, 0)
}

// statusDates returns the times a call is open from and until, chosen so
// that for every time now, funding.Call.StatusAt(now) is closed when until
// < now, forthcoming when from > now and open otherwise.
func statusDates(c *funding.Call) (from, until time.Time) {
	from = dateLongAgo
	if c.OpeningDate != nil {
		from = *c.OpeningDate
	} else if c.PortalStatus == funding.StatusForthcoming {
		from = dateFarFuture // forthcoming until its deadline passes
	}
	switch {
	case c.PortalStatus == funding.StatusClosed:
		// Closed, unless it only opens later.
		until = dateLongAgo
		if c.OpeningDate != nil {
			until = *c.OpeningDate
		}
		if n := len(c.Deadlines); n > 0 && c.Deadlines[n-1].Before(until) {
			until = c.Deadlines[n-1]
		}
	case len(c.Deadlines) > 0:
		until = c.Deadlines[len(c.Deadlines)-1]
	case c.PortalStatus == "":
		until = dateLongAgo
	default:
		until = dateFarFuture // open with no deadline (continuous)
	}
	if from.After(until) {
		from = until
	}
	return from, until
}
