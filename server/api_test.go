package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type callsAnswer struct {
	Total  uint64                    `json:"total"`
	Hits   []callHit                 `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
	Error  string                    `json:"error"`
}

func TestListCallsPagesThroughEveryCall(t *testing.T) {
	s := newTestServer(t, nil)
	var first callsAnswer
	if code := do(t, s, "GET", "/api/v1/calls?size=100", "", nil, &first); code != 200 {
		t.Fatalf("GET /api/v1/calls = %d (%s)", code, first.Error)
	}
	// 629 harvested topics plus the raw records' own English topics.
	if first.Total < 629 {
		t.Fatalf("total = %d, want at least the 629 recorded topics", first.Total)
	}
	seen := map[string]bool{}
	pages := int(first.Total+99) / 100
	for p := 1; p <= pages; p++ {
		var a callsAnswer
		do(t, s, "GET", fmt.Sprintf("/api/v1/calls?size=100&page=%d&sort=deadline", p), "", nil, &a)
		for _, h := range a.Hits {
			if seen[h.ID] {
				t.Errorf("page %d repeats %s", p, h.ID)
			}
			seen[h.ID] = true
		}
	}
	if uint64(len(seen)) != first.Total {
		t.Errorf("paging saw %d distinct calls, total says %d", len(seen), first.Total)
	}
	for _, facet := range []string{"programme", "status"} {
		sum := 0
		for _, n := range first.Facets[facet] {
			sum += n
		}
		if uint64(sum) != first.Total {
			t.Errorf("facet %s adds up to %d, total is %d", facet, sum, first.Total)
		}
	}
}

func TestGetCallHasTheExtractedFields(t *testing.T) {
	s := newTestServer(t, nil)
	var c struct {
		ID            string      `json:"id"`
		Deadlines     []time.Time `json:"deadlines"`
		TypesOfAction []string    `json:"types_of_action"`
		Budget        struct {
			Min int64 `json:"min_contribution"`
			Max int64 `json:"max_contribution"`
		} `json:"budget"`
		Sections []struct{ Title, Text string } `json:"sections"`
		Source   string                         `json:"source_url"`
		Crawled  time.Time                      `json:"crawled_at"`
		Changed  time.Time                      `json:"changed_at"`
	}
	if code := do(t, s, "GET", "/api/v1/calls/HORIZON-CL3-2026-02-CS-ECCC-01", "", nil, &c); code != 200 {
		t.Fatalf("status %d", code)
	}
	if len(c.Deadlines) == 0 || c.Deadlines[len(c.Deadlines)-1].Format("2006-01-02") != "2026-09-15" {
		t.Errorf("deadlines = %v, want 2026-09-15", c.Deadlines)
	}
	if c.Budget.Min != 3_000_000 || c.Budget.Max != 4_000_000 {
		t.Errorf("budget = %+v, want 3-4 M", c.Budget)
	}
	if len(c.TypesOfAction) == 0 || c.TypesOfAction[0] != "RIA" {
		t.Errorf("types_of_action = %v, want RIA first", c.TypesOfAction)
	}
	titles := map[string]string{}
	for _, sec := range c.Sections {
		titles[strings.ToLower(sec.Title)] = sec.Text
	}
	for _, want := range []string{"expected outcome", "scope"} {
		text := titles[want]
		if len(text) < 100 || strings.ContainsAny(text, "<>") {
			t.Errorf("section %q = %q, want clean text", want, truncate(text))
		}
	}
	var raw map[string]any
	do(t, s, "GET", "/api/v1/calls/HORIZON-CL3-2026-02-CS-ECCC-01", "", nil, &raw)
	for _, list := range []string{"tags", "keywords", "updates", "deadlines", "sections", "conditions", "types_of_action"} {
		if _, ok := raw[list].([]any); !ok {
			t.Errorf("%s = %v, want a list (empty rather than null)", list, raw[list])
		}
	}
	if c.Source == "" || c.Crawled.IsZero() || c.Changed.IsZero() {
		t.Errorf("provenance missing: source %q crawled %v changed %v", c.Source, c.Crawled, c.Changed)
	}
}

func TestSearchAPI(t *testing.T) {
	s := newTestServer(t, nil)
	t.Run("hostile query is plain text", func(t *testing.T) {
		var a callsAnswer
		if code := do(t, s, "GET", "/api/v1/calls?q="+url.QueryEscape(`-:*/"`), "", nil, &a); code != 200 {
			t.Errorf("status %d (%s), want 200", code, a.Error)
		}
	})
	t.Run("post-quantum first", func(t *testing.T) {
		var a callsAnswer
		do(t, s, "GET", "/api/v1/calls?q=post-quantum", "", nil, &a)
		if len(a.Hits) == 0 || !strings.Contains(strings.ToLower(a.Hits[0].Title+fmt.Sprint(a.Hits[0].Highlights)), "quantum") {
			t.Errorf("first hit of post-quantum = %+v", a.Hits)
		}
	})
	for _, tc := range []struct{ query, want string }{
		{"status=maybe", "status"},
		{"sort=random", "sort"},
		{"deadline_from=15/09/2026", "deadline_from"},
		{"budget_min=-5", "budget_min"},
		{"size=1000", "size"},
		{"page=0", "page"},
		{"open=perhaps", "open"},
		{"q=" + strings.Repeat("a", 600), "q"},
	} {
		t.Run("bad "+tc.want, func(t *testing.T) {
			var a callsAnswer
			if code := do(t, s, "GET", "/api/v1/calls?"+tc.query, "", nil, &a); code != 400 || !strings.Contains(a.Error, tc.want) {
				t.Errorf("GET ?%s = %d %q, want 400 naming %s", truncate(tc.query), code, a.Error, tc.want)
			}
		})
	}
	t.Run("unknown call", func(t *testing.T) {
		var a callsAnswer
		for _, id := range []string{"NOPE-1", "..%2F..%2Fetc%2Fpasswd", "a%00b"} {
			if code := do(t, s, "GET", "/api/v1/calls/"+id, "", nil, &a); code != 404 {
				t.Errorf("GET /api/v1/calls/%s = %d, want 404", id, code)
			}
		}
	})
}

