// Command gen rebuilds the recorded portal's data from the real captures in
// ../shared/portal:
//
//	go run ./crawler/recorded/gen [-shared ../shared] [-out crawler/recorded/data]
//
// It copies the raw search-API captures as they are (data/raw/) and turns
// the 629 topics of topics-2026-08.jsonl.gz, which a third-party harvester
// flattened, back into search-API result records of the real type-1 shape
// (data/topics.jsonl.gz, one per line): metadata arrays of strings, JSON-in-string
// actions/budgetOverview/latestInfos, descriptionByte rebuilt with
// topicdescriptionkind labels, topicConditions rebuilt with <h4> headings.
//
// What the harvest lost is not invented: no opening date, no second-stage
// deadline, no latest updates, no budget per year, no grant-agreement type
// but the lump sum its conditions state. What it mangled is rebuilt from
// its own fields: the type-of-action code from the label and the harvested
// actionType, section labels wherever they were glued ("platforms Scope:"),
// paragraphs where the flattening glued sentences ("...end.Next") or put
// "null" between them. What it kept is carried: the destination title and
// text (destinationDescription, destinationDetails) and the topic's portal
// pages (links). Programme names are the crawler's table of the portal's
// names (crawler/codes.go), since a search record carries only the id. Its
// mojibake ("â€™") is kept: the crawler must repair it. Its "stage" field
// is always "two-stage" (a harvester bug), so deadlineModel is used.
package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

func main() {
	shared := flag.String("shared", "../shared", "the shared data folder")
	out := flag.String("out", "crawler/recorded/data", "the output folder")
	flag.Parse()
	if err := run(*shared, *out); err != nil {
		log.Fatal(err)
	}
}

func run(shared, out string) error {
	if err := os.MkdirAll(filepath.Join(out, "raw"), 0o755); err != nil {
		return err
	}
	raws, err := filepath.Glob(filepath.Join(shared, "portal", "search-api", "*.json"))
	if err != nil {
		return err
	}
	for _, src := range raws {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "raw", filepath.Base(src)), b, 0o644); err != nil {
			return err
		}
	}

	topics, err := readTopics(filepath.Join(shared, "portal", "topics-2026-08.jsonl.gz"))
	if err != nil {
		return err
	}
	records := convert(topics)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	enc := json.NewEncoder(zw) // one record per line
	enc.SetEscapeHTML(false)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	dst := filepath.Join(out, "topics.jsonl.gz")
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		return err
	}
	log.Printf("wrote %d raw captures and %d topics (%d bytes) to %s", len(raws), len(records), buf.Len(), out)
	return nil
}

// topic is one harvested topic of topics-2026-08.jsonl.gz.
type topic struct {
	Reference              string `json:"reference"`
	TopicID                string `json:"topicId"`
	Title                  string `json:"title"`
	Programme              string `json:"programme"`
	ProgrammeID            string `json:"programmeId"`
	CallIdentifier         string `json:"callIdentifier"`
	ActionType             string `json:"actionType"`
	Deadline               string `json:"deadline"`
	CallStatus             string `json:"callStatus"`
	BudgetMin              *int64 `json:"budgetMin"`
	BudgetMax              *int64 `json:"budgetMax"`
	ExpectedGrants         *int64 `json:"expectedGrants"`
	Keywords               string `json:"keywords"`
	PortalURL              string `json:"portalUrl"`
	Description            string `json:"description"`
	Objectives             string `json:"objectives"`
	CallTitle              string `json:"callTitle"`
	DeadlineModel          string `json:"deadlineModel"`
	CrossCuttingPriorities string `json:"crossCuttingPriorities"`
	TypesOfAction          string `json:"typesOfAction"`
	TopicConditions        string `json:"topicConditions"`
	SupportInfo            string `json:"supportInfo"`
	QnaURL                 string `json:"qnaUrl"`
	UpdatesURL             string `json:"updatesUrl"`
	DocumentsURL           string `json:"documentsUrl"`
}

