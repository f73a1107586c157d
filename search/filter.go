package search

import (
	"context"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"

	"callmatch/funding"
)

// entryQuery matches the documents of q (every document when q is nil)
// whose entry passes keep (nil keeps all), and hands the entry of each
// match to seen (may be nil). The hard filters and the facets of searches
// and matches read the in-memory entries this way: a Go test on an entry
// costs far less than Bleve's range and term searchers over the whole
// index, and counting facets on the entries far less than Bleve's facets,
// which decode the doc values of five fields for every hit.
//
// The caller holds ix.mu (read) for the whole search, so that the entries
// belong to the index searched.
type entryQuery struct {
	ix   *Index
	q    query.Query
	keep func(*entry) bool
	seen func(*entry)

	byNum []*entry // of the snapshot searched
}

// entry returns the entry of a document the searcher found.
func (eq *entryQuery) entry(d *bsearch.DocumentMatch) *entry {
	if n := d.IndexInternalID.Value(); n < uint64(len(eq.byNum)) {
		return eq.byNum[n]
	}
	return nil
}

func (eq *entryQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	byNum, err := eq.ix.entriesOf(r)
	if err != nil {
		return nil, err
	}
	eq.byNum = byNum
	var s bsearch.Searcher
	if eq.q == nil {
		s, err = searcher.NewMatchAllSearcher(ctx, r, 1.0, o)
	} else {
		s, err = eq.q.Searcher(ctx, r, m, o)
	}
	if err != nil {
		return nil, err
	}
	return searcher.NewFilteringSearcher(ctx, s, func(_ *bsearch.SearchContext, d *bsearch.DocumentMatch) bool {
		e := eq.entry(d)
		if e == nil || (eq.keep != nil && !eq.keep(e)) {
			return false
		}
		if eq.seen != nil {
			eq.seen(e)
		}
		return true
	}), nil
}

// entrySort orders the hits of an entryQuery on a value of their entries:
// Bleve's own sorts read the doc values of a field, or the id, of every hit.
type entrySort struct {
	eq    *entryQuery
	value func(*entry) string
	desc  bool
}

func (s *entrySort) Value(d *bsearch.DocumentMatch) string {
	if e := s.eq.entry(d); e != nil {
		return s.value(e)
	}
	return ""
}

func (s *entrySort) UpdateVisitor(string, []byte) {}
func (s *entrySort) DecodeValue(v string) string  { return v }
func (s *entrySort) Descending() bool             { return s.desc }
func (s *entrySort) RequiresDocID() bool          { return false }
func (s *entrySort) RequiresScoring() bool        { return false }
func (s *entrySort) RequiresFields() []string     { return nil }
func (s *entrySort) Reverse()                     { s.desc = !s.desc }
func (s *entrySort) Copy() bsearch.SearchSort     { c := *s; return &c }

// Sort orders of entryQuery hits, each ending with the call id.
func (eq *entryQuery) byScore() bsearch.SortOrder {
	return bsearch.SortOrder{&bsearch.SortScore{Desc: true}, eq.byID()}
}

// byNextDeadline: the soonest next deadline at now first, then the open or
// forthcoming calls without one, then the closed calls (whatever their
// deadlines said when indexed).
func (eq *entryQuery) byNextDeadline(now time.Time) bsearch.SortOrder {
	return bsearch.SortOrder{&entrySort{eq: eq, value: func(e *entry) string {
		if e.statusAt(now) == funding.StatusClosed {
			return "\xff\xff"
		}
		next := e.nextDeadline(now)
		if next == nil {
			return "\xff"
		}
		return sortableInt(next.UnixNano())
	}}, eq.byID()}
}

// byBudget: the largest maximum budget first, calls without a budget last.
func (eq *entryQuery) byBudget() bsearch.SortOrder {
	return bsearch.SortOrder{&entrySort{eq: eq, desc: true, value: func(e *entry) string {
		if e.budgetMin <= 0 {
			return ""
		}
		return sortableInt(e.budgetMax)
	}}, eq.byID()}
}

