package search

import (
	"bytes"
	"hash/maphash"
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
			stem = analysis.BuildTermFromRunes(porterstemmer.StemWithoutLowerCasing(bytes.Runes(token.Term)))
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