// readTopics streams the concatenated JSON objects (after a UTF-8 BOM).
func readTopics(path string) ([]topic, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []topic
	for {
		var t topic
		if err := dec.Decode(&t); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: topic %d: %w", path, len(out)+1, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// result is a search-API result in the field order of the real captures.
type result struct {
	APIVersion           string              `json:"apiVersion"`
	Reference            string              `json:"reference"`
	URL                  string              `json:"url"`
	Title                *string             `json:"title"`
	ContentType          string              `json:"contentType"`
	Language             string              `json:"language"`
	DatabaseLabel        string              `json:"databaseLabel"`
	Database             string              `json:"database"`
	Summary              string              `json:"summary"`
	Weight               float64             `json:"weight"`
	GroupByID            string              `json:"groupById"`
	Content              string              `json:"content"`
	AccessRestriction    bool                `json:"accessRestriction"`
	Pages                *int                `json:"pages"`
	Checksum             string              `json:"checksum"`
	Metadata             map[string][]string `json:"metadata"`
	EnrichedMetadata     map[string]any      `json:"enrichedMetadata"`
	Children             []any               `json:"children"`
	HighlightedFragments []string            `json:"highlightedFragments"`
}

const topicPage = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/"

var statusCodes = map[string]struct{ code, sort, label string }{
	"forthcoming": {"31094501", "2", "Forthcoming"},
	"open":        {"31094502", "1", "Open"},
	"closed":      {"31094503", "3", "Closed"},
}

var procedureIDs = map[string]int64{"single-stage": 31094504, "two-stage": 31094505, "multiple cut-off": 31094506}

func convert(topics []topic) []result {
	// budgetOverview lists every action of the call, as the portal does.
	byCall := map[string][]topic{}
	for _, t := range topics {
		byCall[t.CallIdentifier] = append(byCall[t.CallIdentifier], t)
	}
	out := make([]result, 0, len(topics))
	for _, t := range topics {
		out = append(out, record(t, byCall[t.CallIdentifier]))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Metadata["identifier"][0] < out[j].Metadata["identifier"][0] })
	return out
}

func record(t topic, call []topic) result {
	st, ok := statusCodes[t.CallStatus]
	if !ok {
		st = statusCodes["open"]
	}
	typ := "1"
	if strings.Contains(t.Reference, "PROSPECT") {
		typ = "2" // EuropeAid calls for proposals (external action)
	}
	label := strings.TrimSpace(t.TypesOfAction)
	code := actionCode(t)
	mga := mgaOf(t)
	ccm2 := leadingDigits(t.Reference)
	url := topicPage + t.TopicID

	md := map[string][]string{
		"DATASOURCE":             {"SEDIA"},
		"REFERENCE":              {t.Reference},
		"identifier":             {t.TopicID},
		"title":                  {t.Title},
		"callIdentifier":         {t.CallIdentifier},
		"callTitle":              {t.CallTitle},
		"frameworkProgramme":     {t.ProgrammeID},
		"type":                   {typ},
		"status":                 {st.code},
		"sortStatus":             {st.sort},
		"language":               {"en"},
		"url":                    {url},
		"esST_URL":               {url},
		"esST_FileName":          {"file.txt"},
		"es_ContentType":         {"text/plain"},
		"programmePeriod":        {"2021 - 2027"},
		"ccm2Id":                 {ccm2},
		"allowPartnerSearch":     {"true"},
		"focusArea":              {},
		"specificObjective":      {},
		"links":                  {linksJSON(t)},
		"latestInfos":            {"[]"},
		"keywords":               splitKeywords(t.Keywords),
		"crossCuttingPriorities": splitList(t.CrossCuttingPriorities),
		"tags":                   {},
	}
	if t.Deadline != "" {
		md["deadlineDate"] = []string{t.Deadline + "T00:00:00.000+0000"}
	}
	if t.DeadlineModel != "" {
		md["deadlineModel"] = []string{t.DeadlineModel}
	}
	if label != "" {
		md["typesOfAction"] = []string{label}
	}
	if mga.id != "" {
		md["typeOfMGAs"] = []string{mga.id}
	}
	if d := descriptionHTML(t.Description); d != "" {
		md["descriptionByte"] = []string{d}
	}
	if c := conditionsHTML(t.TopicConditions); c != "" {
		md["topicConditions"] = []string{c}
	}
	if s := paragraphsHTML(t.SupportInfo); s != "" {
		md["supportInfo"] = []string{s}
	}
	title, details := destination(t.Objectives)
	if title != "" {
		md["destinationDescription"] = []string{title}
	}
	if details != "" {
		md["destinationDetails"] = []string{paragraphsHTML(details)}
	}
	md["actions"] = []string{actionsJSON(t, st.code, st.label, code, label, mga)}
	md["budgetOverview"] = []string{budgetJSON(t, call)}

	sum := sha256.Sum256([]byte(t.Reference + t.Title + t.Description))
	return result{
		APIVersion: "2.143.3", Reference: t.Reference, URL: url, ContentType: "text/plain",
		Language: "en", DatabaseLabel: "SEDIA", Database: "SEDIA", Summary: t.Title, Weight: 1,
		GroupByID: st.sort, Content: t.Title, Checksum: strings.ToUpper(hex.EncodeToString(sum[:])),
		Metadata: md, EnrichedMetadata: map[string]any{}, Children: []any{},
		HighlightedFragments: []string{t.Title},
	}
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// actionCodes are the portal codes of the type-of-action labels in the
// harvest; a label not listed gets PREFIX-<actionType> (see actionCode).
var actionCodes = map[string]string{
	"HORIZON Research and Innovation Actions":            "HORIZON-RIA",
	"HORIZON Innovation Actions":                         "HORIZON-IA",
	"HORIZON Coordination and Support Actions":           "HORIZON-CSA",
	"HORIZON JU Research and Innovation Actions":         "HORIZON-JU-RIA",
	"HORIZON JU Innovation Actions":                      "HORIZON-JU-IA",
	"HORIZON JU Coordination and Support Actions":        "HORIZON-JU-CSA",
	"HORIZON Programme Cofund Actions":                   "HORIZON-COFUND",
	"HORIZON Pre-commercial Procurement":                 "HORIZON-PCP",
	"HORIZON Public Procurement of Innovative Solutions": "HORIZON-PPI",
	"HORIZON EIC Grants":                                 "HORIZON-EIC",
	"HORIZON ERC Grants":                                 "HORIZON-ERC",
	"HORIZON ERC Proof of Concept Grants":                "HORIZON-ERC-POC",
	"DIGITAL Coordination and Support Actions":           "DIGITAL-CSA",
	"DIGITAL JU Coordination and Support Actions":        "DIGITAL-JU-CSA",
	"DIGITAL Simple Grants":                              "DIGITAL-SIMPLE",
	"DIGITAL JU Simple Grants":                           "DIGITAL-JU-SIMPLE",
	"DIGITAL Grants for Financial Support":               "DIGITAL-GFS",
	"EURATOM Research and Innovation Actions":            "EURATOM-RIA",
	"EURATOM Innovation Actions":                         "EURATOM-IA",
	"EURATOM Coordination and Support Actions":           "EURATOM-CSA",
	"EURATOM Cofund Actions":                             "EURATOM-COFUND",
}

var spaces = regexp.MustCompile(`\s+`)

func actionCode(t topic) string {
	label := strings.TrimSpace(t.TypesOfAction)
	if label == "" {
		return ""
	}
	if c, ok := actionCodes[spaces.ReplaceAllString(label, " ")]; ok {
		return c
	}
	prefix, _, _ := strings.Cut(label, " ")
	at := strings.ToUpper(strings.TrimSpace(t.ActionType))
	switch {
	case strings.Contains(at, "-"):
		return at
	case strings.Contains(label, "Lump Sum"):
		return prefix + "-LS"
	case strings.Contains(label, "Project Grants"):
		return prefix + "-PJG"
	case strings.Contains(label, "Operating Grants"):
		return prefix + "-OG"
	case at == "" || at == "GRANT":
		return prefix + "-GRANT"
	}
	return prefix + "-" + at
}

type mgaType struct{ id, abbr, desc string }

var lumpSumRe = regexp.MustCompile(`(?i)lump\s*sum`)

// mgaOf reads the Horizon lump-sum model grant agreement from the
// conditions text (its section 6 says when costs take the form of a lump
// sum). Any other type would be a guess: the harvest does not say, so none
// is given.
func mgaOf(t topic) mgaType {
	if t.ProgrammeID != "43108390" {
		return mgaType{}
	}
	legal := t.TopicConditions
	if i := strings.Index(legal, "6. Legal and financial set-up"); i >= 0 {
		legal = legal[i:]
		if j := strings.Index(legal, "Specific conditions"); j > 0 {
			legal = legal[:j]
		}
		if lumpSumRe.MatchString(legal) {
			return mgaType{"43027849", "HORIZON-AG-LS", "HORIZON Lump Sum Grant"}
		}
	}
	return mgaType{}
}

func actionsJSON(t topic, statusCode, statusLabel, code, label string, mga mgaType) string {
	type idAbbr struct {
		ID           int64  `json:"id"`
		Abbreviation string `json:"abbreviation"`
		Description  string `json:"description"`
	}
	type typ struct {
		TypeOfAction string   `json:"typeOfAction"`
		TypeOfMGA    []idAbbr `json:"typeOfMGA,omitempty"`
	}
	type act struct {
		Types               []typ    `json:"types"`
		Status              idAbbr   `json:"status"`
		SubmissionProcedure *idAbbr  `json:"submissionProcedure,omitempty"`
		DeadlineDates       []string `json:"deadlineDates"`
	}
	var status int64
	fmt.Sscan(statusCode, &status)
	a := act{Status: idAbbr{status, statusLabel, statusLabel}, DeadlineDates: []string{}}
	if label != "" {
		ty := typ{TypeOfAction: strings.TrimSpace(code + " " + label)}
		if mga.id != "" {
			var id int64
			fmt.Sscan(mga.id, &id)
			ty.TypeOfMGA = []idAbbr{{id, mga.abbr, mga.desc}}
		}
		a.Types = []typ{ty}
	} else {
		a.Types = []typ{}
	}
	if t.DeadlineModel != "" {
		a.SubmissionProcedure = &idAbbr{procedureIDs[t.DeadlineModel], t.DeadlineModel, t.DeadlineModel}
	}
	if t.Deadline != "" {
		a.DeadlineDates = []string{t.Deadline}
	}
	return marshal([]act{a})
}

func budgetJSON(t topic, call []topic) string {
	type entry struct {
		Action          string            `json:"action"`
		ExpectedGrants  int64             `json:"expectedGrants"`
		MinContribution int64             `json:"minContribution"`
		MaxContribution int64             `json:"maxContribution"`
		BudgetYearMap   map[string]string `json:"budgetYearMap"`
		DeadlineModel   string            `json:"deadlineModel,omitempty"`
		DeadlineDates   []string          `json:"deadlineDates"`
	}
	type overview struct {
		BudgetYearsColumns   []string           `json:"budgetYearsColumns"`
		BudgetTopicActionMap map[string][]entry `json:"budgetTopicActionMap"`
	}
	o := overview{BudgetYearsColumns: []string{}, BudgetTopicActionMap: map[string][]entry{}}
	for _, c := range call {
		if c.BudgetMin == nil && c.BudgetMax == nil {
			continue
		}
		e := entry{
			Action:        strings.TrimSpace(c.TopicID + " - " + strings.TrimSpace(actionCode(c)+" "+strings.TrimSpace(c.TypesOfAction))),
			BudgetYearMap: map[string]string{},
			DeadlineModel: c.DeadlineModel,
			DeadlineDates: []string{},
		}
		if c.ExpectedGrants != nil {
			e.ExpectedGrants = *c.ExpectedGrants
		}
		if c.BudgetMin != nil {
			e.MinContribution = *c.BudgetMin
		}
		if c.BudgetMax != nil {
			e.MaxContribution = *c.BudgetMax
		}
		if c.Deadline != "" {
			e.DeadlineDates = []string{c.Deadline}
		}
		key := leadingDigits(c.Reference)
		o.BudgetTopicActionMap[key] = append(o.BudgetTopicActionMap[key], e)
	}
	_ = t
	return marshal(o)
}

func marshal(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // plain structs always encode
	}
	return strings.TrimSpace(buf.String())
}

// splitKeywords cuts the harvest's "A, B, C" back into keywords; a comma
// followed by a lower-case word is inside a keyword ("Computer
// architecture, pervasive computing").
func splitKeywords(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		if rs[i] == ',' && i+2 < len(rs) && rs[i+1] == ' ' && !unicode.IsLower(rs[i+2]) {
			out = appendTrim(out, string(rs[start:i]))
			start = i + 2
		}
	}
	out = appendTrim(out, string(rs[start:]))
	if out == nil {
		return []string{}
	}
	return out
}

