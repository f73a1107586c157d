package search

import (
	"slices"
	"strings"
	"testing"
	"unicode"

	"callmatch/funding"
	"callmatch/search/vectors"
)

// TestSearchNoDeadEnds: a query with a word the calls or their neighbours
// in meaning know never ends in nothing; a query of unknown words does.
func TestSearchNoDeadEnds(t *testing.T) {
	ix := realIndex(t)
	for _, q := range []string{"malware analysis", "protecting satellites from hackers", "kwantumveilige versleuteling",
		"securing hospital networks", "hackers", "sécurité des hôpitaux"} {
		res := search(t, ix, Query{Text: q})
		if res.Total == 0 || len(res.Hits) == 0 {
			t.Errorf("Search(%q) = 0 calls, want the closest ones", q)
		}
	}
	if res := search(t, ix, Query{Text: "xyzzy qwertzuiop"}); res.Total != 0 || res.Closest {
		t.Errorf("Search(xyzzy qwertzuiop) = %d calls (closest %v), want none", res.Total, res.Closest)
	}
	// No call says "banana": the hits are the closest, and labelled so.
	if res := search(t, ix, Query{Text: "cybersecurity banana"}); !res.Closest || len(res.Hits) == 0 {
		t.Errorf("Search(cybersecurity banana): closest %v, %d hits; want the closest calls, labelled", res.Closest, len(res.Hits))
	}
	if res := search(t, ix, Query{Text: "cybersecurity"}); res.Closest {
		t.Error("Search(cybersecurity) is labelled closest, though calls hold the word")
	}
}

// TestSearchRelatedWords: a rare word is also searched as the calls'
// words nearest in meaning, and the result says which.
func TestSearchRelatedWords(t *testing.T) {
	ix := realIndex(t)
	res := search(t, ix, Query{Text: "hackers"})
	if len(res.Related) != 1 || res.Related[0].Word != "hackers" || len(res.Related[0].Near) == 0 {
		t.Fatalf("Search(hackers).Related = %v, want the calls' words near hackers", res.Related)
	}
	if res := search(t, ix, Query{Text: "cybersecurity"}); len(res.Related) != 0 {
		t.Errorf("Search(cybersecurity).Related = %v, want none for a common word", res.Related)
	}
}

// TestSearchFrenchDutch: French and Dutch searches find the English calls
// an English search of the same words finds, and say what they searched.
func TestSearchFrenchDutch(t *testing.T) {
	ix := realIndex(t)
	for _, tc := range []struct{ q, en string }{
		{"kwantumveilige versleuteling", "quantum-safe encryption"},
		{"cryptographie post-quantique", "post-quantum cryptography"},
		{"inbraakdetectie", "intrusion detection"},
	} {
		res := search(t, ix, Query{Text: tc.q})
		if len(res.Translated) == 0 {
			t.Errorf("Search(%q).Translated is empty", tc.q)
		}
		want := search(t, ix, Query{Text: tc.en})
		if len(want.Hits) == 0 || len(res.Hits) == 0 {
			t.Fatalf("Search(%q) = %d hits, Search(%q) = %d", tc.q, len(res.Hits), tc.en, len(want.Hits))
		}
		if !slices.ContainsFunc(res.Hits[:min(3, len(res.Hits))], func(h Hit) bool { return h.ID == want.Hits[0].ID }) {
			t.Errorf("Search(%q) first hits %v, want %s (first of %q) among them", tc.q, ids(res.Hits), want.Hits[0].ID, tc.en)
		}
	}
	if res := search(t, ix, Query{Text: "cloud security"}); len(res.Translated) != 0 {
		t.Errorf("Search(cloud security).Translated = %v, want English left alone", res.Translated)
	}
}

// TestSearchWordsTogether: words side by side in the query rank the calls
// where they stand side by side first.
func TestSearchWordsTogether(t *testing.T) {
	ix := realIndex(t)
	res := search(t, ix, Query{Text: "security operations centre"})
	if len(res.Hits) == 0 || strings.Contains(res.Hits[0].ID, "EURATOM") {
		t.Fatalf("Search(security operations centre) first hits %v, want no EURATOM topic first", ids(res.Hits))
	}
}

