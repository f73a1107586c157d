package crawler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
)

// ErrInvalidRecord is wrapped by ParseResult when a record cannot become a
// call (no identifier, no title, not a call type).
var ErrInvalidRecord = errors.New("crawler: invalid record")

// Page is one response of the SEDIA search API.
type Page struct {
	APIVersion   string   `json:"apiVersion"`
	TotalResults int      `json:"totalResults"`
	PageNumber   int      `json:"pageNumber"`
	PageSize     int      `json:"pageSize"`
	Results      []Result `json:"results"`
}

// Result is one row of a search response. Every metadata value is an array
// of strings; Metadata decodes leniently (a lone string or number becomes a
// one-element array, null an empty one) so one odd value cannot sink a page.
type Result struct {
	APIVersion string   `json:"apiVersion"`
	Reference  string   `json:"reference"`
	URL        string   `json:"url"`
	Language   string   `json:"language"`
	Summary    string   `json:"summary"`
	Metadata   Metadata `json:"metadata"`
}

// Metadata is a result's metadata: key -> values.
type Metadata map[string][]string

// UnmarshalJSON decodes a metadata object leniently.
func (m *Metadata) UnmarshalJSON(b []byte) error {
	var strict map[string][]string // the common case, in one pass
	if err := json.Unmarshal(b, &strict); err == nil {
		*m = strict
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Metadata, len(raw))
	for k, v := range raw {
		out[k] = stringValues(v)
	}
	*m = out
	return nil
}

func stringValues(v json.RawMessage) []string {
	var list []json.RawMessage
	if err := json.Unmarshal(v, &list); err != nil {
		if s, ok := scalarString(v); ok {
			return []string{s}
		}
		return nil
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := scalarString(e); ok {
			out = append(out, s)
		}
	}
	return out
}

func scalarString(v json.RawMessage) (string, bool) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return "", false
	}
	if v[0] == '"' {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", false
		}
		return s, true
	}
	if v[0] == '[' || v[0] == '{' {
		return string(v), true // keep nested JSON as its text
	}
	return string(v), true // number or bool
}