func splitList(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		out = appendTrim(out, p)
	}
	return out
}

func appendTrim(list []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		list = append(list, s)
	}
	return list
}

// destination splits the harvest's "objectives" (destination title then
// its text) at the title's "(2026-27)" or "(2026)".
var destinationTitle = regexp.MustCompile(`^(.{10,300}?\((?:20\d\d(?:-\d\d)?)\))\s*`)

func destination(s string) (title, details string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if m := destinationTitle.FindStringSubmatch(s); m != nil {
		return m[1], strings.TrimSpace(s[len(m[0]):])
	}
	return "", s
}

// descriptionLabels are the portal's topicdescriptionkind labels.
var descriptionLabel = regexp.MustCompile(`(Expected Outcomes?|Expected Impact|Scope|Objective|Specific Challenge):`)

// nullGlue is the harvester's "null" between two paragraphs
// ("...end.nullActivities", "IED2.0. nullActivities").
var nullGlue = regexp.MustCompile(`([.)\]'’"])(\s*)null([A-Z])`)

func unNull(s string) string { return nullGlue.ReplaceAllString(s, "$1$2$3") }

func descriptionHTML(s string) string {
	s = strings.TrimSpace(unNull(s))
	if s == "" {
		return ""
	}
	var b strings.Builder
	last := 0
	label := ""
	flush := func(end int) {
		body := strings.TrimSpace(s[last:end])
		if label != "" {
			fmt.Fprintf(&b, `<span class="topicdescriptionkind">%s:</span>`, label)
		}
		b.WriteString(paragraphsHTML(body))
	}
	for _, m := range descriptionLabel.FindAllStringSubmatchIndex(s, -1) {
		if m[0] > last || label != "" {
			flush(m[0])
		}
		label = s[m[2]:m[3]]
		last = m[1]
	}
	flush(len(s))
	return b.String()
}

