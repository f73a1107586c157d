package crawler_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/crawler"
	"callmatch/funding"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// golden compares got (as indented JSON) with testdata/name.golden.
func golden(t *testing.T, name string, got any) {
	t.Helper()
	b, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	b = append(b, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(b)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, diff)
	}
}

func parseFile(t *testing.T, name string) (*funding.Call, []string) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, warnings, err := crawler.ParseRecord(f)
	if err != nil {
		t.Fatalf("ParseRecord(%s): %v", name, err)
	}
	return c, warnings
}

func decodePage(t *testing.T, name string) *crawler.Page {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := crawler.DecodePage(f)
	if err != nil {
		t.Fatalf("DecodePage(%s): %v", name, err)
	}
	return p
}

func TestParseRecordDATA03(t *testing.T) {
	c, warnings := parseFile(t, "record-type1-HORIZON-CL4-2025-04-DATA-03.json")
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	golden(t, "record-type1-HORIZON-CL4-2025-04-DATA-03", c)

	// The key facts, field by field, beside the golden file.
	want := funding.Budget{MinContribution: 4_000_000, MaxContribution: 6_000_000, ExpectedGrants: 3,
		Total: 15_000_000, ByYear: map[string]int64{"2025": 15_000_000}}
	if diff := cmp.Diff(want, c.Budget); diff != "" {
		t.Errorf("budget: only DATA-03's own entry (-want +got):\n%s", diff)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", c.ID, "HORIZON-CL4-2025-04-DATA-03"},
		{"call", c.CallID, "HORIZON-CL4-2025-04"},
		{"programme", c.Programme, funding.ProgrammeHorizon},
		{"kind", c.Kind, funding.KindTopic},
		{"portal status", c.PortalStatus, funding.StatusClosed},
		// A calendar date closes at 17:00 Brussels time (CEST in October).
		{"deadlines", c.Deadlines, []time.Time{time.Date(2025, 10, 2, 15, 0, 0, 0, time.UTC)}},
		{"opening", *c.OpeningDate, time.Date(2025, 6, 10, 0, 0, 0, 0, time.UTC)},
		{"deadline model", c.DeadlineModel, "single-stage"},
		{"types of action", c.TypesOfAction, []string{"RIA"}},
		{"mga", c.MGATypes, []string{"HORIZON-AG"}},
		// destinationDetails is kept as a section of its own, after the topic's.
		{"section titles", titles(c.Sections), []string{"Expected Outcome", "Scope", "Destination"}},
		{"destination text", strings.HasPrefix(c.Sections[2].Text, "The next stage of the data economy will shift data flows"), true},
		{"condition titles", titles(c.Conditions), []string{
			"1. Admissibility Conditions: Proposal page limit and layout",
			"2. Eligible Countries",
			"3. Other Eligible Conditions",
			"4. Financial and operational capacity and exclusion",
			"5a. Evaluation and award: Award criteria, scoring and thresholds",
			"5b. Evaluation and award: Submission and evaluation processes",
			"5c. Evaluation and award: Indicative timeline for evaluation and grant agreement",
			"6. Legal and financial set-up of the grants",
			"Specific conditions",
			"Application and evaluation forms and model grant agreement (MGA)",
			"Additional documents",
		}},
		{"updates", len(c.Updates), 4},
		// lastChangeDate has no zone: Brussels local time.
		{"latest update", c.Updates[0].Date, time.Date(2025, 10, 3, 15, 59, 44, 318_000_000, time.UTC)},
	}
	for _, ck := range checks {
		if diff := cmp.Diff(ck.want, ck.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", ck.name, diff)
		}
	}
	// The fields the portal sends that were never read.
	changed := time.Date(2025, 10, 3, 16, 4, 40, 851_000_000, time.UTC) // esDA_IngestDate 18:04:40.851+0200
	partner := true
	fields := []struct {
		name      string
		got, want any
	}{
		{"submission note", c.SubmissionNote, "No submission system is open for this topic."},
		{"partner search", c.PartnerSearch, &partner},
		{"portal changed at", c.PortalChangedAt, &changed},
		{"programme divisions", c.ProgrammeDivisions, []string{"43120203", "43120218", "43120231"}},
		{"links", c.Links, []funding.Link(nil)}, // "[]" on this record
		{"programme name", c.ProgrammeName, "Horizon Europe"},
	}
	for _, f := range fields {
		if diff := cmp.Diff(f.want, f.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", f.name, diff)
		}
	}
	// The update "PROPOSAL NUMBERS" lists every topic of the call.
	var own *funding.ProposalCount
	for i := range c.Proposals {
		if c.Proposals[i].TopicID == c.ID {
			own = &c.Proposals[i]
		}
	}
	if len(c.Proposals) != 7 || own == nil || own.Proposals != 56 || own.Budget != 15_000_000 {
		t.Errorf("proposals = %+v, want 7 topics, DATA-03 with 56 proposals for EUR 15 million", c.Proposals)
	}
	if s := c.Conditions[8].Text; s != "are described in the specific topic of the Work Programme." {
		t.Errorf("specific conditions = %q", s)
	}
	if eo := c.Sections[0].Text; !strings.HasPrefix(eo, "- Improved methods and tools") || strings.Count(eo, "\n- ") != 1 {
		t.Errorf("expected outcome: list items on their own lines, got %q", eo)
	}
}

