package search

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"callmatch/search/vectors"
)

// Searches by relevance fuse two rankings of the calls that pass the
// filters: the words (BM25 over the boosted text fields, words side by side
// in the text scoring higher side by side in a call) and the meaning (the
// cosine of the text's vector and the call's best passage, semantic.go).
// A call that holds every word is a hit; the meaning adds the calls closest
// to the text that clear semAdd. When no call holds every word, the calls
// holding some of them and those closest in meaning (above semClosest) are
// the hits, and the result says so (Closest). Matching fuses the same way.
//
// Two fusions were measured on the relevance sets (README): a weighted sum
// of the words' score relative to the best hit and of the meaning's cosine
// (the default, chosen on the development set), and reciprocal-rank fusion.
const (
	fuseK      = 60  // reciprocal rank: 1/(fuseK+rank)
	fuseWeight = 0.5 // the meaning's share of the fused score
	fuseDepth  = 100 // hits of each ranking fused, at least
	nearDepth  = 40  // hits scored again for words side by side
	semPool    = 200 // calls whose passages are scored, by their whole vector first
	semAdd     = 0.55
	semClosest = 0.35
	// semFloor hits at least, by meaning, when nothing else is found and
	// the text has known words: a search never ends in nothing.
	semFloor = 10
)

// fusion is how the words' and the meaning's rankings are fused.
type fusion int

const (
	fuseWeighted   fusion = iota // weighted sum of the scores (default)
	fuseReciprocal               // reciprocal-rank fusion, measured beside it
)

// fused is the fused score of a call at rank lr (from 0; -1 when absent)
// of the words' ranking, with score ls of the best lmax, and at rank sr of
// the meaning's with cosine ss.
func (ix *Index) fused(lr int, ls, lmax float64, sr int, ss float64) float64 {
	var f float64
	if ix.opt.fusion == fuseReciprocal {
		if lr >= 0 {
			f += (1 - fuseWeight) / float64(fuseK+lr+1)
		}
		if sr >= 0 {
			f += fuseWeight / float64(fuseK+sr+1)
		}
		return f
	}
	if lr >= 0 && lmax > 0 {
		f += (1 - fuseWeight) * ls / lmax
	}
	if sr >= 0 {
		f += fuseWeight * max(0, ss)
	}
	return f
}

type ranked struct {
	e     *entry
	score float64
}

