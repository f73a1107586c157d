package server

import (
	"bytes"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
	"time"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/locale"
	"callmatch/match"
)

// TestEveryViewShowsTheSameMatches: the matches page, the CSV export, the
// calendar and the digest of one profile show the same matches, in the same
// order, with the same reasons, in the user's language (English, French,
// Dutch).
func TestEveryViewShowsTheSameMatches(t *testing.T) {
	s, _ := pageServer(t)
	ctx := t.Context()
	b := newClient(t, s)
	id := b.register(socForm("Views SME", "views@example.be"))
	p, err := s.store.Profile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.matches.List(ctx, p, match.PoolSize)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Matches) < 5 {
		t.Fatalf("%d matches, want at least 5 for this test", len(list.Matches))
	}
	var want []string
	for _, m := range list.Matches {
		want = append(want, m.CallID)
	}
	page := b.get("/profiles/" + id)
	i := strings.Index(page.body, "/profiles/"+id+"/deadlines.ics?token=")
	if i < 0 {
		t.Fatal("the matches page does not give the calendar address")
	}
	feed := html.UnescapeString(page.body[i : i+strings.IndexByte(page.body[i:], '"')])
	digests := digestsFor(t, s, p)

	for _, lang := range locale.Languages {
		pr := locale.For(lang)
		t.Run(lang, func(t *testing.T) {
			// The page: the first matchesLimit, in order, each reason's lead
			// beside its passage.
			page := b.get("/profiles/" + id + "?lang=" + lang)
			inOrder(t, "page", page.body, want[:min(matchesLimit, len(want))], func(id string) string { return `href="` + callPathOf(id) + `"` })
			for _, m := range list.Matches[:min(matchesLimit, len(want))] {
				for _, r := range m.Reasons {
					if lead := pr.ReasonLead(r); lead != "" && !strings.Contains(page.body, html.EscapeString(lead)) {
						t.Errorf("page: %s: reason %q missing", m.CallID, lead)
					}
				}
			}

			// The CSV: every match of the pool, in order, every reason.
			rows := readCSV(t, b.get("/profiles/"+id+"/matches.csv?lang="+lang).body)
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[0])
			}
			if !slices.Equal(got, want) {
				t.Errorf("CSV has %v, want the page's %v", got, want)
			}
			for i, m := range list.Matches[:min(len(rows)-1, len(list.Matches))] {
				if got, want := rows[i+1][11], csvCell(strings.Join(sentences(pr, m.Reasons, true), " | ")); got != want {
					t.Errorf("CSV %s reasons = %q, want %q", m.CallID, got, want)
				}
			}

			// The calendar: the matches' deadlines in the same order, each
			// with the page's reasons.
			ics := unfoldICS(newClient(t, s).get(feed + "&lang=" + lang).body)
			var withDeadline []string
			for _, m := range list.Matches {
				if m.Deadline != nil {
					withDeadline = append(withDeadline, m.CallID)
				}
			}
			inOrder(t, "calendar", ics, withDeadline, func(id string) string { return "UID:" + id + "-" })
			for _, m := range list.Matches {
				if m.Deadline == nil {
					continue
				}
				for _, r := range sentences(pr, m.Reasons, false) {
					if !strings.Contains(ics, icalEscape(r)) {
						t.Errorf("calendar: %s: reason %q missing", m.CallID, r)
					}
				}
			}

			// The digest: new matches in the page's order, each with the
			// first of its reasons as the page says them.
			text := digests[lang]
			flat := strings.Join(strings.Fields(text), " ") // the e-mail writes the passage on one line
			var shown []funding.Match
			for _, m := range list.Matches {
				if strings.Contains(text, "/calls/"+callPathOf(m.CallID)[len("/calls/"):]) {
					shown = append(shown, m)
				}
			}
			if len(shown) < 3 {
				t.Fatalf("digest shows %d of the matches:\n%s", len(shown), text)
			}
			var shownIDs []string
			for _, m := range shown {
				shownIDs = append(shownIDs, m.CallID)
			}
			inOrder(t, "digest", text, shownIDs, func(id string) string { return callPathOf(id) + "\n" })
			for _, m := range shown {
				var textReasons []funding.Reason
				for _, r := range m.Reasons {
					if r.Kind == funding.ReasonKeyword || r.Kind == funding.ReasonDomain || r.Kind == funding.ReasonDescription || r.Kind == funding.ReasonMeaning {
						textReasons = append(textReasons, r)
					}
				}
				for _, r := range textReasons[:min(3, len(textReasons))] {
					if s := pr.Reason(r); !strings.Contains(flat, strings.Join(strings.Fields(s), " ")) {
						t.Errorf("digest: %s: reason %q missing", m.CallID, s)
					}
				}
			}
		})
	}
}

// callPathOf is a call's page.
func callPathOf(id string) string { return callPath(id) }

// sentences are the reasons as exports say them: every reason (all) or
// those the page lists (not budget and deadline, which it shows as facts).
func sentences(pr locale.Printer, rs []funding.Reason, all bool) []string {
	var out []string
	for _, r := range rs {
		if all || r.Kind != funding.ReasonBudget && r.Kind != funding.ReasonDeadline {
			out = append(out, pr.Reason(r))
		}
	}
	return out
}

// inOrder checks that the marks of ids are all in body, in that order.
func inOrder(t *testing.T, view, body string, ids []string, mark func(string) string) {
	t.Helper()
	at := 0
	for _, id := range ids {
		i := strings.Index(body[at:], mark(id))
		if i < 0 {
			if strings.Contains(body, mark(id)) {
				t.Errorf("%s: %s is out of order", view, id)
			} else {
				t.Errorf("%s: %s is missing", view, id)
			}
			return
		}
		at += i + 1
	}
}

// unfoldICS joins the folded lines of an iCalendar text.
func unfoldICS(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }

// digestsFor composes the profile's first digest in each language, as
// `callmatch digest --dry-run` prints it, from the server's match lists.
func digestsFor(t *testing.T, s *Server, p *funding.Profile) map[string]string {
	t.Helper()
	ctx := t.Context()
	confirmed := testNow.Add(-48 * time.Hour)
	r, err := digest.New(digest.Config{BaseURL: s.cfg.BaseURL, SecretKey: testUnsubscribeKey}, s.store, s.matches, nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, lang := range locale.Languages {
		sub := funding.Subscription{Email: "views-" + lang + "@example.be", ProfileID: p.ID, Frequency: funding.FrequencyDaily, Hour: 0,
			Timezone: "UTC", Language: lang, TokenHash: "views-" + lang + "-" + p.ID, ConfirmedAt: &confirmed}
		if err := s.store.CreateSubscription(ctx, &sub); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := r.DryRun(ctx, testNow, &buf); err != nil {
			t.Fatal(err)
		}
		// Only this subscription's digest: the shared store holds others.
		_, mine, _ := strings.Cut(buf.String(), fmt.Sprintf("=== subscription %d,", sub.ID))
		mine, _, _ = strings.Cut(mine, "=== subscription ")
		out[lang] = mine
		if err := s.store.Unsubscribe(ctx, sub.ID, testNow); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
