package search

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"callmatch/funding"
	"callmatch/locale"
)

// MatchOptions tune Match.
type MatchOptions struct {
	Now   time.Time // default: the wall clock
	Limit int       // default 20, at most MaxSize
	// MinDaysToDeadline drops calls whose next deadline is closer than this
	// many days. 0 means the default, 14; a negative value only drops calls
	// whose deadline has passed.
	MinDaysToDeadline int
}

// DefaultMinDaysToDeadline is the deadline horizon of Match.
const DefaultMinDaysToDeadline = 14

// Weights of the profile's terms: keywords count most, then what the
// thesaurus derives from them, then domains, then the description.
const (
	weightKeyword        = 1.0
	weightKeywordConcept = 0.7
	weightDomain         = 0.45
	weightDescConcept    = 0.4
	weightDescWord       = 0.15
	maxSources           = 160
	maxDescriptionWords  = 20
	// maxDescriptionWordsBeside caps them when the profile has keywords or domains.
	maxDescriptionWordsBeside = 8
)

// matchFields are the fields a profile is matched against, with their
// boosts: a call keyword above the title above the description sections.
var matchFields = []struct {
	name   string
	boost  float64
	reason string // the field's name in Reason.Field
}{
	{fieldKeywords, 3, "keywords"},
	{fieldTitle, 2.5, "title"},
	{fieldOutcome, 1.2, "expected_outcome"},
	{fieldScope, 1.2, "scope"},
	{fieldObjective, 1.2, "objective"},
	{fieldImpact, 1, "expected_impact"},
	{fieldBody, 0.8, "description"},
}

// genericWords of profile descriptions that say nothing about a call.
var genericWords = []string{"we", "our", "company", "companies", "solution", "solutions", "service", "services",
	"provide", "providing", "offer", "offers", "client", "clients", "customer", "customers", "sme", "smes",
	"business", "businesses", "team", "teams", "based", "help", "helps", "work", "working", "year", "years",
	"also", "use", "using", "new", "european", "europe", "eu", "belgium", "belgian", "product", "products",
	"develop", "development", "project", "projects", "support", "including", "small", "medium", "large",
	"enterprise", "enterprises", "staff", "people", "run", "make", "organisation", "organisations",
	"organization", "organizations", "specialise", "specialised", "specialized", "expert", "experts", "expertise",
	"get", "gets", "getting", "give", "gives", "need", "needs", "want", "wants", "able", "many", "various", "every",
	"different", "well", "like", "way", "ways", "thing", "things", "good", "best", "great", "lot", "lots"}

// source is one thing of the profile looked for in the calls.
type source struct {
	kind    string // funding.ReasonKeyword, ReasonDomain or ReasonDescription
	term    string // the profile's keyword, domain slug or description word
	concept string // the thesaurus concept the term went through; "" when direct
	p       phrase
	weight  float64
	// bonus sources do not select candidates; when found they add a little
	// to the score (single description words beside keywords or domains:
	// common words, costly to look for in every call).
	bonus bool
}

// sources lists what to look for for profile p, strongest first, one per
// analyzed form.
func (ix *Index) sources(p *funding.Profile) []source {
	var out []source
	seen := map[string]int{}
	add := func(s source) {
		k := s.p.key()
		if k == "" || len(out) >= maxSources {
			return
		}
		if i, ok := seen[k]; ok {
			if s.weight > out[i].weight {
				out[i] = s
			}
			return
		}
		seen[k] = len(out)
		out = append(out, s)
	}
	var expansions []source
	for _, k := range p.Keywords {
		en, _ := ix.english(k) // a French or Dutch keyword is looked for in English
		var via string
		if !strings.EqualFold(en, k) {
			via = en
		}
		kp := analyze(ix.analyzer, en)
		add(source{kind: funding.ReasonKeyword, term: k, concept: via, p: kp, weight: weightKeyword})
		for _, x := range ix.th.expand(kp) {
			expansions = append(expansions, source{kind: funding.ReasonKeyword, term: k, concept: x.concept,
				p: analyze(ix.analyzer, x.concept), weight: weightKeywordConcept})
		}
	}
	for _, s := range expansions {
		add(s)
	}
	for _, slug := range p.Domains {
		for _, c := range ix.th.domains[slug] {
			add(source{kind: funding.ReasonDomain, term: slug, concept: c, p: analyze(ix.analyzer, c), weight: weightDomain})
		}
	}
	if p.Description != "" {
		desc, terms := ix.english(p.Description)
		from := newSourceOf(terms)
		dp := analyze(ix.analyzer, desc)
		for _, x := range ix.th.expand(dp) {
			term, _ := from.term(x.via)
			add(source{kind: funding.ReasonDescription, term: term, concept: x.concept,
				p: analyze(ix.analyzer, x.concept), weight: weightDescConcept})
		}
		generic := map[string]bool{}
		for _, w := range genericWords {
			generic[analyze(ix.analyzer, w).key()] = true
		}
		// Single words of the description weigh little and cost a lot
		// (they are common): few of them beside keywords or domains.
		maxWords := maxDescriptionWords
		if len(p.Keywords) > 0 || len(p.Domains) > 0 {
			maxWords = maxDescriptionWordsBeside
		}
		n := 0
		for _, w := range descriptionWords(ix, desc) {
			if n >= maxWords || generic[w.key()] || len(w.text) < 3 {
				continue
			}
			if _, dup := seen[w.key()]; dup {
				continue
			}
			term, via := from.term(w.text)
			add(source{kind: funding.ReasonDescription, term: term, concept: via, p: w, weight: weightDescWord,
				bonus: len(p.Keywords) > 0 || len(p.Domains) > 0})
			n++
		}
	}
	return out
}

