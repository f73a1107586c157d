package search

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

func search(t *testing.T, ix *Index, q Query) Result {
	t.Helper()
	if q.Now.IsZero() {
		q.Now = testNow
	}
	res, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return res
}

// callText is all the searchable text of a call, lower-cased.
func callText(c *funding.Call) string {
	parts := []string{c.Title}
	parts = append(parts, c.Keywords...)
	parts = append(parts, c.Tags...)
	for _, s := range c.Sections {
		parts = append(parts, s.Text)
	}
	for _, s := range c.Conditions {
		parts = append(parts, s.Text)
	}
	return strings.ToLower(strings.Join(parts, "\n"))
}

func callsByID(calls []funding.Call) map[string]*funding.Call {
	m := make(map[string]*funding.Call, len(calls))
	for i := range calls {
		m[calls[i].ID] = &calls[i]
	}
	return m
}

// TestSearchNoHighlights: an export's search finds the same hits in the
// same order, without the highlights it does not use.
func TestSearchNoHighlights(t *testing.T) {
	ix := realIndex(t)
	with := search(t, ix, Query{Text: "cybersecurity incident", Size: 50})
	without := search(t, ix, Query{Text: "cybersecurity incident", Size: 50, NoHighlights: true})
	if with.Total != without.Total || len(with.Hits) != len(without.Hits) || len(with.Hits) == 0 {
		t.Fatalf("with highlights %d/%d hits, without %d/%d", len(with.Hits), with.Total, len(without.Hits), without.Total)
	}
	for i := range with.Hits {
		if with.Hits[i].ID != without.Hits[i].ID {
			t.Fatalf("hit %d: %s with highlights, %s without", i, with.Hits[i].ID, without.Hits[i].ID)
		}
		if len(without.Hits[i].Highlights) != 0 || len(without.Hits[i].Snippets) != 0 {
			t.Fatalf("hit %s has highlights though none were asked for", without.Hits[i].ID)
		}
	}
	if len(with.Hits[0].Highlights) == 0 {
		t.Error("the first hit has no highlights when they were asked for")
	}
}

func TestSearchPostQuantumFindsPQCTopicsFirst(t *testing.T) {
	ix := realIndex(t)
	res := search(t, ix, Query{Text: "post-quantum"})
	if len(res.Hits) < 2 {
		t.Fatalf("Search(post-quantum) = %d hits, want several", len(res.Hits))
	}
	if got, want := res.Hits[0].ID, "HORIZON-CL3-2027-02-CS-ECCC-03"; got != want {
		t.Errorf("first hit = %s, want %s (Secure PQC implementations)", got, want)
	}
	if hl := res.Hits[0].Highlights[fieldTitle]; len(hl) == 0 || !strings.Contains(hl[0], "<mark>Post</mark>-<mark>quantum</mark>") {
		t.Errorf("title highlight = %q, want Post-quantum marked", hl)
	}
	if sn := res.Hits[0].Snippets[fieldTitle]; len(sn) == 0 || strings.Contains(sn[0], "<mark>") {
		t.Errorf("title snippet = %q, want plain text", sn)
	}
	// Typo tolerance on words of five letters or more.
	exact, typo := search(t, ix, Query{Text: "quantum"}), search(t, ix, Query{Text: "quantom"})
	if typo.Total == 0 || typo.Total < exact.Total {
		t.Errorf("Search(quantom) = %d hits, Search(quantum) = %d: want the typo to find them too", typo.Total, exact.Total)
	}
}

