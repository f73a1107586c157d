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
// the tokens of Bleve's English analyzer, British spellings written the
// American way, on the real calls, also when used from several goroutines
// and a second time (stems from the cache).
func TestAnalyzerSameAsEnglish(t *testing.T) {
	cache := registry.NewCache()
	ours, err := cache.AnalyzerNamed(analyzerName)
	if err != nil {
		t.Fatal(err)
	}
	english, err := cache.AnalyzerNamed(en.AnalyzerName)
	if err != nil {
		t.Fatal(err)
	}
	// Bleve's English analyzer with americanSpelling before its stemmer.
	e := english.(*analysis.DefaultAnalyzer)
	n := len(e.TokenFilters)
	filters := append(append(append([]analysis.TokenFilter{}, e.TokenFilters[:n-1]...), spellingFilter{}), e.TokenFilters[n-1])
	theirs := &analysis.DefaultAnalyzer{CharFilters: e.CharFilters, Tokenizer: e.Tokenizer, TokenFilters: filters}
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

type spellingFilter struct{}

func (spellingFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		tok.Term = americanSpelling(tok.Term)
	}
	return in
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

// TestAmericanSpelling: British -ise/-yse words stem as the American ones,
// the words whose -ise is no such suffix stay as they are.
func TestAmericanSpelling(t *testing.T) {
	a := newMapping().AnalyzerNamed(analyzerName)
	same := [][2]string{
		{"organisation", "organization"}, {"fertilisers", "fertilizers"}, {"optimised", "optimized"},
		{"prioritising", "prioritizing"}, {"analyse", "analyze"}, {"digitalisation", "digitalization"},
		{"standardise", "standardize"}, {"catalysed", "catalyzed"},
	}
	for _, p := range same {
		if x, y := analyze(a, p[0]).key(), analyze(a, p[1]).key(); x != y {
			t.Errorf("%s stems to %q, %s to %q: want the same", p[0], x, p[1], y)
		}
	}
	for _, w := range []string{"exercise", "enterprises", "promising", "otherwise", "crises", "analyses",
		"premises", "advertising", "raised", "expertise", "compromised", "supervisor", "noise", "precise"} {
		if got := string(americanSpelling([]byte(w))); got != w {
			t.Errorf("americanSpelling(%q) = %q, want it unchanged", w, got)
		}
	}
}
