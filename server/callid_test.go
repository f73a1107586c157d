package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// europeAid is a real recorded identifier with '/' in it (a type-2 call).
const europeAid = "EuropeAid/186002/DD/ACT/MA"

// TestCallIDWithSlash opens an identifier with '/' everywhere a call id
// goes: API, page, links of the search page, follow, iCal, curation.
func TestCallIDWithSlash(t *testing.T) {
	s, _ := pageServer(t)
	escaped := url.PathEscape(europeAid)
	if escaped != "EuropeAid%2F186002%2FDD%2FACT%2FMA" {
		t.Fatalf("url.PathEscape(%q) = %q", europeAid, escaped)
	}

	var call map[string]any
	if code := do(t, s, http.MethodGet, "/api/v1/calls/"+escaped, "", nil, &call); code != http.StatusOK || call["id"] != europeAid {
		t.Fatalf("GET /api/v1/calls/%s = %d %v, want 200 and the call", escaped, code, call["id"])
	}
	if code := do(t, s, http.MethodGet, "/api/v1/calls/"+europeAid, "", nil, nil); code != http.StatusNotFound {
		t.Errorf("GET /api/v1/calls/%s unescaped = %d, want 404 (several path segments)", europeAid, code)
	}

	b := newClient(t, s)
	page := b.get("/calls/" + escaped)
	if page.code != http.StatusOK || !strings.Contains(page.body, europeAid) {
		t.Fatalf("GET /calls/%s = %d", escaped, page.code)
	}
	search := b.get("/?q=" + url.QueryEscape(europeAid))
	if !strings.Contains(search.body, `href="/calls/`+escaped+`"`) {
		t.Errorf("search page does not link %s escaped", europeAid)
	}

	id := b.register(socForm("Slash SME", "slash@example.be"))
	b.get("/profiles/" + id)
	a := b.post("/profiles/"+id+"/follow", url.Values{"call_id": {europeAid}, "next": {"/calls/" + escaped}})
	if a.code != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/calls/"+escaped+"?") {
		t.Fatalf("follow %s = %d to %q", europeAid, a.code, a.header.Get("Location"))
	}
	matches := b.get("/profiles/" + id)
	if !strings.Contains(matches.body, `href="/calls/`+escaped+`"`) {
		t.Errorf("matches page does not link the followed call escaped")
	}
	i := strings.Index(matches.body, "/profiles/"+id+"/deadlines.ics?token=")
	if i < 0 {
		t.Fatal("no calendar address")
	}
	feed := matches.body[i:]
	feed = strings.ReplaceAll(feed[:strings.IndexByte(feed, '"')], "&amp;", "&")
	ics := strings.ReplaceAll(b.get(feed).body, "\r\n ", "") // unfold
	if !strings.Contains(ics, "URL:http://localhost:8080/calls/"+escaped) && !strings.Contains(ics, "/calls/"+escaped+"\r\n") {
		t.Errorf("iCal feed lacks the escaped page of %s:\n%s", europeAid, truncate(ics))
	}

	token := addStaff(t, s, "slash-staff@ncc.example.be", "pw")
	var out map[string]any
	body := map[string]any{"call_id": europeAid, "segment": map[string]string{"size": "small"}, "action": "recommend", "note": "Morocco"}
	if code := do(t, s, http.MethodPost, "/api/v1/curations", token, body, &out); code != http.StatusCreated {
		t.Errorf("curate %s = %d %v, want 201", europeAid, code, out)
	}
}

// TestCallPortalFacts: the call page and API show what the portal
// published beyond the texts, on real recorded records.
func TestCallPortalFacts(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)

	closed := b.get("/calls/HORIZON-CL4-2025-04-DATA-03")
	body := text(closed.body)
	for _, want := range []string{"56 proposals submitted", "indicative topic budget", "No submission system is open for this topic.",
		"Offered on the portal for this call", "Last changed on the portal", "The next stage of the data economy"} {
		if !strings.Contains(body, want) {
			t.Errorf("page of HORIZON-CL4-2025-04-DATA-03 lacks %q", want)
		}
	}
	if !strings.Contains(closed.body, `id="portal-changed">`) || strings.Contains(closed.body, `id="portal-changed"><span class="muted">`) {
		t.Error("the portal's own change date is not shown")
	}

	later := b.get("/calls/HORIZON-CL4-2027-04-DATA-03")
	if !strings.Contains(text(later.body), "Last time 56 proposals for about 3 grants") {
		t.Errorf("page of HORIZON-CL4-2027-04-DATA-03 lacks the last round: %s", truncate(text(later.body)))
	}
	var call struct {
		PreviousRound *struct {
			CallID         string `json:"call_id"`
			Proposals      int    `json:"proposals"`
			ExpectedGrants int    `json:"expected_grants"`
		} `json:"previous_round"`
		ProgrammeName string `json:"programme_name"`
	}
	do(t, s, http.MethodGet, "/api/v1/calls/HORIZON-CL4-2027-04-DATA-03", "", nil, &call)
	if p := call.PreviousRound; p == nil || p.CallID != "HORIZON-CL4-2025-04-DATA-03" || p.Proposals != 56 || p.ExpectedGrants != 3 {
		t.Errorf("previous_round = %+v, want DATA-03 of 2025: 56 proposals, 3 grants", p)
	}

	// The destination text is searched like the topic's own sections.
	var found struct {
		Hits []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	do(t, s, http.MethodGet, "/api/v1/calls?size=50&q="+url.QueryEscape(`"enjoy watching satellite TV"`), "", nil, &found)
	hit := false
	for _, h := range found.Hits {
		hit = hit || h.ID == "HORIZON-CL4-2026-SPACE-03-61"
	}
	if !hit {
		t.Errorf("a phrase of its destination text does not find HORIZON-CL4-2026-SPACE-03-61: %+v", found.Hits)
	}

	fr := newClient(t, s)
	if page := text(fr.get("/calls/HORIZON-CL4-2025-04-DATA-03?lang=fr").body); !strings.Contains(page, "56 propositions soumises") {
		t.Error("French page lacks the proposal count")
	}
}
