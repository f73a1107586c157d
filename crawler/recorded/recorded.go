// Package recorded is a recorded EU Funding & Tenders Portal: an
// http.Handler that answers the SEDIA search API the way the real one does,
// from real data embedded in the binary. It serves `callmatch serve --demo`,
// the crawler's tests and load/fault scripts.
//
// The data: the raw search-API captures of shared/portal/search-api as they
// are (language duplicates, type-6 news rows, a closed topic, an older
// api2.101 record) and the 629 topics of topics-2026-08.jsonl.gz turned
// back into type-1 records by ./gen (`go run ./crawler/recorded/gen`).
package recorded

import (
	"bytes"
	"compress/gzip"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

//go:embed data/topics.jsonl.gz data/raw/*.json
var data embed.FS

// Options inject faults and changes. The zero value serves the recording
// faithfully. Request-count faults apply in this order: the first
// FailFirst requests fail with 500, the next ThrottleFirst get 429, the
// next TruncateFirst get a truncated body.
type Options struct {
	FailFirst     int           // answer 500 {"type":"throwable"}
	ThrottleFirst int           // answer 429 with a Retry-After header
	RetryAfter    string        // the Retry-After value; default "1"
	TruncateFirst int           // cut the JSON body in half (Content-Length stays whole)
	FailFromPage  int           // every request for a page >= this fails with 500 (0: never)
	Latency       time.Duration // wait before each answer (the request's context is honoured)

	// Glitches of a portal that answers 200 with valid JSON that is wrong.
	Empty        bool // every answer is empty: totalResults 0, no results
	RepeatPages  bool // every page answers page 1's results (totalResults stays true)
	TotalSkew    int  // added to the true totalResults (a lying total)
	TotalPerPage int  // added to totalResults once per page after the first (a total that moves)

	// RawOnly serves only the raw captures of shared/portal/search-api,
	// not the 629 rebuilt topics.
	RawOnly bool

	// Unfiltered ignores the query and languages parts, as the real API
	// does when they are sent the wrong way: every language, type-6 news
	// and other programmes come back, and the client must sort them out.
	Unfiltered bool

	Drop   []string          // identifiers that vanished from the portal
	Mutate func(r *Record)   // applied to a copy of every record; nil: none
	Extra  []json.RawMessage // more result records to serve
}

// Handler is the recorded search endpoint. It answers POST requests on
// any path; mount it where the real API lives (…/rest/search).
type Handler struct {
	opts     Options
	records  []*entry
	requests atomic.Int64
}

// entry is one served record: its bytes and what filters look at.
type entry struct {
	raw        json.RawMessage
	reference  string
	language   string
	identifier string
	meta       map[string][]string // the usual filter fields
	title      string

	once  sync.Once
	other map[string][]string // every metadata field, decoded on demand
}

// Record is a copy of one served result, for Options.Mutate. It is
// decoded only when read or changed beyond its identifier.
type Record struct {
	ident  string
	raw    json.RawMessage
	fields map[string]any
}

// Identifier is the record's metadata identifier.
func (r *Record) Identifier() string { return r.ident }

func (r *Record) decode() {
	if r.fields != nil {
		return
	}
	dec := json.NewDecoder(bytes.NewReader(r.raw))
	dec.UseNumber()
	if err := dec.Decode(&r.fields); err != nil || r.fields == nil {
		r.fields = map[string]any{}
	}
}

// Metadata returns the values of a metadata key.
func (r *Record) Metadata(key string) []string {
	r.decode()
	md, _ := r.fields["metadata"].(map[string]any)
	list, _ := md[key].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// SetMetadata replaces the values of a metadata key; no values deletes it.
func (r *Record) SetMetadata(key string, values ...string) {
	r.decode()
	md, _ := r.fields["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		r.fields["metadata"] = md
	}
	if len(values) == 0 {
		delete(md, key)
		return
	}
	list := make([]any, len(values))
	for i, v := range values {
		list[i] = v
	}
	md[key] = list
}

// Set replaces a top-level result field (nil deletes it).
func (r *Record) Set(field string, v any) {
	r.decode()
	if v == nil {
		delete(r.fields, field)
		return
	}
	r.fields[field] = v
}

var corpus = sync.OnceValues(loadCorpus)

// entries are the corpus parsed for filtering, shared by every handler
// that mutates nothing (entries are never modified).
var entries = sync.OnceValues(func() ([]*entry, error) {
	raws, err := corpus()
	if err != nil {
		return nil, err
	}
	out := make([]*entry, 0, len(raws))
	for _, raw := range raws {
		e, err := newEntry(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
})

// loadCorpus reads the embedded data once: raw captures first, then the
// rebuilt topics.
func loadCorpus() ([]json.RawMessage, error) {
	out, err := loadRaw()
	if err != nil {
		return nil, err
	}
	topics, err := loadTopics()
	if err != nil {
		return nil, err
	}
	return append(out, topics...), nil
}

var rawCount = sync.OnceValue(func() int {
	raws, _ := loadRaw()
	return len(raws)
})

// loadRaw reads the raw captures; a record seen twice (same reference and
// language: a page and a record extracted from it) is kept once.
func loadRaw() ([]json.RawMessage, error) {
	var out []json.RawMessage
	seen := map[string]bool{}
	add := func(raw json.RawMessage) error {
		var head struct {
			Reference string `json:"reference"`
			Language  string `json:"language"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return err
		}
		key := head.Reference + "/" + head.Language
		if seen[key] {
			return nil
		}
		seen[key] = true
		out = append(out, raw)
		return nil
	}
	names, err := fs.Glob(data, "data/raw/*.json")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := data.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var page struct {
			Results []json.RawMessage `json:"results"`
		}
		if err := json.Unmarshal(b, &page); err == nil && page.Results != nil {
			for _, r := range page.Results {
				if err := add(r); err != nil {
					return nil, fmt.Errorf("recorded: %s: %w", name, err)
				}
			}
			continue
		}
		if err := add(json.RawMessage(bytes.TrimSpace(b))); err != nil {
			return nil, fmt.Errorf("recorded: %s: %w", name, err)
		}
	}
	return out, nil
}

// loadTopics reads the rebuilt topics, one record per line.
func loadTopics() ([]json.RawMessage, error) {
	f, err := data.Open("data/topics.jsonl.gz")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("recorded: topics: %w", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("recorded: topics: %w", err)
	}
	var out []json.RawMessage
	for _, line := range bytes.Split(b, []byte("\n")) {
		if line = bytes.TrimSpace(line); len(line) > 0 {
			out = append(out, json.RawMessage(line))
		}
	}
	return out, nil
}

// NewHandler returns the recorded search endpoint. It panics if the
// embedded data is corrupt, which a test of this package catches.
func NewHandler(opts Options) *Handler {
	base, err := entries()
	if err != nil {
		panic(err)
	}
	if opts.RetryAfter == "" {
		opts.RetryAfter = "1"
	}
	h := &Handler{opts: opts}
	all := slices.Clone(base)
	if opts.RawOnly {
		all = all[:rawCount()]
	}
	for _, raw := range opts.Extra {
		e, err := newEntry(raw)
		if err != nil {
			panic(fmt.Errorf("recorded: extra record: %w", err))
		}
		all = append(all, e)
	}
	for _, e := range all {
		if slices.Contains(opts.Drop, e.identifier) {
			continue
		}
		if opts.Mutate != nil {
			if e, err = e.mutate(opts.Mutate); err != nil {
				panic(fmt.Errorf("recorded: mutate: %w", err))
			}
		}
		h.records = append(h.records, e)
	}
	sort.SliceStable(h.records, func(i, j int) bool { return h.records[i].identifier < h.records[j].identifier })
	return h
}

// mutate applies fn to a copy of the record; a record whose fields fn
// never looked at is served as its original bytes.
func (e *entry) mutate(fn func(*Record)) (*entry, error) {
	r := &Record{ident: e.identifier, raw: e.raw}
	fn(r)
	if r.fields == nil {
		return e, nil // only its identifier was read
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.fields); err != nil {
		return nil, err
	}
	return newEntry(bytes.TrimSpace(buf.Bytes()))
}

func newEntry(raw json.RawMessage) (*entry, error) {
	// Decode only what filters usually look at: skipping the big HTML
	// fields is much cheaper than copying them.
	var head struct {
		Reference string `json:"reference"`
		Language  string `json:"language"`
		Metadata  struct {
			Identifier         []string `json:"identifier"`
			Title              []string `json:"title"`
			Language           []string `json:"language"`
			Type               []string `json:"type"`
			Status             []string `json:"status"`
			FrameworkProgramme []string `json:"frameworkProgramme"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	md := head.Metadata
	e := &entry{raw: raw, reference: head.Reference, language: head.Language, meta: map[string][]string{
		"identifier":         md.Identifier,
		"type":               md.Type,
		"status":             md.Status,
		"frameworkProgramme": md.FrameworkProgramme,
		"language":           md.Language,
	}}
	e.identifier, e.title = first(md.Identifier), first(md.Title)
	if e.language == "" {
		e.language = first(md.Language)
	}
	return e, nil
}

// values returns a metadata field's values, decoding the record for a
// field outside the usual ones.
func (e *entry) values(field string) []string {
	if v, ok := e.meta[field]; ok {
		return v
	}
	e.once.Do(func() {
		var r struct {
			Metadata map[string]json.RawMessage `json:"metadata"`
		}
		_ = json.Unmarshal(e.raw, &r) // the record decoded once already
		e.other = map[string][]string{}
		for k, v := range r.Metadata {
			var list []string
			if json.Unmarshal(v, &list) == nil {
				e.other[k] = list
			}
		}
	})
	return e.other[field]
}

// Requests is the number of search requests answered so far.
func (h *Handler) Requests() int { return int(h.requests.Load()) }

// Identifiers lists the identifiers of the English type 1, 2 and 8 records
// this handler serves for the given programmes (all when none given), as a
// complete crawl should see them.
func (h *Handler) Identifiers(programmes ...string) []string {
	var out []string
	for _, e := range h.records {
		if e.language != "en" || !slices.Contains([]string{"1", "2", "8"}, first(e.meta["type"])) {
			continue
		}
		if len(programmes) > 0 && !slices.Contains(programmes, first(e.meta["frameworkProgramme"])) {
			continue
		}
		if e.identifier != "" && !slices.Contains(out, e.identifier) {
			out = append(out, e.identifier)
		}
	}
	return out
}

// ProgrammeIDs lists every framework programme id of the recorded topics
// (numeric ids only), sorted: crawl them all to get every topic.
func ProgrammeIDs() []string {
	raws, err := corpus()
	if err != nil {
		panic(err)
	}
	var out []string
	for _, raw := range raws {
		var r struct {
			Metadata struct {
				Type               []string `json:"type"`
				FrameworkProgramme []string `json:"frameworkProgramme"`
			} `json:"metadata"`
		}
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		for _, p := range r.Metadata.FrameworkProgramme {
			if _, err := strconv.Atoi(p); err == nil && !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func first(v []string) string {
	if len(v) > 0 {
		return v[0]
	}
	return ""
}

// ServeHTTP answers one search request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(h.requests.Add(1))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"type": "throwable", "message": "Request method not supported"})
		return
	}
	q := r.URL.Query()
	if q.Get("apiKey") != "SEDIA" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"type": "throwable", "message": "Invalid apiKey"})
		return
	}
	pageSize := atoiDefault(q.Get("pageSize"), 50)
	pageNumber := atoiDefault(q.Get("pageNumber"), 1)
	o := h.opts
	switch {
	case n <= o.FailFirst, o.FailFromPage > 0 && pageNumber >= o.FailFromPage:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"type": "throwable"})
		return
	case n <= o.FailFirst+o.ThrottleFirst:
		w.Header().Set("Retry-After", o.RetryAfter)
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"type": "throwable", "message": "Too Many Requests"})
		return
	}

	req, status, msg := parseRequest(r)
	if o.Latency > 0 { // after the body is read, so a client that gives up cancels the wait
		if err := sleep(r.Context(), o.Latency); err != nil {
			return
		}
	}
	if status != 0 {
		writeJSON(w, status, map[string]string{"type": "throwable", "message": msg})
		return
	}
	var hits []*entry
	if o.Unfiltered {
		req.terms, req.languages = nil, nil
	}
	for _, e := range h.records {
		if req.matches(e, q.Get("text")) {
			hits = append(hits, e)
		}
	}
	sortName := "relevance"
	if req.sortField == "identifier" {
		sortName = "identifier"
		if req.sortDesc {
			slices.Reverse(hits) // records are kept sorted by identifier
		}
	} else {
		// Relevance order is unstable across pages on the real API.
		sort.SliceStable(hits, func(i, j int) bool {
			return unstable(hits[i].reference, pageNumber) < unstable(hits[j].reference, pageNumber)
		})
	}
	total := len(hits) + o.TotalSkew + o.TotalPerPage*(pageNumber-1)
	if o.Empty {
		hits, total = nil, 0
	}
	servedPage := pageNumber
	if o.RepeatPages {
		servedPage = 1
	}
	from := min((servedPage-1)*pageSize, len(hits))
	to := min(from+pageSize, len(hits))
	results := make([]json.RawMessage, 0, to-from)
	for _, e := range hits[from:to] {
		results = append(results, e.raw)
	}
	terms := q.Get("text")
	body, err := json.Marshal(map[string]any{
		"apiVersion":         "2.143.3",
		"terms":              terms,
		"responseTime":       12,
		"totalResults":       total,
		"pageNumber":         pageNumber,
		"pageSize":           pageSize,
		"sort":               sortName,
		"groupByField":       "sortStatus",
		"queryLanguage":      map[string]any{"language": "en", "probability": 0},
		"spellingSuggestion": "",
		"bestBets":           []any{},
		"results":            results,
		"warnings":           []any{},
	})
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"type": "throwable"})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if n <= o.FailFirst+o.ThrottleFirst+o.TruncateFirst {
		_, _ = w.Write(body[:len(body)/2]) // the connection then closes short
		return
	}
	_, _ = w.Write(body)
}

