package search

import (
	"context"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"callmatch/funding"
	"callmatch/search/glossary"
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
	NoHighlights  bool // the hits without highlights and snippets (exports)

	// DeadlineWithin (days, 0: no window) keeps the open or forthcoming
	// calls whose next deadline falls between Now and Now + the days.
	DeadlineWithin int
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
	// Corrections are the words of the text searched with near words too
	// (typo tolerance), in the order of the text.
	Corrections []Correction `json:"-"`
	// Related are the rare words of the text searched with the calls'
	// words nearest in meaning too.
	Related []Related `json:"-"`
	// Translated are the French or Dutch words of the text, searched as
	// their English words.
	Translated []glossary.Term `json:"-"`
	// Closest says that no call holds every word: the hits are those that
	// come closest, by the words they hold and by meaning.
	Closest bool `json:"-"`
}

// Correction is a word of the search text that was also searched as the
// near words of the calls' vocabulary.
type Correction struct {
	Word string   // as typed
	Near []string // as written in the calls, nearest first
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
	keep, err := q.filter()
	if err != nil {
		return Result{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	english, translated := ix.englishQuery(q.Text)
	tq, err := ix.textQuery(parseText(english))
	if err != nil {
		return Result{}, err
	}
	tq.translated = translated
	text, corrected := tq.strict, tq.corrected
	id := identifierQuery(q.Text)
	if id != nil && text != nil {
		text = bleve.NewDisjunctionQuery(id, text)
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
	if (q.Sort == "" || q.Sort == SortRelevance) && tq.strict != nil && id == nil {
		return ix.searchByRelevance(ctx, q, tq, keep, from, size)
	}
	fc := newFacetCounter(q.Now)
	eq := &entryQuery{ix: ix, q: text, keep: keep, seen: fc.add}

	req := bleve.NewSearchRequestOptions(eq, size, from, false)
	sortBy := q.Sort
	if sortBy == "" || (sortBy == SortRelevance && text == nil) {
		sortBy = SortRelevance
		if text == nil {
			sortBy = SortDeadline
		}
	}
	switch sortBy {
	case SortRelevance:
		req.SortByCustom(eq.byScore())
	case SortDeadline:
		req.SortByCustom(eq.byNextDeadline(q.Now))
	case SortBudget:
		req.SortByCustom(eq.byBudget())
	default:
		return Result{}, &funding.ValidationError{Field: "sort", Message: "must be relevance, deadline or budget"}
	}

	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	out := Result{Total: res.Total, Hits: make([]Hit, 0, len(res.Hits)), Facets: fc.result(), Corrections: corrected, Related: tq.related, Translated: translated}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, ix.hit(h, q.Now))
	}
	if text != nil && len(res.Hits) > 0 && !q.NoHighlights {
		if err := ix.highlight(ctx, text, out.Hits); err != nil {
			return Result{}, err
		}
	}
	return out, nil
}

// highlight adds the highlights of the text query to the hits of a page.
// It is a second search, restricted to those hits: highlights need the
// term locations of the hits, and reading them for every call the query
// matches, as one search would, costs more than searching again.
func (ix *Index) highlight(ctx context.Context, text query.Query, hits []Hit) error {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), text), len(ids), 0, false)
	req.Highlight = bleve.NewHighlightWithStyle("html")
	req.Highlight.Fields = highlightFields
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("search: highlight: %w", err)
	}
	frags := make(map[string]bsearch.FieldFragmentMap, len(res.Hits))
	for _, h := range res.Hits {
		frags[h.ID] = h.Fragments
	}
	for i := range hits {
		setFragments(&hits[i], frags[hits[i].ID])
	}
	return nil
}

func (ix *Index) hit(h *bsearch.DocumentMatch, now time.Time) Hit {
	if e := ix.calls[h.ID]; e != nil {
		return ix.entryHit(e, h.Score, now)
	}
	return Hit{ID: h.ID, Score: h.Score}
}

// setFragments sets the highlights and snippets of a hit.
func setFragments(hit *Hit, fragments bsearch.FieldFragmentMap) {
	if len(fragments) == 0 {
		return
	}
	hit.Highlights = make(map[string][]string, len(fragments))
	hit.Snippets = make(map[string][]string, len(fragments))
	for f, frags := range fragments {
		hit.Highlights[f] = frags
		for _, fr := range frags {
			hit.Snippets[f] = append(hit.Snippets[f], PlainText(fr))
		}
	}
}

