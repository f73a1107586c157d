package search

import (
	"context"
	"fmt"
	"html"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"callmatch/funding"
)

// Query is a search for calls. Text is plain words and "quoted phrases";
// it is never handed to a query-string parser. Empty filters do not filter.
type Query struct {
	Text          string
	Programmes    []string // DIGITAL, HORIZON, OTHER
	Statuses      []string // open, forthcoming, closed: the status at Now
	Kinds         []string // topic, call-for-proposals, cascade
	TypesOfAction []string // RIA, IA, CSA...
	DeadlineFrom  time.Time
	DeadlineTo    time.Time // inclusive
	BudgetMin     int64     // calls that fund at least this per project
	BudgetMax     int64     // calls that fund at most this per project
	OpenNow       bool
	Sort          string // relevance (default), deadline (soonest first), budget (largest first)
	Page          int    // from 1
	Size          int    // default 20, at most MaxSize
	Now           time.Time
}

// Sort orders.
const (
	SortRelevance = "relevance"
	SortDeadline  = "deadline"
	SortBudget    = "budget"
)

// Limits on queries.
const (
	DefaultSize    = 20
	MaxSize        = 100
	MaxQueryLen    = 256 // bytes of Text that are read
	maxWords       = 12
	maxPhrases     = 6
	maxResultDepth = 10_000 // Page*Size beyond this returns no hits
)

// Facet names.
const (
	FacetProgramme    = "programme"
	FacetStatus       = "status"
	FacetTypeOfAction = "type_of_action"
	FacetKind         = "kind"
)

// Result is one page of a search.
type Result struct {
	Total  uint64                    `json:"total"`
	Hits   []Hit                     `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// Hit is one call found. Highlights are HTML fragments from the call text
// (matches in <mark>, the rest escaped; sanitize before use all the same);
// Snippets are the same fragments as plain text.
type Hit struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Programme  string              `json:"programme"`
	Status     funding.Status      `json:"status"`
	Deadline   *time.Time          `json:"deadline"`
	BudgetMin  int64               `json:"budget_min"`
	BudgetMax  int64               `json:"budget_max"`
	URL        string              `json:"url"`
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights,omitempty"`
	Snippets   map[string][]string `json:"-"`
}

// Search runs q. Bad filter values are reported as *funding.ValidationError.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	if ix.closed.Load() {
		return Result{}, ErrClosed
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	filter, err := q.filter()
	if err != nil {
		return Result{}, err
	}
	text := ix.textQuery(parseText(q.Text))
	var top query.Query
	switch {
	case text != nil && filter != nil:
		b := bleve.NewBooleanQuery()
		b.AddMust(text)
		b.AddFilter(filter)
		top = b
	case text != nil:
		top = text
	case filter != nil:
		b := bleve.NewBooleanQuery()
		b.AddFilter(filter)
		top = b
	default:
		top = bleve.NewMatchAllQuery()
	}

	size := q.Size
	if size <= 0 {
		size = DefaultSize
	}
	size = min(size, MaxSize)
	page := max(q.Page, 1)
	from := (page - 1) * size
	if from+size > maxResultDepth {
		from, size = 0, 0 // only the total and the facets
	}
	req := bleve.NewSearchRequestOptions(top, size, from, false)
	sortBy := q.Sort
	if sortBy == "" || (sortBy == SortRelevance && text == nil) {
		sortBy = SortRelevance
		if text == nil {
			sortBy = SortDeadline
		}
	}
	switch sortBy {
	case SortRelevance:
		req.SortBy([]string{"-_score", "_id"})
	case SortDeadline:
		req.SortByCustom(bsearch.SortOrder{
			&bsearch.SortField{Field: fieldNextDeadline, Type: bsearch.SortFieldAsDate, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		})
	case SortBudget:
		req.SortByCustom(bsearch.SortOrder{
			&bsearch.SortField{Field: fieldBudgetMax, Type: bsearch.SortFieldAsNumber, Desc: true, Missing: bsearch.SortFieldMissingLast},
			&bsearch.SortDocID{},
		})
	default:
		return Result{}, &funding.ValidationError{Field: "sort", Message: "must be relevance, deadline or budget"}
	}
	if text != nil {
		req.Highlight = bleve.NewHighlightWithStyle("html")
		req.Highlight.Fields = highlightFields
	}
	for _, f := range []string{fieldProgramme, fieldType, fieldKind} {
		req.AddFacet(f, bleve.NewFacetRequest(f, 50))
	}
	closed := bleve.NewFacetRequest(fieldOpenUntil, 1)
	closed.AddDateTimeRange("closed", time.Time{}, q.Now)
	req.AddFacet("_closed", closed)
	forthcoming := bleve.NewFacetRequest(fieldOpenFrom, 1)
	forthcoming.AddDateTimeRange("forthcoming", q.Now.Add(time.Nanosecond), time.Time{})
	req.AddFacet("_forthcoming", forthcoming)

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	out := Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits)), Facets: facets(res, q.Now)}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, ix.hit(h, q.Now))
	}
	return out, nil
}