// TestSearchTypos: misspelled words of five letters or more find what the
// right spelling finds, also when the typo changes the word's stem.
func TestSearchTypos(t *testing.T) {
	ix := realIndex(t)
	for _, tc := range []struct{ typo, right string }{
		{"quantom", "quantum"},
		{"securty", "security"},           // stems to securti, not secur
		{"cybersecurty", "cybersecurity"}, // two edits from cybersecur
		{"penetraton", "penetration"},     // no stem at all
		{"artifical intelligence", "artificial intelligence"},
		{"hydrogne", "hydrogen"}, // a swap: two edits
		{"robotcs", "robotics"},
	} {
		right := search(t, ix, Query{Text: tc.right, Size: 100})
		typo := search(t, ix, Query{Text: tc.typo, Size: 100})
		if right.Total == 0 {
			t.Fatalf("Search(%q) found nothing: pick another word", tc.right)
		}
		if typo.Total == 0 {
			t.Errorf("Search(%q) found nothing; %q finds %d", tc.typo, tc.right, right.Total)
			continue
		}
		found := map[string]bool{}
		for _, h := range right.Hits {
			found[h.ID] = true
		}
		if !found[typo.Hits[0].ID] {
			t.Errorf("Search(%q) first hit %s is not among the %d hits of %q", tc.typo, typo.Hits[0].ID, right.Total, tc.right)
		}
	}
	// The result says what was corrected, with the words as written.
	res := search(t, ix, Query{Text: "securty awareness"})
	if len(res.Corrections) != 1 || res.Corrections[0].Word != "securty" || !slices.Contains(res.Corrections[0].Near, "security") {
		t.Errorf("Search(securty awareness) corrections = %+v, want securty: security", res.Corrections)
	}
	if res := search(t, ix, Query{Text: "security awareness"}); len(res.Corrections) != 0 {
		t.Errorf("Search(security awareness) corrections = %+v, want none", res.Corrections)
	}
	// Short words and words far from any are not corrected.
	for _, q := range []string{"qbit", "zqxwvjk", "cyberzzzzz"} {
		if res := search(t, ix, Query{Text: q}); res.Total != 0 {
			t.Errorf("Search(%q) = %d hits, want none", q, res.Total)
		}
	}
}

// TestSearchByIdentifier: a topic's identifier, typed as text in any
// case, finds that topic first; a call identifier finds its topics first.
func TestSearchByIdentifier(t *testing.T) {
	ix := realIndex(t)
	for _, text := range []string{"HORIZON-CL3-2026-02-CS-ECCC-01", "horizon-cl3-2026-02-cs-eccc-01", " HORIZON-CL3-2026-02-CS-ECCC-01 "} {
		res := search(t, ix, Query{Text: text})
		if len(res.Hits) == 0 || res.Hits[0].ID != "HORIZON-CL3-2026-02-CS-ECCC-01" {
			t.Errorf("Search(%q): first hit %v, want the topic", text, res.Hits)
		}
	}
	// The call identifier with the most topics in the data.
	topics := map[string][]string{}
	for _, c := range loadCalls(t) {
		if c.CallID != "" {
			topics[c.CallID] = append(topics[c.CallID], c.ID)
		}
	}
	var callID string
	for id, ts := range topics {
		if len(ts) > len(topics[callID]) || (len(ts) == len(topics[callID]) && id < callID) {
			callID = id
		}
	}
	if len(topics[callID]) < 3 {
		t.Fatalf("no call with 3 topics or more (best %s: %d)", callID, len(topics[callID]))
	}
	res := search(t, ix, Query{Text: strings.ToLower(callID), Size: len(topics[callID])})
	for _, h := range res.Hits {
		if !slices.Contains(topics[callID], h.ID) {
			t.Errorf("Search(%s): hit %s among the first %d is not one of its topics", callID, h.ID, len(topics[callID]))
		}
	}
	if res.Total < uint64(len(topics[callID])) {
		t.Errorf("Search(%s) = %d hits, want its %d topics at least", callID, res.Total, len(topics[callID]))
	}
}

func TestSearchPhrase(t *testing.T) {
	ix := realIndex(t)
	calls := callsByID(loadCalls(t))
	res := search(t, ix, Query{Text: `"incident response"`, Size: 100})
	if res.Total == 0 {
		t.Fatal(`Search("incident response") found nothing`)
	}
	for _, h := range res.Hits {
		if !strings.Contains(callText(calls[h.ID]), "incident response") {
			t.Errorf("hit %s does not contain the phrase \"incident response\"", h.ID)
		}
	}
	words := search(t, ix, Query{Text: `incident response`, Size: 100})
	if words.Total < res.Total {
		t.Errorf("words found %d, phrase %d: the phrase should be narrower", words.Total, res.Total)
	}
}