// PlainText turns a highlight fragment into plain text.
func PlainText(fragment string) string {
	s := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(fragment)
	return html.UnescapeString(s)
}

// filter returns the test of q's filters on a call's entry; nil when
// there are none. The tests are those the index fields would make:
// keyword terms, the status dates (see statusDates), any deadline in the
// range, the budget range of calls that publish one.
func (q Query) filter() (func(*entry) bool, error) {
	var tests []func(*entry) bool
	values := func(vs []string, norm func(string) string) []string {
		var out []string
		for _, v := range vs {
			if v = norm(strings.TrimSpace(v)); v != "" {
				out = append(out, v)
			}
		}
		return out
	}
	if ps := values(q.Programmes, strings.ToUpper); len(ps) > 0 {
		tests = append(tests, func(e *entry) bool { return slices.Contains(ps, e.programme) })
	}
	if ks := values(q.Kinds, strings.ToLower); len(ks) > 0 {
		tests = append(tests, func(e *entry) bool { return slices.Contains(ks, string(e.kind)) })
	}
	if ts := values(q.TypesOfAction, strings.ToUpper); len(ts) > 0 {
		tests = append(tests, func(e *entry) bool {
			return slices.ContainsFunc(e.types, func(t string) bool { return slices.Contains(ts, t) })
		})
	}
	now := q.Now
	if len(q.Statuses) > 0 {
		want := map[funding.Status]bool{}
		for _, s := range q.Statuses {
			st := funding.Status(strings.ToLower(strings.TrimSpace(s)))
			switch st {
			case funding.StatusOpen, funding.StatusForthcoming, funding.StatusClosed:
				want[st] = true
			default:
				return nil, &funding.ValidationError{Field: "status", Message: fmt.Sprintf("unknown status %q (use open, forthcoming or closed)", truncate(string(st), 20))}
			}
		}
		tests = append(tests, func(e *entry) bool { return want[e.statusAt(now)] })
	}
	if q.OpenNow {
		tests = append(tests, func(e *entry) bool { return e.statusAt(now) == funding.StatusOpen })
	}
	if from, to := q.DeadlineFrom, q.DeadlineTo; !from.IsZero() || !to.IsZero() {
		if !from.IsZero() && !to.IsZero() && to.Before(from) {
			return nil, &funding.ValidationError{Field: "deadline_to", Message: "is before deadline_from"}
		}
		for _, t := range []time.Time{from, to} {
			if !t.IsZero() && (t.Year() < 1700 || t.Year() > 2200) {
				return nil, &funding.ValidationError{Field: "deadline_from", Message: "date out of range"}
			}
		}
		tests = append(tests, func(e *entry) bool {
			return slices.ContainsFunc(e.deadlines, func(d time.Time) bool {
				return (from.IsZero() || !d.Before(from)) && (to.IsZero() || !d.After(to))
			})
		})
	}
	if q.DeadlineWithin != 0 {
		w, err := q.deadlineWindow()
		if err != nil {
			return nil, err
		}
		tests = append(tests, w)
	}
	if q.BudgetMin < 0 || q.BudgetMax < 0 || (q.BudgetMax > 0 && q.BudgetMin > q.BudgetMax) {
		return nil, &funding.ValidationError{Field: "budget_min", Message: "budget range is not valid"}
	}
	if lo := q.BudgetMin; lo > 0 { // budget_max >= lo
		tests = append(tests, func(e *entry) bool { return e.budgetMin > 0 && e.budgetMax >= lo })
	}
	if hi := q.BudgetMax; hi > 0 { // budget_min <= hi
		tests = append(tests, func(e *entry) bool { return e.budgetMin > 0 && e.budgetMin <= hi })
	}
	switch len(tests) {
	case 0:
		return nil, nil
	case 1:
		return tests[0], nil
	}
	return func(e *entry) bool {
		for _, t := range tests {
			if !t(e) {
				return false
			}
		}
		return true
	}, nil
}

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

// textQuery is the parsed text as queries over the boosted text fields.
type textQuery struct {
	// strict holds every word of a short text (a long one may miss a
	// few) and every quoted phrase: what a call must say to be a plain hit.
	strict query.Query
	// loose holds any of the words (and still every quoted phrase): the
	// calls that come closest when none says everything.
	loose query.Query
	// pairs are the words (stems) that stand side by side in the text:
	// calls where they stand side by side too score higher (scoreNear).
	pairs [][2]string
	// concepts look for the thesaurus's concepts of the words ("ethical
	// hacking" is "penetration testing" in the calls): see withConcepts.
	concepts  []query.Query
	words     int // searchable words and phrases
	corrected []Correction
	related   []Related
	english   string // the text for the meaning side
	// translated are the French or Dutch words searched in English.
	translated []glossary.Term
}

