// Package funding holds the domain types shared by every part of callmatch:
// calls, profiles, matches and their reasons. It does no I/O.
package funding

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// Programme codes used across callmatch. The portal's numeric framework
// programme id is kept beside it in Call.ProgrammeID.
const (
	ProgrammeDigital = "DIGITAL" // Digital Europe, portal id 43152860
	ProgrammeHorizon = "HORIZON" // Horizon Europe, portal id 43108390
	ProgrammeOther   = "OTHER"
)

// Portal framework programme ids.
const (
	PortalIDDigital = "43152860"
	PortalIDHorizon = "43108390"
)

// Kind is what sort of funding opportunity a call is.
type Kind string

const (
	KindTopic            Kind = "topic"              // SEDIA type 1: a grant topic
	KindCallForProposals Kind = "call-for-proposals" // SEDIA type 2
	KindCascade          Kind = "cascade"            // SEDIA type 8: cascade funding (FSTP)
)

// Status is the life-cycle state of a call.
type Status string

const (
	StatusForthcoming Status = "forthcoming"
	StatusOpen        Status = "open"
	StatusClosed      Status = "closed"
)

// Section is one titled part of a call text ("Expected Outcome", "Scope",
// "2. Eligible countries"...). Text is clean plain text; HTML is the portal's
// fragment for that part, unsanitized (sanitize before it reaches a page).
type Section struct {
	Title string `json:"title"`
	Text  string `json:"text"`
	HTML  string `json:"html,omitempty"`
}

// Budget is what the portal publishes for the topic itself (never the other
// topics of its call). Amounts are EUR; zero means "not published".
type Budget struct {
	MinContribution int64            `json:"min_contribution"`
	MaxContribution int64            `json:"max_contribution"`
	ExpectedGrants  int              `json:"expected_grants"`
	Total           int64            `json:"total"`
	ByYear          map[string]int64 `json:"by_year,omitempty"`
}

// Update is one entry of the portal's "latest updates" of a topic.
type Update struct {
	Date time.Time `json:"date"`
	Text string    `json:"text"`
	HTML string    `json:"html,omitempty"`
}

// TRL is a technology readiness level range stated by the call text.
type TRL struct {
	Min      int    `json:"min"`
	Max      int    `json:"max"`
	Sentence string `json:"sentence"`
}

// Link is a document or page the portal lists with a call (Q&A, call
// documents, updates...).
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// ProposalCount is what the portal published, in an update of a closed
// call, about the proposals one topic received: "HORIZON-CL4-2025-04-DATA-03
// ... 56 proposals submitted (indicative topic budget 15 EUR million)".
type ProposalCount struct {
	TopicID   string    `json:"topic_id"`
	Proposals int       `json:"proposals"`
	Budget    int64     `json:"budget,omitempty"` // EUR, the indicative topic budget stated beside it
	Date      time.Time `json:"date,omitzero"`    // of the update that said it
}

// PreviousRound is the same topic's last call (the same identifier a year
// or more earlier) and what it received: "last time: 56 proposals for
// about 3 grants". The server fills it; it is not part of the crawled call.
type PreviousRound struct {
	CallID         string `json:"call_id"`
	Proposals      int    `json:"proposals"`
	ExpectedGrants int    `json:"expected_grants,omitempty"`
	Budget         int64  `json:"budget,omitempty"`
}

