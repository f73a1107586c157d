package search

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"callmatch/search/vectors"
)

// The meaning side of the index. Every call gets unit vectors: one of the
// whole call and one per part (the title with the keywords, and passages of
// a few sentences of its sections), each the average of its words' GloVe
// vectors weighted by smooth inverse frequency. A query or a profile gets
// vectors the same way; a call's meaning score is the cosine of the best
// part, once the corpus's common direction (the mean of the calls: what
// every call says, "innovation", "European", "project") is taken out of
// both sides.

// Passages: about passageWords words each, at most maxParts per call (long
// calls get longer passages).
const (
	passageWords = 45
	maxParts     = 24
)

// partRef is where a part of a call comes from in its indexed document:
// the field, the element of a multi-valued field and the byte range.
type partRef struct {
	field      string
	arr        int32
	start, end int32
}

// callVecs are the vectors of one call. Vectors are stored quantized (one
// byte per dimension and a scale); pm and norm depend on the centre and are
// set by centre.apply.
type callVecs struct {
	doc      []int8
	docScale float32
	// dc is the whole vector, centred and of unit length: the first,
	// cheap ranking of every call reads only it.
	dc []float32

	parts  []int8 // len(refs) * dims
	scales []float32
	pm     []float32
	norm   []float32
	refs   []partRef
}

// centre is the mean of the calls' whole vectors.
type centre struct {
	m  []float32
	mm float32 // m . m
}

// semWords calls fn for each word of text known to the table, lower-cased,
// with its weight; stop words are skipped.
func semWords(t *vectors.Table, text string, fn func(id int32, w float32)) {
	var buf [64]byte
	start := -1
	ascii := true // the word so far is ASCII: lower-cased byte by byte
	flush := func(end int) {
		if start < 0 {
			return
		}
		w := text[start:end]
		start = -1
		if len(w) > len(buf) {
			return
		}
		b := buf[:0]
		if ascii {
			for i := 0; i < len(w); i++ {
				c := w[i]
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				b = append(b, c)
			}
		} else {
			for _, r := range w {
				b = utf8.AppendRune(b, unicode.ToLower(r))
			}
		}
		if stopWords[string(b)] {
			return
		}
		if id := t.ID(string(b)); id >= 0 {
			fn(id, t.Weight(id))
		}
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if asciiWord[c] {
				if start < 0 {
					start, ascii = i, true
				}
			} else {
				flush(i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			ascii = false
		} else {
			flush(i)
		}
		i += size
	}
	flush(len(text))
}

// asciiWord tells the ASCII letters and digits.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := range utf8.RuneSelf {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
	}
	return t
}()

// stopWords are Bleve's English stop words.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(string(en.EnglishStopWords)) {
		if !strings.HasPrefix(w, "|") {
			m[w] = true
		}
	}
	return m
}()

// embed returns the unit vector of text, or nil when it has no known word.
func embed(t *vectors.Table, text string) []float32 {
	v := make([]float32, t.Dims())
	n := 0
	semWords(t, text, func(id int32, w float32) { t.AddTo(v, id, w); n++ })
	if n == 0 || !vectors.Normalize(v) {
		return nil
	}
	return v
}

func quantize(v []float32, dst []int8) ([]int8, float32) {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		m = 1
	}
	for _, x := range v {
		dst = append(dst, int8(math.Round(float64(x/m*127))))
	}
	return dst, m / 127
}

// dotQ is the dot product of a float vector and a quantized one.
func dotQ(v []float32, q []int8, scale float32) float32 {
	var s float32
	q = q[:len(v)]
	for i, x := range v {
		s += x * float32(q[i])
	}
	return s * scale
}