// Related is a word of the search text that was also searched as the
// calls' words nearest to it in meaning (a rare or unknown word).
type Related struct {
	Word string
	Near []string
}

// textQuery turns the parsed text into queries over the boosted text
// fields; strict is nil when nothing searchable is left (stop words,
// punctuation). The caller holds ix.mu (read).
func (ix *Index) textQuery(t parsedText) (textQuery, error) {
	var out textQuery
	var wordQs, must []query.Query
	var sp *speller
	var prev string
	for _, w := range t.words {
		p := analyze(ix.analyzer, w)
		switch len(p.stems()) {
		case 0: // a stop word or punctuation
			continue
		case 1:
			stem := p.stems()[0]
			var near []weightedTerm
			if letters(w) >= typoMinLetters {
				if sp == nil {
					var err error
					if sp, err = ix.newSpeller(); err != nil {
						return textQuery{}, err
					}
					defer sp.Close()
				}
				cs, err := sp.corrections(w, stem)
				if err != nil {
					return textQuery{}, err
				}
				if len(cs) > 0 {
					c := Correction{Word: w}
					for _, x := range cs {
						near = append(near, weightedTerm{x.stem, correctionBoost})
						c.Near = append(c.Near, x.word)
					}
					out.corrected = append(out.corrected, c)
				}
				rel, err := ix.related(sp, w, stem)
				if err != nil {
					return textQuery{}, err
				}
				if len(rel) > 0 {
					r := Related{Word: w}
					for _, x := range rel {
						if !slices.ContainsFunc(near, func(n weightedTerm) bool { return n.term == x.stem }) {
							near = append(near, weightedTerm{x.stem, x.weight})
							r.Near = append(r.Near, x.word)
						}
					}
					if len(r.Near) > 0 {
						out.related = append(out.related, r)
					}
				}
			}
			wordQs = append(wordQs, ix.termAnyField(stem, near))
			if prev != "" && prev != stem {
				out.pairs = append(out.pairs, [2]string{prev, stem})
			}
			prev = stem
		default: // "post-quantum", "AI-driven": a phrase of its own
			wordQs = append(wordQs, ix.phraseAnyField(p))
			prev = ""
		}
	}
	for _, ph := range t.phrases {
		p := analyze(ix.analyzer, ph)
		switch len(p.stems()) {
		case 0:
			continue
		case 1:
			must = append(must, ix.termAnyField(p.stems()[0], nil))
		default:
			must = append(must, ix.phraseAnyField(p))
		}
	}
	out.english = strings.Join(append(slices.Clone(t.words), t.phrases...), " ")
	for _, c := range out.corrected { // a typo means its nearest word
		out.english += " " + c.Near[0]
	}
	out.words = len(wordQs) + len(must)
	if out.words == 0 {
		return out, nil
	}
	strict, loose := slices.Clone(must), slices.Clone(must)
	if n := len(wordQs); n > 0 {
		// Every word of a short query must match; a long one may miss a few.
		need := n
		if n > 3 {
			need = n - (n-1)/3
		}
		d := bleve.NewDisjunctionQuery(wordQs...)
		d.SetMin(float64(need))
		strict = append(strict, d)
		any := bleve.NewDisjunctionQuery(wordQs...)
		loose = append(loose, any)
	}
	out.strict, out.loose = conjunction(strict), conjunction(loose)
	if len(t.phrases) == 0 {
		// The thesaurus's concepts of the words ("ethical hacking" is
		// "penetration testing" in the calls): a call that says one is a hit.
		out.concepts = ix.conceptQueries(t.words)
	}
	return out, nil
}

// withConcepts makes q find the calls that say one of the concepts too.
func (tq textQuery) withConcepts(q query.Query) query.Query {
	if len(tq.concepts) == 0 || q == nil {
		return q
	}
	return bleve.NewDisjunctionQuery(append([]query.Query{q}, tq.concepts...)...)
}