// Call is one funding opportunity: a topic, a call for proposals or a
// cascade-funding call.
type Call struct {
	ID            string `json:"id"` // the portal identifier, e.g. HORIZON-CL3-2026-02-CS-ECCC-01
	Title         string `json:"title"`
	CallID        string `json:"call_id"`
	CallTitle     string `json:"call_title"`
	Programme     string `json:"programme"`      // DIGITAL, HORIZON or OTHER
	ProgrammeID   string `json:"programme_id"`   // the portal's framework programme id
	ProgrammeName string `json:"programme_name"` // e.g. "Horizon Europe"
	Kind          Kind   `json:"kind"`

	// PortalStatus is what the portal says; Status is derived from it and the
	// dates (the portal leaves "Open" on expired topics): see StatusAt.
	PortalStatus  Status      `json:"portal_status"`
	Status        Status      `json:"status"`
	OpeningDate   *time.Time  `json:"opening_date,omitempty"`
	Deadlines     []time.Time `json:"deadlines"`      // every deadline, ascending (two-stage, cut-offs)
	DeadlineModel string      `json:"deadline_model"` // single-stage, two-stage, multiple cut-off

	TypesOfAction []string `json:"types_of_action"` // short codes: RIA, IA, CSA, SME, SG, LS...
	ActionLabels  []string `json:"action_labels,omitempty"`
	MGATypes      []string `json:"mga_types,omitempty"` // e.g. HORIZON-AG-LS (lump sum)
	Budget        Budget   `json:"budget"`

	Keywords               []string `json:"keywords"`
	Tags                   []string `json:"tags"`
	CrossCuttingPriorities []string `json:"cross_cutting_priorities"`
	Destination            string   `json:"destination,omitempty"`
	Project                string   `json:"project,omitempty"` // cascade calls: the EU project running the call (SEDIA projectName)

	Sections    []Section `json:"sections"`   // expected outcome, scope, expected impact, objective...
	Conditions  []Section `json:"conditions"` // admissibility, eligibility...
	SupportInfo string    `json:"support_info,omitempty"`
	TRL         *TRL      `json:"trl,omitempty"`
	Updates     []Update  `json:"updates"`

	URL string `json:"url"` // the portal page of the call

	Links              []Link          `json:"links,omitempty"`               // documents and pages the portal lists with the call
	SubmissionNote     string          `json:"submission_note,omitempty"`     // the portal's submission-system note (sepTemplate), e.g. "No submission system is open for this topic."
	PartnerSearch      *bool           `json:"partner_search,omitempty"`      // the portal's partner search is open for this call (allowPartnerSearch)
	Mission            []string        `json:"mission,omitempty"`             // the portal's mission codes
	FocusAreas         []string        `json:"focus_areas,omitempty"`         // the portal's focus area codes
	ProgrammeDivisions []string        `json:"programme_divisions,omitempty"` // the portal's programme division ids
	Proposals          []ProposalCount `json:"proposals,omitempty"`           // proposal numbers the portal's updates published
	PreviousRound      *PreviousRound  `json:"previous_round,omitempty"`      // filled by the server, never stored
	PortalChangedAt    *time.Time      `json:"portal_changed_at,omitempty"`   // the portal's last change of the record (esDA_IngestDate)

	// Provenance.
	SourceURL   string     `json:"source_url"`
	CrawledAt   time.Time  `json:"crawled_at"`
	ContentHash string     `json:"content_hash"`
	ChangedAt   time.Time  `json:"changed_at"`
	GoneAt      *time.Time `json:"gone_at,omitempty"` // set when the topic vanished from the listing
}

// StatusAt derives the status at time now from the portal's status and the
// dates: a call whose last deadline has passed is closed, one whose opening
// date lies ahead is forthcoming, whatever the portal still says.
func (c *Call) StatusAt(now time.Time) Status {
	if n := len(c.Deadlines); n > 0 && c.Deadlines[n-1].Before(now) {
		return StatusClosed
	}
	if c.OpeningDate != nil && c.OpeningDate.After(now) {
		return StatusForthcoming
	}
	if c.PortalStatus == StatusForthcoming && c.OpeningDate != nil && !c.OpeningDate.After(now) {
		return StatusOpen
	}
	if c.PortalStatus == "" {
		if len(c.Deadlines) > 0 {
			return StatusOpen
		}
		return StatusClosed
	}
	return c.PortalStatus
}

// NextDeadline returns the first deadline at or after now, or nil.
func (c *Call) NextDeadline(now time.Time) *time.Time {
	for _, d := range c.Deadlines {
		if !d.Before(now) {
			return &d
		}
	}
	return nil
}

// Section returns the first section whose title contains name (case-insensitive), or nil.
func (c *Call) Section(name string) *Section {
	for i := range c.Sections {
		if containsFold(c.Sections[i].Title, name) {
			return &c.Sections[i]
		}
	}
	return nil
}

// hashedContent is the part of a call that its content hash covers: all that
// the portal publishes, nothing of provenance or derived status.
type hashedContent struct {
	Call
	Status      Status     `json:"status,omitempty"`
	SourceURL   string     `json:"source_url,omitempty"`
	CrawledAt   time.Time  `json:"crawled_at,omitzero"`
	ContentHash string     `json:"content_hash,omitempty"`
	ChangedAt   time.Time  `json:"changed_at,omitzero"`
	GoneAt      *time.Time `json:"gone_at,omitempty"`

	// The portal's ingest date moves when the portal re-indexes an
	// unchanged record: it is kept as of the last change of content, and
	// PreviousRound is derived by the server.
	PreviousRound   *PreviousRound `json:"previous_round,omitempty"`
	PortalChangedAt *time.Time     `json:"portal_changed_at,omitempty"`
}