func TestSearchOddInputIsJustText(t *testing.T) {
	ix := realIndex(t)
	for _, text := range []string{
		`-:*/"`, `"`, `""`, `"unbalanced quote`, `title:cyber`, `*`, `/.*/`, `((a)`, `+-&&||!`,
		`the of and`, `a`, `AND OR NOT`, strings.Repeat("cyber security ", 500), `ü日本語`, "\x00\xff",
	} {
		res, err := ix.Search(context.Background(), Query{Text: text, Now: testNow})
		if err != nil {
			t.Errorf("Search(%.30q) error: %v", text, err)
			continue
		}
		if uint64(len(res.Hits)) > res.Total {
			t.Errorf("Search(%.30q) = %d hits of total %d", text, len(res.Hits), res.Total)
		}
	}
	// Syntax characters do not change the meaning of a word.
	a, b := search(t, ix, Query{Text: "-cybersecurity"}), search(t, ix, Query{Text: "cybersecurity"})
	if a.Total != b.Total || a.Total == 0 {
		t.Errorf("Search(-cybersecurity) = %d, Search(cybersecurity) = %d, want the same, > 0", a.Total, b.Total)
	}
}

func TestSearchFacetsAddUpToTotal(t *testing.T) {
	ix := realIndex(t)
	for _, q := range []Query{
		{},
		{Text: "security"},
		{Text: "climate", Programmes: []string{"HORIZON"}},
		{Statuses: []string{"open", "forthcoming"}},
		{Text: "nothing-matches-this-zzzz"},
	} {
		res := search(t, ix, q)
		for _, name := range []string{FacetProgramme, FacetStatus, FacetKind} {
			sum := 0
			for _, n := range res.Facets[name] {
				sum += n
			}
			if uint64(sum) != res.Total {
				t.Errorf("%+v: facet %s adds up to %d, total %d (%v)", q, name, sum, res.Total, res.Facets[name])
			}
		}
		if _, ok := res.Facets[FacetTypeOfAction]; !ok {
			t.Errorf("%+v: no %s facet", q, FacetTypeOfAction)
		}
	}
}

func TestSearchFilters(t *testing.T) {
	ix := realIndex(t)
	calls := loadCalls(t)
	count := func(keep func(c *funding.Call) bool) uint64 {
		n := uint64(0)
		for i := range calls {
			if keep(&calls[i]) {
				n++
			}
		}
		return n
	}
	from := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2027, 4, 30, 23, 59, 59, 0, time.UTC)
	anyDeadlineIn := func(c *funding.Call) bool {
		return slices.ContainsFunc(c.Deadlines, func(d time.Time) bool { return !d.Before(from) && !d.After(to) })
	}
	tests := []struct {
		name string
		q    Query
		keep func(c *funding.Call) bool
	}{
		{"programme", Query{Programmes: []string{"DIGITAL"}}, func(c *funding.Call) bool { return c.Programme == "DIGITAL" }},
		{"programmes", Query{Programmes: []string{"digital", "OTHER"}}, func(c *funding.Call) bool { return c.Programme != "HORIZON" }},
		{"open", Query{Statuses: []string{"open"}}, func(c *funding.Call) bool { return c.StatusAt(testNow) == funding.StatusOpen }},
		{"forthcoming", Query{Statuses: []string{"forthcoming"}}, func(c *funding.Call) bool { return c.StatusAt(testNow) == funding.StatusForthcoming }},
		{"closed", Query{Statuses: []string{"closed"}}, func(c *funding.Call) bool { return c.StatusAt(testNow) == funding.StatusClosed }},
		{"open now", Query{OpenNow: true}, func(c *funding.Call) bool { return c.StatusAt(testNow) == funding.StatusOpen }},
		{"forthcoming a year later", Query{Statuses: []string{"forthcoming"}, Now: testNow.AddDate(1, 0, 0)}, func(c *funding.Call) bool {
			return c.StatusAt(testNow.AddDate(1, 0, 0)) == funding.StatusForthcoming
		}},
		{"type", Query{TypesOfAction: []string{"CSA"}}, func(c *funding.Call) bool { return slices.Contains(c.TypesOfAction, "CSA") }},
		{"deadline range", Query{DeadlineFrom: from, DeadlineTo: to}, anyDeadlineIn},
		{"budget min", Query{BudgetMin: 5_000_000}, func(c *funding.Call) bool {
			_, hi := budgetRange(c.Budget)
			return hi >= 5_000_000
		}},
		{"budget range", Query{BudgetMin: 1_000_000, BudgetMax: 2_000_000}, func(c *funding.Call) bool {
			lo, hi := budgetRange(c.Budget)
			return hi >= 1_000_000 && lo <= 2_000_000 && hi > 0
		}},
		{"combined", Query{Text: "security", Programmes: []string{"HORIZON"}, Statuses: []string{"forthcoming"}, BudgetMax: 4_000_000}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			all := search(t, ix, Query{Text: tc.q.Text, Now: tc.q.Now})
			res := search(t, ix, tc.q)
			if res.Total == 0 || res.Total >= all.Total {
				t.Errorf("total = %d, unfiltered %d: want a narrower non-empty result", res.Total, all.Total)
			}
			if tc.keep != nil {
				if want := count(tc.keep); res.Total != want {
					t.Errorf("total = %d, want %d", res.Total, want)
				}
			}
		})
	}
	if res := search(t, ix, Query{Kinds: []string{"cascade"}}); res.Total != 0 {
		t.Errorf("kind cascade: total %d, want 0 (the test calls are all topics)", res.Total)
	}
	if _, err := ix.Search(context.Background(), Query{Statuses: []string{"bogus"}, Now: testNow}); !isValidation(err) {
		t.Errorf("Search(status bogus) error = %v, want a ValidationError", err)
	}
	if _, err := ix.Search(context.Background(), Query{Sort: "bogus", Now: testNow}); !isValidation(err) {
		t.Errorf("Search(sort bogus) error = %v, want a ValidationError", err)
	}
}

