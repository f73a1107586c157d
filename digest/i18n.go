package digest

import (
	"fmt"
	"strings"
	"time"

	"callmatch/funding"
	"callmatch/locale"
)

// catalog holds every string a digest shows in one language. Fields, not
// map keys: a test checks that no language leaves one empty.
type catalog struct {
	Code  string
	Colon string // between a label and its value: ": ", French " : "

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

	More     [2]string // %d: how many more
	SeeAll   string
	ViewCall string
	Footer   [2]string // daily, weekly; %s: the profile name
	Unsub    string
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
	if f == Weekly {
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

// printer is the locale of the catalog's language: dates, amounts,
// labels and reasons are written as on the pages.
func (c *catalog) printer() locale.Printer { return locale.For(c.Code) }

// date formats t as "Tuesday 16 September 2026" in the language.
func (c *catalog) date(t time.Time) string { return c.printer().LongDate(t) }

// dateTime formats t as "Tuesday 16 September 2026, 17:00 CEST".
func (c *catalog) dateTime(t time.Time) string { return c.printer().LongDateTime(t) }

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

// budget formats a per-project range as the pages do; "" when none is published.
func (c *catalog) budget(lo, hi int64) string {
	if lo <= 0 && hi <= 0 {
		return ""
	}
	return c.printer().Budget(lo, hi)
}

func (c *catalog) status(s funding.Status) string { return c.printer().Status(s) }

func (c *catalog) programme(p string) string { return c.printer().Programme(p) }

// reason writes a match reason as the exports and the calendar do.
func (c *catalog) reason(r Reason) string {
	return c.printer().Reason(funding.Reason{Kind: r.Kind, Term: r.Term, Concept: r.Concept, Field: r.Field, Passage: r.Passage})
}

var english = catalog{
	Code:  "en",
	Colon: ": ",

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

	More:     [2]string{"…and %d more call for you.", "…and %d more calls for you."},
	SeeAll:   "See all your matches",
	ViewCall: "View the call",
	Footer: [2]string{
		"You receive this daily digest because you subscribed to the matches of %s.",
		"You receive this weekly digest because you subscribed to the matches of %s.",
	},
	Unsub: "Unsubscribe",
}

var french = catalog{
	Code:  "fr",
	Colon: "\u00a0: ",

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

	More:     [2]string{"… et %d autre appel pour vous.", "… et %d autres appels pour vous."},
	SeeAll:   "Voir tous vos appels",
	ViewCall: "Voir l’appel",
	Footer: [2]string{
		"Vous recevez cette sélection quotidienne car vous êtes abonné aux appels du profil «\u00a0%s\u00a0».",
		"Vous recevez cette sélection hebdomadaire car vous êtes abonné aux appels du profil «\u00a0%s\u00a0».",
	},
	Unsub: "Se désabonner",
}

var dutch = catalog{
	Code:  "nl",
	Colon: ": ",

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

	More:     [2]string{"…en nog %d oproep voor u.", "…en nog %d oproepen voor u."},
	SeeAll:   "Bekijk al uw oproepen",
	ViewCall: "Bekijk de oproep",
	Footer: [2]string{
		"U ontvangt dit dagelijkse overzicht omdat u bent ingeschreven op de oproepen voor %s.",
		"U ontvangt dit wekelijkse overzicht omdat u bent ingeschreven op de oproepen voor %s.",
	},
	Unsub: "Uitschrijven",
}
