package funding

import "time"

// Reason kinds.
const (
	ReasonKeyword      = "keyword"        // a profile keyword met the call text
	ReasonDomain       = "domain"         // a profile domain (through its concepts) met the call text
	ReasonDescription  = "description"    // words of the profile description met the call text
	ReasonMeaning      = "meaning"        // a phrase of the profile is close in meaning to a sentence of the call
	ReasonBudget       = "budget"         // budget fit
	ReasonDeadline     = "deadline"       // days left to the deadline
	ReasonTypeOfAction = "type_of_action" // the call's type of action suits the profile
	ReasonProgramme    = "programme"
	ReasonTRL          = "trl"
	ReasonCurated      = "curated" // recommended by NCC staff
)

// Reason explains one part of why a call matched a profile. For text
// reasons it names the profile term, the concept it went through (empty when
// the term met the call directly) and the passage of the call it met.
type Reason struct {
	Kind    string `json:"kind"`
	Term    string `json:"term,omitempty"`    // the profile's word, keyword or domain slug
	Concept string `json:"concept,omitempty"` // the thesaurus concept the term went through
	Field   string `json:"field,omitempty"`   // the call field that matched: title, keywords, scope...
	Passage string `json:"passage,omitempty"` // the call's sentence or keyword it met
	Text    string `json:"text"`              // a human sentence, e.g. "Deadline in 42 days"
}

// Eligibility check results.
const (
	EligibilityMet     = "met"
	EligibilityNotMet  = "not_met"
	EligibilityUnknown = "unknown"
)

// Eligibility rules read from the conditions text.
const (
	RuleSMEOnly         = "sme_only"
	RuleCountry         = "country"
	RuleConsortiumSize  = "consortium_size"
	RuleMonoBeneficiary = "mono_beneficiary"
)

// EligibilityCheck is one rule read from a call's conditions, checked
// against a profile, with the sentence it came from.
type EligibilityCheck struct {
	Rule     string `json:"rule"`
	Result   string `json:"result"` // met, not_met, unknown
	Detail   string `json:"detail"`
	Sentence string `json:"sentence,omitempty"`
}

// Curation is what NCC staff said about a call for a profile or a segment.
type Curation struct {
	ID        string    `json:"id"`
	CallID    string    `json:"call_id"`
	ProfileID string    `json:"profile_id,omitempty"`
	Segment   *Segment  `json:"segment,omitempty"`
	Action    string    `json:"action"` // recommend | hide
	Note      string    `json:"note"`
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
}

// Curation actions.
const (
	CurationRecommend = "recommend"
	CurationHide      = "hide"
)

// Segment selects profiles by domain, size or keyword (any set field must match).
type Segment struct {
	Domain  string `json:"domain,omitempty"`
	Size    string `json:"size,omitempty"`
	Keyword string `json:"keyword,omitempty"`
}

// CuratedNote is the curation shown on a match.
type CuratedNote struct {
	Note string `json:"note"`
	By   string `json:"by"`
}

// Match is one call ranked for a profile, with the reasons.
type Match struct {
	CallID      string             `json:"call_id"`
	Title       string             `json:"title"`
	Programme   string             `json:"programme"`
	Status      Status             `json:"status"`
	Score       float64            `json:"score"`
	Deadline    *time.Time         `json:"deadline"`
	DaysLeft    int                `json:"days_left"`
	BudgetMin   int64              `json:"budget_min"`
	BudgetMax   int64              `json:"budget_max"`
	URL         string             `json:"url"`
	Reasons     []Reason           `json:"reasons"`
	Eligibility []EligibilityCheck `json:"eligibility"`
	Curated     *CuratedNote       `json:"curated"`
}