func TestProfileLifecycle(t *testing.T) {
	s := newTestServer(t, nil)
	p := createProfile(t, s, belgianSOC())
	if p.ID == "" || len(p.Token) < 32 {
		t.Fatalf("created = %+v", p)
	}
	path := "/api/v1/profiles/" + p.ID
	var got map[string]any
	if code := do(t, s, "GET", path, p.Token, nil, &got); code != 200 || got["name"] != "Flemish SOC BV" {
		t.Fatalf("GET own profile = %d %v", code, got)
	}
	if _, leaked := got["token"]; leaked {
		t.Error("GET profile shows the token")
	}
	other := createProfile(t, s, map[string]any{"name": "Other", "email": "o@other.example.com"})
	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"no token", "", 401},
		{"wrong token", "x" + p.Token, 403},
		{"another profile's token", other.Token, 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct{ Error string }
			if code := do(t, s, "GET", path, tc.token, nil, &e); code != tc.want || e.Error == "" {
				t.Errorf("GET = %d %q, want %d with a message", code, e.Error, tc.want)
			}
			if code := do(t, s, "DELETE", path, tc.token, nil, &e); code != tc.want {
				t.Errorf("DELETE = %d, want %d", code, tc.want)
			}
		})
	}
	edit := belgianSOC()
	edit["keywords"] = []string{"penetration testing"}
	var updated map[string]any
	if code := do(t, s, "PUT", path, p.Token, edit, &updated); code != 200 || updated["version"].(float64) != 2 {
		t.Fatalf("PUT = %d %v, want version 2", code, updated)
	}
	bad := belgianSOC()
	bad["domains"] = []string{"astrology"}
	var e struct{ Error string }
	if code := do(t, s, "PUT", path, p.Token, bad, &e); code != 400 || !strings.Contains(e.Error, "astrology") {
		t.Errorf("PUT unknown domain = %d %q", code, e.Error)
	}
	do(t, s, "GET", path, p.Token, nil, &got)
	if fmt.Sprint(got["keywords"]) != "[penetration testing]" {
		t.Errorf("a rejected PUT changed the profile: %v", got["keywords"])
	}
	if code := do(t, s, "DELETE", path, p.Token, nil, nil); code != 204 {
		t.Errorf("DELETE = %d", code)
	}
	if code := do(t, s, "GET", path, p.Token, nil, &e); code != 404 {
		t.Errorf("GET after DELETE = %d, want 404", code)
	}
}

