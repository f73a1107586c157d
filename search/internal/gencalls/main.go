// Command gencalls builds search/testdata/calls.json.gz, the real calls the
// search tests run on, from the portal topics harvested into shared data
// (topics-2026-08.jsonl.gz: a UTF-8 BOM, then concatenated JSON objects).
//
// Run it from the repository root:
//
//	go run ./search/internal/gencalls
//
// It is a stop-gap: once the crawler can extract calls from recorded portal
// pages, the test data is regenerated from the crawler and this goes.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // deadlines are 17:00 Brussels time
	"unicode/utf8"

	"callmatch/funding"
)

// topic is one harvested portal topic (only the fields used here).
type topic struct {
	TopicID                string `json:"topicId"`
	Title                  string `json:"title"`
	Programme              string `json:"programme"`
	ProgrammeID            string `json:"programmeId"`
	CallIdentifier         string `json:"callIdentifier"`
	CallTitle              string `json:"callTitle"`
	ActionType             string `json:"actionType"`
	TypesOfAction          string `json:"typesOfAction"`
	Deadline               string `json:"deadline"`
	DeadlineModel          string `json:"deadlineModel"`
	CallStatus             string `json:"callStatus"`
	BudgetMin              *int64 `json:"budgetMin"`
	BudgetMax              *int64 `json:"budgetMax"`
	ExpectedGrants         *int   `json:"expectedGrants"`
	Keywords               string `json:"keywords"`
	CrossCuttingPriorities string `json:"crossCuttingPriorities"`
	PortalURL              string `json:"portalUrl"`
	Description            string `json:"description"`
	Objectives             string `json:"objectives"`
	TopicConditions        string `json:"topicConditions"`
	SupportInfo            string `json:"supportInfo"`
}

func main() {
	in := flag.String("in", "../shared/portal/topics-2026-08.jsonl.gz", "harvested topics (gzip, concatenated JSON)")
	out := flag.String("out", "search/testdata/calls.json.gz", "output: a gzip JSON array of funding.Call")
	snapshot := flag.String("crawled", "2026-08-12", "date the topics were harvested (status is derived at this date)")
	flag.Parse()
	if err := run(*in, *out, *snapshot); err != nil {
		fmt.Fprintln(os.Stderr, "gencalls:", err)
		os.Exit(1)
	}
}