// descriptionWords returns the distinct words of a description as
// one-term phrases, in order, keeping the word as written.
func descriptionWords(ix *Index, text string) []phrase {
	var out []phrase
	seen := map[string]bool{}
	for _, tok := range ix.analyzer.Analyze([]byte(text)) {
		t := string(tok.Term)
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, phrase{text: text[tok.Start:tok.End], terms: []string{t}})
	}
	return out
}

// clause is the query for one source over the match fields: its words
// in one field. Whether they form the phrase is checked on the term
// locations of the few candidates left (see findPhrase): phrase queries
// over the whole index cost far more.
func (s source) clause() query.Query {
	var qs []query.Query
	stems := s.p.stems()
	for _, f := range matchFields {
		boost := s.weight * f.boost
		if len(stems) == 1 {
			t := bleve.NewTermQuery(stems[0])
			t.SetField(f.name)
			t.SetBoost(boost)
			qs = append(qs, t)
			continue
		}
		ts := make([]query.Query, len(stems))
		for i, st := range stems {
			t := bleve.NewTermQuery(st)
			t.SetField(f.name)
			ts[i] = t
		}
		c := bleve.NewConjunctionQuery(ts...)
		c.SetBoost(boost)
		qs = append(qs, c)
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// Match ranks the calls open or forthcoming at o.Now for profile p, with
// the reasons of each match. Calls are dropped, never just ranked lower,
// when their next deadline has passed or is closer than the horizon, their
// budget range misses the profile's, their programme or type of action is
// not among the profile's, or the profile clearly fails an eligibility rule.
// Matches carry Curated nil: staff curations are merged by the caller.
func (ix *Index) Match(ctx context.Context, p *funding.Profile, o MatchOptions) ([]funding.Match, error) {
	if ix.closed.Load() {
		return nil, ErrClosed
	}
	if p == nil {
		return nil, fmt.Errorf("search: Match needs a profile")
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	limit := o.Limit
	if limit <= 0 {
		limit = DefaultSize
	}
	limit = min(limit, MaxSize)
	minDays := o.MinDaysToDeadline
	if minDays == 0 {
		minDays = DefaultMinDaysToDeadline
	}
	horizon := o.Now
	if minDays > 0 {
		horizon = o.Now.Add(time.Duration(minDays) * 24 * time.Hour)
	}

	pool := max(limit, matchPool)
	srcs := ix.sources(p)
	ix.mu.RLock()
	pm := ix.profileMeaning(p)
	ix.mu.RUnlock()
	if len(srcs) == 0 && pm == nil {
		return []funding.Match{}, nil
	}
	// The ranking by meaning reads only the vectors in memory: it runs
	// beside the search by words.
	var sem chan []semCandidate
	if pm != nil {
		sem = make(chan []semCandidate, 1)
		go func() {
			ix.mu.RLock()
			defer ix.mu.RUnlock()
			sem <- ix.byMeaningMatches(pm, p, o.Now, horizon)
		}()
	}
	var out []funding.Match
	if len(srcs) > 0 {
		var err error
		if out, err = ix.matchWords(ctx, p, srcs, o.Now, horizon, pool); err != nil {
			if sem != nil {
				<-sem
			}
			return nil, err
		}
	}
	if pm != nil {
		var err error
		if out, err = ix.withMeaning(ctx, pm, p, out, <-sem, o.Now); err != nil {
			return nil, err
		}
	}
	if len(out) > limit {
		out = out[:limit]
	}
	if len(out) > 0 { // scores relative to the best match, 0-100
		best := out[0].Score
		for i := range out {
			out[i].Score = math.Round(1000*out[i].Score/best) / 10
		}
	}
	return out, nil
}

// matchWords ranks the calls by the profile's words (sources): at most
// limit matches, each with the reasons a text of the call gave.
func (ix *Index) matchWords(ctx context.Context, p *funding.Profile, srcs []source, now, horizon time.Time, limit int) ([]funding.Match, error) {
	var loose []query.Query
	for _, s := range srcs {
		if !s.bonus {
			loose = append(loose, s.clause())
		}
	}
	b := bleve.NewBooleanQuery()
	b.AddShould(loose...)
	b.SetMinShould(1)
	eq := &entryQuery{ix: ix, q: b, keep: profileFilter(p, horizon)}

	// Phase 1 ranks candidates with loose clauses (the words of a phrase
	// in one field: cheap, no term positions) and applies the hard filters;
	// phase 2 fetches the term locations and texts of the survivors only,
	// to find the phrases and passages that explain them.
	var out []funding.Match
	pageSize := max(3*limit, 60)
	for from := 0; from < 10*pageSize && len(out) < limit; from += pageSize {
		req := bleve.NewSearchRequestOptions(eq, pageSize, from, false)
		req.SortByCustom(eq.byScore())
		n, err := ix.matchPage(ctx, eq, req, termQueries(srcs), p, srcs, now, horizon, limit, &out)
		if err != nil {
			return nil, err
		}
		if n < pageSize {
			break
		}
	}
	sortMatches(out)
	return out, nil
}

// withMeaning fuses the matches by words (best first) with the calls
// ranked by meaning (sem, see byMeaningMatches and fused); calls found by
// meaning only are added when they are close enough and a phrase of the
// profile explains them.
func (ix *Index) withMeaning(ctx context.Context, pm *profileMeaning, p *funding.Profile, words []funding.Match, sem []semCandidate, now time.Time) ([]funding.Match, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	have := make(map[string]int, len(words))
	for i, m := range words {
		have[m.CallID] = i
	}
	var need []semCandidate
	for _, c := range sem {
		if _, ok := have[c.e.id]; !ok && c.meaning >= matchMeaningMin {
			need = append(need, c)
		}
	}
	extra, err := ix.explainMeaning(ctx, pm, need, p, now)
	if err != nil {
		return nil, err
	}
	var lmax float64
	for _, m := range words {
		lmax = max(lmax, m.Score)
	}
	semAt := make(map[string]int, len(sem))
	for j, c := range sem {
		semAt[c.e.id] = j
	}
	rankOf := func(id string) (int, float64) {
		if j, ok := semAt[id]; ok {
			return j, sem[j].meaning
		}
		return -1, 0
	}
	out := make([]funding.Match, 0, len(words)+len(extra))
	for i, m := range words {
		sr, ss := rankOf(m.CallID)
		m.Score = ix.fused(i, m.Score, lmax, sr, ss)
		out = append(out, m)
	}
	for _, c := range sem {
		if m, ok := extra[c.e.id]; ok {
			sr, ss := rankOf(c.e.id)
			m.Score = ix.fused(-1, 0, lmax, sr, ss)
			out = append(out, m)
		}
	}
	sortMatches(out)
	return out, nil
}

func sortMatches(out []funding.Match) {
	slices.SortStableFunc(out, func(a, b funding.Match) int {
		switch {
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		case a.DaysLeft != b.DaysLeft:
			return a.DaysLeft - b.DaysLeft
		}
		return strings.Compare(a.CallID, b.CallID)
	})
}

// matchPage picks one page of candidates, keeps those that pass the hard
// filters, then explains them, best first, a few at a time, until out
// holds limit matches. It returns how many hits the page had.
func (ix *Index) matchPage(ctx context.Context, eq *entryQuery, req *bleve.SearchRequest, terms []query.Query, p *funding.Profile,
	srcs []source, now, horizon time.Time, limit int, out *[]funding.Match) (int, error) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("search: match: %w", err)
	}
	var cands []candidate
	for _, h := range res.Hits {
		if e := ix.calls[h.ID]; e != nil {
			if c, ok := admit(e, p, now, horizon); ok {
				c.score = h.Score
				cands = append(cands, c)
			}
		}
	}
	for len(cands) > 0 && len(*out) < limit {
		n := min(len(cands), limit-len(*out)+5)
		if err := ix.explain(ctx, cands[:n], terms, p, srcs, now, out); err != nil {
			return 0, err
		}
		cands = cands[n:]
	}
	return len(res.Hits), nil
}

// explain fetches the term locations and texts of the candidates and
// appends those with enough reasons to out.
func (ix *Index) explain(ctx context.Context, cands []candidate, terms []query.Query, p *funding.Profile,
	srcs []source, now time.Time, out *[]funding.Match) error {
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.e.id
	}
	q := bleve.NewBooleanQuery()
	q.AddMust(bleve.NewDocIDQuery(ids))
	q.AddShould(terms...)
	req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	req.IncludeLocations = true
	for _, f := range matchFields {
		req.Fields = append(req.Fields, f.name)
	}
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("search: match: %w", err)
	}
	located := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		located[h.ID] = h
	}
	for _, c := range cands {
		if h := located[c.e.id]; h != nil {
			if m, ok := explainMatch(c, h, p, srcs, now); ok {
				*out = append(*out, m)
			}
		}
	}
	return nil
}