// Hash returns the hex SHA-256 of the call's published content (provenance
// and derived fields excluded), so an unchanged topic hashes the same on every crawl.
func (c *Call) Hash() string {
	h := hashedContent{Call: *c}
	b, err := json.Marshal(h)
	if err != nil { // a Call always marshals; keep the compiler honest
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ChangedFields lists the JSON names of the published fields that differ
// between old and c (provenance excluded). Later features alert on them.
func (c *Call) ChangedFields(old *Call) []string {
	var out []string
	add := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	add("title", c.Title != old.Title)
	add("call_id", c.CallID != old.CallID || c.CallTitle != old.CallTitle)
	add("programme", c.Programme != old.Programme || c.ProgrammeID != old.ProgrammeID || c.ProgrammeName != old.ProgrammeName)
	add("kind", c.Kind != old.Kind)
	add("status", c.PortalStatus != old.PortalStatus)
	// Dates that callmatch used to read as UTC midnight or UTC clock time
	// and now reads in Brussels time (deadline hour, zone-less dates) are
	// the same dates: reported as brussels_time, which alerts nobody,
	// rather than as changed deadlines, opening date or updates.
	add("opening_date", !equalTimePtr(c.OpeningDate, old.OpeningDate) && !rereadDatePtr(old.OpeningDate, c.OpeningDate))
	add("deadlines", !slices.EqualFunc(c.Deadlines, old.Deadlines, time.Time.Equal) && !slices.EqualFunc(old.Deadlines, c.Deadlines, rereadDeadline) ||
		c.DeadlineModel != old.DeadlineModel)
	add("types_of_action", !slices.Equal(c.TypesOfAction, old.TypesOfAction) || !slices.Equal(c.MGATypes, old.MGATypes))
	add("budget", !equalJSON(c.Budget, old.Budget))
	add("keywords", !slices.Equal(c.Keywords, old.Keywords) || !slices.Equal(c.Tags, old.Tags) || !slices.Equal(c.CrossCuttingPriorities, old.CrossCuttingPriorities))
	add("sections", !equalJSON(c.Sections, old.Sections))
	add("conditions", !equalJSON(c.Conditions, old.Conditions))
	add("support_info", c.SupportInfo != old.SupportInfo)
	add("trl", !equalJSON(c.TRL, old.TRL))
	add("updates", !equalJSON(c.Updates, old.Updates) && !slices.EqualFunc(old.Updates, c.Updates, rereadUpdate))
	add("url", c.URL != old.URL)
	add("destination", c.Destination != old.Destination)
	add("links", !equalJSON(c.Links, old.Links))
	add("submission_note", c.SubmissionNote != old.SubmissionNote)
	add("partner_search", !equalJSON(c.PartnerSearch, old.PartnerSearch))
	add("mission", !slices.Equal(c.Mission, old.Mission) || !slices.Equal(c.FocusAreas, old.FocusAreas) || !slices.Equal(c.ProgrammeDivisions, old.ProgrammeDivisions))
	add("proposals", !equalJSON(c.Proposals, old.Proposals))
	reread := !slices.EqualFunc(c.Deadlines, old.Deadlines, time.Time.Equal) && slices.EqualFunc(old.Deadlines, c.Deadlines, rereadDeadline) ||
		!equalJSON(c.Updates, old.Updates) && slices.EqualFunc(old.Updates, c.Updates, rereadUpdate) ||
		!equalTimePtr(c.OpeningDate, old.OpeningDate) && rereadDatePtr(old.OpeningDate, c.OpeningDate)
	add("brussels_time", reread)
	return out
}

// rereadDeadline: old is a calendar date stored as UTC midnight (before
// deadlines had an hour) and d is a closing time on that same Brussels day.
func rereadDeadline(old, d time.Time) bool {
	if old.Equal(d) {
		return true
	}
	h, m, sec := old.UTC().Clock()
	y, mo, day := old.UTC().Date()
	y2, mo2, day2 := d.In(Brussels).Date()
	return h == 0 && m == 0 && sec == 0 && y == y2 && mo == mo2 && day == day2
}

// rereadDate: old is a zone-less portal date read as UTC, now as Brussels
// local time (the same wall clock).
func rereadDate(old, d time.Time) bool {
	o := old.UTC()
	return o.Equal(d) || time.Date(o.Year(), o.Month(), o.Day(), o.Hour(), o.Minute(), o.Second(), o.Nanosecond(), Brussels).Equal(d)
}

func rereadDatePtr(old, d *time.Time) bool {
	return old != nil && d != nil && rereadDate(*old, *d)
}

func rereadUpdate(old, u Update) bool {
	return old.Text == u.Text && old.HTML == u.HTML && rereadDate(old.Date, u.Date)
}

func equalTimePtr(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