func (ix *Index) searchByRelevance(ctx context.Context, q Query, tq textQuery, keep func(*entry) bool, from, size int) (Result, error) {
	depth := max(from+size, fuseDepth)
	var fc *facetCounter
	lexical := func(text query.Query) ([]ranked, uint64, error) {
		fc = newFacetCounter(q.Now)
		eq := &entryQuery{ix: ix, q: text, keep: keep, seen: fc.add}
		req := bleve.NewSearchRequestOptions(eq, depth, 0, false)
		req.SortByCustom(eq.byScore())
		res, err := ix.alias.SearchInContext(ctx, req)
		if err != nil {
			return nil, 0, fmt.Errorf("search: %w", err)
		}
		out := make([]ranked, 0, len(res.Hits))
		for _, h := range res.Hits {
			if e := ix.calls[h.ID]; e != nil {
				out = append(out, ranked{e, h.Score})
			}
		}
		if err := ix.scoreNear(ctx, tq.pairs, out); err != nil {
			return nil, 0, err
		}
		return out, res.Total, nil
	}
	text := tq.strict
	lex, total, err := lexical(text)
	if err != nil {
		return Result{}, err
	}
	if total < conceptMinHits && len(tq.concepts) > 0 {
		text = tq.withConcepts(tq.strict)
		if lex, total, err = lexical(text); err != nil {
			return Result{}, err
		}
	}
	closest := total == 0
	if closest {
		text = tq.withConcepts(tq.loose)
		if lex, total, err = lexical(text); err != nil {
			return Result{}, err
		}
	}
	var sem []ranked
	if sq := newSemQuery(embed(ix.vec, tq.english), ix.centre); sq != nil {
		floor := semAdd
		if closest {
			floor = semClosest
		}
		if total >= uint64(depth) {
			// The words found more calls than are fused: the meaning
			// orders those, and need not look through every call.
			sem = meaningOf(sq, lex)
		} else {
			sem = ix.byMeaning(sq, keep, semPool)
		}
		n := 0
		for n < len(sem) && (sem[n].score >= floor || (total == 0 && n < semFloor)) {
			n++
		}
		sem = sem[:n]
	}
	// The calls found by meaning that the words did not find count in the
	// total and the facets too. The words' hits hold every call the text
	// matches when there are fewer than depth; with more, the meaning
	// only orders those hits (meaningOf).
	inLex := make(map[*entry]bool, len(lex))
	for _, r := range lex {
		inLex[r.e] = true
	}
	for _, r := range sem {
		if !inLex[r.e] {
			fc.add(r.e)
			total++
		}
	}
	fused := ix.fuse(lex, sem)
	out := Result{Total: total, Facets: fc.result(), Corrections: tq.corrected, Related: tq.related, Translated: tq.translated,
		Closest: closest && len(fused) > 0, Hits: []Hit{}}
	if from < len(fused) {
		for _, r := range fused[from:min(len(fused), from+size)] {
			out.Hits = append(out.Hits, ix.entryHit(r.e, r.score, q.Now))
		}
	}
	if len(out.Hits) > 0 && !q.NoHighlights {
		if err := ix.highlight(ctx, text, out.Hits); err != nil {
			return Result{}, err
		}
	}
	return out, nil
}

// scoreNear scores the first hits again for the pairs of words that stand
// side by side in the text and in the call (in any text field but the
// conditions), and orders them by it. It reads the term locations
// of those hits only: phrase searches over the whole index cost far more.
func (ix *Index) scoreNear(ctx context.Context, pairs [][2]string, hits []ranked) error {
	if len(pairs) == 0 || len(hits) < 2 {
		return nil
	}
	hits = hits[:min(len(hits), nearDepth)]
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.e.id
	}
	var terms []query.Query
	seen := map[string]bool{}
	for _, p := range pairs {
		for _, st := range p {
			if seen[st] {
				continue
			}
			seen[st] = true
			for _, f := range textFields[:nearFields] {
				t := bleve.NewTermQuery(st)
				t.SetField(f.name)
				terms = append(terms, t)
			}
		}
	}
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(bleve.NewDocIDQuery(ids), bleve.NewDisjunctionQuery(terms...)), len(ids), 0, false)
	req.IncludeLocations = true
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	together := make(map[string]int, len(res.Hits))
	for _, h := range res.Hits {
		n := 0
		for _, p := range pairs {
			for _, f := range textFields[:nearFields] {
				if _, _, _, ok := findPhrase(h.Locations[f.name], phrase{terms: p[:]}); ok {
					n++
					break
				}
			}
		}
		together[h.ID] = n
	}
	// The bonus is in proportion to the best hit's score: a call that
	// holds the text's words as the text has them ranks with the best.
	best := hits[0].score
	for i := range hits {
		hits[i].score += nearBoost * best * float64(together[hits[i].e.id]) / float64(len(pairs))
	}
	sortRanked(hits)
	return nil
}

// byMeaning ranks the calls that pass keep by meaning: the pool best by
// their whole vector, then by their best passage. The caller holds ix.mu
// (read).
func (ix *Index) byMeaning(sq *semQuery, keep func(*entry) bool, pool int) []ranked {
	top := make(topRanked, 0, pool+1)
	list := ix.vecEntries()
	dims := len(sq.vc)
	for i, e := range list.entries {
		if keep != nil && !keep(e) {
			continue
		}
		s := float64(vectors.Dot(sq.vc, list.whole[i*dims:(i+1)*dims]))
		if len(top) == pool && s <= top[0].score {
			continue
		}
		heap.Push(&top, ranked{e, s})
		if len(top) > pool {
			heap.Pop(&top)
		}
	}
	cands := []ranked(top)
	for i := range cands {
		s, _ := sq.score(cands[i].e.vecs)
		cands[i].score = float64(s)
	}
	sortRanked(cands)
	return cands
}