// First returns the first value of key, or "".
func (m Metadata) First(key string) string {
	if v := m[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// DecodePage decodes a whole search response.
func DecodePage(r io.Reader) (*Page, error) {
	var p Page
	if err := json.NewDecoder(r).Decode(&p); err != nil {
		return nil, fmt.Errorf("crawler: decode search page: %w", err)
	}
	return &p, nil
}

// DecodeResult decodes one result record (as stored in testdata).
func DecodeResult(r io.Reader) (*Result, error) {
	var res Result
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return nil, fmt.Errorf("crawler: decode record: %w", err)
	}
	return &res, nil
}

// Identifier is the record's portal identifier.
func (r *Result) Identifier() string { return strings.TrimSpace(r.Metadata.First("identifier")) }

// Lang is the record's language: the result's, else its metadata's.
func (r *Result) Lang() string {
	if r.Language != "" {
		return r.Language
	}
	return r.Metadata.First("language")
}

// Type is the record's SEDIA type code.
func (r *Result) Type() string { return strings.TrimSpace(r.Metadata.First("type")) }

func (r *Result) isStub() bool {
	return r.Metadata.First("status") == "" && r.Metadata.First("descriptionByte") == ""
}

// quality ranks rows sharing one identifier: status and description first.
func (r *Result) quality() int {
	q := 0
	if r.Metadata.First("status") != "" {
		q += 2
	}
	if r.Metadata.First("descriptionByte") != "" {
		q += 2
	}
	if r.Metadata.First("topicConditions") != "" {
		q++
	}
	return q
}

// Keep reports whether the crawler keeps a row at all: an English record
// of type 1, 2 or 8 that is not a stub. The second result says why not.
func (r *Result) Keep() (bool, string) {
	if lang := r.Lang(); lang != "en" {
		return false, "language " + lang
	}
	if _, ok := mapKind(r.Type()); !ok {
		return false, "type " + r.Type()
	}
	if r.isStub() {
		return false, "stub row"
	}
	return true, ""
}

// Select keeps the rows the crawler turns into calls (see Keep) and, when
// several share one identifier, only the best (status and description
// present). Order follows the first occurrence of each identifier.
func Select(results []Result) []Result {
	var out []Result
	pos := map[string]int{}
	for _, r := range results {
		if ok, _ := r.Keep(); !ok {
			continue
		}
		id := r.Identifier()
		if i, dup := pos[id]; dup && id != "" {
			if r.quality() > out[i].quality() {
				out[i] = r
			}
			continue
		}
		pos[id] = len(out)
		out = append(out, r)
	}
	return out
}

// ParseRecord decodes one result record and parses it (see ParseResult).
func ParseRecord(r io.Reader) (*funding.Call, []string, error) {
	res, err := DecodeResult(r)
	if err != nil {
		return nil, nil, err
	}
	return ParseResult(res)
}

// ParseResult turns a search-API record into a call. It never touches the
// network. Warnings list what was malformed but skipped (a field that held
// bad JSON is left empty); an error means the record cannot be a call. The
// provenance fields (SourceURL, CrawledAt), the derived Status and the
// ContentHash are set by the crawler, not here.
func ParseResult(r *Result) (*funding.Call, []string, error) {
	m := r.Metadata
	id := r.Identifier()
	if id == "" {
		return nil, nil, fmt.Errorf("%w: no identifier (reference %q)", ErrInvalidRecord, r.Reference)
	}
	kind, ok := mapKind(r.Type())
	if !ok {
		return nil, nil, fmt.Errorf("%w: %s: type %q is not a call", ErrInvalidRecord, id, r.Type())
	}
	p := &parser{id: id}
	c := &funding.Call{
		ID:        id,
		Title:     CleanText(firstNonEmpty(m.First("title"), r.Summary)),
		CallID:    strings.TrimSpace(m.First("callIdentifier")),
		CallTitle: CleanText(m.First("callTitle")),
		Kind:      kind,
	}
	if c.Title == "" {
		return nil, nil, fmt.Errorf("%w: %s: no title", ErrInvalidRecord, id)
	}
	if kind == funding.KindCascade {
		// Cascade calls (API-FACTS §1): caName is the call, projectName the
		// EU project running it. Either may be missing: the page says so.
		c.Project = CleanText(m.First("projectName"))
		if ca := CleanText(m.First("caName")); ca != "" && c.CallTitle == "" {
			c.CallTitle = ca
		}
	}

	c.ProgrammeID = strings.TrimSpace(m.First("frameworkProgramme"))
	c.Programme = mapProgramme(c.ProgrammeID)
	c.ProgrammeName = programmeName(c.ProgrammeID, id)

	actions := p.actions(m.First("actions"))
	if st := m.First("status"); st != "" {
		s, ok := mapStatus(st)
		if !ok {
			p.warn("status: unknown code %q", st)
		}
		c.PortalStatus = s
	} else {
		for _, a := range actions {
			if s, ok := mapStatus(strconv.FormatInt(a.Status.ID, 10)); ok {
				c.PortalStatus = s
				break
			}
		}
	}

	p.hours = statedHours(htmlText(m.First("topicConditions")) + "\n" + htmlText(m.First("descriptionByte")))
	p.dates(c, m, actions)
	p.typesOfAction(c, m, actions)
	c.Budget = p.budget(m.First("budgetOverview"))

	c.Keywords = keywords(m["keywords"], id, c.CallID)
	c.Tags = cleanList(m["tags"])
	c.CrossCuttingPriorities = cleanList(m["crossCuttingPriorities"])
	c.Destination = CleanText(m.First("destinationDescription"))

	if d := m.First("descriptionByte"); d != "" {
		secs, err := Sections(strings.NewReader(d))
		if err != nil {
			p.warn("descriptionByte: %v", err)
		}
		c.Sections = secs
	}
	if d := m.First("topicConditions"); d != "" {
		secs, err := Conditions(strings.NewReader(d))
		if err != nil {
			p.warn("topicConditions: %v", err)
		}
		c.Conditions = secs
	}
	if d := m.First("destinationDetails"); strings.TrimSpace(d) != "" {
		// The destination's expected impacts, which the portal tells
		// applicants to address: a section, searched and matched as one.
		text := htmlText(d)
		if text != "" {
			c.Sections = append(c.Sections, funding.Section{Title: DestinationSection, Text: text, HTML: strings.TrimSpace(FixMojibake(d))})
		}
	}
	c.SupportInfo = htmlText(m.First("supportInfo"))
	c.Updates = p.updates(m.First("latestInfos"))
	c.TRL = targetTRL(c.Sections)
	c.Proposals = proposalCounts(c.Updates)

	c.Links = p.links(m.First("links"))
	c.SubmissionNote = htmlText(m.First("sepTemplate"))
	if v := strings.TrimSpace(m.First("allowPartnerSearch")); v != "" {
		b := strings.EqualFold(v, "true")
		c.PartnerSearch = &b
	}
	c.Mission = cleanList(m["mission"])
	c.FocusAreas = cleanList(m["focusArea"])
	c.ProgrammeDivisions = cleanList(m["programmeDivision"])
	if v := strings.TrimSpace(m.First("esDA_IngestDate")); v != "" {
		if t, err := ParseDate(v); err != nil {
			p.warn("esDA_IngestDate: %v", err)
		} else {
			t = t.UTC()
			c.PortalChangedAt = &t
		}
	}

	c.URL = callURL(c, r.Reference, r.URL, m.First("url"))
	return c, p.warnings, nil
}

// DestinationSection is the title of the section that holds the text of
// the call's destination (destinationDetails).
const DestinationSection = "Destination"

const (
	portalScreen    = "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/"
	topicPageURL    = portalScreen + "topic-details/"
	prospectPageURL = portalScreen + "prospect-details/"
	cascadePageURL  = portalScreen + "competitive-calls-cs/"
)

// callURL is the portal page of the call. Topics (type 1) have a
// topic-details page: the record's url when it is a page (2.101 records
// point at a topicDetails .json instead). Calls for proposals (type 2,
// EuropeAid) have a prospect page named by the record's reference
// ("186002PROSPECTSEN"); cascade calls (type 8) a competitive-calls-cs page.
func callURL(c *funding.Call, reference string, urls ...string) string {
	page := func(u string) bool {
		return u != "" && strings.HasPrefix(u, "http") && !strings.HasSuffix(u, ".json")
	}
	switch c.Kind {
	case funding.KindCallForProposals:
		if ref := strings.TrimSpace(reference); ref != "" && !strings.ContainsAny(ref, "/ ?#") {
			return prospectPageURL + ref
		}
	case funding.KindCascade:
		for _, u := range urls {
			if u = strings.TrimSpace(u); page(u) && strings.Contains(u, "/competitive-calls-cs/") {
				return u
			}
		}
		return cascadePageURL + url.PathEscape(c.ID)
	}
	for _, u := range urls {
		if u = strings.TrimSpace(u); page(u) {
			return u
		}
	}
	if c.Kind == funding.KindTopic {
		return topicPageURL + c.ID
	}
	return ""
}

type parser struct {
	id       string
	warnings []string
	hours    map[string][2]int // deadline day (2006-01-02) -> hour and minute the text states, Brussels time
}

func (p *parser) warn(format string, args ...any) {
	p.warnings = append(p.warnings, p.id+": "+fmt.Sprintf(format, args...))
}

// action is one element of the JSON-in-string "actions" metadata.
type action struct {
	Types []struct {
		TypeOfAction string `json:"typeOfAction"`
		TypeOfMGA    []struct {
			ID           json.Number `json:"id"`
			Abbreviation string      `json:"abbreviation"`
			Description  string      `json:"description"`
		} `json:"typeOfMGA"`
	} `json:"types"`
	Status struct {
		ID           int64  `json:"id"`
		Abbreviation string `json:"abbreviation"`
	} `json:"status"`
	PlannedOpeningDate  string `json:"plannedOpeningDate"`
	SubmissionProcedure struct {
		Abbreviation string `json:"abbreviation"`
	} `json:"submissionProcedure"`
	DeadlineDates []string `json:"deadlineDates"`
}

func (p *parser) actions(s string) []action {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []action
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		p.warn("actions: malformed JSON: %v", err)
		return nil
	}
	return out
}

