package digest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/funding"
	"callmatch/locale"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

func TestComposeGolden(t *testing.T) {
	for _, lang := range []string{"en", "fr", "nl"} {
		t.Run(lang, func(t *testing.T) {
			st, m := scenario(lang)
			r := newTestRunner(t, st, m, &memMailer{})
			s := st.sub(1)
			d, name, err := r.plan(context.Background(), s, "2026-09-14", monday, nil)
			if err != nil {
				t.Fatal(err)
			}
			msg, err := r.Composer().Compose(s, name, d, UnsubscribeToken([]byte("test-secret"), s.ID))
			if err != nil {
				t.Fatal(err)
			}
			head := "Subject: " + msg.Subject + "\nFrom: " + msg.From + "\nTo: " + msg.To + "\nMessage-ID: <" + msg.MessageID +
				">\nList-Unsubscribe: <" + msg.UnsubscribeURL + ">\n\n"
			golden(t, "digest."+lang+".txt.golden", head+msg.Text)
			golden(t, "digest."+lang+".html.golden", msg.HTML)
		})
	}
}

func TestComposeSubjectFitsContent(t *testing.T) {
	c, err := NewComposer(testBaseURL, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := local(2026, time.September, 15, 17, 0)
	s := funding.Subscription{ID: 3, Email: "a@b.example", ProfileID: "p", Frequency: funding.FrequencyWeekly, Language: "fr"}
	for _, tc := range []struct {
		lang  string
		item  Item
		more  int
		freq  string
		extra int // more items of kind new
		want  string
	}{
		{"en", Item{Kind: KindRecommended, Title: "Privacy-enhancing technologies for SMEs"}, 0, funding.FrequencyDaily, 0, "Recommended for you: Privacy-enhancing technologies for SMEs"},
		{"fr", Item{Kind: KindDeadline, Title: "AI for cybersecurity", Deadline: &deadline}, 0, funding.FrequencyWeekly, 0, "Date limite demain\u00a0: AI for cybersecurity"},
		{"nl", Item{Kind: KindChanged, Title: "SOC\ncapacities"}, 0, funding.FrequencyDaily, 0, "Oproep gewijzigd: SOC capacities"},
		{"en", Item{Kind: KindNew, Title: strings.Repeat("Very long title ", 10)}, 0, funding.FrequencyDaily, 0, "New matching call: Very long title Very long title Very long title Very long title Very…"},
		{"nl", Item{Kind: KindNew, Title: "X"}, 0, funding.FrequencyWeekly, 2, "Wekelijks overzicht: 3 nieuwe oproepen"},
		{"fr", Item{Kind: KindRecommended, Title: "X"}, 0, funding.FrequencyWeekly, 1, "Sélection de la semaine\u00a0: 1 recommandation, 1 nouvel appel"},
	} {
		s.Language, s.Frequency = tc.lang, tc.freq
		items := []Item{tc.item}
		for range tc.extra {
			items = append(items, Item{Kind: KindNew, Title: "Y"})
		}
		got := c.subject(catalogFor(tc.lang), s.Frequency, items, tc.more, monday)
		if got != tc.want {
			t.Errorf("subject(%s, %+v) = %q, want %q", tc.lang, tc.item.Kind, got, tc.want)
		}
	}
}

func TestComposeRefusesEmptyOrUnaddressedDigests(t *testing.T) {
	c, _ := NewComposer(testBaseURL, "")
	s := funding.Subscription{ID: 1, Email: "a@b.example", ProfileID: "p", Frequency: funding.FrequencyDaily}
	if _, err := c.Compose(s, "P", funding.Digest{ID: 1, PlannedAt: monday}, "tok"); err == nil {
		t.Errorf("Compose(no items) succeeded")
	}
	d := funding.Digest{ID: 1, PlannedAt: monday, Items: []funding.DigestItem{{CallID: "C", Reason: "match", Data: []byte(`{"kind":"match","title":"T"}`)}}}
	if _, err := c.Compose(s, "P", d, ""); err == nil {
		t.Errorf("Compose(no unsubscribe token) succeeded")
	}
	s.Email = "a@b.example\r\nBcc: x@y.example"
	if _, err := c.Compose(s, "P", d, "tok"); err == nil {
		t.Errorf("Compose(header injection in the address) succeeded")
	}
}

func TestComposeEscapesPortalText(t *testing.T) {
	c, _ := NewComposer(testBaseURL, "")
	s := funding.Subscription{ID: 1, Email: "a@b.example", ProfileID: "p/../x", Frequency: funding.FrequencyDaily}
	d := funding.Digest{ID: 1, PlannedAt: monday, Items: []funding.DigestItem{{CallID: "C 1/<x>", Reason: "match",
		Data: []byte(`{"kind":"match","title":"<script>alert(1)</script>"}`)}}}
	msg, err := c.Compose(s, "<b>Acme</b>", d, "tok")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg.HTML, "<script>") || strings.Contains(msg.HTML, "<b>Acme") {
		t.Errorf("HTML carries unescaped portal or profile text")
	}
	if !strings.Contains(msg.Text, testBaseURL+"/calls/C%201%2F%3Cx%3E") || !strings.Contains(msg.Text, testBaseURL+"/profiles/p%2F..%2Fx") {
		t.Errorf("ids are not path-escaped in links:\n%s", msg.Text)
	}
}