// newCallVecs computes the vectors of the call indexed as doc.
func newCallVecs(t *vectors.Table, d *document) *callVecs {
	dims := t.Dims()
	cv := &callVecs{}
	whole := make([]float32, dims)
	any := false

	type piece struct {
		ref  partRef
		text string
	}
	var pieces []piece
	head := d.Title + ". " + strings.Join(d.Keywords, ", ")
	pieces = append(pieces, piece{partRef{field: fieldTitle, end: int32(len(d.Title))}, head})
	total := 0
	fields := []struct {
		name  string
		texts []string
	}{
		{fieldOutcome, []string{d.Outcome}}, {fieldScope, []string{d.Scope}}, {fieldObjective, []string{d.Objective}},
		{fieldImpact, []string{d.Impact}}, {fieldBody, d.Body},
	}
	for _, f := range fields {
		for _, s := range f.texts {
			total += len(strings.Fields(s))
		}
	}
	size := max(passageWords, total/(maxParts-1)+1)
	for _, f := range fields {
		for arr, text := range f.texts {
			start, words := -1, 0
			var last int
			for _, sp := range sentenceBounds(text) {
				if start < 0 {
					start = sp[0]
				}
				words += strings.Count(text[sp[0]:sp[1]], " ") + 1
				last = sp[1]
				if words >= size {
					pieces = append(pieces, piece{partRef{f.name, int32(arr), int32(start), int32(last)}, text[start:last]})
					start, words = -1, 0
				}
			}
			if start >= 0 {
				pieces = append(pieces, piece{partRef{f.name, int32(arr), int32(start), int32(last)}, text[start:last]})
			}
		}
	}
	v := make([]float32, dims)
	for i, p := range pieces {
		clear(v)
		n := 0
		w := float32(1)
		if i == 0 {
			w = 2 // the title and keywords say what the call is about
		}
		semWords(t, p.text, func(id int32, wt float32) {
			t.AddTo(v, id, wt)
			n++
		})
		for j, x := range v { // the whole call: every part's words, once
			whole[j] += w * x
		}
		if n < 2 && i > 0 {
			continue
		}
		if !vectors.Normalize(v) {
			continue
		}
		any = true
		var sc float32
		cv.parts, sc = quantize(v, cv.parts)
		cv.scales = append(cv.scales, sc)
		cv.refs = append(cv.refs, p.ref)
	}
	if !any || !vectors.Normalize(whole) {
		return nil
	}
	cv.doc, cv.docScale = quantize(whole, nil)
	cv.pm = make([]float32, len(cv.refs))
	cv.norm = make([]float32, len(cv.refs))
	return cv
}

// apply sets what depends on the centre c.
func (cv *callVecs) apply(c *centre) {
	dims := len(cv.doc)
	if cv.dc == nil {
		cv.dc = make([]float32, dims)
	}
	for i, x := range cv.doc {
		cv.dc[i] = float32(x)*cv.docScale - c.m[i]
	}
	vectors.Normalize(cv.dc)
	for i := range cv.refs {
		cv.pm[i], cv.norm[i] = centred(dotQ(c.m, cv.parts[i*dims:(i+1)*dims], cv.scales[i]), c.mm)
	}
}

// centred returns p.m and |p - m| for a unit vector p.
func centred(pm, mm float32) (float32, float32) {
	n := 1 - 2*pm + mm
	if n < 1e-6 {
		n = 1e-6
	}
	return pm, float32(math.Sqrt(float64(n)))
}

// newCentre is the mean of the calls' whole vectors (nil for none).
func newCentre(entries map[string]*entry, dims int) *centre {
	m := make([]float32, dims)
	n := 0
	for _, e := range entries {
		if e.vecs == nil {
			continue
		}
		for i, x := range e.vecs.doc {
			m[i] += float32(x) * e.vecs.docScale
		}
		n++
	}
	if n == 0 {
		return &centre{m: m}
	}
	for i := range m {
		m[i] /= float32(n)
	}
	return &centre{m: m, mm: vectors.Dot(m, m)}
}

// semQuery is a text (a query, a profile phrase) on the meaning side.
type semQuery struct {
	v      []float32
	qm, qn float32 // v . centre, |v - centre|
	mm     float32
	vc     []float32 // v - centre, of unit length
}