func (p *parser) dates(c *funding.Call, m Metadata, actions []action) {
	var deadlines []deadline
	add := func(field, v string) {
		if strings.TrimSpace(v) == "" {
			return
		}
		t, err := ParseDate(v)
		if err != nil {
			p.warn("%s: %v", field, err)
			return
		}
		deadlines = append(deadlines, p.closingTime(t))
	}
	for _, v := range m["deadlineDate"] {
		add("deadlineDate", v)
	}
	var opening []string
	opening = append(opening, m["startDate"]...)
	for _, a := range actions {
		for _, d := range a.DeadlineDates {
			add("actions.deadlineDates", d)
		}
		opening = append(opening, a.PlannedOpeningDate)
		if c.DeadlineModel == "" {
			c.DeadlineModel = strings.TrimSpace(a.SubmissionProcedure.Abbreviation)
		}
	}
	c.Deadlines = mergeDeadlines(deadlines)
	if dm := strings.TrimSpace(m.First("deadlineModel")); dm != "" {
		c.DeadlineModel = dm
	}
	for _, v := range opening {
		if strings.TrimSpace(v) == "" {
			continue
		}
		t, err := ParseDate(v)
		if err != nil {
			p.warn("opening date: %v", err)
			continue
		}
		t = t.UTC()
		c.OpeningDate = &t
		break
	}
}

