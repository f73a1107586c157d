// Package search indexes funding calls in Bleve, searches them with filters,
// facets and highlights, and matches them to SME profiles with reasons.
//
// The index is derived from the store: it is built from a Source, rebuilt by
// itself when its mapping version changes, and swapped atomically behind an
// index alias while searches go on.
package search

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"

	"callmatch/funding"
	"callmatch/search/glossary"
	"callmatch/search/vectors"
)

// Source gives every call the index should hold. The store implements it.
type Source interface {
	Calls(ctx context.Context) ([]funding.Call, error)
}

// Errors.
var (
	// ErrLocked means another process has the index folder open.
	ErrLocked = errors.New("index is in use by another process")
	// ErrClosed means the Index was closed.
	ErrClosed = errors.New("search: index is closed")
)

// Option changes how Open sets up the index.
type Option func(*options)

type options struct {
	lockTimeout   time.Duration
	thesaurusPath string
	now           func() time.Time
	batchSize     int
	fusion        fusion
}

// WithLockTimeout sets how long Open waits for another process to let go of
// the index folder before failing with ErrLocked (default 2s).
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

// WithThesaurus adds the concepts of a thesaurus file (the shape of the
// embedded thesaurus.json) to the built-in ones.
func WithThesaurus(path string) Option { return func(o *options) { o.thesaurusPath = path } }

// WithClock sets the clock used when indexing (status and next deadline
// when indexed); tests pin it.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// batchSize is how many calls go in one Bleve batch. Measured on 10,000
// calls (2 cores): 1000 builds in about half the time of 500 (fewer
// segments to merge) for some 20 MB of analysis per batch.
const batchSize = 1000

// Index is the search index of calls. It is safe for concurrent use.
type Index struct {
	dir      string
	src      Source
	log      *slog.Logger
	opt      options
	lock     *dirLock
	mapping  *mapping.IndexMappingImpl
	analyzer analysis.Analyzer
	vocab    *vocabulary // the words typos are corrected against (spell.go)
	th       *thesaurus
	vec      *vectors.Table     // word vectors: the meaning side (semantic.go)
	gl       *glossary.Glossary // French and Dutch carried over to English
	// corpusIDs caches the table ids of the vocabulary (corpusWords).
	corpusIDs atomic.Pointer[corpusIDs]
	alias     bleve.IndexAlias

	// mu guards cur, curName and calls. Searches hold it (read) for their
	// whole length so that the index they search and the calls they read
	// belong together; a rebuild's swap takes it (write).
	mu      sync.RWMutex
	cur     bleve.Index
	curName string
	calls   map[string]*entry
	centre  *centre // the mean of the calls' vectors (semantic.go)
	// callsVersion changes with calls (under mu); docEntries caches the
	// entries by document number of the last snapshot searched.
	callsVersion uint64
	docEntries   atomic.Pointer[docEntries]
	vecList      atomic.Pointer[entryList] // the entries with vectors (vecEntries)

	writeMu sync.Mutex // one writer at a time: Upsert, Delete, Sync, Rebuild, Close
	gen     atomic.Int64
	closed  atomic.Bool
}

// meta is DIR/meta.json: which folder is current, built with which mapping.
type meta struct {
	MappingVersion int    `json:"mapping_version"`
	Generation     int64  `json:"generation"`
	Current        string `json:"current"`
}

const (
	metaFile     = "meta.json"
	folderPrefix = "index-"
	sigPrefix    = "sig/" // internal key: the signature a call was indexed with
)