func isValidation(err error) bool {
	var ve *funding.ValidationError
	return errors.As(err, &ve)
}

func TestSearchStatusAndDeadlineOfHits(t *testing.T) {
	ix := realIndex(t)
	calls := callsByID(loadCalls(t))
	res := search(t, ix, Query{Text: "cybersecurity", Size: 100})
	for _, h := range res.Hits {
		c := calls[h.ID]
		if got, want := h.Status, c.StatusAt(testNow); got != want {
			t.Errorf("%s status = %s, want %s", h.ID, got, want)
		}
		want := c.NextDeadline(testNow)
		if (h.Deadline == nil) != (want == nil) || (want != nil && !h.Deadline.Equal(*want)) {
			t.Errorf("%s deadline = %v, want %v", h.ID, h.Deadline, want)
		}
	}
}

func TestSearchSort(t *testing.T) {
	ix := realIndex(t)
	res := search(t, ix, Query{Sort: SortDeadline, OpenNow: true, Size: 100})
	if len(res.Hits) < 2 {
		t.Fatalf("deadline sort: %d hits", len(res.Hits))
	}
	for i := 1; i < len(res.Hits); i++ {
		a, b := res.Hits[i-1].Deadline, res.Hits[i].Deadline
		if a != nil && b != nil && b.Before(*a) {
			t.Errorf("deadline sort: %s (%v) before %s (%v)", res.Hits[i-1].ID, a, res.Hits[i].ID, b)
		}
		if a == nil && b != nil {
			t.Errorf("deadline sort: %s without deadline before %s", res.Hits[i-1].ID, res.Hits[i].ID)
		}
	}
	res = search(t, ix, Query{Text: "energy", Sort: SortBudget, Size: 100})
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].BudgetMax > res.Hits[i-1].BudgetMax {
			t.Errorf("budget sort: %s (%d) before %s (%d)", res.Hits[i-1].ID, res.Hits[i-1].BudgetMax, res.Hits[i].ID, res.Hits[i].BudgetMax)
		}
	}
	res = search(t, ix, Query{Text: "security"})
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("relevance sort: %s (%f) before %s (%f)", res.Hits[i-1].ID, res.Hits[i-1].Score, res.Hits[i].ID, res.Hits[i].Score)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	ix := realIndex(t)
	p1 := search(t, ix, Query{Text: "research", Size: 10, Page: 1})
	p2 := search(t, ix, Query{Text: "research", Size: 10, Page: 2})
	if p1.Total != p2.Total || len(p1.Hits) != 10 || len(p2.Hits) != 10 {
		t.Fatalf("pages: totals %d/%d, hits %d/%d", p1.Total, p2.Total, len(p1.Hits), len(p2.Hits))
	}
	seen := map[string]bool{}
	for _, h := range append(p1.Hits, p2.Hits...) {
		if seen[h.ID] {
			t.Errorf("%s on both pages", h.ID)
		}
		seen[h.ID] = true
	}
	if big := search(t, ix, Query{Size: 1000}); len(big.Hits) != MaxSize {
		t.Errorf("Size 1000 gave %d hits, want %d", len(big.Hits), MaxSize)
	}
	if far := search(t, ix, Query{Page: 1_000_000}); len(far.Hits) != 0 || far.Total == 0 {
		t.Errorf("far page: %d hits of %d, want none of many", len(far.Hits), far.Total)
	}
}