func (ix *Index) hit(h *bsearch.DocumentMatch, now time.Time) Hit {
	hit := Hit{ID: h.ID, Score: h.Score}
	if e := ix.calls[h.ID]; e != nil {
		hit.Title, hit.Programme, hit.URL = e.title, e.programme, e.url
		hit.Status = e.dates().StatusAt(now)
		hit.Deadline = e.dates().NextDeadline(now)
		hit.BudgetMin, hit.BudgetMax = e.budgetMin, e.budgetMax
	}
	if len(h.Fragments) > 0 {
		hit.Highlights = make(map[string][]string, len(h.Fragments))
		hit.Snippets = make(map[string][]string, len(h.Fragments))
		for f, frags := range h.Fragments {
			hit.Highlights[f] = frags
			for _, fr := range frags {
				hit.Snippets[f] = append(hit.Snippets[f], PlainText(fr))
			}
		}
	}
	return hit
}

// PlainText turns a highlight fragment into plain text.
func PlainText(fragment string) string {
	s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fragment)
	return html.UnescapeString(s)
}

func facets(res *bleve.SearchResult, now time.Time) map[string]map[string]int {
	out := map[string]map[string]int{}
	for name, f := range res.Facets {
		if f.Terms == nil || strings.HasPrefix(name, "_") {
			continue
		}
		m := map[string]int{}
		for _, t := range f.Terms.Terms() {
			m[t.Term] = t.Count
		}
		out[name] = m
	}
	count := func(name string) int {
		if f := res.Facets[name]; f != nil {
			for _, r := range f.DateRanges {
				return r.Count
			}
		}
		return 0
	}
	closed, forthcoming := count("_closed"), count("_forthcoming")
	status := map[string]int{}
	if closed > 0 {
		status[string(funding.StatusClosed)] = closed
	}
	if forthcoming > 0 {
		status[string(funding.StatusForthcoming)] = forthcoming
	}
	if open := int(res.Total) - closed - forthcoming; open > 0 {
		status[string(funding.StatusOpen)] = open
	}
	out[FacetStatus] = status
	return out
}

// filter builds the filters of q; nil when there are none.
func (q Query) filter() (query.Query, error) {
	var must []query.Query
	terms := func(field string, values []string, norm func(string) string) query.Query {
		var qs []query.Query
		for _, v := range values {
			if v = norm(strings.TrimSpace(v)); v != "" {
				t := bleve.NewTermQuery(v)
				t.SetField(field)
				qs = append(qs, t)
			}
		}
		if len(qs) == 0 {
			return nil
		}
		return bleve.NewDisjunctionQuery(qs...)
	}
	for _, f := range []query.Query{
		terms(fieldProgramme, q.Programmes, strings.ToUpper),
		terms(fieldKind, q.Kinds, strings.ToLower),
		terms(fieldType, q.TypesOfAction, strings.ToUpper),
	} {
		if f != nil {
			must = append(must, f)
		}
	}
	if len(q.Statuses) > 0 {
		var qs []query.Query
		for _, s := range q.Statuses {
			sq, err := statusQuery(funding.Status(strings.ToLower(strings.TrimSpace(s))), q.Now)
			if err != nil {
				return nil, err
			}
			qs = append(qs, sq)
		}
		must = append(must, bleve.NewDisjunctionQuery(qs...))
	}
	if q.OpenNow {
		sq, _ := statusQuery(funding.StatusOpen, q.Now)
		must = append(must, sq)
	}
	if !q.DeadlineFrom.IsZero() || !q.DeadlineTo.IsZero() {
		if !q.DeadlineFrom.IsZero() && !q.DeadlineTo.IsZero() && q.DeadlineTo.Before(q.DeadlineFrom) {
			return nil, &funding.ValidationError{Field: "deadline_to", Message: "is before deadline_from"}
		}
		for _, t := range []time.Time{q.DeadlineFrom, q.DeadlineTo} {
			if !t.IsZero() && (t.Year() < 1700 || t.Year() > 2200) {
				return nil, &funding.ValidationError{Field: "deadline_from", Message: "date out of range"}
			}
		}
		must = append(must, dateRange(fieldDeadline, q.DeadlineFrom, q.DeadlineTo, true, true))
	}
	if q.BudgetMin < 0 || q.BudgetMax < 0 || (q.BudgetMax > 0 && q.BudgetMin > q.BudgetMax) {
		return nil, &funding.ValidationError{Field: "budget_min", Message: "budget range is not valid"}
	}
	if q.BudgetMin > 0 {
		v := float64(q.BudgetMin)
		r := bleve.NewNumericRangeInclusiveQuery(&v, nil, boolPtr(true), nil)
		r.SetField(fieldBudgetMax)
		must = append(must, r)
	}
	if q.BudgetMax > 0 {
		v := float64(q.BudgetMax)
		r := bleve.NewNumericRangeInclusiveQuery(nil, &v, nil, boolPtr(true))
		r.SetField(fieldBudgetMin)
		must = append(must, r)
	}
	switch len(must) {
	case 0:
		return nil, nil
	case 1:
		return must[0], nil
	}
	return bleve.NewConjunctionQuery(must...), nil
}