// Open opens (or creates) the index in dir, owned by this process: a second
// Open of the same dir fails with ErrLocked after the lock timeout instead of
// hanging. The index is brought in line with src: rebuilt when missing, built
// with another mapping version or unreadable; otherwise the calls that
// changed since are re-indexed. Leftovers of a crashed rebuild are removed.
func Open(ctx context.Context, dir string, src Source, logger *slog.Logger, opts ...Option) (*Index, error) {
	if src == nil {
		return nil, errors.New("search: Open needs a Source")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o := options{lockTimeout: 2 * time.Second, now: time.Now, batchSize: batchSize}
	for _, opt := range opts {
		opt(&o)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	lock, err := lockDir(dir, o.lockTimeout)
	if err != nil {
		return nil, err
	}
	ix := &Index{dir: dir, src: src, log: logger, opt: o, lock: lock, mapping: newMapping()}
	if err := ix.open(ctx); err != nil {
		if ix.cur != nil {
			ix.cur.Close()
		}
		lock.unlock()
		return nil, err
	}
	return ix, nil
}

func (ix *Index) open(ctx context.Context) error {
	ix.analyzer = ix.mapping.AnalyzerNamed(analyzerName)
	if ix.analyzer == nil {
		return errors.New("search: no English analyzer")
	}
	th, err := loadThesaurus(ix.analyzer, ix.opt.thesaurusPath)
	if err != nil {
		return err
	}
	ix.th = th
	if ix.vec, err = vectors.Load(); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if ix.gl, err = glossary.Load(); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	m, err := readMeta(ix.dir)
	if err != nil {
		return err
	}
	ix.gen.Store(m.Generation)
	if err := ix.removeLeftovers(m.Current); err != nil {
		return err
	}
	calls, err := ix.src.Calls(ctx)
	if err != nil {
		return fmt.Errorf("search: load calls: %w", err)
	}
	ix.vocab = newVocabulary() // filled as calls are indexed, or below

	var idx bleve.Index
	switch {
	case m.Current == "":
		ix.log.Info("Building search index", "dir", ix.dir, "calls", len(calls))
	case m.MappingVersion != mappingVersion:
		ix.log.Info("Search mapping changed, rebuilding the index", "from_version", m.MappingVersion, "to_version", mappingVersion)
	default:
		idx, err = bleve.OpenUsing(filepath.Join(ix.dir, m.Current), ix.runtimeConfig())
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return fmt.Errorf("search: index %s: %w", ix.dir, ErrLocked)
			}
			ix.log.Warn("Search index unreadable, rebuilding", "dir", ix.dir, slog.Any("error", err))
			idx = nil
		}
	}
	if idx == nil {
		ix.alias = bleve.NewIndexAlias()
		if err := ix.rebuild(ctx, calls); err != nil {
			return err
		}
		return ix.removeLeftovers(ix.curName) // the folder of the old mapping
	}
	ix.cur, ix.curName = idx, m.Current
	ix.alias = bleve.NewIndexAlias(idx)
	for i := range calls { // indexed earlier: their words are not in the vocabulary yet
		ix.vocab.addCall(&calls[i])
	}
	ix.calls = make(map[string]*entry, len(calls))
	n, err := ix.sync(ctx, calls)
	if err != nil {
		return err
	}
	if n == 0 { // a restart is a new generation all the same: caches may hold what a crash lost
		ix.recentre()
		ix.gen.Add(1)
		return ix.writeMeta()
	}
	return nil
}

// Upsert indexes calls, replacing those with the same id.
func (ix *Index) Upsert(ctx context.Context, calls []funding.Call) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	if len(calls) == 0 {
		return nil
	}
	if err := ix.index(ctx, ix.cur, calls, ix.setEntries); err != nil {
		return err
	}
	return ix.bump()
}

// Delete removes calls from the index; unknown ids are ignored.
func (ix *Index) Delete(ctx context.Context, ids []string) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	if len(ids) == 0 {
		return nil
	}
	if err := ix.delete(ctx, ids); err != nil {
		return err
	}
	return ix.bump()
}

func (ix *Index) delete(ctx context.Context, ids []string) error {
	for start := 0; start < len(ids); start += ix.opt.batchSize {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := ix.cur.NewBatch()
		for _, id := range ids[start:min(start+ix.opt.batchSize, len(ids))] {
			b.Delete(id)
			b.DeleteInternal([]byte(sigPrefix + id))
		}
		if err := persist(ctx, ix.cur, b); err != nil {
			return fmt.Errorf("search: delete: %w", err)
		}
	}
	ix.mu.Lock()
	for _, id := range ids {
		delete(ix.calls, id)
	}
	ix.callsVersion++
	ix.mu.Unlock()
	return nil
}

// Sync brings the index in line with the Source: it re-indexes the calls
// whose content changed, and those whose status or next deadline moved
// with time since they were indexed, and drops the calls the Source no
// longer has. It returns how many calls it re-indexed or dropped. Run it on
// a schedule (hourly is plenty) and after each crawl.
func (ix *Index) Sync(ctx context.Context) (int, error) {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	calls, err := ix.src.Calls(ctx)
	if err != nil {
		return 0, fmt.Errorf("search: load calls: %w", err)
	}
	return ix.sync(ctx, calls)
}

