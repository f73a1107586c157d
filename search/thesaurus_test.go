package search

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/lang/en"

	"callmatch/funding"
)

func TestThesaurusCoversEveryDomain(t *testing.T) {
	f, err := parseThesaurus(builtinThesaurus)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range funding.Domains {
		if len(f.Domains[d.Slug]) == 0 {
			t.Errorf("domain %s has no concepts", d.Slug)
		}
	}
	if len(f.Concepts) < 30 {
		t.Errorf("%d concepts, want dozens", len(f.Concepts))
	}
}

func TestThesaurusExpand(t *testing.T) {
	a := newMapping().AnalyzerNamed(en.AnalyzerName)
	th, err := loadThesaurus(a, "")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		text string
		want []string
	}{
		{"pentesting", []string{"security assessment", "penetration testing", "vulnerability assessment"}},
		{"We run phishing drills for staff", []string{"human factors", "cyber hygiene", "security awareness"}},
		{"SOC", []string{"security operations centre", "threat detection", "incident response"}},
		{"MISP", []string{"threat intelligence sharing", "information sharing"}},
		{"PQC", []string{"post-quantum"}},
		{"penetration tests and red teams", []string{"penetration testing", "attack simulation"}},
	}
	for _, tc := range tests {
		var got []string
		for _, x := range th.expand(analyze(a, tc.text)) {
			got = append(got, x.concept)
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("expand(%q) = %q, missing %q", tc.text, got, w)
			}
		}
	}
	if got := th.expand(analyze(a, "bakery")); len(got) != 0 {
		t.Errorf("expand(bakery) = %v, want nothing", got)
	}
}

func TestExtraThesaurusFile(t *testing.T) {
	dir := t.TempDir()
	extra := filepath.Join(dir, "extra.json")
	os.WriteFile(extra, []byte(`{"concepts": [{"terms": ["zorblat"], "related": ["post-quantum"]}]}`), 0o644)
	ix, _, _ := openIndex(t, loadCalls(t), WithThesaurus(extra))
	p := &funding.Profile{Name: "x", Country: "BE", Keywords: []string{"zorblat"}}
	ms := match(t, ix, p, MatchOptions{})
	if len(ms) == 0 || ms[0].Reasons[0].Concept != "post-quantum" {
		t.Fatalf("Match through an extra thesaurus entry: %+v", ms)
	}

	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"domains": {"no-such-domain": ["x"]}}`), 0o644)
	if _, err := Open(context.Background(), t.TempDir(), &fakeSource{}, discard(), WithThesaurus(bad)); err == nil {
		t.Error("Open with a thesaurus naming an unknown domain: no error")
	}
}
