package search

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis"

	"callmatch/funding"
)

//go:embed thesaurus.json
var builtinThesaurus []byte

// thesaurusFile is the shape of thesaurus.json and of the extra files staff add.
type thesaurusFile struct {
	Concepts []struct {
		Terms   []string `json:"terms"`
		Related []string `json:"related"`
	} `json:"concepts"`
	Domains map[string][]string `json:"domains"`
}

// thesaurus is the compiled form: everyday terms found by their stems.
type thesaurus struct {
	entries []thesaurusEntry
	byStem  map[string][]int // first stem of a term -> entries[i]
	domains map[string][]string
}

type thesaurusEntry struct {
	term    phrase   // one everyday term
	related []string // what the calls say instead
}

// parseThesaurus reads one thesaurus file and checks it.
func parseThesaurus(data []byte) (thesaurusFile, error) {
	var f thesaurusFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("search: thesaurus: %w", err)
	}
	for i, c := range f.Concepts {
		if len(c.Terms) == 0 || len(c.Related) == 0 {
			return f, fmt.Errorf("search: thesaurus: concept %d needs terms and related", i+1)
		}
	}
	for slug, concepts := range f.Domains {
		if !funding.IsDomain(slug) {
			return f, fmt.Errorf("search: thesaurus: unknown domain %q", slug)
		}
		if len(concepts) == 0 {
			return f, fmt.Errorf("search: thesaurus: domain %q has no concepts", slug)
		}
	}
	return f, nil
}

// loadThesaurus compiles the built-in thesaurus plus the optional extra file.
func loadThesaurus(a analysis.Analyzer, extraPath string) (*thesaurus, error) {
	files := [][]byte{builtinThesaurus}
	if extraPath != "" {
		b, err := os.ReadFile(extraPath)
		if err != nil {
			return nil, fmt.Errorf("search: thesaurus: %w", err)
		}
		files = append(files, b)
	}
	th := &thesaurus{byStem: map[string][]int{}, domains: map[string][]string{}}
	for _, data := range files {
		f, err := parseThesaurus(data)
		if err != nil {
			return nil, err
		}
		for _, c := range f.Concepts {
			for _, t := range c.Terms {
				p := analyze(a, t)
				if len(p.stems()) == 0 {
					continue
				}
				th.byStem[p.stems()[0]] = append(th.byStem[p.stems()[0]], len(th.entries))
				th.entries = append(th.entries, thesaurusEntry{term: p, related: c.Related})
			}
		}
		for slug, concepts := range f.Domains {
			th.domains[slug] = appendNew(th.domains[slug], concepts...)
		}
	}
	return th, nil
}

// expansion is one concept the thesaurus reaches from a profile text.
type expansion struct {
	via     string // the everyday term that was found in the text
	concept string // the call-side term to look for
}

// expand finds the thesaurus terms inside the analyzed text p and returns
// their related concepts, in thesaurus order, without repeats.
func (th *thesaurus) expand(p phrase) []expansion {
	stems := p.stems()
	var hits []int
	for i, s := range stems {
		for _, e := range th.byStem[s] {
			if hasPrefixSeq(stems[i:], th.entries[e].term.stems()) {
				hits = append(hits, e)
			}
		}
	}
	sort.Ints(hits)
	var out []expansion
	seen := map[string]bool{}
	for _, e := range hits {
		for _, r := range th.entries[e].related {
			if k := strings.ToLower(r); !seen[k] {
				seen[k] = true
				out = append(out, expansion{via: th.entries[e].term.text, concept: r})
			}
		}
	}
	return out
}

func hasPrefixSeq(s, prefix []string) bool {
	if len(prefix) > len(s) {
		return false
	}
	for i := range prefix {
		if s[i] != prefix[i] {
			return false
		}
	}
	return true
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		found := false
		for _, x := range list {
			if strings.EqualFold(x, it) {
				found = true
				break
			}
		}
		if !found {
			list = append(list, it)
		}
	}
	return list
}