func (ix *Index) sync(ctx context.Context, calls []funding.Call) (int, error) {
	now := ix.opt.now()
	var changed []funding.Call
	var unchanged []*entry
	want := make(map[string]bool, len(calls))
	for i := range calls {
		c := &calls[i]
		want[c.ID] = true
		old, err := ix.cur.GetInternal([]byte(sigPrefix + c.ID))
		if err != nil {
			return 0, fmt.Errorf("search: sync: %w", err)
		}
		if string(old) != signature(c, now) {
			changed = append(changed, *c)
		} else {
			e := newEntry(c, now)
			if prev := ix.calls[c.ID]; prev != nil { // the same content: the same vectors
				e.vecs = prev.vecs
			} else {
				d := newDocument(c)
				e.vecs = newCallVecs(ix.vec, &d)
			}
			unchanged = append(unchanged, e)
		}
	}
	if len(unchanged) > 0 {
		ix.setEntries(unchanged)
	}
	var gone []string
	ids, err := ix.allIDs(ctx)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if !want[id] {
			gone = append(gone, id)
		}
	}
	if len(changed) > 0 {
		if err := ix.index(ctx, ix.cur, changed, ix.setEntries); err != nil {
			return 0, err
		}
	}
	if len(gone) > 0 {
		if err := ix.delete(ctx, gone); err != nil {
			return 0, err
		}
	}
	n := len(changed) + len(gone)
	if n > 0 {
		ix.log.Info("Search index synced", "changed", len(changed), "removed", len(gone))
		return n, ix.bump()
	}
	return 0, nil
}

