package search

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Searches by relevance fuse two rankings of the calls that pass the
// filters: the words (BM25 over the boosted text fields, words side by side
// in the text scoring higher side by side in a call) and the meaning (the
// cosine of the text's vector and the call's best passage, semantic.go).
// Reciprocal-rank fusion: a call scores fuseLexical/(fuseK+rank) for its
// place in the words' ranking and fuseMeaning/(fuseK+rank) for its place
// in the meaning's. A call that holds every word is a hit; the meaning adds
// the calls closest to the text that clear semAdd. When no call holds
// every word, the calls holding some of them and those closest in meaning
// (above semClosest) are the hits, and the result says so (Closest).
const (
	fuseK       = 60
	fuseLexical = 1.0
	fuseMeaningX = 0.8
	fuseDepth   = 100 // hits of each ranking fused, at least
	semPool     = 200 // calls whose passages are scored, by their whole vector first
	semAdd      = 0.55
	semClosest  = 0.35
	// semFloor hits at least, by meaning, when nothing else is found and
	// the text has known words: a search never ends in nothing.
	semFloor = 10
)

type ranked struct {
	e     *entry
	score float64
}

func (ix *Index) searchByRelevance(ctx context.Context, q Query, tq textQuery, keep func(*entry) bool, from, size int) (Result, error) {
	depth := max(from+size, fuseDepth)
	fc := newFacetCounter(q.Now)
	seen := map[*entry]bool{}
	lexical := func(text query.Query) ([]ranked, uint64, error) {
		eq := &entryQuery{ix: ix, q: withNear(text, tq.near), keep: keep, seen: func(e *entry) { fc.add(e); seen[e] = true }}
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
		return out, res.Total, nil
	}
	lex, total, err := lexical(tq.strict)
	if err != nil {
		return Result{}, err
	}
	closest := total == 0
	if closest {
		if lex, total, err = lexical(tq.loose); err != nil {
			return Result{}, err
		}
	}
	var sem []ranked
	if sq := newSemQuery(embed(ix.vec, tq.english), ix.centre); sq != nil {
		floor := semAdd
		if closest {
			floor = semClosest
		}
		sem = ix.byMeaning(sq, keep, semPool)
		n := 0
		for n < len(sem) && (sem[n].score >= floor || (total == 0 && n < semFloor)) {
			n++
		}
		sem = sem[:n]
	}
	for _, r := range sem {
		if !seen[r.e] {
			seen[r.e] = true
			fc.add(r.e)
			total++
		}
	}
	fused := fuse(lex, sem)
	out := Result{Total: total, Facets: fc.result(), Corrections: tq.corrected, Related: tq.related, Translated: tq.translated,
		Closest: closest && len(fused) > 0, Hits: []Hit{}}
	if from < len(fused) {
		for _, r := range fused[from:min(len(fused), from+size)] {
			out.Hits = append(out.Hits, ix.entryHit(r.e, r.score, q.Now))
		}
	}
	if len(out.Hits) > 0 && !q.NoHighlights {
		if err := ix.highlight(ctx, tq.loose, out.Hits); err != nil {
			return Result{}, err
		}
	}
	return out, nil
}

// byMeaning ranks the calls that pass keep by meaning: the pool best by
// their whole vector, then by their best passage.
func (ix *Index) byMeaning(sq *semQuery, keep func(*entry) bool, pool int) []ranked {
	var cands []ranked
	for _, e := range ix.calls {
		if e.vecs == nil || (keep != nil && !keep(e)) {
			continue
		}
		cands = append(cands, ranked{e, float64(sq.whole(e.vecs))})
	}
	sortRanked(cands)
	cands = cands[:min(len(cands), pool)]
	for i := range cands {
		s, _ := sq.score(cands[i].e.vecs)
		cands[i].score = float64(s)
	}
	sortRanked(cands)
	return cands
}

func sortRanked(rs []ranked) {
	slices.SortFunc(rs, func(a, b ranked) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return cmpString(a.e.id, b.e.id)
	})
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fuse merges the rankings by reciprocal rank.
func fuse(lex, sem []ranked) []ranked {
	score := make(map[*entry]float64, len(lex)+len(sem))
	var order []*entry
	add := func(rs []ranked, w float64) {
		for i, r := range rs {
			if _, ok := score[r.e]; !ok {
				order = append(order, r.e)
			}
			score[r.e] += w / float64(fuseK+i+1)
		}
	}
	add(lex, fuseLexical)
	add(sem, fuseMeaning)
	out := make([]ranked, len(order))
	for i, e := range order {
		out[i] = ranked{e, score[e]}
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

var fuseMeaning = 0.8
