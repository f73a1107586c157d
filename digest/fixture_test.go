package digest

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"callmatch/funding"
)

var brussels = mustZone("Europe/Brussels")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// local is a wall-clock time in Brussels.
func local(y int, mo time.Month, d, h, mi int) time.Time {
	return time.Date(y, mo, d, h, mi, 0, 0, brussels)
}

func tp(t time.Time) *time.Time { return &t }

// The scenario's "now": Monday 14 September 2026, 08:05 in Brussels; daily
// digests are due from 08:00.
var (
	monday    = local(2026, time.September, 14, 8, 5)
	confirmed = local(2026, time.September, 1, 10, 0)
	lastSent  = local(2026, time.September, 13, 8, 1)
)

const testBaseURL = "http://callmatch.test:8080"

// Calls of the scenario (titles and ids in the shape of the portal's).
var (
	callPETs = funding.Call{ID: "HORIZON-CL3-2026-02-CS-ECCC-01", Title: "Privacy-enhancing technologies for SMEs",
		Programme: funding.ProgrammeHorizon, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2026, time.November, 18, 17, 0)}}
	callCRA = funding.Call{ID: "DIGITAL-ECCC-2026-DEPLOY-CYBER-07-SMES", Title: "Deploying the Cyber Resilience Act: support for SMEs",
		Programme: funding.ProgrammeDigital, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2026, time.October, 29, 17, 0)}}
	callAI = funding.Call{ID: "HORIZON-CL3-2026-01-CS-ECCC-03", Title: "AI for cybersecurity reinforcement",
		Programme: funding.ProgrammeHorizon, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2026, time.September, 24, 17, 0)}}
	callSOC = funding.Call{ID: "DIGITAL-ECCC-2026-DEPLOY-CYBER-08-SOC", Title: "Enhancing the security operation centres capacities",
		Programme: funding.ProgrammeDigital, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2026, time.October, 15, 17, 0)},
		Budget:    funding.Budget{MinContribution: 1_000_000, MaxContribution: 3_000_000},
		Updates: []funding.Update{{Date: local(2026, time.September, 13, 12, 0),
			Text: "The deadline has been extended to 15 October 2026.\nAn updated call document is available."}}}
	callPQC = funding.Call{ID: "HORIZON-CL3-2025-02-CS-ECCC-02", Title: "Transition to post-quantum cryptography",
		Programme: funding.ProgrammeHorizon, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2026, time.September, 18, 17, 0)},
		Budget:    funding.Budget{MaxContribution: 6_000_000}}
	callTypo = funding.Call{ID: "DIGITAL-ECCC-2026-DEPLOY-CYBER-09-HEALTH", Title: "Cybersecurity of health infrastructures",
		Programme: funding.ProgrammeDigital, PortalStatus: funding.StatusOpen,
		Deadlines: []time.Time{local(2027, time.January, 21, 17, 0)}}
)

func matchOf(c funding.Call, score float64, lo, hi int64, reasons ...funding.Reason) funding.Match {
	d := c.Deadlines[len(c.Deadlines)-1]
	return funding.Match{CallID: c.ID, Title: c.Title, Programme: c.Programme, Status: funding.StatusOpen, Score: score,
		Deadline: &d, BudgetMin: lo, BudgetMax: hi, URL: "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/" + c.ID,
		Reasons: reasons}
}

// scenarioMatches: a staff recommendation, two new matches (one with a
// deadline within 14 days).
func scenarioMatches() []funding.Match {
	pets := matchOf(callPETs, 0.91, 2_000_000, 4_000_000,
		funding.Reason{Kind: funding.ReasonKeyword, Term: "anonymisation", Concept: "privacy-enhancing technologies", Field: "scope", Text: "Keyword met"},
		funding.Reason{Kind: funding.ReasonDomain, Term: "data-security-privacy", Text: "Domain met"},
		funding.Reason{Kind: funding.ReasonDeadline, Text: "Deadline in 65 days"})
	pets.Curated = &funding.CuratedNote{Note: "Strong fit with your anonymisation product; a Flemish consortium is looking for an SME partner.", By: "Marie Dupont (NCC-BE)"}
	cra := matchOf(callCRA, 0.74, 500_000, 1_000_000,
		funding.Reason{Kind: funding.ReasonKeyword, Term: "pentesting", Concept: "security assessment", Field: "scope"},
		funding.Reason{Kind: funding.ReasonDomain, Term: "assurance-audit-certification"},
		funding.Reason{Kind: funding.ReasonBudget, Text: "Budget fits"})
	ai := matchOf(callAI, 0.52, 0, 3_500_000,
		funding.Reason{Kind: funding.ReasonDomain, Term: "ai-security"},
		funding.Reason{Kind: funding.ReasonDescription, Term: "phishing drills", Concept: "human factors"})
	return []funding.Match{pets, cra, ai}
}

// scenario fills a store and a matcher: one confirmed daily subscriber of
// profile "acme" who follows SOC (deadline moved), PQC (deadline in 4
// days) and a call whose scope text had a typo fixed.
func scenario(lang string) (*memStore, *fakeMatcher) {
	st := newMemStore()
	st.profiles["acme"] = funding.Profile{ID: "acme", Name: "Acme Security", Email: "ceo@acme.example"}
	for _, c := range []funding.Call{callPETs, callCRA, callAI, callSOC, callPQC, callTypo} {
		st.addCall(c)
	}
	st.follows["acme"] = []string{callSOC.ID, callPQC.ID, callTypo.ID}
	st.changes = []funding.CallChange{
		{CallID: callSOC.ID, ChangedAt: local(2026, time.September, 13, 14, 30), Fields: []string{"deadlines", "updates"}},
		{CallID: callTypo.ID, ChangedAt: local(2026, time.September, 13, 14, 30), Fields: []string{"sections"}},
	}
	st.addSub(funding.Subscription{ID: 1, Email: "ceo@acme.example", ProfileID: "acme", Frequency: funding.FrequencyDaily, Hour: 8,
		Timezone: "Europe/Brussels", Language: lang, ConfirmedAt: tp(confirmed), LastDigestAt: tp(lastSent), CreatedAt: confirmed})
	m := &fakeMatcher{}
	m.set("acme", scenarioMatches())
	return st, m
}

func testConfig() Config {
	return Config{BaseURL: testBaseURL, SecretKey: "test-secret", Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		RetryDelay: time.Minute, MaxRetryDelay: time.Hour}
}

func newTestRunner(t testing.TB, st Store, m Matcher, mailer Mailer) *Runner {
	t.Helper()
	r, err := New(testConfig(), st, m, mailer, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