func TestParseRecordAPI2101(t *testing.T) {
	c, warnings := parseFile(t, "record-type1-HORIZON-CL5-2024-D2-01-03-api2.101.json")
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	golden(t, "record-type1-HORIZON-CL5-2024-D2-01-03-api2.101", c)
	cest := time.FixedZone("", 2*3600)
	if want := []time.Time{time.Date(2024, 4, 18, 19, 0, 0, 0, cest)}; !cmp.Equal(want, c.Deadlines, cmp.Comparer(time.Time.Equal)) {
		t.Errorf("deadlines = %v, want %v (its stated hour kept)", c.Deadlines, want)
	}
	if want := time.Date(2023, 12, 7, 0, 0, 0, 0, time.UTC); !c.OpeningDate.Equal(want) {
		t.Errorf("opening = %v, want %v", c.OpeningDate, want)
	}
	wantKW := []string{"Energy storage", "Social Innovation", "Co-programmed European Partnerships", "repair", "circularity", "refurbishing", "batteries", "sustainability"}
	if diff := cmp.Diff(wantKW, c.Keywords); diff != "" {
		t.Errorf("keywords from one JSON string (-want +got):\n%s", diff)
	}
	if !strings.HasSuffix(c.URL, "/topic-details/HORIZON-CL5-2024-D2-01-03") {
		t.Errorf("url = %q, want the topic page, not the .json", c.URL)
	}
}

func TestSelectPage(t *testing.T) {
	tests := []struct {
		file     string
		wantRefs []string
	}{
		// sv and cs duplicates and two type-6 news rows are skipped.
		{"search-page-unfiltered-p5.json", []string{"48400948TOPICSen"}},
		{"search-page-type6-news.json", nil},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			p := decodePage(t, tc.file)
			var refs []string
			calls := []*funding.Call{}
			for _, r := range crawler.Select(p.Results) {
				refs = append(refs, r.Reference)
				c, _, err := crawler.ParseResult(&r)
				if err != nil {
					t.Fatalf("ParseResult(%s): %v", r.Reference, err)
				}
				calls = append(calls, c)
			}
			if diff := cmp.Diff(tc.wantRefs, refs); diff != "" {
				t.Errorf("kept rows (-want +got):\n%s", diff)
			}
			golden(t, strings.TrimSuffix(tc.file, ".json"), calls)
		})
	}
}

func TestSelectKeepsBestRow(t *testing.T) {
	p := decodePage(t, "search-page-unfiltered-p5.json")
	var en crawler.Result
	for _, r := range p.Results {
		if r.Reference == "48400948TOPICSen" {
			en = r
		}
	}
	stub := crawler.Result{Reference: "stub", Language: "en", Metadata: crawler.Metadata{
		"identifier": {"HORIZON-CL4-2025-04-DATA-03"}, "type": {"1"}, "title": {"stub"}, "status": {"31094503"}}}
	empty := crawler.Result{Reference: "empty", Language: "en", Metadata: crawler.Metadata{
		"identifier": {"HORIZON-CL4-2025-04-DATA-03"}, "type": {"1"}, "title": {"empty"}}}
	got := crawler.Select([]crawler.Result{empty, stub, en})
	if len(got) != 1 || got[0].Reference != "48400948TOPICSen" {
		var refs []string
		for _, r := range got {
			refs = append(refs, r.Reference)
		}
		t.Errorf("Select = %v, want only the row with status and description", refs)
	}
}

