package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	index "github.com/blevesearch/bleve_index_api"

	"callmatch/funding"
)

// Typo tolerance. A word of typoMinLetters letters or more that is rare in
// the index (a typo is rare; see speller.rare) also matches the words of
// the vocabulary one edit away (a letter added, dropped, changed, or two
// swapped), or two for words of typoTwoEdits letters or more. The
// vocabulary holds the words of the main fields as written, not stemmed:
// a typo often changes how a word stems ("securty" stems to "securti",
// "security" to "secur"; "penetraton" stays whole, "penetration" is
// "penetr"), so near stems would miss it. The near words are then stemmed
// and searched like the word, below it.
const (
	typoMinLetters  = 5
	typoTwoEdits    = 8
	maxCorrections  = 8    // the nearest and most used near words, at most
	correctionBoost = 0.3  // a corrected word counts less than the word
	rareShare       = 1e-3 // rare: in fewer than this share of the calls...
	rareMin         = 3    // ...and fewer than this many
	vocabMinLetters = typoMinLetters - 1
	vocabMaxLetters = 40
)

// spelledFields are the fields whose words make the vocabulary: the main
// ones, where a corrected word is worth finding.
var spelledFields = []string{fieldTitle, fieldKeywords, fieldScope, fieldOutcome, fieldObjective}

// vocabulary is the set of words of the spelled fields of the calls
// indexed, lower case, by length. It only grows (a word whose calls went
// finds nothing when searched, and is dropped then); it is built again
// when the process starts.
type vocabulary struct {
	mu    sync.RWMutex
	words map[string]struct{}
	byLen [vocabMaxLetters + 1][][]rune
}

func newVocabulary() *vocabulary {
	return &vocabulary{words: make(map[string]struct{})}
}

// addCall adds the words of the call's spelled fields (see newDocument).
func (v *vocabulary) addCall(c *funding.Call) {
	v.mu.Lock()
	defer v.mu.Unlock()
	add := func(s string) {
		eachWord(s, func(w string) {
			if _, ok := v.words[w]; ok {
				return
			}
			v.words[w] = struct{}{}
			r := []rune(w)
			v.byLen[len(r)] = append(v.byLen[len(r)], r)
		})
	}
	add(c.Title)
	for _, l := range [][]string{c.Keywords, c.Tags} {
		for _, k := range l {
			add(k)
		}
	}
	for _, sec := range c.Sections {
		if slices.Contains(spelledFields, sectionField(sec.Title)) {
			add(sec.Text)
		}
	}
}

// eachWord calls fn with each run of letters of s of vocabMinLetters to
// vocabMaxLetters letters, in lower case.
func eachWord(s string, fn func(w string)) {
	start, n := -1, 0
	for i := 0; i <= len(s); {
		r, size := utf8.RuneError, 1
		if i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if i < len(s) && unicode.IsLetter(r) {
			if start < 0 {
				start, n = i, 0
			}
			n++
		} else if start >= 0 {
			if n >= vocabMinLetters && n <= vocabMaxLetters {
				fn(lower(s[start:i]))
			}
			start = -1
		}
		i += size
	}
}

// lower is strings.ToLower without the allocation for words already in
// lower case.
func lower(w string) string {
	for _, r := range w {
		if unicode.IsUpper(r) {
			return strings.ToLower(w)
		}
	}
	return w
}

// size is the number of words.
func (v *vocabulary) size() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.words)
}

// each calls fn with every word.
func (v *vocabulary) each(fn func(w string)) {
	v.mu.RLock()
	defer v.mu.RUnlock()
	for w := range v.words {
		fn(w)
	}
}

// near returns the words within edits of word, with their distance.
func (v *vocabulary) near(word string, edits int) map[string]int {
	w := []rune(word)
	out := map[string]int{}
	v.mu.RLock()
	defer v.mu.RUnlock()
	for n := max(1, len(w)-edits); n <= min(vocabMaxLetters, len(w)+edits); n++ {
		for _, cand := range v.byLen[n] {
			if d := editDistance(w, cand, edits); d > 0 && d <= edits {
				out[string(cand)] = d
			}
		}
	}
	return out
}

// editDistance is the optimal string alignment distance of a and b (edits
// that add, drop or change a letter, or swap two neighbours), or max+1
// when it is over max.
func editDistance(a, b []rune, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	// Three rows of the dynamic programme: two back for the swaps.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			c := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				c = min(c, prev2[j-2]+1)
			}
			cur[j] = c
			best = min(best, c)
		}
		if best > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], limit+1)
}

// speller finds the corrections of misspelled query words against one
// reader of the index. Close it after use.
type speller struct {
	ix      *Index
	r       index.IndexReader
	maxDocs uint64
}

func (ix *Index) newSpeller() (*speller, error) {
	adv, err := ix.cur.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	n, err := r.DocCount()
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("search: %w", err)
	}
	return &speller{ix: ix, r: r, maxDocs: max(rareMin, uint64(rareShare*float64(n)))}, nil
}

func (sp *speller) Close() { sp.r.Close() }

// docs counts the calls that have the stem in their spelled fields (a
// call with it in two fields counts twice: a ranking, not a count).
func (sp *speller) docs(stem string) (uint64, error) {
	var n uint64
	for _, f := range spelledFields {
		tfr, err := sp.r.TermFieldReader(context.Background(), []byte(stem), f, false, false, false)
		if err != nil {
			return 0, fmt.Errorf("search: %w", err)
		}
		n += tfr.Count()
		tfr.Close()
	}
	return n, nil
}

// correction is a near word of a misspelled one: its stem, searched, and
// the word as written, shown.
type correction struct {
	stem, word string
	distance   int
	docs       uint64
}

// corrections returns the words near word (whose stem is stem), one per
// stem, nearest and most used first: none when the word is not rare.
func (sp *speller) corrections(word, stem string) ([]correction, error) {
	var written []string
	eachWord(word, func(w string) { written = append(written, w) })
	if len(written) != 1 {
		return nil, nil
	}
	if n, err := sp.docs(stem); err != nil || n >= sp.maxDocs {
		return nil, err
	}
	edits := 1
	if utf8.RuneCountInString(written[0]) >= typoTwoEdits {
		edits = 2
	}
	var found []correction
	for w, d := range sp.ix.vocab.near(written[0], edits) {
		s := analyze(sp.ix.analyzer, w).stems()
		if len(s) != 1 || s[0] == stem {
			continue
		}
		if i := slices.IndexFunc(found, func(c correction) bool { return c.stem == s[0] }); i >= 0 {
			// One word per stem: the nearest, then the first in order.
			if c := &found[i]; d < c.distance || (d == c.distance && w < c.word) {
				c.distance, c.word = d, w
			}
			continue
		}
		n, err := sp.docs(s[0])
		if err != nil {
			return nil, err
		}
		if n > 0 { // a word of calls since gone finds nothing
			found = append(found, correction{stem: s[0], word: w, distance: d, docs: n})
		}
	}
	slices.SortFunc(found, func(a, b correction) int {
		return cmp.Or(cmp.Compare(a.distance, b.distance), cmp.Compare(b.docs, a.docs), cmp.Compare(a.stem, b.stem))
	})
	return found[:min(len(found), maxCorrections)], nil
}
