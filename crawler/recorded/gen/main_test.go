package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitKeywords(t *testing.T) {
	in := "HORIZON-CL3-2026-02-CS-ECCC-01, Computer architecture, pervasive computing, Hardware technology (RFID, chips, sensors), Cybersecurity Research Domains , Design-Manufacturing"
	want := []string{"HORIZON-CL3-2026-02-CS-ECCC-01", "Computer architecture, pervasive computing", "Hardware technology (RFID, chips, sensors)", "Cybersecurity Research Domains", "Design-Manufacturing"}
	if diff := cmp.Diff(want, splitKeywords(in)); diff != "" {
		t.Errorf("splitKeywords (-want +got):\n%s", diff)
	}
}

func TestDescriptionHTML(t *testing.T) {
	in := "Expected Outcome:Proposals are expected to contribute to the following:Enhanced frameworks;Secure chips;Standard methods. Scope:The increasing complexity matters.nullActivities are expected to achieve TRL 5."
	want := `<span class="topicdescriptionkind">Expected Outcome:</span><p>Proposals are expected to contribute to the following:</p>` +
		`<ul level="0"><li>Enhanced frameworks;</li><li>Secure chips;</li><li>Standard methods.</li></ul>` +
		`<span class="topicdescriptionkind">Scope:</span><p>The increasing complexity matters.</p><p>Activities are expected to achieve TRL 5.</p>`
	if diff := cmp.Diff(want, descriptionHTML(in)); diff != "" {
		t.Errorf("descriptionHTML (-want +got):\n%s", diff)
	}
}

func TestDescriptionHTMLGlued(t *testing.T) {
	// Labels after a word or a figure, and "null" after ". ", as the harvest has them.
	in := "Objective:Intro of the Union Objective:Please refer to the platforms Scope:Virtual twins, see IED2.0. nullActivities are welcome.Expected Outcome:Better 95%Objective:More."
	got := descriptionHTML(in)
	for _, want := range []string{
		`<span class="topicdescriptionkind">Scope:</span><p>Virtual twins, see IED2.0. Activities are welcome.</p>`,
		`<span class="topicdescriptionkind">Expected Outcome:</span><p>Better 95%</p><span class="topicdescriptionkind">Objective:</span><p>More.</p>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("descriptionHTML lacks %s\nin %s", want, got)
		}
	}
	if strings.Contains(got, "null") {
		t.Errorf("descriptionHTML keeps a null: %s", got)
	}
}

func TestMGAOnlyWhenStated(t *testing.T) {
	plain := topic{ProgrammeID: "43108390", TopicConditions: "6. Legal and financial set-up of the grantsEligible costs will take the form of actual costs.Specific conditions"}
	lump := topic{ProgrammeID: "43108390", TopicConditions: "6. Legal and financial set-up of the grantsEligible costs will take the form of a lump sum.Specific conditions"}
	if got := mgaOf(plain); got.id != "" {
		t.Errorf("mgaOf(actual costs) = %+v, want none (not invented)", got)
	}
	if got := mgaOf(lump); got.abbr != "HORIZON-AG-LS" {
		t.Errorf("mgaOf(lump sum) = %+v, want HORIZON-AG-LS", got)
	}
}

func TestLinksJSON(t *testing.T) {
	got := linksJSON(topic{QnaURL: "https://ec.europa.eu/qa/x", DocumentsURL: "https://ec.europa.eu/docs/x"})
	want := `[{"title":"Questions and answers","url":"https://ec.europa.eu/qa/x"},{"title":"Documents","url":"https://ec.europa.eu/docs/x"}]`
	if got != want {
		t.Errorf("linksJSON = %s, want %s", got, want)
	}
}

func TestConditionsHTML(t *testing.T) {
	in := `">General conditions1. Admissibility Conditions: Proposal page limit and layoutdescribed in Annex A.2. Eligible Countriesdescribed in Annex B.Specific conditions described in the specific conditions of the topic.Additional documents: HE Programme Guide`
	got := conditionsHTML(in)
	for _, want := range []string{
		`<div class="eui-u-mt-l>"><h4>General conditions</h4><div><h4>1. Admissibility Conditions: Proposal page limit and layout</h4>`,
		`<h4>2. Eligible Countries</h4><div class="eui-u-mt-s"><p>described in Annex B.</p></div></div></div>`,
		`<div class="eui-u-mt-s"><p>described in the specific conditions of the topic.</p></div>`,
		`<h4>Additional documents:</h4> <div class="eui-u-mt-s"><p>HE Programme Guide</p></div>`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("conditionsHTML lacks %s\nin %s", want, got)
		}
	}
}

func TestActionCode(t *testing.T) {
	tests := []struct{ label, actionType, want string }{
		{"HORIZON  Research and Innovation Actions", "RIA", "HORIZON-RIA"},
		{"EDF Development Actions", "EDF-DA", "EDF-DA"},
		{"LIFE Project Grants", "Grant", "LIFE-PJG"},
		{"CERV Lump Sum Grants", "Grant", "CERV-LS"},
		{"HORIZON TMA MSCA Doctoral Networks", "MSCA", "HORIZON-MSCA"},
		{"", "", ""},
	}
	for _, tc := range tests {
		if got := actionCode(topic{TypesOfAction: tc.label, ActionType: tc.actionType}); got != tc.want {
			t.Errorf("actionCode(%q, %q) = %q, want %q", tc.label, tc.actionType, got, tc.want)
		}
	}
}
