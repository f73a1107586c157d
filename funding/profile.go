package funding

import (
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Domain is a cybersecurity domain a profile can select: the JRC/ECCC
// cybersecurity taxonomy plus three cross-cutting ones. Its name in each
// language is package locale's (Printer.Domain).
type Domain struct {
	Slug string `json:"slug"`
}

// Domains is the fixed list of domain slugs of the HTTP contract.
var Domains = []Domain{
	{"assurance-audit-certification"},
	{"cryptology"},
	{"data-security-privacy"},
	{"education-training"},
	{"incident-handling-forensics"},
	{"human-aspects"},
	{"identity-access-management"},
	{"security-management-governance"},
	{"network-distributed-systems"},
	{"software-hardware-security"},
	{"security-measurements"},
	{"legal-aspects"},
	{"theoretical-foundations"},
	{"trust-management-accountability"},
	{"post-quantum"},
	{"ai-security"},
	{"critical-infrastructure"},
	{"threat-intelligence"},
}

// domainSlugs lists the slugs of Domains, for error messages.
func domainSlugs() string {
	slugs := make([]string, len(Domains))
	for i, d := range Domains {
		slugs[i] = d.Slug
	}
	return strings.Join(slugs, ", ")
}

// IsDomain reports whether slug is one of Domains.
func IsDomain(slug string) bool {
	return slices.ContainsFunc(Domains, func(d Domain) bool { return d.Slug == slug })
}

// Company sizes.
var Sizes = []string{"micro", "small", "medium", "large"}

// Profile is an SME (or any organisation) that wants matching calls.
type Profile struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	Email         string   `json:"email"`
	Country       string   `json:"country,omitempty"`
	Size          string   `json:"size,omitempty"`
	Description   string   `json:"description,omitempty"`
	Keywords      []string `json:"keywords"`
	Domains       []string `json:"domains"`
	Programmes    []string `json:"programmes"`
	TypesOfAction []string `json:"types_of_action"`
	BudgetMin     int64    `json:"budget_min,omitempty"`
	BudgetMax     int64    `json:"budget_max,omitempty"`
	TRL           int      `json:"trl,omitempty"`
	Version       int64    `json:"version"` // bumped on every edit; part of the match cache key
	// Confirmed: someone followed a link e-mailed to Email. A profile that
	// is not (pending) never hides confirmed ones and is deleted when it
	// stays unconfirmed for a few days. The store sets it.
	Confirmed bool `json:"confirmed"`
	// EverConfirmed: some address confirmed it once (it is pending only
	// after a change of address, and never expires). The store sets it.
	EverConfirmed bool      `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ValidationError says which input field is wrong and why. Servers map it to 400.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// Limits on profile input.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 5000
	MaxKeywords       = 50
	MaxKeywordLen     = 100
	MaxBudget         = 1_000_000_000 // EUR per project; more is not a real call
)

// Normalize trims and deduplicates the profile's text fields and upper-cases codes.
func (p *Profile) Normalize() {
	p.Name = strings.TrimSpace(p.Name)
	p.Email = strings.TrimSpace(p.Email)
	p.Country = strings.ToUpper(strings.TrimSpace(p.Country))
	p.Size = strings.ToLower(strings.TrimSpace(p.Size))
	p.Description = strings.TrimSpace(p.Description)
	p.Keywords = cleanList(p.Keywords, strings.TrimSpace)
	p.Domains = cleanList(p.Domains, func(s string) string { return strings.ToLower(strings.TrimSpace(s)) })
	p.Programmes = cleanList(p.Programmes, func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) })
	p.TypesOfAction = cleanList(p.TypesOfAction, func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) })
}

func cleanList(in []string, f func(string) string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = f(s)
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate checks the profile's fields against the HTTP contract. Call Normalize first.
func (p *Profile) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &ValidationError{Field: field, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case p.Name == "":
		return bad("name", "is required")
	case utf8.RuneCountInString(p.Name) > MaxNameLen:
		return bad("name", "is longer than %d characters", MaxNameLen)
	case hasControl(p.Name):
		return bad("name", "contains control characters")
	case p.Email == "":
		return bad("email", "is required")
	}
	if err := ValidateEmail(p.Email); err != nil {
		return bad("email", "%v", err)
	}
	if p.Country != "" && !isAlpha2(p.Country) {
		return bad("country", "must be an ISO 3166-1 alpha-2 code such as BE")
	}
	if p.Size != "" && !slices.Contains(Sizes, p.Size) {
		return bad("size", "must be one of %s", strings.Join(Sizes, ", "))
	}
	if utf8.RuneCountInString(p.Description) > MaxDescriptionLen {
		return bad("description", "is longer than %d characters", MaxDescriptionLen)
	}
	if len(p.Keywords) > MaxKeywords {
		return bad("keywords", "at most %d keywords", MaxKeywords)
	}
	for _, k := range p.Keywords {
		if utf8.RuneCountInString(k) > MaxKeywordLen || hasControl(k) {
			return bad("keywords", "keyword %q is too long or contains control characters", truncate(k, 40))
		}
	}
	for _, d := range p.Domains {
		if !IsDomain(d) {
			return bad("domains", "unknown domain %q (the domains are: %s)", truncate(d, 60), domainSlugs())
		}
	}
	for _, pr := range p.Programmes {
		if pr != ProgrammeDigital && pr != ProgrammeHorizon {
			return bad("programmes", "unknown programme %q (use DIGITAL or HORIZON)", truncate(pr, 40))
		}
	}
	for _, t := range p.TypesOfAction {
		if !isActionCode(t) {
			return bad("types_of_action", "unknown type of action %q", truncate(t, 40))
		}
	}
	if p.BudgetMin < 0 || p.BudgetMax < 0 {
		return bad("budget_min", "budgets cannot be negative")
	}
	if p.BudgetMin > MaxBudget || p.BudgetMax > MaxBudget {
		return bad("budget_max", "budgets above EUR %d per project are not realistic", int64(MaxBudget))
	}
	if p.BudgetMax > 0 && p.BudgetMin > p.BudgetMax {
		return bad("budget_min", "is above budget_max")
	}
	if p.TRL < 0 || p.TRL > 9 {
		return bad("trl", "must be between 1 and 9")
	}
	return nil
}

// ValidateEmail accepts a single bare address with no display name and no
// characters that could inject headers.
func ValidateEmail(s string) error {
	if len(s) > 254 || strings.ContainsAny(s, "\r\n<>,;\"") {
		return fmt.Errorf("is not a valid e-mail address")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return fmt.Errorf("is not a valid e-mail address")
	}
	return nil
}

// ActionCodes are the short type-of-action codes profiles may filter on.
var ActionCodes = []string{"RIA", "IA", "CSA", "SME", "SG", "LS", "PCP", "PPI", "COFUND", "GRANT", "PRIZE", "MSCA", "ERC", "EIC", "PCP", "DEP", "OTHER"}

func isActionCode(s string) bool { return slices.Contains(ActionCodes, s) }

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
