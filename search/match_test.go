package search

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

func match(t *testing.T, ix *Index, p *funding.Profile, o MatchOptions) []funding.Match {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = testNow
	}
	ms, err := ix.Match(context.Background(), p, o)
	if err != nil {
		t.Fatalf("Match: %v", err)
	}
	return ms
}

func socProfile() *funding.Profile {
	return &funding.Profile{
		ID: "p1", Name: "Belgian SOC", Email: "soc@example.be", Country: "BE", Size: "small",
		Keywords:    []string{"SOC", "threat intelligence sharing", "MISP", "incident response"},
		Domains:     []string{"incident-handling-forensics", "threat-intelligence"},
		Description: "We run a 24/7 SOC for Belgian SMEs and share threat intelligence with our clients through MISP.",
	}
}

func hasReason(m funding.Match, term string) bool {
	return slices.ContainsFunc(m.Reasons, func(r funding.Reason) bool { return strings.EqualFold(r.Term, term) })
}

func TestMatchSOCProfile(t *testing.T) {
	ix := realIndex(t)
	calls := callsByID(loadCalls(t))
	ms := match(t, ix, socProfile(), MatchOptions{Limit: 10})
	if len(ms) < 3 {
		t.Fatalf("Match = %d matches, want at least 3", len(ms))
	}
	if got, want := ms[0].CallID, "HORIZON-CL3-2027-02-CS-ECCC-01"; got != want {
		t.Errorf("first match = %s, want %s (AI for cybersecurity: SOC, incident response, threat intelligence)", got, want)
	}
	for _, m := range ms[:3] {
		if !strings.HasPrefix(m.CallID, "HORIZON-CL3-") && !strings.HasPrefix(m.CallID, "DIGITAL-ECCC-") {
			t.Errorf("top match %s is not a Cluster 3 / ECCC topic", m.CallID)
		}
	}
	for _, term := range []string{"SOC", "incident response", "threat intelligence sharing"} {
		if !hasReason(ms[0], term) {
			t.Errorf("first match has no reason naming %q: %+v", term, ms[0].Reasons)
		}
	}
	horizon := testNow.Add(DefaultMinDaysToDeadline * 24 * time.Hour)
	for _, m := range ms {
		c := calls[m.CallID]
		if next := c.NextDeadline(testNow); next == nil || next.Before(horizon) {
			t.Errorf("%s: next deadline %v is passed or within %d days", m.CallID, next, DefaultMinDaysToDeadline)
		}
		if m.Status == funding.StatusClosed || m.Curated != nil {
			t.Errorf("%s: status %s, curated %v", m.CallID, m.Status, m.Curated)
		}
		for _, r := range m.Reasons {
			switch r.Kind {
			case funding.ReasonKeyword, funding.ReasonDomain, funding.ReasonDescription:
				if r.Term == "" || r.Passage == "" || r.Field == "" || r.Text == "" {
					t.Errorf("%s: incomplete text reason %+v", m.CallID, r)
				}
				if r.Field != "keywords" && r.Field != "title" && !strings.Contains(callText(c), strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(r.Passage, "…"), "…"))) {
					t.Errorf("%s: passage %q is not in the call", m.CallID, r.Passage)
				}
			}
		}
		if !slices.ContainsFunc(m.Reasons, func(r funding.Reason) bool { return r.Kind == funding.ReasonDeadline }) {
			t.Errorf("%s: no deadline reason", m.CallID)
		}
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Score > ms[i-1].Score {
			t.Errorf("matches not ranked: %s (%v) after %s (%v)", ms[i].CallID, ms[i].Score, ms[i-1].CallID, ms[i-1].Score)
		}
	}
}