// request is a parsed search request.
type request struct {
	terms     []clause
	languages []string
	sortField string
	sortDesc  bool
}

type clause struct {
	field  string
	values []string
}

// parseRequest reads the multipart parts as the real API does: each must
// be a file part; a plain form field is a 500 "throwable"; a body that is
// not multipart is ignored (no filter at all).
func parseRequest(r *http.Request) (req request, status int, msg string) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		return req, 0, ""
	}
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return req, http.StatusBadRequest, "Invalid multipart request"
	}
	defer r.MultipartForm.RemoveAll()
	for _, name := range []string{"query", "languages", "sort", "displayFields"} {
		if _, plain := r.MultipartForm.Value[name]; plain {
			return req, http.StatusInternalServerError, ""
		}
	}
	part := func(name string) ([]byte, bool, error) {
		fhs := r.MultipartForm.File[name]
		if len(fhs) == 0 {
			return nil, false, nil
		}
		f, err := fhs[0].Open()
		if err != nil {
			return nil, true, err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		return b, true, err
	}
	if b, ok, err := part("query"); err != nil {
		return req, http.StatusBadRequest, "Invalid Query format"
	} else if ok {
		terms, err := parseQuery(b)
		if err != nil {
			return req, http.StatusBadRequest, "Invalid Query format"
		}
		req.terms = terms
	}
	if b, ok, err := part("languages"); err != nil {
		return req, http.StatusBadRequest, "Invalid languages"
	} else if ok {
		if err := json.Unmarshal(b, &req.languages); err != nil {
			return req, http.StatusInternalServerError, ""
		}
	}
	if b, ok, err := part("sort"); err != nil {
		return req, http.StatusBadRequest, "Invalid sort"
	} else if ok {
		var s struct{ Field, Order string }
		if err := json.Unmarshal(b, &s); err != nil {
			return req, http.StatusInternalServerError, ""
		}
		req.sortField, req.sortDesc = s.Field, strings.EqualFold(s.Order, "DESC")
	}
	return req, 0, ""
}

