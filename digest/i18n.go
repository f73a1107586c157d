package digest

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
)

// catalog holds every string a digest shows in one language. Fields, not
// map keys: a test checks that no language leaves one empty.
type catalog struct {
	Code     string
	Months   [12]string
	Weekdays [7]string // Sunday first, as time.Weekday
	At       string    // between a date and a time: "17:00"
	Thousand string    // thousands separator of amounts
	EURFirst bool      // "EUR 1,000" rather than "1 000 EUR"
	QOpen    string    // quotation marks around a profile's term
	QClose   string
	Colon    string // between a label and its value: ": ", French " : "

	DigestName   [2]string // subject prefix: daily, weekly
	Heading      [2]string // daily, weekly
	Intro        string    // %s: the profile name
	SectionTitle [4]string // recommended, new, changed, deadline (%d: days)

	CountRecommended [2]string // subject counts: one, other (%d)
	CountNew         [2]string
	CountChanged     [2]string
	CountDeadline    [2]string

	SubjectRecommended string // %s: the call title
	SubjectNew         string
	SubjectChanged     string
	SubjectDeadline    string // %s: "in 3 days", %s: the call title

	Today    string
	Tomorrow string
	InDays   string // %d > 1

	LabelDeadline  string
	LabelBudget    string
	LabelProgramme string
	LabelStatus    string
	LabelWhy       string
	NoteBy         string // %s: who
	LabelNote      string // when no one signed the note
	LabelChanged   string

	ChangedStatus    string // %s: the status now
	ChangedDeadlines string // %s: the next deadline now
	DeadlineRemoved  string // no deadline left
	ChangedOpening   string
	ChangedBudget    string // %s: the budget now
	ChangedUpdates   string // %s: the update text

	Status [3]string // open, forthcoming, closed

	ReasonKeyword     string
	ReasonDomain      string
	ReasonDescription string
	ReasonMeaning     string // a phrase of the profile close in meaning to the call

	BudgetFrom string // %s: amount
	BudgetUpTo string // %s: amount

	More      [2]string // %d: how many more
	SeeAll    string
	ViewCall  string
	Footer    [2]string // daily, weekly; %s: the profile name
	Unsub     string
	Domains   map[string]string
	Programme map[string]string
}

var catalogs = map[string]*catalog{"en": &english, "fr": &french, "nl": &dutch}

// catalogFor returns the catalog of a language, English for unknown ones.
func catalogFor(lang string) *catalog {
	if c, ok := catalogs[strings.ToLower(strings.TrimSpace(lang))]; ok {
		return c
	}
	return &english
}

func freqIndex(f string) int {
	if f == funding.FrequencyWeekly {
		return 1
	}
	return 0
}

func plural(forms [2]string, n int) string {
	if n == 1 {
		return fmt.Sprintf(forms[0], n)
	}
	return fmt.Sprintf(forms[1], n)
}

// date formats t as "Tuesday 16 September 2026" in the language.
func (c *catalog) date(t time.Time) string {
	return fmt.Sprintf("%s %d %s %d", c.Weekdays[t.Weekday()], t.Day(), c.Months[t.Month()-1], t.Year())
}

// dateTime formats t as "Tuesday 16 September 2026, 17:00 CEST".
func (c *catalog) dateTime(t time.Time) string {
	zone, _ := t.Zone()
	return c.date(t) + c.At + t.Format("15:04") + " " + zone
}

// daysLeft says when a deadline falls, counted in calendar days in the
// subscriber's zone: today, tomorrow, in 5 days.
func (c *catalog) daysLeft(deadline, now time.Time) string {
	d0 := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	d1 := time.Date(deadline.Year(), deadline.Month(), deadline.Day(), 0, 0, 0, 0, time.UTC)
	switch n := int(d1.Sub(d0).Hours() / 24); {
	case n <= 0:
		return c.Today
	case n == 1:
		return c.Tomorrow
	default:
		return fmt.Sprintf(c.InDays, n)
	}
}

// amount formats a EUR amount: "EUR 2,500,000", "2 500 000 EUR".
func (c *catalog) amount(v int64) string {
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(c.Thousand)
		}
		b.WriteRune(r)
	}
	if c.EURFirst {
		return "EUR " + b.String()
	}
	return b.String() + " EUR"
}

// budget formats a per-project range; "" when none is published.
func (c *catalog) budget(lo, hi int64) string {
	switch {
	case lo > 0 && hi > 0 && lo != hi:
		if c.EURFirst {
			return c.amount(lo) + " – " + strings.TrimPrefix(c.amount(hi), "EUR ")
		}
		return strings.TrimSuffix(c.amount(lo), " EUR") + " – " + c.amount(hi)
	case hi > 0:
		if lo == hi {
			return c.amount(hi)
		}
		return fmt.Sprintf(c.BudgetUpTo, c.amount(hi))
	case lo > 0:
		return fmt.Sprintf(c.BudgetFrom, c.amount(lo))
	}
	return ""
}