// conditionHeading finds the headings of the portal's conditions text.
var conditionHeading = regexp.MustCompile(`(\d[a-z]?\. (?i:Admissibility conditions[:,] proposal page limit and layout|Eligible countries|Other eligib(?:le|ility) conditions|Financial and operational capacity and exclusion|Evaluation and award: (?:Award criteria, scoring and thresholds|Submission and evaluation processes|Indicative timeline for evaluation and grant agreement)|Legal and financial set-up of the grants)|Specific conditions|Application and evaluation forms and (?:model grant agreement \(MGA\)|additional documents):|Additional documents:?)`)

func conditionsHTML(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), `">`))
	if s == "" {
		return ""
	}
	group := ""
	for _, g := range []string{"General conditions", "Conditions"} {
		if strings.HasPrefix(s, g) {
			group, s = g, s[len(g):]
			break
		}
	}
	type part struct{ heading, body string }
	var parts []part
	ms := conditionHeading.FindAllStringIndex(s, -1)
	if len(ms) == 0 || ms[0][0] > 0 {
		end := len(s)
		if len(ms) > 0 {
			end = ms[0][0]
		}
		parts = append(parts, part{"", s[:end]})
	}
	for i, m := range ms {
		end := len(s)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		parts = append(parts, part{s[m[0]:m[1]], s[m[1]:end]})
	}
	var b strings.Builder
	numbered := func(h string) bool { return h != "" && h[0] >= '0' && h[0] <= '9' }
	i := 0
	// The general conditions: numbered headings in one block, as the portal has them.
	if group != "" || (len(parts) > 0 && numbered(parts[0].heading)) {
		b.WriteString(`<div class="eui-u-mt-l>">`)
		if group != "" {
			fmt.Fprintf(&b, "<h4>%s</h4>", group)
		}
		for ; i < len(parts) && (numbered(parts[i].heading) || parts[i].heading == ""); i++ {
			if parts[i].heading == "" {
				b.WriteString(`<div class="eui-u-mt-s">` + paragraphsHTML(parts[i].body) + `</div>`)
				continue
			}
			fmt.Fprintf(&b, `<div><h4>%s</h4><div class="eui-u-mt-s">%s</div></div>`, html.EscapeString(parts[i].heading), paragraphsHTML(parts[i].body))
		}
		b.WriteString(`</div>`)
	}
	// Specific conditions: the portal gives them without a heading.
	if i < len(parts) && strings.EqualFold(parts[i].heading, "Specific conditions") {
		b.WriteString(`<div class="eui-u-mt-s">` + paragraphsHTML(parts[i].body) + `</div>`)
		i++
	}
	if i < len(parts) {
		b.WriteString(`<div class="eui-u-mt-l">`)
		for ; i < len(parts); i++ {
			if parts[i].heading != "" {
				fmt.Fprintf(&b, "<h4>%s</h4> ", html.EscapeString(parts[i].heading))
			}
			b.WriteString(`<div class="eui-u-mt-s">` + paragraphsHTML(parts[i].body) + `</div>`)
		}
		b.WriteString(`</div>`)
	}
	return b.String()
}

