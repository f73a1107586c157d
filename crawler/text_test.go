package crawler

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/funding"
)

func TestFixMojibake(t *testing.T) {
	tests := []struct{ in, want string }{
		{"the Unionâ€™s assets", "the Union’s assets"},
		{"â€˜third-countriesâ€™", "‘third-countries’"},
		{"2021-2027) â€“ and", "2021-2027) – and"},
		{"â€œquotedâ€\u009d", "“quoted”"}, // 0x9D read leniently as U+009D
		{"layoutï»¿described", "layout\ufeffdescribed"},
		{"cafÃ© crÃ¨me", "café crème"},
		{"COâ‚‚ and â‚¬5", "CO₂ and €5"},
		{"â†’ next", "→ next"},
		// Real text that must stay as it is.
		{"vis-à-vis, São Paulo, Zürich, naïve", "vis-à-vis, São Paulo, Zürich, naïve"},
		{"Ã alone", "Ã alone"},
		{"price: 5 â", "price: 5 â"},
		{"", ""},
		{"plain ascii", "plain ascii"},
	}
	for _, tc := range tests {
		if got := FixMojibake(tc.in); got != tc.want {
			t.Errorf("FixMojibake(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanText(t *testing.T) {
	in := "  a\u00a0\u00a0b \t c\u200b\n\n  \n d\ufeff  e  "
	if got, want := CleanText(in), "a b c\nd e"; got != want {
		t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
	}
}

func TestExtractTRL(t *testing.T) {
	tests := []struct {
		text string
		want *funding.TRL
	}{
		{"Intro. Activities are expected to achieve TRL 5-6 by the end of the project. Other.",
			&funding.TRL{Min: 5, Max: 6, Sentence: "Activities are expected to achieve TRL 5-6 by the end of the project."}},
		{"Projects should reach TRL 4 to 6.", &funding.TRL{Min: 4, Max: 6, Sentence: "Projects should reach TRL 4 to 6."}},
		{"Activities are expected to achieve TRL 6-7 by the end of the project – see General Annex B. [1] https://research-and-innovation.ec.europa.eu/x[2] https://example.eu/y",
			&funding.TRL{Min: 6, Max: 7, Sentence: "Activities are expected to achieve TRL 6-7 by the end of the project – see General Annex B."}},
		{"Solutions at Technology Readiness Level 6 are expected.", &funding.TRL{Min: 6, Max: 6, Sentence: "Solutions at Technology Readiness Level 6 are expected."}},
		{"Activities are expected to start at TRL 4-5 and achieve TRL 7-8 by the end of the project.",
			&funding.TRL{Min: 4, Max: 8, Sentence: "Activities are expected to start at TRL 4-5 and achieve TRL 7-8 by the end of the project."}},
		{"to focus on technology readiness levels 5 to 7 (indicative)", &funding.TRL{Min: 5, Max: 7, Sentence: "to focus on technology readiness levels 5 to 7 (indicative)"}},
		{"at least TRL5 or above", &funding.TRL{Min: 5, Max: 5, Sentence: "at least TRL5 or above"}},
		{"some PoCs at TRL 4/5 for", &funding.TRL{Min: 4, Max: 5, Sentence: "some PoCs at TRL 4/5 for"}},
		// The stated target, not the first mention.
		{"From cell prototypes (TRL 4-5) to demonstration. Activities are expected to achieve TRL 6-7 by the end of the project.",
			&funding.TRL{Min: 6, Max: 7, Sentence: "Activities are expected to achieve TRL 6-7 by the end of the project."}},
		{"Solutions must be tested to reach up to Technical Readiness Level (TRL) 6",
			&funding.TRL{Min: 6, Max: 6, Sentence: "Solutions must be tested to reach up to Technical Readiness Level (TRL) 6"}},
		{"Activities may start at any TRL. The reference TRL definition is in Annex B.", nil},
		{"No readiness level here, only 5 and 6.", nil},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, ExtractTRL(tc.text)); diff != "" {
			t.Errorf("ExtractTRL(%q) (-want +got):\n%s", tc.text, diff)
		}
	}
}

func TestActionCode(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		wantLump bool
	}{
		{"HORIZON-RIA HORIZON  Research and Innovation Actions", "RIA", false},
		{"HORIZON-IA HORIZON Innovation Actions", "IA", false},
		{"HORIZON-JU-CSA HORIZON JU Coordination and Support Actions", "CSA", false},
		{"DIGITAL-SME DIGITAL SME Support Actions", "SME", false},
		{"DIGITAL-JU-SIMPLE DIGITAL JU Simple Grants", "SG", false},
		{"DIGITAL-GFS DIGITAL Grants for Financial Support", "GFS", false},
		{"HORIZON-PCP HORIZON Pre-commercial Procurement", "PCP", false},
		{"HORIZON-PPI HORIZON Public Procurement of Innovative Solutions", "PPI", false},
		{"HORIZON-COFUND HORIZON Programme Cofund Actions", "COFUND", false},
		{"EDF-LS EDF Lump Sum Grants", "LS", true},
		{"LIFE-PJG LIFE Project Grants", "GRANT", false},
		{"HORIZON  Research and Innovation Actions", "RIA", false},
		{"HORIZON Innovation Actions", "IA", false},
		{"EDF Development Actions", "DA", false},
		{"EDF Research Actions", "RA", false},
		{"CERV Lump Sum Grants", "GRANT", true},
		{"HORIZON TMA MSCA Doctoral Networks", "MSCA", false},
		{"Something new", "GRANT", false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, lump := actionCode(tc.in)
		if got != tc.want || lump != tc.wantLump {
			t.Errorf("actionCode(%q) = %q, %v; want %q, %v", tc.in, got, lump, tc.want, tc.wantLump)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2025-10-02T00:00:00.000+0000", time.Date(2025, 10, 2, 0, 0, 0, 0, time.UTC)},
		{"2024-04-18T19:00:00.000+0200", time.Date(2024, 4, 18, 17, 0, 0, 0, time.UTC)},
		// No zone: Brussels local time (CEST in October, CET in January).
		{"2025-10-03T17:59:44.318", time.Date(2025, 10, 3, 15, 59, 44, 318e6, time.UTC)},
		{"2026-01-05T09:30:00", time.Date(2026, 1, 5, 8, 30, 0, 0, time.UTC)},
		{"2025-10-02", time.Date(2025, 10, 1, 22, 0, 0, 0, time.UTC)},
		{" 2026-01-01T10:00:00Z ", time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		got, err := ParseDate(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseDate("02/10/2025"); err == nil {
		t.Error("ParseDate(02/10/2025) = nil error, want one")
	}
}

func TestSections(t *testing.T) {
	tests := []struct {
		name string
		html string
		want []funding.Section
	}{
		{
			name: "labels as spans, text before the first",
			html: `<p>Intro &amp; more</p><span class="topicdescriptionkind">Expected Outcome:</span><ul><li>One</li><li>Two  items</li></ul>` +
				`<span class="topicdescriptionkind">Scope:</span><p>Scope&#xa0;text.</p>`,
			want: []funding.Section{
				{Title: "Description", Text: "Intro & more", HTML: "<p>Intro &amp; more</p>"},
				{Title: "Expected Outcome", Text: "- One\n- Two items", HTML: "<ul><li>One</li><li>Two  items</li></ul>"},
				{Title: "Scope", Text: "Scope text.", HTML: "<p>Scope\u00a0text.</p>"},
			},
		},
		{
			name: "label inside a paragraph",
			html: `<p><span class="topicdescriptionkind">Objective:</span> Build it.</p><p>Then more.</p><p class="topicdescriptionkind">Expected Impact:</p><p>Impact.</p>`,
			want: []funding.Section{
				{Title: "Objective", Text: "Build it.\nThen more.", HTML: "Build it.<p>Then more.</p>"},
				{Title: "Expected Impact", Text: "Impact.", HTML: "<p>Impact.</p>"},
			},
		},
		{
			name: "mojibake repaired in text and html",
			html: `<span class="topicdescriptionkind">Scope:</span><p>Europeâ€™s</p>`,
			want: []funding.Section{{Title: "Scope", Text: "Europe’s", HTML: "<p>Europe’s</p>"}},
		},
		{name: "empty", html: "", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Sections(strings.NewReader(tc.html))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Sections (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConditions(t *testing.T) {
	html := `<div class="eui-u-mt-l>"><h4>General conditions</h4><div><h4>1. Admissibility</h4><div><p>A.</p></div></div>` +
		`<div><h4>2. Eligible Countries</h4><div><p>B.</p></div></div></div><div><p>Topic-specific.</p></div>` +
		`<div class="eui-u-mt-l"><h4>Additional documents:</h4> <div><p>C.</p><p>D.</p></div></div>`
	got, err := Conditions(strings.NewReader(html))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1. Admissibility: A.", "2. Eligible Countries: B.", "Specific conditions: Topic-specific.", "Additional documents: C.\nD."}
	var flat []string
	for _, s := range got {
		flat = append(flat, s.Title+": "+s.Text)
	}
	if diff := cmp.Diff(want, flat); diff != "" {
		t.Errorf("Conditions (-want +got):\n%s", diff)
	}
}