// allIDs lists the ids of the current index.
func (ix *Index) allIDs(ctx context.Context) ([]string, error) {
	n, err := ix.cur.DocCount()
	if err != nil {
		return nil, fmt.Errorf("search: count: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	req := bleve.NewSearchRequestOptions(bleve.NewMatchAllQuery(), int(n), 0, false)
	req.SortBy([]string{"_id"})
	res, err := ix.cur.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: list ids: %w", err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}

// signature is what a call was indexed with: its content and the parts of
// the document that depend on the time it was indexed.
func signature(c *funding.Call, now time.Time) string {
	h := c.ContentHash
	if h == "" {
		h = c.Hash()
	}
	next := ""
	if d := c.NextDeadline(now); d != nil {
		next = d.UTC().Format(time.RFC3339)
	}
	return h + "|" + next + "|" + string(c.StatusAt(now))
}

// runtimeConfig is the scorch configuration: fail fast on a held bolt
// lock; batches return once searchable (see persist).
func (ix *Index) runtimeConfig() map[string]any {
	return map[string]any{
		"bolt_timeout": ix.opt.lockTimeout.String(),
		"unsafe_batch": true,
	}
}

// persist applies b and waits until it, and so every batch before it, is
// on disk. Batches in between are only applied: scorch persists them in
// the background while the next ones are analyzed.
func persist(ctx context.Context, idx bleve.Index, b *bleve.Batch) error {
	done := make(chan error, 1)
	b.SetPersistedCallback(func(err error) { done <- err })
	if err := idx.Batch(b); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// index writes calls into idx in batches and returns once they are on
// disk. Batches are analyzed and applied by one worker per CPU; set
// receives the entries of each batch before it is applied, so that a
// searchable call always has one.
func (ix *Index) index(ctx context.Context, idx bleve.Index, calls []funding.Call, set func([]*entry)) error {
	now := ix.opt.now()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	parts := make(chan []funding.Call)
	var wg sync.WaitGroup
	for w := 0; w < max(1, min(runtime.GOMAXPROCS(0), 4)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for part := range parts {
				if err := ix.indexBatch(idx, part, now, set); err != nil {
					cancel(err)
				}
			}
		}()
	}
	for start := 0; start < len(calls) && ctx.Err() == nil; start += ix.opt.batchSize {
		select {
		case parts <- calls[start:min(start+ix.opt.batchSize, len(calls))]:
		case <-ctx.Done():
		}
	}
	close(parts)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	// A last batch, applied after all the others, and waited for. It
	// records the signatures: scorch writes every internal key again
	// with each snapshot it persists, so they go in once, at the end (a
	// call indexed without its signature is indexed again by the next
	// sync, should the last batch fail).
	b := idx.NewBatch()
	for i := range calls {
		b.SetInternal([]byte(sigPrefix+calls[i].ID), []byte(signature(&calls[i], now)))
	}
	b.SetInternal([]byte("indexed_at"), []byte(now.UTC().Format(time.RFC3339)))
	if err := persist(ctx, idx, b); err != nil {
		return fmt.Errorf("search: persist: %w", err)
	}
	return nil
}

func (ix *Index) indexBatch(idx bleve.Index, part []funding.Call, now time.Time, set func([]*entry)) error {
	b := idx.NewBatch()
	entries := make([]*entry, 0, len(part))
	for i := range part {
		c := &part[i]
		if c.ID == "" {
			return errors.New("search: a call has no id")
		}
		d := newDocument(c)
		if err := b.Index(c.ID, d); err != nil {
			return fmt.Errorf("search: index %s: %w", c.ID, err)
		}
		ix.vocab.addCall(c)
		e := newEntry(c, now)
		e.vecs = newCallVecs(ix.vec, &d)
		entries = append(entries, e)
	}
	set(entries)
	if err := idx.Batch(b); err != nil {
		return fmt.Errorf("search: index batch: %w", err)
	}
	return nil
}

// forceMerge merges a freshly built index into one segment: every query
// opens a reader per term, field and segment, so fewer segments make
// searches faster.
func forceMerge(ctx context.Context, idx bleve.Index) error {
	adv, err := idx.Advanced()
	if err != nil {
		return fmt.Errorf("search: merge: %w", err)
	}
	if s, ok := adv.(*scorch.Scorch); ok {
		if err := s.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
			return fmt.Errorf("search: merge: %w", err)
		}
	}
	return nil
}

func (ix *Index) setEntries(entries []*entry) {
	ix.mu.Lock()
	for _, e := range entries {
		ix.calls[e.id] = e
		if e.vecs != nil && ix.centre != nil {
			e.vecs.apply(ix.centre)
		}
	}
	ix.callsVersion++
	ix.mu.Unlock()
}

// Rebuild builds a new index from the Source in a new folder and swaps it
// in; searches go on meanwhile against the old one, which is then closed
// and removed.
func (ix *Index) Rebuild(ctx context.Context) error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Load() {
		return ErrClosed
	}
	calls, err := ix.src.Calls(ctx)
	if err != nil {
		return fmt.Errorf("search: load calls: %w", err)
	}
	return ix.rebuild(ctx, calls)
}

func (ix *Index) rebuild(ctx context.Context, calls []funding.Call) error {
	start := time.Now()
	name := folderPrefix + strconv.FormatInt(time.Now().UnixNano(), 10)
	path := filepath.Join(ix.dir, name)
	idx, err := bleve.NewUsing(path, ix.mapping, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, ix.runtimeConfig())
	if err != nil {
		return fmt.Errorf("search: new index: %w", err)
	}
	entries := make(map[string]*entry, len(calls))
	var entriesMu sync.Mutex
	err = ix.index(ctx, idx, calls, func(es []*entry) {
		entriesMu.Lock()
		defer entriesMu.Unlock()
		for _, e := range es {
			entries[e.id] = e
		}
	})
	if err == nil {
		err = forceMerge(ctx, idx)
	}
	c := newCentre(entries, ix.vec.Dims())
	for _, e := range entries {
		if e.vecs != nil {
			e.vecs.apply(c)
		}
	}
	if err != nil {
		idx.Close()
		os.RemoveAll(path)
		return err
	}
	// The new folder is complete: point meta.json at it first, so that a
	// crash from here on leaves the new index current and the old one a leftover.
	oldIdx, oldName := ix.cur, ix.curName
	ix.gen.Add(1)
	if err := writeMeta(ix.dir, meta{MappingVersion: mappingVersion, Generation: ix.gen.Load(), Current: name}); err != nil {
		idx.Close()
		os.RemoveAll(path)
		return err
	}
	ix.mu.Lock()
	if oldIdx != nil {
		ix.alias.Swap([]bleve.Index{idx}, []bleve.Index{oldIdx})
	} else {
		ix.alias.Add(idx)
	}
	ix.cur, ix.curName, ix.calls, ix.centre = idx, name, entries, c
	ix.callsVersion++
	ix.mu.Unlock()
	if oldIdx != nil {
		if err := oldIdx.Close(); err != nil {
			ix.log.Warn("Closing the old search index failed", slog.Any("error", err))
		}
		if err := os.RemoveAll(filepath.Join(ix.dir, oldName)); err != nil {
			ix.log.Warn("Removing the old search index failed", slog.Any("error", err))
		}
	}
	ix.log.Info("Search index built", "calls", len(calls), "duration_ms", time.Since(start).Milliseconds())
	return nil
}

// Generation changes whenever the content of the index changes (and at
// every Open); caches of search and match results key on it.
func (ix *Index) Generation() int64 { return ix.gen.Load() }

func (ix *Index) bump() error {
	ix.recentre()
	ix.gen.Add(1)
	return ix.writeMeta()
}

func (ix *Index) writeMeta() error {
	return writeMeta(ix.dir, meta{MappingVersion: mappingVersion, Generation: ix.gen.Load(), Current: ix.curName})
}

// Count returns how many calls the index holds.
func (ix *Index) Count() (uint64, error) {
	if ix.closed.Load() {
		return 0, ErrClosed
	}
	n, err := ix.alias.DocCount()
	if err != nil {
		return 0, fmt.Errorf("search: count: %w", err)
	}
	return n, nil
}

// Close closes the index and lets go of its folder.
func (ix *Index) Close() error {
	ix.writeMu.Lock()
	defer ix.writeMu.Unlock()
	if ix.closed.Swap(true) {
		return nil
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.alias.Close()
	var err error
	if ix.cur != nil {
		err = ix.cur.Close()
	}
	if uerr := ix.lock.unlock(); err == nil {
		err = uerr
	}
	if err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

func readMeta(dir string) (meta, error) {
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, metaFile))
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("search: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return meta{}, nil // unreadable: rebuild
	}
	if m.Current != "" {
		if _, err := os.Stat(filepath.Join(dir, m.Current)); err != nil {
			m.Current = ""
		}
	}
	return m, nil
}

// writeMeta replaces meta.json atomically.
func writeMeta(dir string, m meta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, metaFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, metaFile)); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	return nil
}

