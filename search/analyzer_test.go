package search

import (
	"reflect"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/registry"
)

// TestAnalyzerSameAsEnglish checks that the caching analyzer gives exactly
// the tokens of Bleve's English analyzer on the real calls, also when
// used from several goroutines and a second time (stems from the cache).
func TestAnalyzerSameAsEnglish(t *testing.T) {
	cache := registry.NewCache()
	ours, err := cache.AnalyzerNamed(analyzerName)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := cache.AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, c := range loadCalls(t) {
		texts = append(texts, c.Title)
		for _, s := range c.Sections {
			texts = append(texts, s.Text)
		}
	}
	texts = append(texts, "Running runners ran; the CLOUD's edges, ÉLAN, naïve café, 5G/6G, AI-driven", "")
	terms := func(ts analysis.TokenStream) []string {
		out := make([]string, len(ts))
		for i, tok := range ts {
			out[i] = string(tok.Term) + "@" + string(rune('0'+tok.Position%10))
		}
		return out
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(texts); i += 2 { // every text twice, by two goroutines
				got, want := terms(ours.Analyze([]byte(texts[i]))), terms(theirs.Analyze([]byte(texts[i])))
				if !reflect.DeepEqual(got, want) {
					errs <- texts[i]
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("tokens differ from the English analyzer's on %.200q", text)
	}
}

// TestSentenceRuleCache checks that cached eligibility rules are those of
// parseSentence, for the first and the repeated sentences.
func TestSentenceRuleCache(t *testing.T) {
	n := 0
	for _, c := range loadCalls(t)[:200] {
		for _, sec := range c.Sections {
			for _, s := range sentences(sec.Text) {
				for range 2 {
					if got, want := sentenceRules.get(s), parseSentence(s); !reflect.DeepEqual(got, want) {
						t.Fatalf("rules of %q: cached %v, parsed %v", s, got, want)
					}
				}
				n++
			}
		}
	}
	if n < 1000 {
		t.Fatalf("only %d sentences checked", n)
	}
}
