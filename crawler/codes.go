package crawler

import (
	"regexp"
	"slices"
	"strings"

	"callmatch/funding"
)

// SEDIA status codes (API-FACTS §1).
const (
	StatusCodeForthcoming = "31094501"
	StatusCodeOpen        = "31094502"
	StatusCodeClosed      = "31094503"
)

// SEDIA record types: 1 grant topic, 2 call for proposals, 8 cascade
// funding call. Type 6 is a "latest info" news record, 0 a tender.
const (
	TypeTopic            = "1"
	TypeCallForProposals = "2"
	TypeCascade          = "8"
	TypeNews             = "6"
)

func mapStatus(code string) (funding.Status, bool) {
	switch strings.TrimSpace(code) {
	case StatusCodeForthcoming:
		return funding.StatusForthcoming, true
	case StatusCodeOpen:
		return funding.StatusOpen, true
	case StatusCodeClosed:
		return funding.StatusClosed, true
	}
	return "", false
}

func mapKind(code string) (funding.Kind, bool) {
	switch strings.TrimSpace(code) {
	case TypeTopic:
		return funding.KindTopic, true
	case TypeCallForProposals:
		return funding.KindCallForProposals, true
	case TypeCascade:
		return funding.KindCascade, true
	}
	return "", false
}

// programmeNames are the portal's names of its framework programme ids,
// as its reference data gives them (the programme facet of the search
// API, which the recorded harvest of shared/portal/topics-2026-08 carries
// beside each id); API-FACTS.md lists the first ten. 43332642 is left out
// because the sources disagree on it.
var programmeNames = map[string]string{
	funding.PortalIDHorizon: "Horizon Europe",
	funding.PortalIDDigital: "Digital Europe",
	"43353764":              "Erasmus+",
	"43254037":              "European Solidarity Corps",
	"43089234":              "Innovation Fund",
	"44181033":              "European Defence Fund",
	"43298916":              "Euratom",
	"43251567":              "Connecting Europe Facility",
	"43252405":              "LIFE",
	"31045243":              "Horizon 2020",
	"111111":                "EU External Action - Prospect (RELEX-PROSPECT)",
	"43251589":              "CERV",
	"43251814":              "Creative Europe",
	"43252368":              "ISF",
	"43252386":              "Justice",
	"43252433":              "Pericles IV",
	"43252449":              "RFCS",
	"43252476":              "Single Market Programme",
	"43253967":              "Renewable Energy FM",
	"43254019":              "ESF+",
	"43392145":              "EMFAF",
	"43637601":              "Pilot Projects & Preparatory Actions",
	"44416173":              "Interregional Innovation",
	"45532249":              "EU Agencies",
	"46324255":              "Technical assistance for ERDF, CF and JTF (ERDF-TA)",
}

// ProgrammeName returns the name of a portal framework programme id, or ""
// when the id is not one of those known.
func ProgrammeName(id string) string { return programmeNames[id] }

// mapProgramme returns the callmatch programme code of a portal id.
func mapProgramme(id string) string {
	switch id {
	case funding.PortalIDDigital:
		return funding.ProgrammeDigital
	case funding.PortalIDHorizon:
		return funding.ProgrammeHorizon
	}
	return funding.ProgrammeOther
}

// mgaTypes are the model grant agreement type ids seen in type-1 records.
var mgaTypes = map[string]string{
	"43027846": "HORIZON-AG",
	"43027849": "HORIZON-AG-LS",
	"43251971": "HORIZON-AG-UN",
}

// actionCodes maps the last segment of a portal type-of-action code
// ("HORIZON-RIA", "DIGITAL-JU-SIMPLE", "EDF-DA") to a callmatch short code.
var actionCodes = map[string]string{
	"RIA":    "RIA",
	"IA":     "IA",
	"CSA":    "CSA",
	"SME":    "SME",
	"PCP":    "PCP",
	"PPI":    "PPI",
	"COFUND": "COFUND",
	"LS":     "LS",
	"SIMPLE": "SG",
	"SG":     "SG",
	"GFS":    "GFS",
	"PACS":   "PACS",
	"IBA":    "IBA",
	"PJG":    "GRANT",
	"OG":     "OG",
	"FPA":    "FPA",
	"RA":     "RA",
	"DA":     "DA",
	"INFRA":  "INFRA",
	"PRIZE":  "PRIZE",
	"ERC":    "ERC",
	"EIC":    "EIC",
	"POC":    "ERC",
	"MSCA":   "MSCA",
}

