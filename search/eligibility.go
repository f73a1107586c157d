package search

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"callmatch/funding"
)

// Country tables. Association agreements change: keep these up to date
// (state of 2026).
var (
	euCountries = []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU",
		"IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"}
	eeaCountries = []string{"IS", "LI", "NO"} // EEA members outside the EU
	// Countries associated to Horizon Europe.
	horizonAssociated = []string{"AL", "AM", "BA", "CA", "CH", "FO", "GB", "GE", "IL", "IS", "KR", "MD",
		"ME", "MK", "NO", "NZ", "RS", "TN", "TR", "UA", "XK"}
	// Countries associated to the Digital Europe Programme.
	digitalAssociated = []string{"IS", "LI", "NO", "AL", "MD", "ME", "MK", "RS", "UA"}
	// Widening countries of Horizon Europe.
	wideningCountries = []string{"BG", "HR", "CY", "CZ", "EE", "GR", "HU", "LV", "LT", "MT", "PL", "PT",
		"RO", "SK", "SI", "AL", "AM", "BA", "FO", "GE", "XK", "MD", "ME", "MK", "RS", "TN", "TR", "UA"}
)

// countryNames maps the names the calls use to ISO 3166-1 alpha-2 codes.
var countryNames = map[string]string{
	"austria": "AT", "belgium": "BE", "bulgaria": "BG", "croatia": "HR", "cyprus": "CY", "czechia": "CZ",
	"czech republic": "CZ", "denmark": "DK", "estonia": "EE", "finland": "FI", "france": "FR",
	"germany": "DE", "greece": "GR", "hungary": "HU", "ireland": "IE", "italy": "IT", "latvia": "LV",
	"lithuania": "LT", "luxembourg": "LU", "malta": "MT", "netherlands": "NL", "poland": "PL",
	"portugal": "PT", "romania": "RO", "slovakia": "SK", "slovenia": "SI", "spain": "ES", "sweden": "SE",
	"iceland": "IS", "liechtenstein": "LI", "norway": "NO", "switzerland": "CH", "united kingdom": "GB",
	"ukraine": "UA", "canada": "CA", "israel": "IL", "republic of korea": "KR", "south korea": "KR",
	"korea": "KR", "new zealand": "NZ", "new-zealand": "NZ", "japan": "JP", "united states": "US",
	"moldova": "MD", "montenegro": "ME", "north macedonia": "MK", "albania": "AL", "serbia": "RS",
	"türkiye": "TR", "turkey": "TR", "georgia": "GE", "armenia": "AM", "tunisia": "TN", "morocco": "MA",
	"egypt": "EG", "bosnia and herzegovina": "BA", "kosovo": "XK", "faroe islands": "FO",
}

var countryNameRe = func() *regexp.Regexp {
	names := make([]string, 0, len(countryNames))
	for n := range countryNames {
		names = append(names, regexp.QuoteMeta(n))
	}
	slices.SortFunc(names, func(a, b string) int { return len(b) - len(a) }) // longest first
	return regexp.MustCompile(`(?i)\b(` + strings.Join(names, "|") + `)\b`)
}()

// Country groups a sentence can name.
const (
	groupMS = 1 << iota
	groupEEA
	groupAC
	groupWidening
)

// finding is one eligibility rule read from a sentence of a call's
// conditions; it is checked against each profile at match time.
type finding struct {
	rule     string
	sentence string

	// country
	groups          int
	countries       []string
	coordinatorOnly bool
	openEnded       bool // names groups we have no table for (OECD, third countries...)

	// sme_only
	midCaps bool

	// consortium_size
	minEntities, minCountries int
}

