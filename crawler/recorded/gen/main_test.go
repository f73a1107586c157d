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