// TestMatchDutchProfile: a profile written in Dutch matches the English
// calls it is made for; reasons name the profile's word and its English.
func TestMatchDutchProfile(t *testing.T) {
	ix := realIndex(t)
	p := &funding.Profile{Name: "Kwantumveilig BV",
		Description: "Wij bouwen software voor het opsporen van cyberaanvallen en post-kwantum cryptografie voor kmo's",
		Keywords:    []string{"inbraakdetectie", "post-kwantumcryptografie"}}
	ms := match(t, ix, p, MatchOptions{Limit: 5})
	if len(ms) == 0 {
		t.Fatal("Match(Dutch profile) = no match")
	}
	if !strings.HasPrefix(ms[0].CallID, "HORIZON-CL3-") || !strings.Contains(ms[0].CallID, "ECCC") {
		t.Errorf("first match %s, want an ECCC cybersecurity topic", ms[0].CallID)
	}
	var bilingual bool
	for _, r := range ms[0].Reasons {
		if r.Kind == funding.ReasonKeyword && r.Term == "post-kwantumcryptografie" && r.Concept != "" {
			bilingual = true
		}
	}
	if !bilingual {
		t.Errorf("reasons %+v: want the keyword post-kwantumcryptografie with its English", ms[0].Reasons)
	}
}

// TestMatchMeaning: a profile in customer words finds the call it is made
// for; a call found by meaning names the profile's phrase and the call's
// sentence; the hard filters still hold.
func TestMatchMeaning(t *testing.T) {
	ix := realIndex(t)
	p := &funding.Profile{Name: "Travelcheck",
		Description: "Our app lets border guards' phones check a traveller's passport data without the physical document."}
	ms := match(t, ix, p, MatchOptions{Limit: 10})
	if len(ms) == 0 || !strings.HasPrefix(ms[0].CallID, "HORIZON-CL3-") || !strings.Contains(ms[0].CallID, "-BM-") {
		t.Fatalf("Match(travel credentials profile) = %v, want a border management topic first", matchIDs(ms))
	}
	for _, m := range ms {
		for _, r := range m.Reasons {
			if r.Kind != funding.ReasonMeaning {
				continue
			}
			if r.Term == "" || r.Passage == "" || !strings.Contains(p.Description, r.Term) {
				t.Errorf("meaning reason %+v: want the profile's phrase and the call's sentence", r)
			}
		}
	}
	// Constraints hold for what meaning finds too.
	p.Programmes = []string{funding.ProgrammeDigital}
	for _, m := range match(t, ix, p, MatchOptions{Limit: 20}) {
		if m.Programme != funding.ProgrammeDigital {
			t.Errorf("match %s of programme %s for a DIGITAL-only profile", m.CallID, m.Programme)
		}
	}
	p.Programmes, p.BudgetMax = nil, 500_000
	for _, m := range match(t, ix, p, MatchOptions{Limit: 20}) {
		if m.BudgetMin > 500_000 {
			t.Errorf("match %s funds at least %d, above the profile's maximum", m.CallID, m.BudgetMin)
		}
	}
}

func ids(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.ID)
	}
	return out
}

func matchIDs(ms []funding.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.CallID)
	}
	return out
}

// TestSemWordsSplitsLikeUnicode checks the ASCII fast path of semWords
// against the plain rule: words are runs of Unicode letters and digits,
// lower-cased.
func TestSemWordsSplitsLikeUnicode(t *testing.T) {
	tab, err := vectors.Load()
	if err != nil {
		t.Fatal(err)
	}
	plain := func(text string) []int32 {
		var out []int32
		words := strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		for _, w := range words {
			if len(w) > 64 {
				continue
			}
			w = strings.Map(unicode.ToLower, w)
			if stopWords[w] {
				continue
			}
			if id := tab.ID(w); id >= 0 {
				out = append(out, id)
			}
		}
		return out
	}
	for _, text := range []string{
		"Post-Quantum Cryptography (PQC) for SMEs, 2027.",
		"Détection d'intrusion: café, naïve ÉCOLE; Straße",
		"AI\u00a0act\tand\nGDPR… “quoted” words—dash",
		"invalid \xff\xfe bytes between words",
		strings.Repeat("x", 70) + " security " + strings.Repeat("é", 40),
		"", "   ", "ÀÉÎ mixed ASCIIandÜnicode42",
	} {
		var got []int32
		semWords(tab, text, func(id int32, _ float32) { got = append(got, id) })
		if want := plain(text); !slices.Equal(got, want) {
			t.Errorf("semWords(%q) = %v, want %v", text, got, want)
		}
	}
}