func (eq *entryQuery) byID() bsearch.SearchSort {
	return &entrySort{eq: eq, value: func(e *entry) string { return e.id }}
}

// sortableInt encodes v so that the encodings sort as the numbers do.
func sortableInt(v int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v)^(1<<63))
	return string(b[:])
}

// docEntries are the entries of the documents of one index snapshot, by
// document number.
type docEntries struct {
	reader  index.IndexReader // the snapshot; compared, never read
	version uint64            // of Index.calls
	byNum   []*entry
}

// entriesOf returns the entries of the documents of r by document number,
// from a cache that lasts as long as the snapshot and the entries do. The
// caller holds ix.mu (read).
func (ix *Index) entriesOf(r index.IndexReader) ([]*entry, error) {
	if c := ix.docEntries.Load(); c != nil && c.reader == r && c.version == ix.callsVersion {
		return c.byNum, nil
	}
	s, err := searcher.NewMatchAllSearcher(context.Background(), r, 1.0, bsearch.SearcherOptions{Score: "none"})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	sctx := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	byNum := make([]*entry, 0, len(ix.calls))
	for {
		d, err := s.Next(sctx)
		if err != nil {
			return nil, err
		}
		if d == nil {
			break
		}
		n := d.IndexInternalID.Value()
		id, err := r.ExternalID(d.IndexInternalID)
		if err != nil {
			return nil, err
		}
		sctx.DocumentMatchPool.Put(d)
		if n >= uint64(cap(byNum)) {
			byNum = slices.Grow(byNum, int(n+1-uint64(len(byNum))))
		}
		if n >= uint64(len(byNum)) {
			byNum = byNum[:n+1]
		}
		byNum[n] = ix.calls[id]
	}
	ix.docEntries.Store(&docEntries{reader: r, version: ix.callsVersion, byNum: byNum})
	return byNum, nil
}

// facetCounter counts the facets of the calls a search found.
type facetCounter struct {
	now                  time.Time
	programme, typ, kind map[string]int
	closed, forthcoming  int
	total                int
}

func newFacetCounter(now time.Time) *facetCounter {
	return &facetCounter{now: now, programme: map[string]int{}, typ: map[string]int{}, kind: map[string]int{}}
}

func (fc *facetCounter) add(e *entry) {
	fc.total++
	if e.programme != "" {
		fc.programme[e.programme]++
	}
	if e.kind != "" {
		fc.kind[string(e.kind)]++
	}
	for _, t := range e.facetTypes {
		fc.typ[t]++
	}
	switch e.statusAt(fc.now) {
	case funding.StatusClosed:
		fc.closed++
	case funding.StatusForthcoming:
		fc.forthcoming++
	}
}

// maxFacetTerms is how many values a term facet lists, the most frequent first.
const maxFacetTerms = 50

func (fc *facetCounter) result() map[string]map[string]int {
	out := map[string]map[string]int{
		FacetProgramme:    topTerms(fc.programme),
		FacetTypeOfAction: topTerms(fc.typ),
		FacetKind:         topTerms(fc.kind),
	}
	status := map[string]int{}
	if fc.closed > 0 {
		status[string(funding.StatusClosed)] = fc.closed
	}
	if fc.forthcoming > 0 {
		status[string(funding.StatusForthcoming)] = fc.forthcoming
	}
	if open := fc.total - fc.closed - fc.forthcoming; open > 0 {
		status[string(funding.StatusOpen)] = open
	}
	out[FacetStatus] = status
	return out
}

// topTerms keeps the maxFacetTerms most frequent terms (ties: in term order).
func topTerms(m map[string]int) map[string]int {
	if len(m) <= maxFacetTerms {
		return m
	}
	terms := make([]string, 0, len(m))
	for t := range m {
		terms = append(terms, t)
	}
	slices.SortFunc(terms, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	out := make(map[string]int, maxFacetTerms)
	for _, t := range terms[:maxFacetTerms] {
		out[t] = m[t]
	}
	return out
}
