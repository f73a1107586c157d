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

// Reason explains one part of why a call matched a profile, as data: what
// of the profile (Term) met what of the call (CallWords, in Passage), and
// through which concept; budget, deadline, TRL and type of action reasons
// carry their figures and how the call fits the profile. Package locale
// says it in a language; Text is its English sentence, kept for the API's
// clients.
type Reason struct {
	Kind string `json:"kind"`
	// Term is the profile's words: its keyword, domain slug, description
	// word or phrase; for the other kinds its programme, type of action or TRL.
	Term    string `json:"term,omitempty"`
	Concept string `json:"concept,omitempty"` // the thesaurus concept (or the English) the term went through
	Field   string `json:"field,omitempty"`   // the call field that matched: title, keywords, scope...
	// CallWords are the call's words the term met, as the call writes them
	// (for a type of action: the call's types, comma-separated).
	CallWords string `json:"call_words,omitempty"`
	Passage   string `json:"passage,omitempty"` // the call's sentence or keyword it met
	Fit       string `json:"fit,omitempty"`     // how the call sits against the profile: one of the Fit values
	// Low and High are the call's budget range in EUR (budget) or its TRL
	// range (trl); ProfileLow and ProfileHigh the profile's budget range.
	Low         int64      `json:"low,omitempty"`
	High        int64      `json:"high,omitempty"`
	ProfileLow  int64      `json:"profile_low,omitempty"`
	ProfileHigh int64      `json:"profile_high,omitempty"`
	Deadline    *time.Time `json:"deadline,omitempty"` // deadline: the next deadline
	DaysLeft    int        `json:"days_left,omitempty"`
	Text        string     `json:"text"` // the reason in English, e.g. "Deadline in 42 days (15 September 2026)"
}

// Fit values of a Reason.
const (
	FitWithin        = "within"         // budget: the call's range is inside the profile's
	FitOverlapping   = "overlapping"    // budget: the ranges overlap
	FitAboveMinimum  = "above_minimum"  // budget: the profile gave only a minimum
	FitWithinMaximum = "within_maximum" // budget: the profile gave only a maximum
	FitAhead         = "ahead"          // trl: the profile is past the call's range
	FitFar           = "far"            // trl: the profile is far below the call's range
	FitWanted        = "wanted"         // type of action: one the profile looks for
	FitForthcoming   = "forthcoming"    // deadline: the call is not open yet
	FitNoDeadline    = "no_deadline"    // deadline: none published
)

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