// statusQuery selects the calls that have status s at now (see statusDates).
func statusQuery(s funding.Status, now time.Time) (query.Query, error) {
	switch s {
	case funding.StatusClosed:
		return dateRange(fieldOpenUntil, time.Time{}, now, false, false), nil
	case funding.StatusForthcoming:
		return dateRange(fieldOpenFrom, now, time.Time{}, false, false), nil
	case funding.StatusOpen:
		return bleve.NewConjunctionQuery(
			dateRange(fieldOpenFrom, time.Time{}, now, false, true),
			dateRange(fieldOpenUntil, now, time.Time{}, true, false),
		), nil
	}
	return nil, &funding.ValidationError{Field: "status", Message: fmt.Sprintf("unknown status %q (use open, forthcoming or closed)", truncate(string(s), 20))}
}

func dateRange(field string, start, end time.Time, startIncl, endIncl bool) query.Query {
	q := bleve.NewDateRangeInclusiveQuery(start, end, boolPtr(startIncl), boolPtr(endIncl))
	q.SetField(field)
	return q
}

func boolPtr(b bool) *bool { return &b }

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// parsedText is the user's text cut into words and quoted phrases.
type parsedText struct {
	words   []string
	phrases []string
}

// parseText reads plain words and "quoted phrases". Nothing else is syntax:
// -, :, *, / and the like are just text, and an unclosed quote reads as words.
func parseText(s string) parsedText {
	if len(s) > MaxQueryLen {
		s = s[:MaxQueryLen]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	var out parsedText
	addWords := func(t string) {
		for _, w := range strings.FieldsFunc(t, unicode.IsSpace) {
			if len(out.words) < maxWords {
				out.words = append(out.words, w)
			}
		}
	}
	for {
		i := strings.IndexAny(s, "\"“”")
		if i < 0 {
			addWords(s)
			return out
		}
		addWords(s[:i])
		_, n := utf8.DecodeRuneInString(s[i:])
		rest := s[i+n:]
		j := strings.IndexAny(rest, "\"“”")
		if j < 0 { // unbalanced: the rest is words
			addWords(rest)
			return out
		}
		if p := strings.TrimSpace(rest[:j]); p != "" && len(out.phrases) < maxPhrases {
			out.phrases = append(out.phrases, p)
		}
		_, n = utf8.DecodeRuneInString(rest[j:])
		s = rest[j+n:]
	}
}

// fuzzyMinLetters is the shortest word that gets typo tolerance.
const fuzzyMinLetters = 5

// textQuery turns the parsed text into a query over the boosted text
// fields; nil when nothing searchable is left (stop words, punctuation).
func (ix *Index) textQuery(t parsedText) query.Query {
	var wordQs, must []query.Query
	for _, w := range t.words {
		p := analyze(ix.analyzer, w)
		switch len(p.stems()) {
		case 0: // a stop word or punctuation
			continue
		case 1:
			wordQs = append(wordQs, ix.termAnyField(p.stems()[0], letters(w) >= fuzzyMinLetters))
		default: // "post-quantum", "AI-driven": a phrase of its own
			wordQs = append(wordQs, ix.phraseAnyField(p))
		}
	}
	for _, ph := range t.phrases {
		p := analyze(ix.analyzer, ph)
		switch len(p.stems()) {
		case 0:
			continue
		case 1:
			must = append(must, ix.termAnyField(p.stems()[0], false))
		default:
			must = append(must, ix.phraseAnyField(p))
		}
	}
	if n := len(wordQs); n > 0 {
		// Every word of a short query must match; a long one may miss a few.
		need := n
		if n > 3 {
			need = n - (n-1)/3
		}
		d := bleve.NewDisjunctionQuery(wordQs...)
		d.SetMin(float64(need))
		must = append(must, d)
	}
	switch len(must) {
	case 0:
		return nil
	case 1:
		return must[0]
	}
	return bleve.NewConjunctionQuery(must...)
}

func letters(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// termAnyField matches an analyzed term in any text field, exact matches
// above near ones.
func (ix *Index) termAnyField(term string, fuzzy bool) query.Query {
	var qs []query.Query
	for _, f := range textFields {
		t := bleve.NewTermQuery(term)
		t.SetField(f.name)
		t.SetBoost(f.boost)
		qs = append(qs, t)
		if fuzzy && f.boost >= 1.5 { // near words: in the main fields only, they are costly
			fz := bleve.NewFuzzyQuery(term)
			fz.SetField(f.name)
			fz.SetFuzziness(1)
			fz.SetBoost(f.boost * 0.3)
			qs = append(qs, fz)
		}
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// phraseAnyField matches an analyzed phrase in any text field.
func (ix *Index) phraseAnyField(p phrase) query.Query {
	var qs []query.Query
	for _, f := range textFields {
		mp := query.NewMultiPhraseQuery(p.multi(), f.name)
		mp.SetBoost(f.boost)
		qs = append(qs, mp)
	}
	return bleve.NewDisjunctionQuery(qs...)
}
