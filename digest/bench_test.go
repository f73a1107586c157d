package digest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"callmatch/funding"
)

// discardMailer renders each message to RFC 5322 bytes and drops them.
type discardMailer struct{ n int }

func (m *discardMailer) Send(_ context.Context, msg Message) error {
	m.n++
	_, err := msg.WriteTo(io.Discard)
	return err
}

// bigScenario builds 10,000 calls and 10,000 daily subscribers, each with
// its own profile, 3 followed calls (a third of them changed since the last
// digest), and a matcher returning 15 to 40 ranked matches per profile with
// reasons, a staff recommendation now and then, deadlines spread over a year.
func bigScenario(nCalls, nSubs int) (*memStore, *fakeMatcher) {
	rng := rand.New(rand.NewPCG(1, 2))
	st := newMemStore()
	terms := []string{"pentesting", "phishing drills", "SOC", "anonymisation", "PKI", "threat intelligence", "OT security", "SBOM"}
	concepts := []string{"security assessment", "human factors", "security operations", "privacy-enhancing technologies", "cryptography", "cyber threat intelligence", "industrial control systems", "software supply chain"}
	calls := make([]funding.Call, nCalls)
	for i := range calls {
		prog, kind := funding.ProgrammeHorizon, "HORIZON-CL3"
		if i%3 == 0 {
			prog, kind = funding.ProgrammeDigital, "DIGITAL-ECCC"
		}
		dl := monday.Add(time.Duration(1+rng.IntN(365*24)) * time.Hour)
		c := funding.Call{ID: fmt.Sprintf("%s-2026-%05d", kind, i), Title: fmt.Sprintf("Cybersecurity topic %d: %s for %s", i, concepts[i%len(concepts)], terms[i%len(terms)]),
			Programme: prog, PortalStatus: funding.StatusOpen, Deadlines: []time.Time{dl},
			Budget:  funding.Budget{MinContribution: int64(1+rng.IntN(4)) * 500_000, MaxContribution: int64(3+rng.IntN(6)) * 500_000},
			Updates: []funding.Update{{Date: monday.Add(-20 * time.Hour), Text: "An updated call document is available."}}}
		calls[i] = c
		st.calls[c.ID] = c
		if i%3 == 0 {
			st.changes = append(st.changes, funding.CallChange{CallID: c.ID, ChangedAt: monday.Add(-18 * time.Hour), Fields: []string{"deadlines", "updates"}})
		}
	}
	m := &fakeMatcher{matches: map[string][]funding.Match{}}
	langs := []string{"en", "fr", "nl"}
	for i := range nSubs {
		pid := fmt.Sprintf("p%05d", i)
		st.profiles[pid] = funding.Profile{ID: pid, Name: fmt.Sprintf("SME %d", i)}
		st.follows[pid] = []string{calls[rng.IntN(nCalls)].ID, calls[rng.IntN(nCalls)].ID, calls[rng.IntN(nCalls)].ID}
		n := 15 + rng.IntN(26)
		ms := make([]funding.Match, 0, n)
		for j := range n {
			c := calls[rng.IntN(nCalls)]
			t := rng.IntN(len(terms))
			mt := matchOf(c, 1-float64(j)/float64(n), c.Budget.MinContribution, c.Budget.MaxContribution,
				funding.Reason{Kind: funding.ReasonKeyword, Term: terms[t], Concept: concepts[t], Field: "scope", Passage: "…", Text: "Keyword met"},
				funding.Reason{Kind: funding.ReasonDomain, Term: funding.Domains[rng.IntN(len(funding.Domains))].Slug},
				funding.Reason{Kind: funding.ReasonDescription, Term: terms[(t+1)%len(terms)]},
				funding.Reason{Kind: funding.ReasonBudget, Text: "Budget fits"},
				funding.Reason{Kind: funding.ReasonDeadline, Text: "Deadline in some days"})
			if rng.IntN(20) == 0 {
				mt.Curated = &funding.CuratedNote{Note: "Worth a look for your team.", By: "NCC-BE"}
			}
			ms = append(ms, mt)
		}
		m.matches[pid] = ms
		st.subs[int64(i+1)] = &funding.Subscription{ID: int64(i + 1), Email: fmt.Sprintf("sme%d@example.org", i), ProfileID: pid,
			Frequency: funding.FrequencyDaily, Hour: 8, Timezone: "Europe/Brussels", Language: langs[i%3],
			ConfirmedAt: tp(confirmed), LastDigestAt: tp(lastSent), CreatedAt: confirmed}
	}
	return st, m
}

// BenchmarkRunDue10k plans, renders and "sends" (to RFC 5322 bytes) the
// digests of 10,000 subscribers against 10,000 calls. Run it with
// go test -run '^$' -bench RunDue10k -benchtime 1x ./digest/
func BenchmarkRunDue10k(b *testing.B) {
	const subs = 10_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st, m := bigScenario(10_000, subs)
		mailer := &discardMailer{}
		r := newTestRunner(b, st, m, mailer)
		b.StartTimer()
		start := time.Now()
		rep, err := r.RunDue(context.Background(), monday)
		elapsed := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Sent != subs || mailer.n != subs {
			b.Fatalf("report %+v, %d messages; want %d sent", rep, mailer.n, subs)
		}
		if elapsed > time.Minute {
			b.Errorf("%d digests took %s, over a minute", subs, elapsed)
		}
		b.ReportMetric(float64(elapsed.Microseconds())/subs, "µs/digest")
	}
}
