package locale

import (
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

// TestBudgetIsWrittenOneWay: a call's budget reads the same in a reason, on
// a page, in an export and in an e-mail ("EUR 3-4 M per project", "EUR 3 M
// – EUR 4 M" and "EUR 3,000,000 – 4,000,000" were one budget).
func TestBudgetIsWrittenOneWay(t *testing.T) {
	for _, tc := range []struct {
		lang   string
		lo, hi int64
		want   string
	}{
		{"en", 3_000_000, 4_000_000, "EUR 3 M – EUR 4 M"},
		{"en", 4_000_000, 4_000_000, "EUR 4 M"},
		{"en", 500_000, 1_000_000, "EUR 500,000 – EUR 1 M"},
		{"en", 1_500_000, 2_750_000, "EUR 1.5 M – EUR 2.75 M"},
		{"fr", 3_000_000, 4_000_000, "3 M EUR – 4 M EUR"},
		{"nl", 1_500_000, 2_750_000, "EUR 1,5 mln – EUR 2,75 mln"},
		{"en", 0, 0, "not published"},
	} {
		if got := For(tc.lang).Budget(tc.lo, tc.hi); got != tc.want {
			t.Errorf("%s: Budget(%d, %d) = %q, want %q", tc.lang, tc.lo, tc.hi, got, tc.want)
		}
	}
	r := funding.Reason{Kind: funding.ReasonBudget, Low: 3_000_000, High: 4_000_000, ProfileLow: 1_000_000, ProfileHigh: 5_000_000, Fit: funding.FitWithin}
	if got, want := English().Reason(r), "EUR 3 M – EUR 4 M per project, within your range of EUR 1 M – EUR 5 M"; got != want {
		t.Errorf("budget reason = %q, want %q", got, want)
	}
}

// TestReasonsInEveryLanguage: every kind of reason is a sentence in each
// language, made of its data, with no formatting error and no English left
// in French or Dutch.
func TestReasonsInEveryLanguage(t *testing.T) {
	deadline := time.Date(2026, 9, 15, 15, 0, 0, 0, time.UTC)
	reasons := []funding.Reason{
		{Kind: funding.ReasonKeyword, Term: "pentesting", Concept: "penetration testing", Field: "scope", CallWords: "penetration testing", Passage: "Support penetration testing of SMEs."},
		{Kind: funding.ReasonDomain, Term: "cryptology", Field: "title", Passage: "Post-quantum cryptography"},
		{Kind: funding.ReasonDescription, Term: "SOC", Field: "keywords", Passage: "SOC"},
		{Kind: funding.ReasonMeaning, Term: "versleuteling", Concept: "encryption", Field: "expected_outcome", Passage: "Stronger encryption."},
		{Kind: funding.ReasonBudget, Low: 500_000, High: 1_000_000, ProfileLow: 200_000, Fit: funding.FitAboveMinimum},
		{Kind: funding.ReasonDeadline, Deadline: &deadline, DaysLeft: 45, Fit: funding.FitForthcoming},
		{Kind: funding.ReasonDeadline, Fit: funding.FitNoDeadline},
		{Kind: funding.ReasonProgramme, Term: funding.ProgrammeDigital},
		{Kind: funding.ReasonTypeOfAction, Term: "SME", CallWords: "SME, CSA", Fit: funding.FitWanted},
		{Kind: funding.ReasonTRL, Term: "4", Low: 6, High: 8, Fit: funding.FitFar},
		{Kind: funding.ReasonCurated},
	}
	want := map[string][]string{
		"en": {
			"Your keyword “pentesting” (as “penetration testing”) meets the call's scope: “Support penetration testing of SMEs.”",
			"Your domain “Cryptology” meets the call's title: “Post-quantum cryptography”",
		},
		"fr": {
			"Votre mot-clé « pentesting » (en tant que « penetration testing ») figure dans le champ « portée » de l'appel : «\u00a0Support penetration testing of SMEs.\u00a0»",
		},
	}
	for _, lang := range Languages {
		p := For(lang)
		for i, r := range reasons {
			got := p.Reason(r)
			if got == "" || containsAny(got, "%!", "reason.", "field.") {
				t.Errorf("%s: Reason(%s) = %q", lang, r.Kind, got)
			}
			if lang != Default && got == English().Reason(r) && r.Kind != funding.ReasonKeyword {
				t.Errorf("%s: Reason(%s) = %q, the English", lang, r.Kind, got)
			}
			if i < len(want[lang]) && got != want[lang][i] {
				t.Errorf("%s: Reason(%s) = %q, want %q", lang, r.Kind, got, want[lang][i])
			}
		}
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