func newSemQuery(v []float32, c *centre) *semQuery {
	if v == nil || c == nil {
		return nil
	}
	qm, qn := centred(vectors.Dot(v, c.m), c.mm)
	vc := make([]float32, len(v))
	for i := range v {
		vc[i] = v[i] - c.m[i]
	}
	if !vectors.Normalize(vc) {
		return nil
	}
	return &semQuery{v: v, qm: qm, qn: qn, mm: c.mm, vc: vc}
}

// cos is the cosine of the centred vectors, given q.p and p's pm and norm.
func (q *semQuery) cos(qp, pm, pn float32) float32 {
	return (qp - q.qm - pm + q.mm) / (q.qn * pn)
}

// whole scores the call as a whole.
func (q *semQuery) whole(cv *callVecs) float32 {
	if cv.dc == nil {
		return 0
	}
	return vectors.Dot(q.vc, cv.dc)
}

// best scores the call's best part; it returns the score and the part.
func (q *semQuery) best(cv *callVecs) (float32, int) {
	dims := len(q.v)
	best, at := float32(-2), -1
	for i := range cv.refs {
		s := q.cos(dotQ(q.v, cv.parts[i*dims:(i+1)*dims], cv.scales[i]), cv.pm[i], cv.norm[i])
		if s > best {
			best, at = s, i
		}
	}
	return best, at
}

// score is the meaning score of a call: its best part, and a little of the whole.
func (q *semQuery) score(cv *callVecs) (float32, int) {
	b, at := q.best(cv)
	return 0.75*b + 0.25*q.whole(cv), at
}

// Words related in meaning. A query word that is rare or unknown in the
// calls ("hackers", "malware") is also searched as the calls' words
// nearest to it in the vector space ("intruders", "malicious"), below it.
const (
	relatedShare  = 0.01 // rare: in fewer than this share of the calls...
	relatedMin    = 5    // ...and fewer than this many
	relatedCos    = 0.6  // the least cosine of a related word
	maxRelated    = 4
	relatedWeight = 0.5 // times the cosine: a related word counts less than the word
)

type relatedWord struct {
	stem, word string
	weight     float64
}

// related returns the calls' words nearest in meaning to word (whose stem
// is stem) when it is rare in the calls; none otherwise.
func (ix *Index) related(sp *speller, word, stem string) ([]relatedWord, error) {
	id := ix.vec.ID(lower(word))
	if id < 0 {
		return nil, nil
	}
	n, err := sp.docs(stem)
	if err != nil || n >= max(relatedMin, uint64(relatedShare*float64(len(ix.calls)))) {
		return nil, err
	}
	var out []relatedWord
	for _, nb := range ix.vec.NearestAmong(ix.vec.Vector(id), ix.corpusWords(), 2*maxRelated) {
		if nb.Score < relatedCos || len(out) >= maxRelated {
			break
		}
		w := ix.vec.Word(nb.ID)
		s := analyze(ix.analyzer, w).stems()
		if len(s) != 1 || s[0] == stem || slices.ContainsFunc(out, func(r relatedWord) bool { return r.stem == s[0] }) {
			continue
		}
		if d, err := sp.docs(s[0]); err != nil {
			return nil, err
		} else if d == 0 {
			continue
		}
		out = append(out, relatedWord{stem: s[0], word: w, weight: relatedWeight * float64(nb.Score)})
	}
	return out, nil
}

// corpusWords returns the table ids of the calls' words (the spelling
// vocabulary), computed again when the vocabulary has grown.
func (ix *Index) corpusWords() []int32 {
	n := ix.vocab.size()
	if c := ix.corpusIDs.Load(); c != nil && c.n == n {
		return c.ids
	}
	var ids []int32
	ix.vocab.each(func(w string) {
		if id := ix.vec.ID(w); id >= 0 && !stopWords[w] {
			ids = append(ids, id)
		}
	})
	slices.Sort(ids)
	ix.corpusIDs.Store(&corpusIDs{n: n, ids: ids})
	return ids
}

type corpusIDs struct {
	n   int
	ids []int32
}