// termQueries looks for every stem of the sources in every match field,
// once: what phase 2 needs to locate them.
func termQueries(srcs []source) []query.Query {
	var qs []query.Query
	seen := map[string]bool{}
	for _, s := range srcs {
		for _, st := range s.p.stems() {
			if seen[st] {
				continue
			}
			seen[st] = true
			for _, f := range matchFields {
				t := bleve.NewTermQuery(st)
				t.SetField(f.name)
				qs = append(qs, t)
			}
		}
	}
	return qs
}

// profileFilter selects the calls a profile can take: open long enough,
// of its programmes and types of action, in its budget range (a call with
// no published budget is kept: its fit is unknown).
func profileFilter(p *funding.Profile, horizon time.Time) func(*entry) bool {
	upper := func(vs []string) []string {
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = strings.ToUpper(v)
		}
		return out
	}
	programmes, types := upper(p.Programmes), upper(p.TypesOfAction)
	return func(e *entry) bool {
		switch {
		case e.openUntil.Before(horizon),
			len(programmes) > 0 && !slices.Contains(programmes, e.programme),
			len(types) > 0 && !slices.ContainsFunc(e.types, func(t string) bool { return slices.Contains(types, t) }),
			e.budgetMin > 0 && p.BudgetMin > 0 && e.budgetMax < p.BudgetMin,
			e.budgetMin > 0 && p.BudgetMax > 0 && e.budgetMin > p.BudgetMax:
			return false
		}
		return true
	}
}