// deadline is a closing instant and whether the record stated its hour.
type deadline struct {
	at     time.Time
	stated bool
}

// closingTime reads a deadline value: the portal writes most as a bare
// calendar date (midnight, "2025-10-02T00:00:00.000+0000" or "2025-10-02"),
// which closes at 17:00 Brussels time that day, or at the hour the call's
// text states for that day; a value with another hour
// ("2024-04-18T19:00:00.000+0200") states its own.
func (p *parser) closingTime(t time.Time) deadline {
	if isMidnight(t) {
		if hm, ok := p.hours[t.Format(time.DateOnly)]; ok {
			y, mo, d := t.Date()
			return deadline{at: time.Date(y, mo, d, hm[0], hm[1], 0, 0, funding.Brussels).UTC(), stated: true}
		}
		return deadline{at: funding.DeadlineOn(t)}
	}
	return deadline{at: t.UTC(), stated: true}
}

// mergeDeadlines sorts deadlines and drops repeats of one Brussels day: a
// calendar date gives way to a value of the same day that states its hour.
func mergeDeadlines(ds []deadline) []time.Time {
	if len(ds) == 0 {
		return nil
	}
	byDay := map[string]deadline{}
	for _, d := range ds {
		day := d.at.In(funding.Brussels).Format(time.DateOnly)
		old, seen := byDay[day]
		if !seen || (!old.stated && d.stated) {
			byDay[day] = d
		}
	}
	out := make([]time.Time, 0, len(byDay))
	for _, d := range byDay {
		out = append(out, d.at)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func isMidnight(t time.Time) bool {
	h, m, s := t.Clock()
	return h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0
}

var dateLayouts = []string{
	"2006-01-02T15:04:05.000-0700",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.000Z07:00",
	time.RFC3339Nano,
}

// localLayouts carry no zone: the portal writes them in Brussels time.
var localLayouts = []string{
	"2006-01-02T15:04:05.000",
	"2006-01-02T15:04:05",
	time.DateOnly,
}

// ParseDate reads the portal's date forms: "2025-10-02T00:00:00.000+0000",
// "2024-04-18T19:00:00.000+0200", and the zone-less "2025-10-03T17:59:44.318"
// (latestInfos.lastChangeDate) and "2025-10-02", which are Brussels local
// time. The result keeps the zone it was read in: a calendar date stays
// midnight on its own clock (see closingTime).
func ParseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, funding.Brussels); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date format %q", s)
}

func (p *parser) typesOfAction(c *funding.Call, m Metadata, actions []action) {
	var codes, labels, mgas []string
	lump := false
	addType := func(s string) {
		code, ls := actionCode(s)
		codes = addUnique(codes, code)
		lump = lump || ls
		labels = addUnique(labels, actionLabel(s))
	}
	for _, a := range actions {
		for _, t := range a.Types {
			addType(t.TypeOfAction)
			for _, mga := range t.TypeOfMGA {
				abbr := strings.TrimSpace(mga.Abbreviation)
				if abbr == "" {
					abbr = mgaTypes[mga.ID.String()]
				}
				mgas = addUnique(mgas, abbr)
				lump = lump || lumpSumRe.MatchString(mga.Description)
			}
		}
	}
	if len(codes) == 0 {
		for _, s := range m["typesOfAction"] {
			addType(s)
		}
	}
	for _, id := range m["typeOfMGAs"] {
		mgas = addUnique(mgas, mgaTypes[strings.TrimSpace(id)])
	}
	for _, mga := range mgas {
		if strings.HasSuffix(mga, "-LS") {
			lump = true
		}
	}
	if lump {
		codes = addUnique(codes, "LS")
	}
	if len(codes) > 1 { // a specific code says more than "GRANT"
		codes = deleteValue(codes, "GRANT")
	}
	c.TypesOfAction, c.ActionLabels, c.MGATypes = codes, labels, mgas
}