// actionLabels maps words of a type-of-action label ("HORIZON Research and
// Innovation Actions", "DIGITAL SME Support Actions") to short codes. The
// first match wins, so longer phrases come first.
var actionLabels = []struct {
	re   *regexp.Regexp
	code string
}{
	{regexp.MustCompile(`(?i)research\s+and\s+innovation\s+action`), "RIA"},
	{regexp.MustCompile(`(?i)innovation\s+action`), "IA"},
	{regexp.MustCompile(`(?i)coordination\s+and\s+support\s+action`), "CSA"},
	{regexp.MustCompile(`(?i)\bSME\b`), "SME"},
	{regexp.MustCompile(`(?i)pre-?commercial\s+procurement`), "PCP"},
	{regexp.MustCompile(`(?i)public\s+procurement\s+of\s+innovative`), "PPI"},
	{regexp.MustCompile(`(?i)co-?fund`), "COFUND"},
	{regexp.MustCompile(`(?i)simple\s+grant`), "SG"},
	{regexp.MustCompile(`(?i)grants?\s+for\s+financial\s+support`), "GFS"},
	{regexp.MustCompile(`(?i)\bMSCA\b`), "MSCA"},
	{regexp.MustCompile(`(?i)\bERC\b`), "ERC"},
	{regexp.MustCompile(`(?i)\bEIC\b`), "EIC"},
	{regexp.MustCompile(`(?i)prize`), "PRIZE"},
	{regexp.MustCompile(`(?i)operating\s+grant`), "OG"},
	{regexp.MustCompile(`(?i)infrastructure\s+project`), "INFRA"},
	{regexp.MustCompile(`(?i)^\S+\s+research\s+actions?$`), "RA"},
	{regexp.MustCompile(`(?i)development\s+actions?`), "DA"},
	{regexp.MustCompile(`(?i)\bgrants?\b`), "GRANT"},
}

var lumpSumRe = regexp.MustCompile(`(?i)lump\s*sum`)

// actionCode derives a short type-of-action code from what the portal
// gives: "HORIZON-RIA HORIZON  Research and Innovation Actions" (code then
// label), a bare code "DIGITAL-SME", or a bare label "HORIZON Innovation
// Actions". The second result is true when the label says lump sum.
func actionCode(s string) (code string, lumpSum bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	lumpSum = lumpSumRe.MatchString(s)
	first, rest, _ := strings.Cut(s, " ")
	if strings.Contains(first, "-") && first == strings.ToUpper(first) {
		parts := strings.Split(first, "-")
		for i := len(parts) - 1; i > 0; i-- {
			if c, ok := actionCodes[parts[i]]; ok {
				return c, lumpSum || parts[i] == "LS"
			}
		}
		if rest == "" {
			return "GRANT", lumpSum
		}
		s = rest
	}
	for _, l := range actionLabels {
		if l.re.MatchString(s) {
			return l.code, lumpSum
		}
	}
	if lumpSum {
		return "LS", true
	}
	return "GRANT", false
}

// actionLabel strips a leading portal code from a type-of-action string and
// collapses its spaces: "HORIZON-RIA HORIZON  Research and Innovation
// Actions" -> "HORIZON Research and Innovation Actions".
func actionLabel(s string) string {
	s = cleanLine(s)
	first, rest, ok := strings.Cut(s, " ")
	if ok && strings.Contains(first, "-") && first == strings.ToUpper(first) {
		return rest
	}
	return s
}

// addUnique appends v to list unless it is empty or already there.
func addUnique(list []string, v ...string) []string {
	for _, x := range v {
		if x != "" && !slices.Contains(list, x) {
			list = append(list, x)
		}
	}
	return list
}