func TestCatalogsComplete(t *testing.T) {
	for code, cat := range catalogs {
		v := reflect.ValueOf(*cat)
		for i := range v.NumField() {
			f, name := v.Field(i), v.Type().Field(i).Name
			switch f.Kind() {
			case reflect.String:
				if f.String() == "" && name != "Thousand" {
					t.Errorf("%s: %s is empty", code, name)
				}
			case reflect.Array:
				for j := range f.Len() {
					if f.Index(j).String() == "" {
						t.Errorf("%s: %s[%d] is empty", code, name, j)
					}
				}
			}
		}
		if code != cat.Code {
			t.Errorf("catalog %s says it is %s", code, cat.Code)
		}
	}
	if catalogFor("de") != &english || catalogFor(" FR ") != &french {
		t.Errorf("catalogFor does not fall back to English or ignore case")
	}
}

func TestFormatting(t *testing.T) {
	at := local(2026, time.October, 15, 17, 0)
	for _, tc := range []struct{ lang, date, budget, amount string }{
		// Budgets as the pages write them (locale.Printer.Budget).
		{"en", "Thursday 15 October 2026, 17:00 CEST", "EUR 1 M – EUR 3 M", "EUR 6 M"},
		{"fr", "jeudi 15 octobre 2026 à 17:00 CEST", "1 M EUR – 3 M EUR", "6 M EUR"},
		{"nl", "donderdag 15 oktober 2026 om 17:00 CEST", "EUR 1 mln – EUR 3 mln", "EUR 6 mln"},
	} {
		cat := catalogFor(tc.lang)
		if got := cat.dateTime(at); got != tc.date {
			t.Errorf("%s dateTime = %q, want %q", tc.lang, got, tc.date)
		}
		if got := cat.budget(1_000_000, 3_000_000); got != tc.budget {
			t.Errorf("%s budget = %q, want %q", tc.lang, got, tc.budget)
		}
		if got := cat.budget(0, 6_000_000); got != tc.amount {
			t.Errorf("%s budget(0, 6M) = %q, want %q", tc.lang, got, tc.amount)
		}
	}
	if got := english.dateTime(local(2026, time.December, 1, 17, 0)); got != "Tuesday 1 December 2026, 17:00 CET" {
		t.Errorf("winter time = %q", got)
	}
	for _, tc := range []struct {
		deadline time.Time
		want     string
	}{
		{local(2026, time.September, 14, 23, 0), "today"},
		{local(2026, time.September, 15, 0, 30), "tomorrow"},
		{local(2026, time.September, 24, 17, 0), "in 10 days"},
	} {
		if got := english.daysLeft(tc.deadline, monday); got != tc.want {
			t.Errorf("daysLeft(%v) = %q, want %q", tc.deadline, got, tc.want)
		}
	}
}

func TestUnsubscribeToken(t *testing.T) {
	key := []byte("k")
	tok := UnsubscribeToken(key, 42)
	if id, ok := VerifyUnsubscribeToken(key, tok); !ok || id != 42 {
		t.Errorf("Verify(%q) = %d, %v, want 42, true", tok, id, ok)
	}
	for _, bad := range []string{"", "42", "43" + tok[2:], tok + "x", "042" + tok[2:], "-1.x"} {
		if _, ok := VerifyUnsubscribeToken(key, bad); ok {
			t.Errorf("Verify(%q) accepted a forged token", bad)
		}
	}
	if _, ok := VerifyUnsubscribeToken([]byte("other"), tok); ok {
		t.Errorf("a token verified under another key")
	}
}

// TestMeaningReasonShown: a match found by meaning shows the profile's
// phrase in the digest, in every language.
func TestMeaningReasonShown(t *testing.T) {
	rs := shownReasons([]funding.Reason{
		{Kind: funding.ReasonMeaning, Term: "passport data without the document", Passage: "digital travel credentials"},
		{Kind: funding.ReasonBudget, Text: "EUR 3 M"},
	})
	if len(rs) != 1 || rs[0].Kind != funding.ReasonMeaning {
		t.Fatalf("shownReasons = %+v, want the meaning reason only", rs)
	}
	for _, c := range []*catalog{&english, &french, &dutch} {
		got := c.reason(rs[0])
		want := locale.For(c.Code).Reason(funding.Reason{Kind: funding.ReasonMeaning, Term: "passport data without the document", Passage: "digital travel credentials"})
		if !strings.Contains(got, "passport data without the document") || got != want {
			t.Errorf("%s: reason = %q, want %q (the page's) and the phrase", c.Code, got, want)
		}
	}
}
