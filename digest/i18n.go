package digest

import (
	"fmt"
	"strings"
	"time"

	"callmatch/funding"
	"callmatch/locale"
)

// catalog holds every string a digest shows in one language, read once
// from the "digest." messages of package locale (the one source of the
// EN/FR/NL texts). Fields, not map keys: a test checks that no language
// leaves one empty.
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

var (
	english  = loadCatalog("en")
	french   = loadCatalog("fr")
	dutch    = loadCatalog("nl")
	catalogs = map[string]*catalog{"en": &english, "fr": &french, "nl": &dutch}
)

// loadCatalog reads the digest's messages in lang from its locale.
func loadCatalog(lang string) catalog {
	p := locale.For(lang)
	t := func(key string) string { return p.T("digest." + key) }
	two := func(key, a, b string) [2]string { return [2]string{t(key + "." + a), t(key + "." + b)} }
	return catalog{
		Code:  lang,
		Colon: t("colon"),

		DigestName:   two("name", "daily", "weekly"),
		Heading:      two("heading", "daily", "weekly"),
		Intro:        t("intro"),
		SectionTitle: [4]string{t("section.recommended"), t("section.new"), t("section.changed"), t("section.deadline")},

		CountRecommended: two("count_recommended", "one", "other"),
		CountNew:         two("count_new", "one", "other"),
		CountChanged:     two("count_changed", "one", "other"),
		CountDeadline:    two("count_deadline", "one", "other"),

		SubjectRecommended: t("subject.recommended"),
		SubjectNew:         t("subject.new"),
		SubjectChanged:     t("subject.changed"),
		SubjectDeadline:    t("subject.deadline"),

		Today: t("today"), Tomorrow: t("tomorrow"), InDays: t("in_days"),

		LabelDeadline: t("label.deadline"), LabelBudget: t("label.budget"), LabelProgramme: t("label.programme"),
		LabelStatus: t("label.status"), LabelWhy: t("label.why"), NoteBy: t("label.note_by"), LabelNote: t("label.note"),
		LabelChanged: t("label.changed"),

		ChangedStatus:    t("changed.status"),
		ChangedDeadlines: t("changed.deadlines"),
		DeadlineRemoved:  t("changed.deadline_removed"),
		ChangedOpening:   t("changed.opening"),
		ChangedBudget:    t("changed.budget"),
		ChangedUpdates:   t("changed.updates"),

		More:     two("more", "one", "other"),
		SeeAll:   t("see_all"),
		ViewCall: t("view_call"),
		Footer:   two("footer", "daily", "weekly"),
		Unsub:    t("unsubscribe"),
	}
}

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