// conceptQueries look for the thesaurus concepts of the words in the
// main text fields, below the words themselves: at most maxConcepts.
func (ix *Index) conceptQueries(words []string) []query.Query {
	var qs []query.Query
	for _, x := range ix.th.expand(analyze(ix.analyzer, strings.Join(words, " "))) {
		if len(qs) >= maxConcepts {
			break
		}
		p := analyze(ix.analyzer, x.concept)
		if len(p.stems()) == 0 {
			continue
		}
		// The words of the concept in one field, not the phrase: phrase
		// searches over the whole index cost far more, and the concept's
		// words together in one section say much the same.
		var fqs []query.Query
		for _, f := range textFields[:conceptFields] {
			ts := make([]query.Query, 0, len(p.stems()))
			for _, st := range p.stems() {
				t := bleve.NewTermQuery(st)
				t.SetField(f.name)
				ts = append(ts, t)
			}
			c := conjunction(ts)
			c.(query.BoostableQuery).SetBoost(f.boost * conceptBoost)
			fqs = append(fqs, c)
		}
		qs = append(qs, bleve.NewDisjunctionQuery(fqs...))
	}
	return qs
}

// conceptBoost is the weight of a thesaurus concept of the text; concepts
// are looked for in the first conceptFields text fields (title, keywords
// and the main sections: not the other sections and the conditions).
const (
	conceptBoost  = 0.5
	conceptFields = 6
	maxConcepts   = 16
	// nearFields are the fields where words side by side are looked for:
	// every text field but the conditions.
	nearFields = 7
	// conceptMinHits: a text whose words find fewer calls than this is
	// searched with its concepts too; one that finds more has enough.
	conceptMinHits = 20
)

// nearBoost: a hit whose fields hold every pair of the text's side-by-side
// words side by side scores this share of the best hit's score more (in
// proportion for some pairs).
const nearBoost = 1.0

func conjunction(qs []query.Query) query.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewConjunctionQuery(qs...)
}

// englishQuery carries a French or Dutch search text over to English,
// words and quoted phrases apart; English text comes back as it is.
func (ix *Index) englishQuery(text string) (string, []glossary.Term) {
	t := parseText(text)
	all := strings.Join(append(slices.Clone(t.words), t.phrases...), " ")
	if strings.TrimSpace(all) == "" {
		return text, nil
	}
	lang := ix.gl.Detect(all)
	if lang == "en" {
		return text, nil
	}
	en, terms := ix.gl.Translate(strings.Join(t.words, " "), lang)
	var b strings.Builder
	b.WriteString(en)
	for _, ph := range t.phrases {
		pe, pt := ix.gl.Translate(ph, lang)
		terms = append(terms, pt...)
		b.WriteString(` "` + pe + `"`)
	}
	return b.String(), terms
}

// identifierQuery finds, above everything else, the call whose portal
// identifier is the text typed and the topics of the call identifier
// typed ("HORIZON-CL3-2026-02-CS-ECCC-01", "horizon-cl3-2026-02"): NCC
// staff paste identifiers. Nil when the text cannot be one.
func identifierQuery(text string) query.Query {
	t := strings.TrimSpace(text)
	if len(t) < 4 || len(t) > 200 || strings.ContainsAny(t, " \t\"“”") ||
		!strings.ContainsAny(t, "-_./") || !strings.ContainsAny(t, "0123456789") {
		return nil
	}
	var qs []query.Query
	for _, v := range slices.Compact([]string{t, strings.ToUpper(t)}) {
		id := bleve.NewDocIDQuery([]string{v})
		id.SetBoost(identifierBoost)
		call := bleve.NewTermQuery(v)
		call.SetField(fieldCallID)
		call.SetBoost(identifierBoost / 2)
		qs = append(qs, id, call)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// identifierBoost puts a call found by its identifier above those that
// mention it.
const identifierBoost = 100

func letters(w string) int {
	n := 0
	for _, r := range w {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// weightedTerm is a stem searched in place of a word, at a weight below 1.
type weightedTerm struct {
	term   string
	weight float64
}

// termAnyField matches an analyzed term in any text field, and below it
// the near stems of a misspelled word (speller.corrections) and those
// nearest in meaning (related).
func (ix *Index) termAnyField(term string, near []weightedTerm) query.Query {
	var qs []query.Query
	for _, f := range textFields {
		t := bleve.NewTermQuery(term)
		t.SetField(f.name)
		t.SetBoost(f.boost)
		qs = append(qs, t)
		for _, n := range near {
			c := bleve.NewTermQuery(n.term)
			c.SetField(f.name)
			c.SetBoost(f.boost * n.weight)
			qs = append(qs, c)
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