func (c *catalog) status(s funding.Status) string {
	switch s {
	case funding.StatusOpen:
		return c.Status[0]
	case funding.StatusForthcoming:
		return c.Status[1]
	case funding.StatusClosed:
		return c.Status[2]
	}
	return string(s)
}

func (c *catalog) programme(p string) string {
	if v, ok := c.Programme[p]; ok {
		return v
	}
	return p
}

// reason renders a match reason: Keyword “pentesting” → security assessment.
func (c *catalog) reason(r Reason) string {
	switch r.Kind {
	case funding.ReasonDomain:
		label := r.Term
		if v, ok := c.Domains[r.Term]; ok {
			label = v
		}
		return c.ReasonDomain + " " + c.QOpen + label + c.QClose
	case funding.ReasonMeaning:
		return c.ReasonMeaning + " " + c.QOpen + r.Term + c.QClose
	case funding.ReasonDescription:
		s := c.ReasonDescription + " " + c.QOpen + r.Term + c.QClose
		if r.Concept != "" && r.Concept != r.Term {
			s += " → " + r.Concept
		}
		return s
	default:
		s := c.ReasonKeyword + " " + c.QOpen + r.Term + c.QClose
		if r.Concept != "" && r.Concept != r.Term {
			s += " → " + r.Concept
		}
		return s
	}
}

