package crawler_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"callmatch/crawler"
)

// Run the fuzzers with a short minimization, which otherwise stalls the
// counters for a minute after each new input:
//
//	go test ./crawler -run '^$' -fuzz FuzzParseRecord -fuzztime 1m -fuzzminimizetime 1s
//	go test ./crawler -run '^$' -fuzz FuzzSections -fuzztime 1m -fuzzminimizetime 1s
func FuzzParseRecord(f *testing.F) {
	// Seeds stay small, which keeps the fuzzer fast: the real records with
	// each long value cut short.
	for _, name := range []string{
		"record-type1-HORIZON-CL4-2025-04-DATA-03.json",
		"record-type1-HORIZON-CL5-2024-D2-01-03-api2.101.json",
		"record-type6-HORIZON-CL4-2025-04-DATA-03.json",
	} {
		f.Add(shortRecord(f, name))
	}
	f.Add([]byte(`{"language":"en","metadata":{"identifier":"X","type":[8],"title":["T"],"actions":["[{"],"budgetOverview":["{\"budgetTopicActionMap\":{\"1\":[{\"action\":\"X - A\",\"maxContribution\":1e400}]}}"]}}`))
	f.Add([]byte(`{"metadata":{"identifier":["X"],"type":["1"],"title":["T"],"keywords":["[\"a\",1]"],"deadlineDate":["2026-02-30"],"latestInfos":["[{\"lastChangeDate\":\"x\",\"content\":\"<p>a</p>\"}]"]}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _, err := crawler.ParseRecord(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		if c.ID == "" || c.Title == "" {
			t.Fatalf("parsed call without id or title: %+v", c)
		}
		_ = c.Hash()
		for _, s := range append(c.Sections, c.Conditions...) {
			if s.Title == "" || s.Text == "" {
				t.Fatalf("empty section %+v", s)
			}
		}
	})
}

func FuzzSections(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "record-type1-HORIZON-CL4-2025-04-DATA-03.json"))
	if err != nil {
		f.Fatal(err)
	}
	r, err := crawler.DecodeResult(strings.NewReader(string(b)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cut(r.Metadata.First("descriptionByte"), 1200))
	f.Add(cut(r.Metadata.First("topicConditions"), 1500))
	f.Add(`<p><span class="topicdescriptionkind">Scope:</span> a</p><div><h4>1. X</h4>b</div>`)
	f.Add(`<span class="topicdescriptionkind"><span class="topicdescriptionkind">Nested:</span></span>â€™<ul><li>`)
	f.Add("<table><tr><td>a</td><td>b</td></tr></table>\x00\xff")
	f.Fuzz(func(t *testing.T, html string) {
		for name, split := range map[string]func(string) error{
			"Sections":   func(s string) error { _, err := crawler.Sections(strings.NewReader(s)); return err },
			"Conditions": func(s string) error { _, err := crawler.Conditions(strings.NewReader(s)); return err },
		} {
			if err := split(html); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		secs, _ := crawler.Sections(strings.NewReader(html))
		for _, s := range secs {
			if !utf8.ValidString(s.Text) && utf8.ValidString(html) {
				t.Fatalf("invalid UTF-8 text from valid input: %q", s.Text)
			}
			for _, line := range strings.Split(s.Text, "\n") {
				if line == "" || line != strings.TrimSpace(line) || strings.Contains(line, "  ") {
					t.Fatalf("unclean line %q in %q", line, s.Text)
				}
			}
		}
	})
}

func cut(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// shortRecord is a testdata record with its long metadata values cut.
func shortRecord(f *testing.F, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	var rec map[string]any
	if err := json.Unmarshal(b, &rec); err != nil {
		f.Fatal(err)
	}
	md, _ := rec["metadata"].(map[string]any)
	for k, v := range md {
		list, _ := v.([]any)
		for i, e := range list {
			if s, ok := e.(string); ok {
				list[i] = cut(s, 600)
			}
		}
		md[k] = list
	}
	out, err := json.Marshal(rec)
	if err != nil {
		f.Fatal(err)
	}
	return out
}