// candidate is a call that passed the hard filters.
type candidate struct {
	e      *entry
	next   *time.Time
	checks []funding.EligibilityCheck
	score  float64
}

// admit applies the hard filters to one call.
func admit(e *entry, p *funding.Profile, now, horizon time.Time) (candidate, bool) {
	dates := e.dates()
	next := dates.NextDeadline(now)
	if next == nil && len(e.deadlines) > 0 {
		return candidate{}, false // every deadline passed
	}
	if next != nil && next.Before(horizon) {
		return candidate{}, false
	}
	if dates.StatusAt(now) == funding.StatusClosed {
		return candidate{}, false
	}
	if !budgetFits(e, p) ||
		(len(p.Programmes) > 0 && !slices.Contains(p.Programmes, e.programme)) ||
		(len(p.TypesOfAction) > 0 && !slices.ContainsFunc(e.types, func(t string) bool { return slices.Contains(p.TypesOfAction, t) })) {
		return candidate{}, false
	}
	checks := checkEligibility(e.rules, p, e.programme)
	for _, c := range checks {
		if c.Result == funding.EligibilityNotMet {
			return candidate{}, false
		}
	}
	if checks == nil {
		checks = []funding.EligibilityCheck{}
	}
	return candidate{e: e, next: next, checks: checks}, true
}