func deleteValue(list []string, v string) []string {
	out := list[:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

type budgetOverview struct {
	BudgetYearsColumns   []string                       `json:"budgetYearsColumns"`
	BudgetTopicActionMap map[string][]budgetTopicAction `json:"budgetTopicActionMap"`
}

type budgetTopicAction struct {
	Action          string                     `json:"action"`
	ExpectedGrants  json.Number                `json:"expectedGrants"`
	MinContribution json.Number                `json:"minContribution"`
	MaxContribution json.Number                `json:"maxContribution"`
	BudgetYearMap   map[string]json.RawMessage `json:"budgetYearMap"`
}

// budget sums the budgetOverview entries of this topic only: the map lists
// every action of the call, and an entry is the topic's when its action
// names the topic identifier ("<ID> - <type of action>").
func (p *parser) budget(s string) funding.Budget {
	var b funding.Budget
	if strings.TrimSpace(s) == "" {
		return b
	}
	var bo budgetOverview
	if err := json.Unmarshal([]byte(s), &bo); err != nil {
		p.warn("budgetOverview: malformed JSON: %v", err)
		return b
	}
	keys := make([]string, 0, len(bo.BudgetTopicActionMap))
	for k := range bo.BudgetTopicActionMap {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, e := range bo.BudgetTopicActionMap[k] {
			if !actionOfTopic(e.Action, p.id) {
				continue
			}
			if v := amount(e.MinContribution.String()); v > 0 && (b.MinContribution == 0 || v < b.MinContribution) {
				b.MinContribution = v
			}
			b.MaxContribution = max(b.MaxContribution, amount(e.MaxContribution.String()))
			b.ExpectedGrants += int(amount(e.ExpectedGrants.String()))
			for year, raw := range e.BudgetYearMap {
				v, _ := scalarString(raw)
				n := amount(v)
				if n == 0 {
					continue
				}
				if b.ByYear == nil {
					b.ByYear = map[string]int64{}
				}
				b.ByYear[year] += n
				b.Total += n
			}
		}
	}
	return b
}

// actionOfTopic reports whether a budget action ("HORIZON-CL4-2025-04-DATA-03
// - HORIZON-RIA ...") belongs to topic id; "...-DATA-031" does not.
func actionOfTopic(action, id string) bool {
	action = strings.TrimSpace(action)
	if !strings.HasPrefix(action, id) {
		return false
	}
	rest := action[len(id):]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t'
}

// amount reads a number that may be a float or a quoted string; bad input is 0.
func amount(s string) int64 {
	s = strings.Trim(strings.TrimSpace(s), `"`)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e15 {
		return 0
	}
	return int64(math.Round(f))
}

type latestInfo struct {
	LastChangeDate string `json:"lastChangeDate"`
	ApprovalDate   string `json:"approvalDate"`
	Content        string `json:"content"`
}

func (p *parser) updates(s string) []funding.Update {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var infos []latestInfo
	if err := json.Unmarshal([]byte(s), &infos); err != nil {
		p.warn("latestInfos: malformed JSON: %v", err)
		return nil
	}
	var out []funding.Update
	for _, li := range infos {
		u := funding.Update{HTML: strings.TrimSpace(FixMojibake(li.Content)), Text: htmlText(li.Content)}
		if u.Text == "" {
			continue
		}
		for _, d := range []string{li.LastChangeDate, li.ApprovalDate} {
			if strings.TrimSpace(d) == "" {
				continue
			}
			t, err := ParseDate(d)
			if err != nil {
				p.warn("latestInfos date: %v", err)
				continue
			}
			u.Date = t.UTC()
			break
		}
		out = append(out, u)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.After(out[j].Date) })
	return out
}

// keywords reads the keywords metadata, also in its older form of one JSON
// array encoded as a string; the topic and call identifiers, which the
// portal repeats as keywords, are dropped.
func keywords(values []string, id, callID string) []string {
	var all []string
	for _, v := range values {
		t := strings.TrimSpace(v)
		if strings.HasPrefix(t, "[") {
			var list []string
			if err := json.Unmarshal([]byte(t), &list); err == nil {
				all = append(all, list...)
				continue
			}
		}
		all = append(all, v)
	}
	var out []string
	for _, k := range all {
		k = CleanText(k)
		if k == "" || k == id || (callID != "" && k == callID) {
			continue
		}
		out = addUnique(out, k)
	}
	return out
}

func cleanList(values []string) []string {
	var out []string
	for _, v := range values {
		out = addUnique(out, CleanText(v))
	}
	return out
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
