package server

import (
	"encoding/csv"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v", err)
	}
	return rows
}

func TestCallsCSVFollowsTheSearch(t *testing.T) {
	s, _ := pageServer(t)
	var api callsAnswer
	do(t, s, http.MethodGet, "/api/v1/calls?q=cybersecurity&programme=HORIZON&size=1", "", nil, &api)
	a := newClient(t, s).get("/calls.csv?q=cybersecurity&programme=HORIZON")
	if a.code != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET /calls.csv = %d %s", a.code, a.header.Get("Content-Type"))
	}
	rows := readCSV(t, a.body)
	if len(rows)-1 != int(api.Total) || rows[0][0] != "id" {
		t.Errorf("CSV has %d rows, the search %d", len(rows)-1, api.Total)
	}
	for _, r := range rows[1:] {
		if r[2] != "HORIZON" {
			t.Errorf("row %v is not HORIZON", r)
		}
	}
	all := readCSV(t, newClient(t, s).get("/calls.csv").body)
	if len(all) < 630 {
		t.Errorf("unfiltered CSV has %d rows, want every call", len(all))
	}
	if a := newClient(t, s).get("/calls.csv?status=maybe"); a.code != http.StatusBadRequest {
		t.Errorf("bad filter = %d, want 400", a.code)
	}
	// The search page links to the same export.
	if page := newClient(t, s).get("/?q=cybersecurity&programme=HORIZON&page=2"); !strings.Contains(page.body, `href="/calls.csv?programme=HORIZON&amp;q=cybersecurity"`) {
		t.Error("the search page does not link the CSV of its search")
	}
}

func TestCSVCellsDefuseFormulas(t *testing.T) {
	for in, want := range map[string]string{"=1+1": "'=1+1", "+A1": "'+A1", "-2": "'-2", "@SUM": "'@SUM", "Plain": "Plain", "": ""} {
		if got := csvCell(in); got != want {
			t.Errorf("csvCell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchesCSV(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("CSV SME", "csv@example.be"))
	a := b.get("/profiles/" + id + "/matches.csv")
	if a.code != http.StatusOK || !strings.Contains(a.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("matches.csv = %d", a.code)
	}
	rows := readCSV(t, a.body)
	if len(rows) < 3 || rows[0][0] != "call_id" || rows[0][11] != "reasons" || rows[1][11] == "" {
		t.Errorf("matches CSV = %v", rows[:min(2, len(rows))])
	}
}

func TestCalendarFeed(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Calendar SME", "calendar@example.be"))
	b.get("/profiles/" + id)
	b.post("/profiles/"+id+"/follow", map[string][]string{"call_id": {"HORIZON-CL3-2026-02-CS-ECCC-01"}})
	page := b.get("/profiles/" + id)
	i := strings.Index(page.body, "/profiles/"+id+"/deadlines.ics?token=")
	if i < 0 {
		t.Fatal("the matches page does not give the calendar address")
	}
	feed := page.body[i:]
	feed = feed[:strings.IndexByte(feed, '"')]

	stranger := newClient(t, s)
	for _, p := range []string{"/profiles/" + id + "/deadlines.ics", "/profiles/" + id + "/deadlines.ics?token=abc",
		"/profiles/x" + id + "/deadlines.ics?" + strings.SplitN(feed, "?", 2)[1]} {
		if a := stranger.get(p); a.code != http.StatusForbidden {
			t.Errorf("GET %s = %d, want 403", p, a.code)
		}
	}
	a := stranger.get(feed) // no cookie needed: calendars subscribe with the address alone
	if a.code != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed = %d %s", a.code, a.header.Get("Content-Type"))
	}
	ics := a.body
	if !strings.HasPrefix(ics, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(ics, "END:VCALENDAR\r\n") {
		t.Error("not a VCALENDAR")
	}
	if strings.Contains(strings.ReplaceAll(ics, "\r\n", ""), "\n") {
		t.Error("a line ends without CR")
	}
	uids := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(ics, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line of %d octets: %q", len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("fold split a character: %q", line)
		}
		if uid, ok := strings.CutPrefix(line, "UID:"); ok {
			if uids[uid] {
				t.Errorf("UID %s twice", uid)
			}
			uids[uid] = true
		}
	}
	if strings.Count(ics, "BEGIN:VEVENT") != len(uids) || len(uids) < 2 || strings.Count(ics, "DTSTAMP:") != len(uids) {
		t.Errorf("%d events, %d UIDs", strings.Count(ics, "BEGIN:VEVENT"), len(uids))
	}
	if !strings.Contains(ics, "UID:HORIZON-CL3-2026-02-CS-ECCC-01-20260915T150000Z@callmatch.test") {
		t.Errorf("the followed call's deadline is not in the feed with a stable UID: %v", uids)
	}
	// The portal's calendar date closes at 17:00 Brussels (15:00 UTC in September).
	if !strings.Contains(ics, "DTSTART:20260915T150000Z\r\nDTEND:20260915T160000Z\r\n") {
		t.Error("the deadline is not an event at 17:00 Brussels time")
	}
	if again := stranger.get(feed); again.body != ics {
		t.Error("the feed changes between two reads")
	}
}

func TestICalLineFolding(t *testing.T) {
	var w icalWriter
	long := "SUMMARY:" + icalEscape(strings.Repeat("Cybersécurité, PQC; ", 12)+"\nend")
	w.line(long)
	out := w.buf.String()
	var unfolded strings.Builder
	for i, l := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a character", i)
		}
		if i > 0 {
			if l[0] != ' ' {
				t.Errorf("continuation %d does not start with a space", i)
			}
			l = l[1:]
		}
		unfolded.WriteString(l)
	}
	if unfolded.String() != long {
		t.Errorf("unfolded = %q, want %q", unfolded.String(), long)
	}
	if !strings.Contains(long, `\,`) || !strings.Contains(long, `\;`) || !strings.Contains(long, `\n`) {
		t.Error("text not escaped")
	}
}

func TestChartsAreWellFormedSVG(t *testing.T) {
	rows := []gapRow{{"cryptology", "Cryptology & <PQC>", 3, 0}, {"ai-security", "AI security", 1, 7}}
	svgs := map[string]string{
		"gap": string(gapChart(rows, gapLabels{Title: "Gap", Demand: "Profiles", Supply: "Calls", Gap: "gap", Capped: 100})),
		"timeline": string(timelineChart([]timelinePoint{
			{ID: "A-1", Title: `Title "quoted" & <b>`, Programme: "HORIZON", At: testNow.Add(10 * 24 * time.Hour), Label: "6 Dec"},
			{ID: "A-2", Title: "Same week", Programme: "DIGITAL", At: testNow.Add(11 * 24 * time.Hour), Label: "7 Dec"},
		}, testNow, 120, timelineLabels{Title: "Deadlines", Today: "today", Week: func(time.Time) string { return "w" }})),
	}
	for name, svg := range svgs {
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s chart is not well-formed XML: %v\n%s", name, err, svg)
			}
		}
		if strings.Contains(svg, "<b>") || strings.Contains(svg, "style=") {
			t.Errorf("%s chart has unescaped text or a style attribute", name)
		}
	}
	if !strings.Contains(svgs["gap"], `data-domain="cryptology" data-demand="3" data-supply="0"`) || !strings.Contains(svgs["gap"], "0 · gap") {
		t.Error("the gap of cryptology is not marked")
	}
}