// paragraphsHTML rebuilds paragraphs and lists from flattened text: the
// harvest glued blocks together ("...end.Next", "following:First;Second"),
// so a '.', ':' or ';' right before a capitalized word ends a block, and
// the ';'-ended blocks after a ':'-ended one form a list.
func paragraphsHTML(s string) string {
	segs := segments(unNull(s))
	var b strings.Builder
	for i := 0; i < len(segs); i++ {
		seg := segs[i]
		b.WriteString("<p>" + html.EscapeString(seg) + "</p>")
		if !strings.HasSuffix(seg, ":") {
			continue
		}
		j := i + 1
		for j < len(segs) && strings.HasSuffix(segs[j], ";") {
			j++
		}
		if j == i+1 {
			continue
		}
		if j < len(segs) {
			j++ // the last item ends with '.'
		}
		b.WriteString(`<ul level="0">`)
		for _, item := range segs[i+1 : j] {
			b.WriteString("<li>" + html.EscapeString(item) + "</li>")
		}
		b.WriteString("</ul>")
		i = j - 1
	}
	return b.String()
}

func segments(s string) []string {
	rs := []rune(strings.TrimSpace(s))
	var out []string
	start := 0
	for i := 1; i+2 < len(rs); i++ {
		c := rs[i]
		if (c == '.' || c == ':' || c == ';') && unicode.IsUpper(rs[i+1]) && unicode.IsLower(rs[i+2]) &&
			(unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) || rs[i-1] == ')') {
			out = appendTrim(out, string(rs[start:i+1]))
			start = i + 1
		}
	}
	return appendTrim(out, string(rs[start:]))
}

// linksJSON lists the portal pages the harvest recorded for the topic
// (questions and answers, updates, documents) in the links metadata, as
// JSON in a string like the other structured fields.
func linksJSON(t topic) string {
	type link struct {
		Title string `json:"title"`
		URL   string `json:"url"`
	}
	out := []link{}
	for _, l := range []link{{"Questions and answers", t.QnaURL}, {"Topic updates", t.UpdatesURL}, {"Documents", t.DocumentsURL}} {
		if strings.HasPrefix(l.URL, "https://") {
			out = append(out, l)
		}
	}
	return marshal(out)
}
