package search

import (
	"bytes"
	"hash/maphash"
	"strings"
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
	porterstemmer "github.com/blevesearch/go-porterstemmer"
)

// analyzerName is the analyzer of the text fields and of the queries:
// Bleve's English analyzer ("en": unicode words, possessives, lower case,
// English stop words, Porter stems) with a cache of the stems. Stemming
// was a quarter of the analysis when indexing, and a corpus says the same
// words over and over.
const analyzerName = "callmatch_en"

func init() {
	err := registry.RegisterAnalyzer(analyzerName, func(_ map[string]any, cache *registry.Cache) (analysis.Analyzer, error) {
		tokenizer, err := cache.TokenizerNamed(unicode.Name)
		if err != nil {
			return nil, err
		}
		var filters []analysis.TokenFilter
		for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName} {
			f, err := cache.TokenFilterNamed(name)
			if err != nil {
				return nil, err
			}
			filters = append(filters, f)
		}
		filters = append(filters, stemmer)
		return &analysis.DefaultAnalyzer{Tokenizer: tokenizer, TokenFilters: filters}, nil
	})
	if err != nil {
		panic(err)
	}
}

// stemmer is Bleve's Porter stemmer filter with a cache of stems.
var stemmer = &cachedStemmer{seed: maphash.MakeSeed()}

// stemCacheSize bounds the words of a shard of the cache (some 130,000
// words in all, a few MB): past it, words are stemmed as they come.
const stemCacheSize = 1 << 12

type cachedStemmer struct {
	seed   maphash.Seed
	shards [32]struct {
		mu    sync.RWMutex
		stems map[string][]byte
	}
}

// Filter stems the tokens as porter.PorterStemmer does. The stems it
// sets are shared between tokens: nothing writes into a token's term.
func (s *cachedStemmer) Filter(input analysis.TokenStream) analysis.TokenStream {
	for _, token := range input {
		if token.KeyWord {
			continue
		}
		sh := &s.shards[maphash.Bytes(s.seed, token.Term)%uint64(len(s.shards))]
		sh.mu.RLock()
		stem, ok := sh.stems[string(token.Term)]
		sh.mu.RUnlock()
		if !ok {
			stem = analysis.BuildTermFromRunes(porterstemmer.StemWithoutLowerCasing(bytes.Runes(americanSpelling(token.Term))))
			sh.mu.Lock()
			if sh.stems == nil {
				sh.stems = make(map[string][]byte)
			}
			if len(sh.stems) < stemCacheSize {
				sh.stems[string(token.Term)] = stem
			}
			sh.mu.Unlock()
		}
		token.Term = stem
	}
	return input
}

// americanSpelling writes a British -ise or -yse word the American way
// ("organisation" is "organization", "fertiliser" "fertilizer", "analysed"
// "analyzed") before it is stemmed: calls use either spelling, and so do
// glossaries and SMEs, and Porter stems the two apart. Words whose -ise is
// not that suffix ("exercise", "enterprise", "promise", "likewise") stay.
func americanSpelling(w []byte) []byte {
	for _, sf := range spellingSuffixes {
		if !bytes.HasSuffix(w, []byte(sf.uk)) {
			continue
		}
		stem := w[:len(w)-len(sf.uk)]
		if len(stem) < 3 || bytes.HasSuffix(stem, []byte("w")) || notIZE[string(stem)] {
			return w
		}
		out := make([]byte, 0, len(w))
		out = append(out, stem...)
		return append(out, sf.us...)
	}
	return w
}

// spellingSuffixes, longest first; the stem before them keeps its letters.
var spellingSuffixes = []struct{ uk, us string }{
	{"isations", "izations"}, {"isation", "ization"}, {"isers", "izers"}, {"ising", "izing"},
	{"iser", "izer"}, {"ised", "ized"}, {"ises", "izes"}, {"ise", "ize"},
	{"ysers", "yzers"}, {"ysing", "yzing"}, {"yser", "yzer"}, {"ysed", "yzed"}, {"yse", "yze"},
}

// notIZE are the stems (before -ise) of words that are never written -ize.
var notIZE = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`advert adv appra chast compr comprom conc dem desp dev disgu
		enfranch enterpr exc exerc exorc expert franch improv imprec inc merchand parad prem prom rev
		superv surm surpr telev pra cru bru prec treat repr chem circumc mort sunr upr`) {
		m[w] = true
	}
	return m
}()
