package search

import (
	"testing"

	"callmatch/funding"
)

// The sentences are real, from the conditions of the portal topics.
func TestEligibilitySentences(t *testing.T) {
	type want struct {
		rule, result string
	}
	tests := []struct {
		name     string
		sentence string
		country  string
		size     string
		want     []want
	}{
		{"SMEs and small mid-caps, BE small",
			"Eligible countries In accordance with Article 48(2) of the Horizon Europe Regulation, participation is limited to SMEs, including start-ups, and small mid-caps established in the Union, in Ukraine, or in an EEA member associated to Horizon Europe.",
			"BE", "small", []want{{funding.RuleSMEOnly, funding.EligibilityMet}, {funding.RuleCountry, funding.EligibilityMet}}},
		{"SMEs and small mid-caps, large: unknown",
			"Eligible countries In accordance with Article 48(2) of the Horizon Europe Regulation, participation is limited to SMEs, including start-ups, and small mid-caps established in the Union, in Ukraine, or in an EEA member associated to Horizon Europe.",
			"UA", "large", []want{{funding.RuleSMEOnly, funding.EligibilityUnknown}, {funding.RuleCountry, funding.EligibilityMet}}},
		{"SME widening, large outside",
			"The following additional eligibility criteria apply: Beneficiaries must be a small and medium enterprise (SME) established in a Horizon Europe Widening country.",
			"BE", "large", []want{{funding.RuleSMEOnly, funding.EligibilityNotMet}, {funding.RuleCountry, funding.EligibilityNotMet}}},
		{"single company SME",
			"The following entities are eligible to apply: A single company classified as a SME or small mid-cap (up to 499 employees) established in the Union, in Ukraine or in an EEA member associated to Horizon Europe.",
			"BE", "micro", []want{{funding.RuleSMEOnly, funding.EligibilityMet}, {funding.RuleCountry, funding.EligibilityMet}}},
		{"third parties are not applicants",
			"The support to third parties can only be provided in the form of grants and is limited to SMEs and start-up companies.",
			"BE", "large", nil},
		{"at least two SMEs is not SME-only",
			"The following additional eligibility conditions apply: Consortia must include, as beneficiaries: A minimum of three (3) to a maximum of seven (7) partners.",
			"BE", "large", []want{{funding.RuleConsortiumSize, funding.EligibilityUnknown}}},
		{"Member States and Associated Countries, US",
			"In order to achieve the expected outcomes, and safeguard the Union’s strategic assets, interests, autonomy, and security, participation in this topic is limited to legal entities established in Member States and Associated Countries.",
			"US", "small", []want{{funding.RuleCountry, funding.EligibilityNotMet}}},
		{"Member States and Associated Countries, CH",
			"In order to achieve the expected outcomes, and safeguard the Union’s strategic assets, interests, autonomy, and security, participation in this topic is limited to legal entities established in Member States and Associated Countries.",
			"CH", "small", []want{{funding.RuleCountry, funding.EligibilityMet}}},
		{"Member States, Norway and Iceland, CH",
			"In order to achieve the expected outcomes, and safeguard the Union’s strategic assets, interests, autonomy, or security, participation is limited to legal entities established in Member States, Norway and Iceland.",
			"CH", "small", []want{{funding.RuleCountry, funding.EligibilityNotMet}}},
		{"listed associated countries, GB",
			"For this reason, participation is limited to legal entities established in Member States, Iceland and Norway and the following additional associated countries: Canada, Israel, Republic of Korea, New Zealand, Switzerland, and the United Kingdom.",
			"GB", "small", []want{{funding.RuleCountry, funding.EligibilityMet}}},
		{"listed associated countries, TR",
			"For this reason, participation is limited to legal entities established in Member States, Iceland and Norway and the following additional associated countries: Canada, Israel, Republic of Korea, New Zealand, Switzerland, and the United Kingdom.",
			"TR", "small", []want{{funding.RuleCountry, funding.EligibilityNotMet}}},
		{"OECD: cannot tell",
			"For this reason, participation is limited to legal entities established in Member States, Iceland and Norway, associated countries, OECD countries and MERCOSUR countries.",
			"US", "small", []want{{funding.RuleCountry, funding.EligibilityUnknown}}},
		{"coordinators from widening countries",
			"Other Eligible Conditions To achieve the expected outcomes, participation as coordinators is limited to legal entities established in Widening countries, as defined in the Horizon Europe regulation.",
			"BE", "small", []want{{funding.RuleCountry, funding.EligibilityUnknown}}},
		{"no country given",
			"For this reason, participation is limited to legal entities established in Member States and Associated Countries.",
			"", "small", []want{{funding.RuleCountry, funding.EligibilityUnknown}}},
		{"control restriction is no country rule",
			"In line with the “restriction on control in innovation actions in critical technology areas” delineated in General Annex B of the General Annexes, entities established in an eligible country but which are directly or indirectly controlled by China or by a legal entity established in China are not eligible to participate.",
			"BE", "small", nil},
		{"three independent legal entities",
			"Other Eligible Conditions Applications must be submitted by a consortium including participation, as beneficiaries, of at least three independent legal entities: Each established in a different Member State or Associated Country;",
			"BE", "small", []want{{funding.RuleConsortiumSize, funding.EligibilityUnknown}}},
		{"three entities from three countries",
			"Other Eligible Conditions This action requires the participation, as beneficiaries, of at least three (3) legal entities from at least three (3) different Member States or Associated Countries that are universities, research and higher education institutions or research technology organisations (RTOs).",
			"BE", "small", []want{{funding.RuleConsortiumSize, funding.EligibilityUnknown}}},
		{"mono-beneficiary",
			"Other Eligible Conditions Applications may only be submitted by one legal entity (mono-beneficiary).",
			"BE", "small", []want{{funding.RuleMonoBeneficiary, funding.EligibilityMet}}},
		{"single legal entity SME",
			"The consortium may exceptionally be composed of a single legal entity (mono-beneficiary grant) which is an SME.",
			"BE", "small", []want{{funding.RuleMonoBeneficiary, funding.EligibilityMet}}},
		{"page layout is no rule",
			"The following parameters must be respected for the layout: A4 Page format, Times New Roman (or Arial or similar) Font type, at least 11 Font size, Single line spacing, 2 cm side margins, 1,5 cm top and bottom margins.",
			"BE", "small", nil},
		{"plain SMEs only",
			"This call is open only to SMEs.",
			"BE", "medium", []want{{funding.RuleSMEOnly, funding.EligibilityMet}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &funding.Profile{Country: tc.country, Size: tc.size}
			checks := checkEligibility(parseSentence(tc.sentence), p, funding.ProgrammeHorizon)
			var got []want
			for _, c := range checks {
				got = append(got, want{c.Rule, c.Result})
				if c.Sentence == "" || c.Detail == "" {
					t.Errorf("check %+v has no sentence or detail", c)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("checks = %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("checks = %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestParseEligibilitySkipsAwardCriteria(t *testing.T) {
	conds := []funding.Section{
		{Title: "5a. Evaluation and award", Text: "Quality and efficiency of the implementation: credibility of the work plan, resources and risk management for a mono-beneficiary CSA."},
	}
	if got := parseEligibility(conds); len(got) != 0 {
		t.Errorf("parseEligibility(award criteria) = %+v, want nothing", got)
	}
}

func TestEligibilityOnRealCalls(t *testing.T) {
	var n int
	for _, c := range loadCalls(t) {
		n += len(parseEligibility(c.Conditions))
	}
	if n < 20 {
		t.Errorf("only %d rules read from the conditions of the real calls, want many", n)
	}
}