func TestCreateProfileRejectsBadInput(t *testing.T) {
	s := newTestServer(t, nil)
	with := func(k string, v any) map[string]any {
		b := belgianSOC()
		b[k] = v
		return b
	}
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"no name", with("name", ""), "name"},
		{"bad email", with("email", "not-an-email"), "email"},
		{"header injection", with("email", "a@b.example\r\nBcc: x@y.example"), "email"},
		{"unknown domain, the known ones listed", with("domains", []string{"cooking"}), "threat-intelligence"},
		{"absurd budget", with("budget_max", 1e15), "budget"},
		{"negative budget", with("budget_min", -1), "budget"},
		{"min above max", map[string]any{"name": "A", "email": "a@b.example", "budget_min": 5, "budget_max": 1}, "budget_min"},
		{"bad country", with("country", "Belgium"), "country"},
		{"bad size", with("size", "huge"), "size"},
		{"bad trl", with("trl", 12), "trl"},
		{"wrong type", with("keywords", "SOC"), "keywords"},
		{"unknown field", with("admin", true), "admin"},
		{"not json", "{name:", "JSON"},
		{"empty", "", "empty"},
		{"two objects", `{"name":"a","email":"a@b.example"}{}`, "one JSON object"},
		{"bad programme", with("programmes", []string{"ERASMUS"}), "programme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e struct{ Error string }
			code := do(t, s, "POST", "/api/v1/profiles", "", tc.body, &e)
			if code != 400 || !strings.Contains(strings.ToLower(e.Error), strings.ToLower(tc.want)) {
				t.Errorf("POST = %d %q, want 400 naming %q", code, e.Error, tc.want)
			}
		})
	}
	t.Run("oversized body", func(t *testing.T) {
		// Through a real listener: fasthttp refuses the body from its
		// Content-Length, answers and closes. The request is written by
		// hand: a client still sending the 2 MiB would meet the closed
		// connection, and report that instead of the answer.
		base := listen(t, s)
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "POST /api/v1/profiles HTTP/1.1\r\nHost: callmatch.test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"description\":\"", 2<<20)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST 2 MiB = %d, want 413", resp.StatusCode)
		}
	})
}

type matchesAnswer struct {
	ProfileID string `json:"profile_id"`
	Cached    bool   `json:"cached"`
	Matches   []struct {
		CallID   string     `json:"call_id"`
		Title    string     `json:"title"`
		Deadline *time.Time `json:"deadline"`
		Reasons  []struct {
			Kind, Term, Concept, Passage, Text string
		} `json:"reasons"`
		Eligibility []struct{ Rule, Result, Sentence string } `json:"eligibility"`
	} `json:"matches"`
	Error string `json:"error"`
}

func TestBelgianSOCMatchesCyberCalls(t *testing.T) {
	s := newTestServer(t, nil)
	p := createProfile(t, s, belgianSOC())
	var a matchesAnswer
	if code := do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches?limit=10", p.Token, nil, &a); code != 200 {
		t.Fatalf("matches = %d %s", code, a.Error)
	}
	if len(a.Matches) < 3 {
		t.Fatalf("got %d matches, want several", len(a.Matches))
	}
	for i, m := range a.Matches[:3] {
		if !strings.HasPrefix(m.CallID, "HORIZON-CL3") && !strings.HasPrefix(m.CallID, "DIGITAL-ECCC") {
			t.Errorf("match %d = %s (%s), want a HORIZON-CL3 or DIGITAL-ECCC topic at the top", i, m.CallID, m.Title)
		}
		var named bool
		for _, r := range m.Reasons {
			term := strings.ToLower(r.Term)
			for _, w := range []string{"soc", "threat intelligence sharing", "misp", "incident response", "threat-intelligence", "incident-handling-forensics"} {
				if term == w && r.Passage != "" {
					named = true
				}
			}
		}
		if !named {
			t.Errorf("match %d (%s) has no reason naming the profile's words with a passage: %+v", i, m.CallID, m.Reasons)
		}
	}
	for _, m := range a.Matches {
		if m.Deadline == nil || m.Deadline.Before(testNow) {
			t.Errorf("match %s has deadline %v: expired", m.CallID, m.Deadline)
		}
	}
}