var (
	smeOnlyRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(only|exclusively)\s+(to\s+|by\s+|for\s+)?(SMEs?|small and medium[- ]sized enterprises)\b`),
		regexp.MustCompile(`(?i)\bSMEs?\s+only\b`),
		regexp.MustCompile(`(?i)\b(restricted|limited|reserved|open)\s+(only\s+|exclusively\s+)?to\s+(SMEs?|small and medium(?:[- ]sized)? enterprises|start-ups and SMEs)\b`),
		regexp.MustCompile(`(?i)\b(applicants?|beneficiar(?:y|ies)|participants?)\s+(must|shall)\s+be\s+(an?\s+)?(SMEs?|small and medium(?:[- ]sized)? enterprises?|micro, small)\b`),
		regexp.MustCompile(`(?i)\bsingle (company|legal entity|applicant)\s+classified as (an?\s+)?(SME|small and medium)`),
	}
	smeOnlyNot = regexp.MustCompile(`(?i)third part|\bFSTP\b|financial support to|non-SME|at least \S+ SMEs`)
	midCapRe   = regexp.MustCompile(`(?i)mid-?caps?\b`)

	countryTrigger = regexp.MustCompile(`(?i)\b(limited|restricted|open)\s+(only\s+)?to\s+(legal\s+)?entit\w*[^.;]{0,40}?established in\b|\bmust be\b[^.;]{0,80}?\bestablished in\b|\beligible to apply[^.;]{0,140}?established in\b|established in (one of )?the following countries|\b(participation|applicants?|beneficiaries)\b[^.;]{0,60}\b(limited|restricted) to\b[^.;]{0,80}\bestablished in\b`)
	countryNot     = regexp.MustCompile(`(?i)controlled by|not established|\boutside\b|headquarters|deemed to be|\bat least\b|ineligible`)
	coordinatorRe  = regexp.MustCompile(`(?i)\bas coordinators?\b`)
	msRe           = regexp.MustCompile(`(?i)\bmember states?\b|\bEU countries\b|\bthe Union\b|\bEU-27\b|\bEuropean Union\b`)
	eeaRe          = regexp.MustCompile(`\bEEA\b`)
	acRe           = regexp.MustCompile(`(?i)\bassociated countr(y|ies)\b|\bassociated to (Horizon Europe|the Digital Europe)`)
	acListRe       = regexp.MustCompile(`(?i)following (additional )?associated countries`)
	wideningRe     = regexp.MustCompile(`(?i)\bwidening countr`)
	openEndedRe    = regexp.MustCompile(`(?i)\bOECD\b|MERCOSUR|sub-Saharan|third countr|low- and middle-income|any country`)

	consortiumRes = []*regexp.Regexp{
		regexp.MustCompile(`(?i)\bat least (\w+|\(\d+\))\s+(?:\(\d+\)\s+)?(?:independent\s+)?(?:legal entities|entities|partners|beneficiaries|organisations|organizations|applicants)\b`),
		regexp.MustCompile(`(?i)\ba minimum of (\w+|\(\d+\))\s+(?:\(\d+\)\s+)?(?:to a maximum of \w+\s+(?:\(\d+\)\s+)?)?(?:independent\s+)?(?:legal entities|entities|partners|beneficiaries|organisations|organizations)\b`),
		regexp.MustCompile(`(?i)\bconsortia of (\w+) or more\b`),
	}
	consortiumCountriesRe = regexp.MustCompile(`(?i)\b(?:from|in) (?:at least )?(\w+|\(\d+\))\s+(?:\(\d+\)\s+)?different (?:EU )?(?:Member States|countries)`)
	eachDifferentRe       = regexp.MustCompile(`(?i)\beach established in a different\b`)

	monoRes = regexp.MustCompile(`(?i)mono-?beneficiar|\bsingle applicants?\b|\bsingle beneficiar|\bconsortium (is )?not (required|needed|mandatory)\b|\b(by|from) (one|a single) legal entity\b|\bsingle legal entit(y|ies)\b|\bindividual applicants?\b|\bapplications? by single\b`)
)

var numberWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
	"seven": 7, "eight": 8, "nine": 9, "ten": 10}

func parseNumber(s string) int {
	s = strings.Trim(strings.ToLower(s), "()")
	if n, ok := numberWords[s]; ok {
		return n
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// conditionSectionSkipped tells the parts of the conditions that describe
// evaluation and money, not who may apply (their "mono-beneficiary CSA"
// award criteria would read as rules).
func conditionSectionSkipped(title string) bool {
	t := strings.ToLower(title)
	return strings.Contains(t, "evaluation") || strings.Contains(t, "financial") || strings.Contains(t, "legal")
}

// parseEligibility reads the eligibility rules of a call's conditions.
func parseEligibility(conditions []funding.Section) []finding {
	var out []finding
	for _, sec := range conditions {
		if conditionSectionSkipped(sec.Title) {
			continue
		}
		for _, s := range sentences(sec.Text) {
			out = append(out, sentenceRules.get(s)...)
		}
	}
	return out
}

// sentenceRules caches parseSentence: calls repeat the same conditions
// (of the 11,000 condition sentences of the 629 test calls, 1,650 differ),
// and the regexes were most of the cost of an entry.
var sentenceRules = ruleCache{rules: map[string][]finding{}}

// maxCachedSentences bounds the cache; past it sentences are parsed as
// they come.
const maxCachedSentences = 20_000

type ruleCache struct {
	mu    sync.RWMutex
	rules map[string][]finding // shared: read only
}

func (c *ruleCache) get(s string) []finding {
	c.mu.RLock()
	f, ok := c.rules[s]
	c.mu.RUnlock()
	if ok {
		return f
	}
	s = strings.Clone(s) // not the whole text of the call
	f = parseSentence(s)
	c.mu.Lock()
	if len(c.rules) < maxCachedSentences {
		c.rules[s] = f
	}
	c.mu.Unlock()
	return f
}

// parseSentence returns the rules one sentence states (none for most).
func parseSentence(s string) []finding {
	var out []finding
	sent := clip(s, 0, 0)
	// Cheap substring checks first: the regexes run on few sentences.
	lower := strings.ToLower(s)
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(lower, sub) {
				return true
			}
		}
		return false
	}
	if has("sme", "small and medium") && !smeOnlyNot.MatchString(s) {
		for _, re := range smeOnlyRes {
			if re.MatchString(s) {
				out = append(out, finding{rule: funding.RuleSMEOnly, sentence: sent, midCaps: midCapRe.MatchString(s)})
				break
			}
		}
	}
	if has("established in") && countryTrigger.MatchString(s) && !countryNot.MatchString(s) {
		f := finding{rule: funding.RuleCountry, sentence: sent,
			coordinatorOnly: coordinatorRe.MatchString(s), openEnded: openEndedRe.MatchString(s)}
		if msRe.MatchString(s) {
			f.groups |= groupMS
		}
		if eeaRe.MatchString(s) {
			f.groups |= groupEEA
		}
		if acRe.MatchString(s) && !acListRe.MatchString(s) {
			f.groups |= groupAC
		}
		if wideningRe.MatchString(s) {
			f.groups |= groupWidening
		}
		for _, m := range countryNameRe.FindAllString(s, -1) {
			if code := countryNames[strings.ToLower(m)]; !slices.Contains(f.countries, code) {
				f.countries = append(f.countries, code)
			}
		}
		if f.groups != 0 || len(f.countries) > 0 {
			out = append(out, f)
		}
	}
	for _, re := range consortiumRes {
		if !has("at least", "minimum of", "consortia of") {
			break
		}
		m := re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		n := parseNumber(m[1])
		if n < 2 {
			continue
		}
		f := finding{rule: funding.RuleConsortiumSize, sentence: sent, minEntities: n}
		if c := consortiumCountriesRe.FindStringSubmatch(s); c != nil {
			f.minCountries = parseNumber(c[1])
		} else if eachDifferentRe.MatchString(s) {
			f.minCountries = n
		}
		out = append(out, f)
		break
	}
	if has("mono", "single", "one legal entity", "consortium", "individual applicant") && monoRes.MatchString(s) {
		out = append(out, finding{rule: funding.RuleMonoBeneficiary, sentence: sent})
	}
	return out
}

// normalizeCountry maps the EU's own code for Greece (EL) and the UK's (UK) to ISO.
func normalizeCountry(c string) string {
	switch c = strings.ToUpper(strings.TrimSpace(c)); c {
	case "EL":
		return "GR"
	case "UK":
		return "GB"
	}
	return c
}

// check evaluates the rule for profile p and a call of programme.
func (f finding) check(p *funding.Profile, programme string) funding.EligibilityCheck {
	c := funding.EligibilityCheck{Rule: f.rule, Sentence: f.sentence, Result: funding.EligibilityUnknown}
	switch f.rule {
	case funding.RuleSMEOnly:
		switch p.Size {
		case "micro", "small", "medium":
			c.Result, c.Detail = funding.EligibilityMet, fmt.Sprintf("Only SMEs may apply; your organisation is %s", p.Size)
		case "large":
			if f.midCaps {
				c.Detail = "Only SMEs and small mid-caps may apply; check whether your organisation is a small mid-cap"
			} else {
				c.Result, c.Detail = funding.EligibilityNotMet, "Only SMEs may apply; your organisation is large"
			}
		default:
			c.Detail = "Only SMEs may apply; your profile does not give your size"
		}
	case funding.RuleCountry:
		country := normalizeCountry(p.Country)
		switch {
		case country == "":
			c.Detail = "Participation is limited by country; your profile does not give your country"
		case f.allows(country, programme):
			c.Result, c.Detail = funding.EligibilityMet, fmt.Sprintf("Participation is limited by country; %s is eligible", country)
		case f.coordinatorOnly:
			c.Detail = fmt.Sprintf("Coordinators must come from listed countries; %s may take part as a partner", country)
		case f.openEnded || (f.groups&groupAC != 0 && programme != funding.ProgrammeHorizon && programme != funding.ProgrammeDigital):
			c.Detail = fmt.Sprintf("Participation is limited by country; check whether %s is eligible", country)
		default:
			c.Result, c.Detail = funding.EligibilityNotMet, fmt.Sprintf("Participation is limited to other countries than %s", country)
		}
	case funding.RuleConsortiumSize:
		c.Detail = fmt.Sprintf("Needs a consortium of at least %d legal entities", f.minEntities)
		if f.minCountries > 1 {
			c.Detail += fmt.Sprintf(" from %d different countries", f.minCountries)
		}
	case funding.RuleMonoBeneficiary:
		c.Result, c.Detail = funding.EligibilityMet, "A single organisation may apply on its own"
	}
	return c
}

func (f finding) allows(country, programme string) bool {
	switch {
	case slices.Contains(f.countries, country):
		return true
	case f.groups&groupMS != 0 && slices.Contains(euCountries, country):
		return true
	case f.groups&groupEEA != 0 && slices.Contains(eeaCountries, country):
		return true
	case f.groups&groupWidening != 0 && slices.Contains(wideningCountries, country):
		return true
	case f.groups&groupAC != 0:
		switch programme {
		case funding.ProgrammeHorizon:
			return slices.Contains(horizonAssociated, country)
		case funding.ProgrammeDigital:
			return slices.Contains(digitalAssociated, country)
		}
	}
	return false
}

// checkEligibility evaluates a call's rules for p: one check per rule, the
// most decisive sentence winning (not met, then met, then unknown).
func checkEligibility(findings []finding, p *funding.Profile, programme string) []funding.EligibilityCheck {
	var out []funding.EligibilityCheck
	rank := map[string]int{funding.EligibilityNotMet: 3, funding.EligibilityMet: 2, funding.EligibilityUnknown: 1}
	for _, f := range findings {
		c := f.check(p, programme)
		i := slices.IndexFunc(out, func(x funding.EligibilityCheck) bool { return x.Rule == c.Rule })
		switch {
		case i < 0:
			out = append(out, c)
		case rank[c.Result] > rank[out[i].Result]:
			out[i] = c
		}
	}
	return out
}