// explainMatch builds the match of an admitted call from its located hit.
func explainMatch(c candidate, h *bsearch.DocumentMatch, p *funding.Profile, srcs []source, now time.Time) (funding.Match, bool) {
	reasons, found, loose, bonus := textReasons(h, srcs)
	if !enoughReasons(reasons, p) || loose == 0 {
		return funding.Match{}, false
	}
	e := c.e
	m := funding.Match{
		CallID: e.id, Title: e.title, Programme: e.programme, Status: e.dates().StatusAt(now),
		// The loose score, for the share of it the phrases really make,
		// and a little more for each word of the description found.
		Score: c.score * found / loose * (1 + 0.05*float64(min(bonus, 4))), Deadline: c.next, BudgetMin: e.budgetMin, BudgetMax: e.budgetMax, URL: e.url,
		Eligibility: c.checks,
	}
	if c.next != nil {
		m.DaysLeft = int(c.next.Sub(now) / (24 * time.Hour))
	}
	m.Reasons = append(reasons, otherReasons(e, p, m, now)...)
	return m, true
}

// enoughReasons tells whether the text reasons make a match: at least one,
// and when the profile has keywords or domains, at least one that is more
// than a single word of its description ("share", "threat" alone match
// calls of any field).
func enoughReasons(reasons []funding.Reason, p *funding.Profile) bool {
	if len(reasons) == 0 {
		return false
	}
	if len(p.Keywords) == 0 && len(p.Domains) == 0 {
		return true
	}
	for _, r := range reasons {
		if r.Kind != funding.ReasonDescription || r.Concept != "" {
			return true
		}
	}
	return false
}

func budgetFits(e *entry, p *funding.Profile) bool {
	if e.budgetMax == 0 {
		return true
	}
	if p.BudgetMin > 0 && e.budgetMax < p.BudgetMin {
		return false
	}
	if p.BudgetMax > 0 && e.budgetMin > p.BudgetMax {
		return false
	}
	return true
}

// Caps on the text reasons of one match, by kind.
var reasonCaps = map[string]int{funding.ReasonKeyword: 8, funding.ReasonDomain: 4, funding.ReasonDescription: 4}

// textReasons says which of the profile's terms met the call, through which
// concept and in which passage, at most one reason per profile term. It
// also returns the weight of the sources found as phrases and of those
// whose words were at least all there, and how many bonus sources it found.
func textReasons(h *bsearch.DocumentMatch, srcs []source) (reasons []funding.Reason, found, loose float64, bonus int) {
	done := map[string]bool{}
	count := map[string]int{}
	for _, s := range srcs {
		var best *funding.Reason
		any := false
		for _, f := range matchFields {
			tlm := h.Locations[f.name]
			if !hasAll(tlm, s.p.stems()) {
				continue
			}
			any = true
			start, end, arr, ok := findPhrase(tlm, s.p)
			if !ok {
				continue
			}
			passage := passageOf(h.Fields[f.name], arr, int(start), int(end), f.name)
			if passage == "" {
				continue
			}
			best = &funding.Reason{
				Kind: s.kind, Term: s.term, Concept: s.concept, Field: f.reason,
				CallWords: callWords(h.Fields[f.name], arr, int(start), int(end)), Passage: passage,
			}
			best.Text = locale.English().Reason(*best)
			break
		}
		switch {
		case s.bonus:
			if best != nil {
				bonus++
			}
		case best != nil:
			found += s.weight
			loose += s.weight
		case any:
			loose += s.weight
		}
		key := s.kind + "\x00" + s.term
		if best == nil || done[key] || count[s.kind] >= reasonCaps[s.kind] {
			continue
		}
		done[key] = true
		count[s.kind]++
		reasons = append(reasons, *best)
	}
	return reasons, found, loose, bonus
}

func hasAll(tlm bsearch.TermLocationMap, stems []string) bool {
	if tlm == nil {
		return false
	}
	for _, st := range stems {
		if len(tlm[st]) == 0 {
			return false
		}
	}
	return true
}