// removeLeftovers deletes index folders other than the current one: what a
// crashed rebuild left behind.
func (ix *Index) removeLeftovers(current string) error {
	des, err := os.ReadDir(ix.dir)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	for _, de := range des {
		name := de.Name()
		if (strings.HasPrefix(name, folderPrefix) && name != current) || name == metaFile+".tmp" {
			ix.log.Info("Removing a leftover of an earlier rebuild", "path", filepath.Join(ix.dir, name))
			if err := os.RemoveAll(filepath.Join(ix.dir, name)); err != nil {
				return fmt.Errorf("search: %w", err)
			}
		}
	}
	return nil
}

// entry is the compact part of a call that search results and matching
// read without going back to the store. Texts stay in the index.
type entry struct {
	id, title, programme, url string
	kind                      funding.Kind
	portalStatus              funding.Status
	opening                   *time.Time
	deadlines                 []time.Time
	types                     []string
	facetTypes                []string  // types, each once
	openFrom, openUntil       time.Time // see statusDates
	budgetMin, budgetMax      int64
	keywords                  []string
	trl                       *funding.TRL
	rules                     []finding
	vecs                      *callVecs // nil when the call has no known word
}

func newEntry(c *funding.Call, now time.Time) *entry {
	lo, hi := budgetRange(c.Budget)
	e := &entry{
		id: c.ID, title: c.Title, programme: c.Programme, url: c.URL, kind: c.Kind,
		portalStatus: c.PortalStatus, opening: c.OpeningDate,
		deadlines: c.Deadlines, types: c.TypesOfAction,
		budgetMin: lo, budgetMax: hi,
		keywords: append(append([]string{}, c.Keywords...), c.Tags...),
		trl:      c.TRL,
		rules:    parseEligibility(c.Conditions),
	}
	e.openFrom, e.openUntil = statusDates(c)
	for _, t := range c.TypesOfAction {
		if !slices.Contains(e.facetTypes, t) {
			e.facetTypes = append(e.facetTypes, t)
		}
	}
	return e
}

// statusAt is the status of the call at now, from its status dates (see
// statusDates): the same as funding.Call.StatusAt.
func (e *entry) statusAt(now time.Time) funding.Status {
	switch {
	case e.openUntil.Before(now):
		return funding.StatusClosed
	case e.openFrom.After(now):
		return funding.StatusForthcoming
	}
	return funding.StatusOpen
}

// dates returns a call holding only what StatusAt and NextDeadline read.
func (e *entry) dates() *funding.Call {
	return &funding.Call{PortalStatus: e.portalStatus, OpeningDate: e.opening, Deadlines: e.deadlines}
}

// recentre computes the centre of the calls' vectors again and applies it.
func (ix *Index) recentre() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	c := newCentre(ix.calls, ix.vec.Dims())
	for _, e := range ix.calls {
		if e.vecs != nil {
			e.vecs.apply(c)
		}
	}
	ix.centre = c
	ix.callsVersion++ // vecEntries lists the entries with a centred vector
}