// parseQuery accepts bool/must of terms, term and range clauses; anything
// else is "Invalid Query format", as on the real API.
func parseQuery(b []byte) ([]clause, error) {
	var q struct {
		Bool *struct {
			Must []map[string]map[string]json.RawMessage `json:"must"`
		} `json:"bool"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&q); err != nil {
		return nil, err
	}
	if q.Bool == nil {
		return nil, fmt.Errorf("no bool query")
	}
	var out []clause
	for _, m := range q.Bool.Must {
		for kind, fields := range m {
			switch kind {
			case "terms", "term":
				for field, raw := range fields {
					var values []string
					if err := json.Unmarshal(raw, &values); err != nil {
						var one string
						if err := json.Unmarshal(raw, &one); err != nil {
							return nil, fmt.Errorf("terms %s: %w", field, err)
						}
						values = []string{one}
					}
					out = append(out, clause{field: field, values: values})
				}
			case "range":
				// accepted and not applied: the recording has no use for it
			default:
				return nil, fmt.Errorf("unsupported query %q", kind)
			}
		}
	}
	return out, nil
}

func (req request) matches(e *entry, text string) bool {
	if len(req.languages) > 0 && !slices.Contains(req.languages, e.language) {
		return false
	}
	for _, c := range req.terms {
		vals := e.values(c.field)
		if !slices.ContainsFunc(vals, func(v string) bool { return slices.Contains(c.values, v) }) {
			return false
		}
	}
	if text = strings.TrimSpace(text); text != "" && text != "***" {
		hay := strings.ToLower(e.identifier + " " + e.title)
		for _, w := range strings.Fields(strings.ToLower(text)) {
			if !strings.Contains(hay, w) {
				return false
			}
		}
	}
	return true
}

func unstable(ref string, page int) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%d", ref, page)
	return h.Sum32()
}

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return def
	}
	return n
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Records returns every recorded result record as served (raw captures
// first, then the rebuilt topics), for tests and load scripts that need
// the records without HTTP.
func Records() ([]json.RawMessage, error) {
	raws, err := corpus()
	return slices.Clone(raws), err
}