// meaningOf ranks calls by meaning.
func meaningOf(sq *semQuery, rs []ranked) []ranked {
	out := make([]ranked, 0, len(rs))
	for _, r := range rs {
		if r.e.vecs != nil && r.e.vecs.dc != nil {
			s, _ := sq.score(r.e.vecs)
			out = append(out, ranked{r.e, float64(s)})
		}
	}
	sortRanked(out)
	return out
}

// topRanked is a min-heap of ranked calls: the best ones kept.
type topRanked []ranked

func (h topRanked) Len() int           { return len(h) }
func (h topRanked) Less(i, j int) bool { return h[i].score < h[j].score }
func (h topRanked) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *topRanked) Push(x any)        { *h = append(*h, x.(ranked)) }
func (h *topRanked) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// vecEntries lists the entries that have vectors, with their whole
// vectors side by side (the first ranking reads them all, in order), from
// a cache that lasts as long as the entries do. The caller holds ix.mu
// (read).
func (ix *Index) vecEntries() *entryList {
	if c := ix.vecList.Load(); c != nil && c.version == ix.callsVersion {
		return c
	}
	list := make([]*entry, 0, len(ix.calls))
	for _, e := range ix.calls {
		if e.vecs != nil && e.vecs.dc != nil {
			list = append(list, e)
		}
	}
	slices.SortFunc(list, func(a, b *entry) int { return strings.Compare(a.id, b.id) })
	c := &entryList{version: ix.callsVersion, entries: list}
	if len(list) > 0 {
		dims := len(list[0].vecs.dc)
		c.whole = make([]float32, 0, len(list)*dims)
		for _, e := range list {
			c.whole = append(c.whole, e.vecs.dc...)
		}
	}
	ix.vecList.Store(c)
	return c
}

type entryList struct {
	version uint64
	entries []*entry
	whole   []float32 // the entries' dc, one after the other
}

func sortRanked(rs []ranked) {
	slices.SortFunc(rs, func(a, b ranked) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(a.e.id, b.e.id)
	})
}

// fuse merges the rankings (see fused).
func (ix *Index) fuse(lex, sem []ranked) []ranked {
	type ranks struct {
		lr, sr int
		ls, ss float64
	}
	at := make(map[*entry]*ranks, len(lex)+len(sem))
	var order []*entry
	get := func(e *entry) *ranks {
		r := at[e]
		if r == nil {
			r = &ranks{lr: -1, sr: -1}
			at[e] = r
			order = append(order, e)
		}
		return r
	}
	var lmax float64
	for i, r := range lex {
		x := get(r.e)
		x.lr, x.ls = i, r.score
		lmax = max(lmax, r.score)
	}
	for i, r := range sem {
		x := get(r.e)
		x.sr, x.ss = i, r.score
	}
	out := make([]ranked, len(order))
	for i, e := range order {
		r := at[e]
		out[i] = ranked{e, ix.fused(r.lr, r.ls, lmax, r.sr, r.ss)}
	}
	sortRanked(out)
	return out
}

// entryHit is the hit of a call found.
func (ix *Index) entryHit(e *entry, score float64, now time.Time) Hit {
	d := e.dates()
	return Hit{ID: e.id, Title: e.title, Programme: e.programme, URL: e.url, Score: score,
		Status: d.StatusAt(now), Deadline: d.NextDeadline(now), BudgetMin: e.budgetMin, BudgetMax: e.budgetMax}
}