var english = catalog{
	Code:     "en",
	Months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	Weekdays: [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
	At:       ", ", Thousand: ",", EURFirst: true, QOpen: "“", QClose: "”", Colon: ": ",

	DigestName:   [2]string{"Daily digest", "Weekly digest"},
	Heading:      [2]string{"Your daily funding digest", "Your weekly funding digest"},
	Intro:        "Here is what is new for %s since your last digest.",
	SectionTitle: [4]string{"Recommended by NCC staff", "New matching calls", "Changes to calls you follow", "Deadlines in the next %d days"},

	CountRecommended: [2]string{"%d recommendation", "%d recommendations"},
	CountNew:         [2]string{"%d new call", "%d new calls"},
	CountChanged:     [2]string{"%d updated call", "%d updated calls"},
	CountDeadline:    [2]string{"%d deadline soon", "%d deadlines soon"},

	SubjectRecommended: "Recommended for you: %s",
	SubjectNew:         "New matching call: %s",
	SubjectChanged:     "Call updated: %s",
	SubjectDeadline:    "Deadline %s: %s",

	Today: "today", Tomorrow: "tomorrow", InDays: "in %d days",

	LabelDeadline: "Deadline", LabelBudget: "Budget per project", LabelProgramme: "Programme",
	LabelStatus: "Status", LabelWhy: "Why it matches", NoteBy: "Note from %s", LabelNote: "Note", LabelChanged: "What changed",

	ChangedStatus:    "the status is now: %s",
	ChangedDeadlines: "the deadline is now %s",
	DeadlineRemoved:  "no deadline is left",
	ChangedOpening:   "the opening date changed",
	ChangedBudget:    "the budget is now %s",
	ChangedUpdates:   "a new update on the portal: %s",

	Status: [3]string{"open", "forthcoming", "closed"},

	ReasonKeyword: "Keyword", ReasonDomain: "Domain", ReasonDescription: "Your description", ReasonMeaning: "Close in meaning to your",
	BudgetFrom: "from %s", BudgetUpTo: "up to %s",

	More:     [2]string{"…and %d more call for you.", "…and %d more calls for you."},
	SeeAll:   "See all your matches",
	ViewCall: "View the call",
	Footer: [2]string{
		"You receive this daily digest because you subscribed to the matches of %s.",
		"You receive this weekly digest because you subscribed to the matches of %s.",
	},
	Unsub: "Unsubscribe",
	Domains: map[string]string{
		"assurance-audit-certification":   "Assurance, audit and certification",
		"cryptology":                      "Cryptology",
		"data-security-privacy":           "Data security and privacy",
		"education-training":              "Education and training",
		"incident-handling-forensics":     "Incident handling and digital forensics",
		"human-aspects":                   "Human aspects",
		"identity-access-management":      "Identity and access management",
		"security-management-governance":  "Security management and governance",
		"network-distributed-systems":     "Network and distributed systems security",
		"software-hardware-security":      "Software and hardware security engineering",
		"security-measurements":           "Security measurements",
		"legal-aspects":                   "Legal aspects",
		"theoretical-foundations":         "Theoretical foundations",
		"trust-management-accountability": "Trust management and accountability",
		"post-quantum":                    "Post-quantum cryptography",
		"ai-security":                     "AI security",
		"critical-infrastructure":         "Critical infrastructure protection",
		"threat-intelligence":             "Threat intelligence",
	},
	Programme: map[string]string{
		funding.ProgrammeDigital: "Digital Europe",
		funding.ProgrammeHorizon: "Horizon Europe",
		funding.ProgrammeOther:   "Other programme",
	},
}

var french = catalog{
	Code:     "fr",
	Months:   [12]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	Weekdays: [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
	At:       " à ", Thousand: "\u202f", EURFirst: false, QOpen: "«\u00a0", QClose: "\u00a0»", Colon: "\u00a0: ",

	DigestName:   [2]string{"Sélection du jour", "Sélection de la semaine"},
	Heading:      [2]string{"Votre sélection quotidienne d’appels", "Votre sélection hebdomadaire d’appels"},
	Intro:        "Voici les nouveautés pour %s depuis votre dernière sélection.",
	SectionTitle: [4]string{"Recommandés par l’équipe du NCC", "Nouveaux appels pour votre profil", "Modifications des appels que vous suivez", "Dates limites dans les %d prochains jours"},

	CountRecommended: [2]string{"%d recommandation", "%d recommandations"},
	CountNew:         [2]string{"%d nouvel appel", "%d nouveaux appels"},
	CountChanged:     [2]string{"%d appel modifié", "%d appels modifiés"},
	CountDeadline:    [2]string{"%d date limite proche", "%d dates limites proches"},

	SubjectRecommended: "Recommandé pour vous\u00a0: %s",
	SubjectNew:         "Nouvel appel pour vous\u00a0: %s",
	SubjectChanged:     "Appel modifié\u00a0: %s",
	SubjectDeadline:    "Date limite %s\u00a0: %s",

	Today: "aujourd’hui", Tomorrow: "demain", InDays: "dans %d jours",

	LabelDeadline: "Date limite", LabelBudget: "Budget par projet", LabelProgramme: "Programme",
	LabelStatus: "Statut", LabelWhy: "Pourquoi cet appel", NoteBy: "Note de %s", LabelNote: "Note", LabelChanged: "Ce qui a changé",

	ChangedStatus:    "le statut est désormais\u00a0: %s",
	ChangedDeadlines: "la date limite est désormais le %s",
	DeadlineRemoved:  "il ne reste aucune date limite",
	ChangedOpening:   "la date d’ouverture a changé",
	ChangedBudget:    "le budget est désormais de %s",
	ChangedUpdates:   "une nouvelle mise à jour sur le portail\u00a0: %s",

	Status: [3]string{"ouvert", "à venir", "clôturé"},

	ReasonKeyword: "Mot-clé", ReasonDomain: "Domaine", ReasonDescription: "Votre description", ReasonMeaning: "Proche par le sens de votre",
	BudgetFrom: "à partir de %s", BudgetUpTo: "jusqu’à %s",

	More:     [2]string{"… et %d autre appel pour vous.", "… et %d autres appels pour vous."},
	SeeAll:   "Voir tous vos appels",
	ViewCall: "Voir l’appel",
	Footer: [2]string{
		"Vous recevez cette sélection quotidienne car vous êtes abonné aux appels du profil «\u00a0%s\u00a0».",
		"Vous recevez cette sélection hebdomadaire car vous êtes abonné aux appels du profil «\u00a0%s\u00a0».",
	},
	Unsub: "Se désabonner",
	Domains: map[string]string{
		"assurance-audit-certification":   "Assurance, audit et certification",
		"cryptology":                      "Cryptologie",
		"data-security-privacy":           "Sécurité des données et vie privée",
		"education-training":              "Éducation et formation",
		"incident-handling-forensics":     "Gestion des incidents et investigation numérique",
		"human-aspects":                   "Facteurs humains",
		"identity-access-management":      "Gestion des identités et des accès",
		"security-management-governance":  "Gestion et gouvernance de la sécurité",
		"network-distributed-systems":     "Sécurité des réseaux et des systèmes distribués",
		"software-hardware-security":      "Ingénierie de la sécurité logicielle et matérielle",
		"security-measurements":           "Mesure de la sécurité",
		"legal-aspects":                   "Aspects juridiques",
		"theoretical-foundations":         "Fondements théoriques",
		"trust-management-accountability": "Gestion de la confiance et responsabilité",
		"post-quantum":                    "Cryptographie post-quantique",
		"ai-security":                     "Sécurité de l’IA",
		"critical-infrastructure":         "Protection des infrastructures critiques",
		"threat-intelligence":             "Renseignement sur les menaces",
	},
	Programme: map[string]string{
		funding.ProgrammeDigital: "Europe numérique",
		funding.ProgrammeHorizon: "Horizon Europe",
		funding.ProgrammeOther:   "Autre programme",
	},
}

var dutch = catalog{
	Code:     "nl",
	Months:   [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	Weekdays: [7]string{"zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"},
	At:       " om ", Thousand: ".", EURFirst: true, QOpen: "‘", QClose: "’", Colon: ": ",

	DigestName:   [2]string{"Dagelijks overzicht", "Wekelijks overzicht"},
	Heading:      [2]string{"Uw dagelijkse selectie van oproepen", "Uw wekelijkse selectie van oproepen"},
	Intro:        "Dit is er nieuw voor %s sinds uw vorige overzicht.",
	SectionTitle: [4]string{"Aanbevolen door het NCC-team", "Nieuwe oproepen voor uw profiel", "Wijzigingen in oproepen die u volgt", "Deadlines in de komende %d dagen"},

	CountRecommended: [2]string{"%d aanbeveling", "%d aanbevelingen"},
	CountNew:         [2]string{"%d nieuwe oproep", "%d nieuwe oproepen"},
	CountChanged:     [2]string{"%d gewijzigde oproep", "%d gewijzigde oproepen"},
	CountDeadline:    [2]string{"%d deadline nadert", "%d deadlines naderen"},

	SubjectRecommended: "Aanbevolen voor u: %s",
	SubjectNew:         "Nieuwe oproep voor u: %s",
	SubjectChanged:     "Oproep gewijzigd: %s",
	SubjectDeadline:    "Deadline %s: %s",

	Today: "vandaag", Tomorrow: "morgen", InDays: "over %d dagen",

	LabelDeadline: "Deadline", LabelBudget: "Budget per project", LabelProgramme: "Programma",
	LabelStatus: "Status", LabelWhy: "Waarom deze oproep", NoteBy: "Notitie van %s", LabelNote: "Notitie", LabelChanged: "Wat is er gewijzigd",

	ChangedStatus:    "de status is nu: %s",
	ChangedDeadlines: "de deadline is nu %s",
	DeadlineRemoved:  "er is geen deadline meer",
	ChangedOpening:   "de openingsdatum is gewijzigd",
	ChangedBudget:    "het budget is nu %s",
	ChangedUpdates:   "een nieuwe update op het portaal: %s",

	Status: [3]string{"open", "binnenkort open", "gesloten"},

	ReasonKeyword: "Trefwoord", ReasonDomain: "Domein", ReasonDescription: "Uw beschrijving", ReasonMeaning: "Qua betekenis dicht bij uw",
	BudgetFrom: "vanaf %s", BudgetUpTo: "tot %s",

	More:     [2]string{"…en nog %d oproep voor u.", "…en nog %d oproepen voor u."},
	SeeAll:   "Bekijk al uw oproepen",
	ViewCall: "Bekijk de oproep",
	Footer: [2]string{
		"U ontvangt dit dagelijkse overzicht omdat u bent ingeschreven op de oproepen voor %s.",
		"U ontvangt dit wekelijkse overzicht omdat u bent ingeschreven op de oproepen voor %s.",
	},
	Unsub: "Uitschrijven",
	Domains: map[string]string{
		"assurance-audit-certification":   "Assurance, audit en certificering",
		"cryptology":                      "Cryptologie",
		"data-security-privacy":           "Gegevensbeveiliging en privacy",
		"education-training":              "Onderwijs en opleiding",
		"incident-handling-forensics":     "Incidentafhandeling en digitaal forensisch onderzoek",
		"human-aspects":                   "Menselijke aspecten",
		"identity-access-management":      "Identiteits- en toegangsbeheer",
		"security-management-governance":  "Beveiligingsbeheer en governance",
		"network-distributed-systems":     "Beveiliging van netwerken en gedistribueerde systemen",
		"software-hardware-security":      "Beveiliging van software en hardware",
		"security-measurements":           "Beveiligingsmetingen",
		"legal-aspects":                   "Juridische aspecten",
		"theoretical-foundations":         "Theoretische grondslagen",
		"trust-management-accountability": "Vertrouwensbeheer en verantwoording",
		"post-quantum":                    "Post-kwantumcryptografie",
		"ai-security":                     "AI-beveiliging",
		"critical-infrastructure":         "Bescherming van kritieke infrastructuur",
		"threat-intelligence":             "Dreigingsinformatie",
	},
	Programme: map[string]string{
		funding.ProgrammeDigital: "Digitaal Europa",
		funding.ProgrammeHorizon: "Horizon Europa",
		funding.ProgrammeOther:   "Ander programma",
	},
}