func TestMatchThroughTheThesaurus(t *testing.T) {
	ix := realIndex(t)
	p := &funding.Profile{Name: "Pentest shop", Email: "a@example.be", Country: "BE", Size: "micro",
		Keywords: []string{"pentesting", "phishing drills"}}
	ms := match(t, ix, p, MatchOptions{})
	for _, term := range []string{"pentesting", "phishing drills"} {
		found := false
		for _, m := range ms {
			for _, r := range m.Reasons {
				if r.Term != term {
					continue
				}
				if r.Concept == "" || r.Passage == "" || !strings.Contains(r.Text, r.Concept) {
					t.Errorf("%s: reason for %q without concept or passage: %+v", m.CallID, term, r)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("no match reached through %q", term)
		}
	}
	i := slices.IndexFunc(ms, func(m funding.Match) bool { return m.CallID == "HORIZON-CL3-2027-01-INFRA-02" })
	if i < 0 || i > 2 {
		t.Errorf("HORIZON-CL3-2027-01-INFRA-02 (social engineering, awareness campaigns) at %d, want in the top 3", i)
	}
}

func TestMatchHardFilters(t *testing.T) {
	ix := realIndex(t)
	calls := callsByID(loadCalls(t))
	base := match(t, ix, socProfile(), MatchOptions{Limit: 50})
	if !slices.ContainsFunc(base, func(m funding.Match) bool { return m.CallID == "HORIZON-CL3-2027-02-CS-ECCC-01" }) {
		t.Fatal("the unfiltered SOC profile does not match HORIZON-CL3-2027-02-CS-ECCC-01")
	}
	tests := []struct {
		name string
		edit func(p *funding.Profile)
		ok   func(c *funding.Call) bool
	}{
		{"budget max below", func(p *funding.Profile) { p.BudgetMax = 3_500_000 }, func(c *funding.Call) bool {
			lo, _ := budgetRange(c.Budget)
			return lo <= 3_500_000
		}},
		{"budget min above", func(p *funding.Profile) { p.BudgetMin = 5_500_000 }, func(c *funding.Call) bool {
			_, hi := budgetRange(c.Budget)
			return hi == 0 || hi >= 5_500_000
		}},
		{"programme", func(p *funding.Profile) { p.Programmes = []string{"DIGITAL"} }, func(c *funding.Call) bool { return c.Programme == "DIGITAL" }},
		{"type of action", func(p *funding.Profile) { p.TypesOfAction = []string{"IA", "CSA"} }, func(c *funding.Call) bool {
			return slices.Contains(c.TypesOfAction, "IA") || slices.Contains(c.TypesOfAction, "CSA")
		}},
		{"eligibility: country", func(p *funding.Profile) { p.Country = "US" }, func(c *funding.Call) bool {
			return c.ID != "HORIZON-CL3-2027-02-CS-ECCC-01" // limited to Member States and Associated Countries
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := socProfile()
			tc.edit(p)
			ms := match(t, ix, p, MatchOptions{Limit: 50})
			if len(ms) >= len(base) {
				t.Errorf("%d matches, unfiltered %d: want fewer", len(ms), len(base))
			}
			for _, m := range ms {
				if !tc.ok(calls[m.CallID]) {
					t.Errorf("%s should have been filtered out", m.CallID)
				}
			}
		})
	}
}

func TestMatchDeadlineHorizon(t *testing.T) {
	ix := realIndex(t)
	now := time.Date(2027, 9, 5, 12, 0, 0, 0, time.UTC) // 10 days before the 2027 ECCC deadline
	has := func(ms []funding.Match) bool {
		return slices.ContainsFunc(ms, func(m funding.Match) bool { return m.CallID == "HORIZON-CL3-2027-02-CS-ECCC-01" })
	}
	if ms := match(t, ix, socProfile(), MatchOptions{Now: now}); has(ms) {
		t.Error("a call 10 days before its deadline matched with the default 14-day horizon")
	}
	if ms := match(t, ix, socProfile(), MatchOptions{Now: now, MinDaysToDeadline: 7}); !has(ms) {
		t.Error("a call 10 days before its deadline did not match with a 7-day horizon")
	}
	if ms := match(t, ix, socProfile(), MatchOptions{Now: now.AddDate(0, 0, 11), MinDaysToDeadline: -1}); has(ms) {
		t.Error("a call matched after its deadline")
	}
}

func TestMatchEligibility(t *testing.T) {
	real := callsByID(loadCalls(t))
	base := *real["HORIZON-CL3-2027-02-CS-ECCC-01"]
	withCondition := func(id, sentence string) funding.Call {
		c := base
		c.ID = id
		c.Conditions = []funding.Section{{Title: "3. Other Eligible Conditions", Text: sentence}}
		c.ContentHash = ""
		return c
	}
	ix, _, _ := openIndex(t, []funding.Call{
		withCondition("T-SME", "The following additional eligibility criteria apply: Beneficiaries must be a small and medium enterprise (SME) established in a Horizon Europe Widening country."),
		withCondition("T-MS", "For this reason, participation is limited to legal entities established in Member States, Iceland and Norway."),
		withCondition("T-MONO", "Other Eligible Conditions Applications may only be submitted by one legal entity (mono-beneficiary)."),
	})
	ids := func(p *funding.Profile) []string {
		var out []string
		for _, m := range match(t, ix, p, MatchOptions{}) {
			out = append(out, m.CallID)
		}
		slices.Sort(out)
		return out
	}
	tests := []struct {
		country, size string
		want          []string
	}{
		{"PL", "small", []string{"T-MONO", "T-MS", "T-SME"}},
		{"PL", "large", []string{"T-MONO", "T-MS"}},     // not an SME
		{"PT", "", []string{"T-MONO", "T-MS", "T-SME"}}, // size unknown: not filtered
		{"BE", "small", []string{"T-MONO", "T-MS"}},     // not a Widening country
		{"CH", "small", []string{"T-MONO"}},             // neither a Member State, Iceland, Norway nor Widening
		{"NO", "", []string{"T-MONO", "T-MS"}},
	}
	for _, tc := range tests {
		p := socProfile()
		p.Country, p.Size = tc.country, tc.size
		if got := ids(p); !slices.Equal(got, tc.want) {
			t.Errorf("country %s size %q: matches %v, want %v", tc.country, tc.size, got, tc.want)
		}
	}
	p := socProfile()
	p.Country = "PL"
	ms := match(t, ix, p, MatchOptions{})
	for _, m := range ms {
		if m.CallID == "T-SME" {
			continue // two rules
		}
		if len(m.Eligibility) != 1 || m.Eligibility[0].Result != funding.EligibilityMet || m.Eligibility[0].Sentence == "" {
			t.Errorf("%s: eligibility %+v, want one met check with its sentence", m.CallID, m.Eligibility)
		}
	}
}

func TestMatchEmptyProfile(t *testing.T) {
	ix := realIndex(t)
	if ms := match(t, ix, &funding.Profile{Name: "x"}, MatchOptions{}); len(ms) != 0 {
		t.Errorf("empty profile: %d matches, want none", len(ms))
	}
}