func run(in, out, snapshot string) error {
	crawled, err := time.Parse(time.DateOnly, snapshot)
	if err != nil {
		return fmt.Errorf("bad -crawled: %w", err)
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	br := bufio.NewReader(zr)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	dec := json.NewDecoder(br)
	var calls []funding.Call
	seen := map[string]bool{}
	for {
		var t topic
		err := dec.Decode(&t)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("decode topic %d: %w", len(calls)+1, err)
		}
		if t.TopicID == "" || seen[t.TopicID] {
			continue
		}
		seen[t.TopicID] = true
		c, err := toCall(t, crawled)
		if err != nil {
			return fmt.Errorf("topic %s: %w", t.TopicID, err)
		}
		calls = append(calls, c)
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(calls); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("gencalls: wrote %d calls to %s (%d bytes)\n", len(calls), out, buf.Len())
	return nil
}

var brussels = mustLocation("Europe/Brussels")

func mustLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func toCall(t topic, crawled time.Time) (funding.Call, error) {
	c := funding.Call{
		ID:            t.TopicID,
		Title:         clean(t.Title),
		CallID:        t.CallIdentifier,
		CallTitle:     clean(t.CallTitle),
		ProgrammeID:   t.ProgrammeID,
		ProgrammeName: clean(t.Programme),
		Kind:          funding.KindTopic,
		PortalStatus:  funding.Status(strings.ToLower(t.CallStatus)),
		DeadlineModel: t.DeadlineModel,
		URL:           t.PortalURL,
		SourceURL:     t.PortalURL,
		SupportInfo:   clean(t.SupportInfo),
		CrawledAt:     crawled,
		ChangedAt:     crawled,
		Keywords:      []string{},
		Tags:          []string{},
		Updates:       []funding.Update{},
	}
	switch t.ProgrammeID {
	case funding.PortalIDDigital:
		c.Programme = funding.ProgrammeDigital
	case funding.PortalIDHorizon:
		c.Programme = funding.ProgrammeHorizon
	default:
		c.Programme = funding.ProgrammeOther
	}
	if t.Deadline != "" {
		d, err := time.ParseInLocation(time.DateOnly, t.Deadline, brussels)
		if err != nil {
			return c, fmt.Errorf("deadline: %w", err)
		}
		c.Deadlines = []time.Time{d.Add(17 * time.Hour).UTC()}
	} else {
		c.Deadlines = []time.Time{}
	}
	if code := actionCode(t.ActionType, t.TypesOfAction); code != "" {
		c.TypesOfAction = []string{code}
	} else {
		c.TypesOfAction = []string{}
	}
	if l := clean(t.TypesOfAction); l != "" {
		c.ActionLabels = []string{l}
	}
	if t.BudgetMin != nil {
		c.Budget.MinContribution = *t.BudgetMin
	}
	if t.BudgetMax != nil {
		c.Budget.MaxContribution = *t.BudgetMax
	}
	if t.ExpectedGrants != nil {
		c.Budget.ExpectedGrants = *t.ExpectedGrants
	}
	for _, k := range splitList(t.Keywords) {
		// The harvester put the topic and call identifiers among the keywords.
		if k == t.TopicID || k == t.CallIdentifier {
			continue
		}
		if !contains(c.Keywords, k) {
			c.Keywords = append(c.Keywords, k)
		}
	}
	c.CrossCuttingPriorities = splitList(t.CrossCuttingPriorities)
	desc := t.Description
	if strings.TrimSpace(desc) == "" {
		desc = t.Objectives
	}
	c.Sections = splitSections(desc)
	c.Conditions = splitConditions(t.TopicConditions)
	c.TRL = findTRL(c.Sections)
	c.Status = c.StatusAt(crawled)
	c.ContentHash = c.Hash()
	return c, nil
}

// actionCode maps the portal's action type to the short codes of funding.ActionCodes.
func actionCode(typ, label string) string {
	switch typ {
	case "RIA", "IA", "CSA", "PPI", "MSCA":
		return typ
	case "":
		return ""
	case "HORIZON-PCP":
		return "PCP"
	case "CoFund":
		return "COFUND"
	case "Prize":
		return "PRIZE"
	case "HORIZON-EIC-EQU":
		return "EIC"
	case "Grant":
		switch {
		case strings.Contains(label, "Simple Grants"):
			return "SG"
		case strings.Contains(label, "Lump Sum"):
			return "LS"
		case strings.Contains(label, "ERC"):
			return "ERC"
		case strings.Contains(label, "EIC"):
			return "EIC"
		}
		return "GRANT"
	}
	return "OTHER"
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ", ") {
		if p = clean(p); p != "" && !contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var sectionLabel = regexp.MustCompile(`(Expected Outcomes?|Scope|Objectives?|Expected Impact|Specific Challenge)\s*:`)

// splitSections cuts the flattened description at its labels.
func splitSections(desc string) []funding.Section {
	desc = clean(desc)
	locs := sectionLabel.FindAllStringSubmatchIndex(desc, -1)
	out := []funding.Section{}
	if len(locs) == 0 {
		if desc != "" {
			out = append(out, funding.Section{Title: "Description", Text: desc})
		}
		return out
	}
	if pre := strings.TrimSpace(desc[:locs[0][0]]); pre != "" {
		out = append(out, funding.Section{Title: "Description", Text: pre})
	}
	for i, l := range locs {
		end := len(desc)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		title := desc[l[2]:l[3]]
		if title == "Expected Outcomes" {
			title = "Expected Outcome"
		}
		if title == "Objectives" {
			title = "Objective"
		}
		if text := strings.TrimSpace(desc[l[1]:end]); text != "" {
			out = append(out, funding.Section{Title: title, Text: text})
		}
	}
	return out
}

var conditionHeading = regexp.MustCompile(`(?:^|[^0-9])(\d{1,2}[a-c]?\.\s*(?:Admissibility(?: and [Ee]ligibility)? [Cc]onditions|Admissibility|Eligible [Cc]ountries|Other [Ee]ligib\w* [Cc]onditions|Financial and operational capacity and exclusion|Evaluation and award|Legal and financial set-up of the grants))`)

// splitConditions cuts the conditions text at its numbered headings.
func splitConditions(s string) []funding.Section {
	s = strings.TrimPrefix(strings.TrimSpace(s), `">`)
	s = clean(s)
	out := []funding.Section{}
	if s == "" {
		return out
	}
	locs := conditionHeading.FindAllStringSubmatchIndex(s, -1)
	if len(locs) == 0 {
		return append(out, funding.Section{Title: "Conditions", Text: s})
	}
	if pre := strings.TrimSpace(s[:locs[0][2]]); pre != "" && pre != "General conditions" {
		out = append(out, funding.Section{Title: "Conditions", Text: strings.TrimPrefix(pre, "General conditions")})
	}
	for i, l := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][2]
		}
		title := s[l[2]:l[3]]
		text := strings.TrimSpace(s[l[3]:end])
		text = strings.TrimLeft(text, ": ")
		if text != "" {
			out = append(out, funding.Section{Title: title, Text: text})
		}
	}
	return out
}

