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
// 2: only the text is indexed. Filters, sorts and facets read the entries
// of the calls in memory (see entryQuery), so the keyword, number and date
// fields and their doc values went. The analyzer caches its stems.
const mappingVersion = 2

// Field names of the index: the texts of a call.
const (
	fieldTitle      = "title"
	fieldKeywords   = "keywords" // call keywords and tags, as text
	fieldOutcome    = "outcome"  // "Expected Outcome"
	fieldScope      = "scope"
	fieldObjective  = "objective"
	fieldImpact     = "impact" // "Expected Impact"
	fieldBody       = "body"   // any other description section
	fieldConditions = "conditions"
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

// document is what is indexed for a call: its texts. Empty fields are
// left out.
type document struct {
	Title      string   `json:"title,omitempty"`
	Keywords   []string `json:"keywords,omitempty"`
	Outcome    string   `json:"outcome,omitempty"`
	Scope      string   `json:"scope,omitempty"`
	Objective  string   `json:"objective,omitempty"`
	Impact     string   `json:"impact,omitempty"`
	Body       []string `json:"body,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
}

// newDocument maps a call to its indexed document.
func newDocument(c *funding.Call) document {
	d := document{
		Title:    c.Title,
		Keywords: append(append([]string{}, c.Keywords...), c.Tags...),
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