func TestParseResultErrors(t *testing.T) {
	tests := []struct {
		name string
		md   crawler.Metadata
	}{
		{"no identifier", crawler.Metadata{"type": {"1"}, "title": {"x"}}},
		{"no title", crawler.Metadata{"type": {"1"}, "identifier": {"X-1"}}},
		{"news", crawler.Metadata{"type": {"6"}, "identifier": {"X-1"}, "title": {"x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := crawler.ParseResult(&crawler.Result{Language: "en", Metadata: tc.md})
			if err == nil {
				t.Fatal("ParseResult = nil error, want ErrInvalidRecord")
			}
		})
	}
}

func TestParseResultMalformedJSONInString(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "record-type1-HORIZON-CL4-2025-04-DATA-03.json"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := crawler.DecodeResult(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	r.Metadata["budgetOverview"] = []string{`{"budgetTopicActionMap":{"1":[{"action":`}
	r.Metadata["latestInfos"] = []string{`[{"content": "<p>x</p>"`}
	r.Metadata["deadlineDate"] = []string{"next Tuesday"}
	c, warnings, err := crawler.ParseResult(r)
	if err != nil {
		t.Fatalf("ParseResult: %v", err)
	}
	if len(warnings) != 3 {
		t.Errorf("warnings = %q, want budgetOverview, latestInfos and deadlineDate", warnings)
	}
	if c.Budget.MaxContribution != 0 || c.Updates != nil || len(c.Sections) != 3 {
		t.Errorf("budget %+v updates %d sections %d: want empty budget and updates, sections (and destination) kept", c.Budget, len(c.Updates), len(c.Sections))
	}
	// The deadline still comes from actions[].deadlineDates.
	if len(c.Deadlines) != 1 || !c.Deadlines[0].Equal(time.Date(2025, 10, 2, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("deadlines = %v", c.Deadlines)
	}
}

func TestParseResultOddMetadata(t *testing.T) {
	// A lone string, a number and null where arrays of strings belong.
	src := `{"language":"en","metadata":{"identifier":"X-1","type":[1],"title":["T"],"status":null,
		"descriptionByte":["<p>Hi</p>"],"deadlineDate":["2026-01-02","2026-01-02T17:00:00.000+0100","2025-12-01"]}}`
	c, _, err := crawler.ParseRecord(strings.NewReader(src))
	if err != nil {
		t.Fatalf("ParseRecord: %v", err)
	}
	// Calendar dates close at 17:00 Brussels (CET: 16:00 UTC); a stated
	// hour of the same day wins over its calendar date.
	want := []time.Time{time.Date(2025, 12, 1, 16, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 16, 0, 0, 0, time.UTC)}
	if c.ID != "X-1" || c.Kind != funding.KindTopic || !cmp.Equal(want, c.Deadlines, cmp.Comparer(time.Time.Equal)) {
		t.Errorf("call = %s %s %v, want X-1 topic %v", c.ID, c.Kind, c.Deadlines, want)
	}
}

func TestParseCascade(t *testing.T) {
	src := `{"language":"en","url":"https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/competitive-calls-cs/9001",
	"metadata":{"identifier":["9001"],"type":["8"],"title":["Open call 2"],"status":["31094502"],"caName":["FSTP open call 2"],
	"projectName":["CYBER-BOOST"],"frameworkProgramme":["43152860"],"deadlineDate":["2026-11-30T17:00:00.000+0100"]}}`
	c, _, err := crawler.ParseRecord(strings.NewReader(src))
	if err != nil {
		t.Fatalf("ParseRecord: %v", err)
	}
	if c.Kind != funding.KindCascade || c.Project != "CYBER-BOOST" || c.CallTitle != "FSTP open call 2" ||
		c.Programme != funding.ProgrammeDigital || !strings.Contains(c.URL, "competitive-calls-cs/9001") {
		t.Errorf("cascade call = %+v", c)
	}
}