var (
	trlRange = regexp.MustCompile(`(?:start at TRL (\d) and )?achieve TRL (\d)(?:\s*(?:-|to|/)\s*(\d))?`)
	sentence = regexp.MustCompile(`[^.!?]*\bTRL\b[^.!?]*[.!?]?`)
)

func findTRL(sections []funding.Section) *funding.TRL {
	for _, s := range sections {
		m := trlRange.FindStringSubmatchIndex(s.Text)
		if m == nil {
			continue
		}
		num := func(i int) int {
			if m[2*i] < 0 {
				return 0
			}
			n, _ := strconv.Atoi(s.Text[m[2*i]:m[2*i+1]])
			return n
		}
		lo, hi := num(2), num(3)
		if start := num(1); start > 0 {
			lo = start
		}
		if hi == 0 {
			hi = num(2)
		}
		sent := strings.TrimSpace(sentence.FindString(s.Text[max(0, m[0]-200):]))
		return &funding.TRL{Min: lo, Max: hi, Sentence: sent}
	}
	return nil
}

var (
	spaces     = regexp.MustCompile(`\s+`)
	gluedStop  = regexp.MustCompile(`([a-z\)\]])([.:;])(null)?([A-Z])`)
	nullBefore = regexp.MustCompile(`\.null\b`)
)

// clean repairs the harvester's mojibake, collapses white space and puts
// back the spaces lost between sentences ("end.Next" -> "end. Next").
func clean(s string) string {
	s = fixMojibake(s)
	s = strings.ReplaceAll(s, "\u00a0", " ")
	s = nullBefore.ReplaceAllString(s, ".")
	s = gluedStop.ReplaceAllString(s, "$1$2 $4")
	s = spaces.ReplaceAllString(s, " ")
	return strings.TrimSpace(s)
}

// cp1252 maps the Windows-1252 characters of 0x80-0x9F back to their byte.
var cp1252 = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// fixMojibake undoes UTF-8 text that was decoded as Windows-1252 ("â€™" -> "’"):
// each run of characters that map to single bytes is re-read as UTF-8 when
// that yields valid text.
func fixMojibake(s string) string {
	if !strings.ContainsAny(s, "âÃÂï") {
		return s
	}
	var out strings.Builder
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			out.Write(run)
		} else {
			for _, b := range run { // not mojibake after all: keep as Latin-1/1252
				out.WriteString(decode1252(b))
			}
		}
		run = run[:0]
	}
	for _, r := range s {
		if b, ok := toByte(r); ok && (b >= 0x80 || len(run) > 0) {
			if b < 0x80 {
				flush()
				out.WriteRune(r)
				continue
			}
			run = append(run, b)
			continue
		}
		flush()
		out.WriteRune(r)
	}
	flush()
	return out.String()
}

func toByte(r rune) (byte, bool) {
	if r < 0x80 {
		return byte(r), true
	}
	if b, ok := cp1252[r]; ok {
		return b, true
	}
	if r >= 0x80 && r <= 0xFF {
		return byte(r), true
	}
	return 0, false
}

func decode1252(b byte) string {
	for r, x := range cp1252 {
		if x == b {
			return string(r)
		}
	}
	return string(rune(b))
}