// findPhrase finds the analyzed phrase p among the term locations of one
// field: the byte range of one occurrence and the array position it is in.
func findPhrase(tlm bsearch.TermLocationMap, p phrase) (start, end uint64, arr int, ok bool) {
	if tlm == nil {
		return 0, 0, 0, false
	}
	first := -1
	for i, t := range p.terms {
		if t != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return 0, 0, 0, false
	}
	for _, l := range tlm[p.terms[first]] {
		end := l.End
		found := true
		for j := first + 1; j < len(p.terms) && found; j++ {
			t := p.terms[j]
			if t == "" {
				continue
			}
			found = false
			for _, m := range tlm[t] {
				if m.Pos == l.Pos+uint64(j-first) && samePositions(m.ArrayPositions, l.ArrayPositions) {
					found, end = true, m.End
					break
				}
			}
		}
		if found {
			a := 0
			if len(l.ArrayPositions) > 0 {
				a = int(l.ArrayPositions[0])
			}
			return l.Start, end, a, true
		}
	}
	return 0, 0, 0, false
}

func samePositions(a, b bsearch.ArrayPositions) bool {
	return slices.Equal(a, b)
}

// passageOf returns the passage of a stored field value that holds the
// byte range [start, end) of its element arr: the keyword itself, the
// title, or the sentence of a section.
func passageOf(v any, arr, start, end int, field string) string {
	text := storedText(v, arr)
	if text == "" || start > len(text) {
		return ""
	}
	if field == fieldKeywords || field == fieldTitle {
		return text
	}
	return sentenceAt(text, start, min(end, len(text)))
}

// storedText is element arr of a stored field value (a string, or a
// list of them for a multi-valued field).
func storedText(v any, arr int) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if arr < len(x) {
			s, _ := x[arr].(string)
			return s
		}
	}
	return ""
}

// callWords are the words of a stored field value at the byte range
// [start, end) of its element arr: the call's words a profile term met.
func callWords(v any, arr, start, end int) string {
	text := storedText(v, arr)
	if start < 0 || start >= end || end > len(text) {
		return ""
	}
	return text[start:end]
}

// otherReasons: budget, deadline, programme, type of action and TRL, as
// data (locale says them; Text is the English).
func otherReasons(e *entry, p *funding.Profile, m funding.Match, now time.Time) []funding.Reason {
	var out []funding.Reason
	add := func(r funding.Reason) {
		r.Text = locale.English().Reason(r)
		out = append(out, r)
	}
	if e.budgetMax > 0 {
		r := funding.Reason{Kind: funding.ReasonBudget, Low: e.budgetMin, High: e.budgetMax, ProfileLow: p.BudgetMin, ProfileHigh: p.BudgetMax}
		switch {
		case p.BudgetMin > 0 && p.BudgetMax > 0:
			r.Fit = funding.FitWithin
			if e.budgetMin < p.BudgetMin || e.budgetMax > p.BudgetMax {
				r.Fit = funding.FitOverlapping
			}
		case p.BudgetMin > 0:
			r.Fit = funding.FitAboveMinimum
		case p.BudgetMax > 0:
			r.Fit = funding.FitWithinMaximum
		}
		add(r)
	}
	if m.Deadline != nil {
		r := funding.Reason{Kind: funding.ReasonDeadline, Deadline: m.Deadline, DaysLeft: m.DaysLeft}
		if m.Status == funding.StatusForthcoming {
			r.Fit = funding.FitForthcoming
		}
		add(r)
	} else {
		add(funding.Reason{Kind: funding.ReasonDeadline, Fit: funding.FitNoDeadline})
	}
	if len(p.Programmes) > 0 {
		add(funding.Reason{Kind: funding.ReasonProgramme, Term: e.programme})
	}
	if len(e.types) > 0 {
		r := funding.Reason{Kind: funding.ReasonTypeOfAction, Term: e.types[0], CallWords: strings.Join(e.types, ", ")}
		if len(p.TypesOfAction) > 0 {
			for _, t := range e.types {
				if slices.Contains(p.TypesOfAction, t) {
					r.Term = t
					break
				}
			}
			r.Fit = funding.FitWanted
		}
		add(r)
	}
	if p.TRL > 0 && e.trl != nil && e.trl.Max > 0 {
		lo, hi := e.trl.Min, e.trl.Max
		if lo == 0 {
			lo = hi
		}
		r := funding.Reason{Kind: funding.ReasonTRL, Term: strconv.Itoa(p.TRL), Passage: e.trl.Sentence, Low: int64(lo), High: int64(hi)}
		switch {
		case p.TRL > hi:
			r.Fit = funding.FitAhead
		case p.TRL+3 < lo:
			r.Fit = funding.FitFar
		}
		add(r)
	}
	return out
}
