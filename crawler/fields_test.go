package crawler_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/funding"
)

// recordedCalls parses every record of the recorded portal, by identifier.
func recordedCalls(t *testing.T) map[string]*funding.Call {
	t.Helper()
	raws, err := recorded.Records()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*funding.Call{}
	for _, raw := range raws {
		r, err := crawler.DecodeResult(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if ok, _ := r.Keep(); !ok {
			continue
		}
		c, _, err := crawler.ParseResult(r)
		if err != nil {
			t.Fatalf("ParseResult(%s): %v", r.Identifier(), err)
		}
		out[c.ID] = c
	}
	return out
}

// TestRecordedFields checks on the real recorded topics what the portal
// means: programme names, destination texts, the stated TRL target, the
// deadline hour and the page of a type-2 call.
func TestRecordedFields(t *testing.T) {
	calls := recordedCalls(t)
	if len(calls) < 600 {
		t.Fatalf("parsed %d calls, want the recorded 629 and more", len(calls))
	}
	withDestination := 0
	for id, c := range calls {
		if c.ProgrammeName == "" || strings.HasPrefix(c.ProgrammeName, "EU programme") {
			t.Errorf("%s (programme %s): programme name %q, want the portal's", id, c.ProgrammeID, c.ProgrammeName)
		}
		if c.Section(crawler.DestinationSection) != nil {
			withDestination++
		}
	}
	if withDestination < 284 { // 283 rebuilt topics and the raw DATA-03 record carry destinationDetails
		t.Errorf("%d calls keep their destination text, want the 284 that have one", withDestination)
	}

	tests := []struct {
		id    string
		check func(c *funding.Call) (got any, ok bool)
		want  string
	}{
		{"HORIZON-CL5-2026-10-D2-03", func(c *funding.Call) (any, bool) {
			return c.TRL, c.TRL != nil && c.TRL.Min == 6 && c.TRL.Max == 7
		}, "TRL 6-7, the stated target (not 4-5 of the cell prototypes)"},
		{"HORIZON-CL4-2026-SPACE-03-61", func(c *funding.Call) (any, bool) {
			s := c.Section(crawler.DestinationSection)
			return s, s != nil && len(s.Text) > 500
		}, "a Destination section"},
		{"HORIZON-CL3-2026-02-CS-ECCC-01", func(c *funding.Call) (any, bool) {
			return c.Deadlines, len(c.Deadlines) == 1 && c.Deadlines[0].Format("2006-01-02T15:04:05Z07:00") == "2026-09-15T15:00:00Z"
		}, "deadline 2026-09-15T15:00:00Z (17:00 Brussels)"},
		{"EuropeAid/186002/DD/ACT/MA", func(c *funding.Call) (any, bool) {
			return c.URL, c.Kind == funding.KindCallForProposals &&
				c.URL == "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/prospect-details/186002PROSPECTSEN"
		}, "the portal's prospect page"},
		{"EuropeAid/186002/DD/ACT/MA", func(c *funding.Call) (any, bool) {
			return c.ProgrammeName, c.ProgrammeName == "EU External Action - Prospect (RELEX-PROSPECT)"
		}, "the programme's name"},
	}
	for _, tc := range tests {
		c := calls[tc.id]
		if c == nil {
			t.Errorf("%s not recorded", tc.id)
			continue
		}
		if got, ok := tc.check(c); !ok {
			t.Errorf("%s: got %+v, want %s", tc.id, got, tc.want)
		}
	}
}

func TestProgrammeNameFallback(t *testing.T) {
	tests := []struct {
		programme, id, want string
	}{
		{"43252433", "PERICLES-2026-X", "Pericles IV"},
		{"99999999", "NEWPROG-2027-01", "NEWPROG"},
		{"99999999", "9001", "EU programme 99999999"},
		{"", "9001", "EU programme"},
	}
	for _, tc := range tests {
		src := `{"language":"en","metadata":{"identifier":["` + tc.id + `"],"type":["1"],"title":["T"],"frameworkProgramme":["` + tc.programme + `"]}}`
		c, _, err := crawler.ParseRecord(strings.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		if c.ProgrammeName != tc.want {
			t.Errorf("programme %q of %s: name %q, want %q", tc.programme, tc.id, c.ProgrammeName, tc.want)
		}
	}
}

// TestParseCascadeMissing: a cascade record without projectName, caName
// or url still parses, with the portal's competitive-calls page.
func TestParseCascadeMissing(t *testing.T) {
	src := `{"language":"en","metadata":{"identifier":["9002"],"type":["8"],"title":["Open call 3"],"status":["31094502"],"frameworkProgramme":["43152860"]}}`
	c, _, err := crawler.ParseRecord(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Project != "" || c.CallTitle != "" || c.URL != "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/competitive-calls-cs/9002" {
		t.Errorf("cascade without names = project %q call %q url %q", c.Project, c.CallTitle, c.URL)
	}
}

func TestParseLinks(t *testing.T) {
	src := `{"language":"en","metadata":{"identifier":["X-2"],"type":["1"],"title":["T"],
		"links":["[{\"title\":\"Questions and answers\",\"url\":\"https://ec.europa.eu/qa/x-2\"},{\"url\":\"javascript:alert(1)\"},{\"label\":\"Call document\",\"href\":\"https://ec.europa.eu/doc.pdf\"}]"]}}`
	c, warnings, err := crawler.ParseRecord(strings.NewReader(src))
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	want := []funding.Link{{Title: "Questions and answers", URL: "https://ec.europa.eu/qa/x-2"}, {Title: "Call document", URL: "https://ec.europa.eu/doc.pdf"}}
	if len(c.Links) != 2 || c.Links[0] != want[0] || c.Links[1] != want[1] {
		t.Errorf("links = %+v, want %+v (no javascript:)", c.Links, want)
	}
}

// TestStatedDeadlineHour: a deadline given as a calendar date closes at
// the hour the call's text states for that day (the forms of real
// conditions texts), else at 17:00 Brussels.
func TestStatedDeadlineHour(t *testing.T) {
	tests := []struct {
		text, deadline string
		want           time.Time
	}{
		{"Deadline for submitting applications: 15 September 2026 – 17:00:00 CET (Brussels)Evaluation period: October",
			"2026-09-15T00:00:00.000+0000", time.Date(2026, 9, 15, 15, 0, 0, 0, time.UTC)},
		{"Deadline for submitting applications: November, 3 2026 12:00 (Brussels time).Evaluation period: November",
			"2026-11-03T00:00:00.000+0000", time.Date(2026, 11, 3, 11, 0, 0, 0, time.UTC)},
		{"Deadline for submission: 06/10/2026 – 14:30:00 CET (Brussels)Evaluation: October",
			"2026-10-06T00:00:00.000+0000", time.Date(2026, 10, 6, 12, 30, 0, 0, time.UTC)},
		// Another day's hour does not apply.
		{"Deadline for submitting applications: 23/09/2026 12:00 (Brussels time).",
			"2026-09-24T00:00:00.000+0000", time.Date(2026, 9, 24, 15, 0, 0, 0, time.UTC)},
		{"No hour here.", "2026-01-20T00:00:00.000+0000", time.Date(2026, 1, 20, 16, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		rec := map[string]any{"language": "en", "metadata": map[string][]string{
			"identifier": {"X-3"}, "type": {"1"}, "title": {"T"}, "deadlineDate": {tc.deadline},
			"topicConditions": {"<p>" + tc.text + "</p>"},
		}}
		b, _ := json.Marshal(rec)
		c, _, err := crawler.ParseRecord(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Deadlines) != 1 || !c.Deadlines[0].Equal(tc.want) {
			t.Errorf("deadline %s with %q = %v, want %v", tc.deadline, tc.text, c.Deadlines, tc.want)
		}
	}
}
