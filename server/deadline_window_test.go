package server

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

// TestDeadlineWithinAPI: deadline_within=7|30|90 keeps the open or
// forthcoming calls whose next deadline falls within so many days, sorted
// by deadline on request; other values are a 400 naming the parameter.
func TestDeadlineWithinAPI(t *testing.T) {
	s := newTestServer(t, nil)
	var prev uint64
	for _, days := range []string{"7", "30", "90"} {
		var a callsAnswer
		if code := do(t, s, "GET", "/api/v1/calls?size=100&sort=deadline&deadline_within="+days, "", nil, &a); code != 200 {
			t.Fatalf("GET deadline_within=%s = %d (%s)", days, code, a.Error)
		}
		d, _ := time.ParseDuration(days + "h")
		end := testNow.Add(24 * d)
		for i, h := range a.Hits {
			if h.Status == string(funding.StatusClosed) || h.Deadline == nil || h.Deadline.Before(testNow) || h.Deadline.After(end) {
				t.Errorf("deadline_within=%s: %s (%s, deadline %v) is outside the window", days, h.ID, h.Status, h.Deadline)
				continue
			}
			if i > 0 && a.Hits[i-1].Deadline != nil && h.Deadline.Before(*a.Hits[i-1].Deadline) {
				t.Errorf("deadline_within=%s: %s (%v) after %s (%v)", days, h.ID, h.Deadline, a.Hits[i-1].ID, a.Hits[i-1].Deadline)
			}
		}
		if a.Total < prev {
			t.Errorf("deadline_within=%s: total %d, fewer than a narrower window's %d", days, a.Total, prev)
		}
		prev = a.Total
	}
	var all callsAnswer
	do(t, s, "GET", "/api/v1/calls", "", nil, &all)
	if prev == 0 || prev >= all.Total {
		t.Errorf("deadline_within=90: total %d of %d calls: want a narrower non-empty result", prev, all.Total)
	}
	for _, bad := range []string{"14", "0", "-7", "thirty", "7.5", "30,90"} {
		var a callsAnswer
		if code := do(t, s, "GET", "/api/v1/calls?deadline_within="+bad, "", nil, &a); code != 400 || !strings.Contains(a.Error, "deadline_within") || !strings.Contains(a.Error, "7, 30 or 90") {
			t.Errorf("GET deadline_within=%s = %d %q, want 400 naming deadline_within and its values", bad, code, a.Error)
		}
	}
}

// TestDeadlineWithinOnSearchPage: the windows are one-click choices in
// every language; the chosen one stays checked and the page's links
// (pages, CSV) carry it on.
func TestDeadlineWithinOnSearchPage(t *testing.T) {
	s, _ := pageServer(t)
	for lang, label := range map[string]string{"en": "30 days", "fr": "30 jours", "nl": "30 dagen"} {
		a := newClient(t, s).get("/?lang=" + lang)
		if a.code != http.StatusOK || !strings.Contains(a.body, `name="deadline_within" value="30"`) || !strings.Contains(a.body, label) {
			t.Errorf("GET /?lang=%s = %d: no one-click window of %q", lang, a.code, label)
		}
	}
	a := newClient(t, s).get("/?deadline_within=30&sort=deadline")
	if a.code != http.StatusOK {
		t.Fatalf("GET /?deadline_within=30 = %d: %s", a.code, truncate(text(a.body)))
	}
	if !strings.Contains(a.body, `value="30" checked`) {
		t.Error("the window chosen is not checked")
	}
	if !strings.Contains(a.body, `href="/calls.csv?deadline_within=30&amp;sort=deadline"`) {
		t.Error("the CSV link does not carry the window on")
	}
	a = newClient(t, s).get("/?deadline_within=14")
	if a.code != http.StatusBadRequest || !strings.Contains(text(a.body), "deadline_within") {
		t.Errorf("GET /?deadline_within=14 = %d, want 400 saying which filter: %s", a.code, truncate(text(a.body)))
	}
}
