package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

// Atom as a reader sees it: parsed with encoding/xml into its own types.
type readFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  []string    `xml:"author>name"`
	Links   []readLink  `xml:"link"`
	Entries []readEntry `xml:"entry"`
}

type readLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
	Href string `xml:"href,attr"`
}

type readEntry struct {
	ID      string     `xml:"id"`
	Title   string     `xml:"title"`
	Updated string     `xml:"updated"`
	Links   []readLink `xml:"link"`
	Summary string     `xml:"summary"`
	Content struct {
		Type string `xml:"type,attr"`
		Body string `xml:",chardata"`
	} `xml:"content"`
}

// parseAtom checks that raw is well-formed XML (every token, strictly) and
// an Atom feed with the elements RFC 4287 requires: feed id, title,
// updated and author; entry id, title, updated and a link.
func parseAtom(t *testing.T, raw []byte) readFeed {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	dec.Strict = true
	for {
		_, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the feed is not well-formed XML: %v\n%s", err, truncate(string(raw)))
		}
	}
	var f readFeed
	if err := xml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("the feed is not an Atom feed: %v\n%s", err, truncate(string(raw)))
	}
	isTime := func(v string) bool { _, err := time.Parse(time.RFC3339, v); return err == nil }
	if !strings.HasPrefix(f.ID, "tag:") || f.Title == "" || !isTime(f.Updated) || len(f.Author) == 0 || f.Author[0] == "" {
		t.Errorf("feed id %q, title %q, updated %q, author %q: want a tag: id, a title, an RFC 3339 time and an author", f.ID, f.Title, f.Updated, f.Author)
	}
	if !slices.ContainsFunc(f.Links, func(l readLink) bool { return l.Rel == "self" && strings.HasPrefix(l.Href, "http") }) {
		t.Errorf("feed links %+v: no absolute self link", f.Links)
	}
	for _, e := range f.Entries {
		if !strings.HasPrefix(e.ID, "tag:") || e.Title == "" || !isTime(e.Updated) {
			t.Errorf("entry id %q, title %q, updated %q: want a tag: id, a title, an RFC 3339 time", e.ID, e.Title, e.Updated)
		}
		if !slices.ContainsFunc(e.Links, func(l readLink) bool { return l.Rel == "alternate" && strings.HasPrefix(l.Href, "http") }) {
			t.Errorf("entry %s: no absolute alternate link in %+v", e.ID, e.Links)
		}
		if e.Content.Type != "html" || e.Content.Body == "" {
			t.Errorf("entry %s: content %q of type %q, want the key facts as HTML", e.ID, truncate(e.Content.Body), e.Content.Type)
		}
	}
	return f
}

func getFeed(t *testing.T, b *client, path string) readFeed {
	t.Helper()
	a := b.get(path)
	if a.code != http.StatusOK || a.header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("GET %s = %d %q: %s", path, a.code, a.header.Get("Content-Type"), truncate(text(a.body)))
	}
	return parseAtom(t, []byte(a.body))
}

func entryIDs(f readFeed) []string {
	ids := make([]string, len(f.Entries))
	for i, e := range f.Entries {
		ids[i] = e.ID
	}
	return ids
}

// TestCallsFeed: the feed of a search is valid Atom with the search's
// calls, dated by the portal's change, its ids the same from one request
// to the next; the search page links it; bad parameters are a 400.
func TestCallsFeed(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	path := "/feeds/calls.atom?q=security&programme=HORIZON&sort=deadline&deadline_within=90&size=30"
	f := getFeed(t, b, path)
	var api callsAnswer
	do(t, s, "GET", "/api/v1/calls?q=security&programme=HORIZON&sort=deadline&deadline_within=90&size=30", "", nil, &api)
	if len(f.Entries) == 0 || len(f.Entries) != len(api.Hits) {
		t.Fatalf("%d entries, want the %d hits of the same search", len(f.Entries), len(api.Hits))
	}
	var latest time.Time
	for i, e := range f.Entries {
		h := api.Hits[i]
		call, err := s.store.Call(t.Context(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := call.ChangedAt
		if call.PortalChangedAt != nil {
			want = *call.PortalChangedAt
		}
		if got, _ := time.Parse(time.RFC3339, e.Updated); !got.Equal(want.Truncate(time.Second)) {
			t.Errorf("%s: updated %s, want the portal's change %s", h.ID, e.Updated, want)
		}
		if got, _ := time.Parse(time.RFC3339, e.Updated); got.After(latest) {
			latest = got
		}
		if e.Title != h.Title {
			t.Errorf("entry %d title %q, want %q", i, e.Title, h.Title)
		}
		for _, fact := range []string{h.ID, "Horizon Europe", "Deadline", "EU contribution"} {
			if !strings.Contains(e.Content.Body, fact) {
				t.Errorf("%s: content lacks %q: %s", h.ID, fact, truncate(e.Content.Body))
			}
		}
		if !slices.ContainsFunc(e.Links, func(l readLink) bool { return strings.HasSuffix(l.Href, callPath(h.ID)) }) {
			t.Errorf("%s: no link to the call's page in %+v", h.ID, e.Links)
		}
	}
	if got, _ := time.Parse(time.RFC3339, f.Updated); !got.Equal(latest) {
		t.Errorf("feed updated %s, want its latest entry's %s", f.Updated, latest)
	}
	again := getFeed(t, newClient(t, s), path)
	if again.ID != f.ID || !slices.Equal(entryIDs(again), entryIDs(f)) {
		t.Errorf("ids changed between two requests: %q %v, then %q %v", f.ID, entryIDs(f), again.ID, entryIDs(again))
	}
	if other := getFeed(t, b, "/feeds/calls.atom?q=quantum"); other.ID == f.ID {
		t.Errorf("two searches have the same feed id %q", f.ID)
	}
	if all := getFeed(t, b, "/feeds/calls.atom"); len(all.Entries) != 20 {
		t.Errorf("feed of every call: %d entries, want a page of 20", len(all.Entries))
	}
	for _, bad := range []string{"deadline_within=14", "status=maybe", "size=1000"} {
		if a := b.get("/feeds/calls.atom?" + bad); a.code != http.StatusBadRequest {
			t.Errorf("GET /feeds/calls.atom?%s = %d, want 400", bad, a.code)
		}
	}
	page := b.get("/?q=security&programme=HORIZON")
	link := `<link rel="alternate" type="application/atom+xml" title="Atom feed of this search" href="/feeds/calls.atom?programme=HORIZON&amp;q=security">`
	if !strings.Contains(page.body, link) {
		t.Errorf("the search page does not link its feed: want %s", link)
	}
	if !strings.Contains(page.body, `id="atom-feed"`) {
		t.Error("the search page shows no link to its feed")
	}
}

// TestFeedEscapesHostileText: whatever a call's texts hold, the feed is
// well-formed, its title reads back as written, its content's HTML holds
// only escaped text, and the portal's HTML and non-web links never reach it.
func TestFeedEscapesHostileText(t *testing.T) {
	s := newTestServer(t, nil)
	hostile := `</title><script>alert("x")</script> & ]]> <![CDATA[ ' "` + "\x01\u2028 bad\xff"
	changed := time.Date(2026, 10, 1, 8, 30, 0, 0, time.UTC)
	deadline := time.Date(2027, 1, 15, 16, 0, 0, 0, time.UTC)
	call := &funding.Call{
		ID: "HOSTILE-1", Title: hostile, Programme: "<b>DIGITAL</b>", ProgrammeName: `Digital <i>Europe</i>`,
		URL:       `javascript:alert(1)//"><script>`,
		Sections:  []funding.Section{{Title: "Scope", Text: `<img src=x onerror=alert(1)> & more`, HTML: `<p><script>evil()</script></p>`}},
		ChangedAt: changed,
	}
	var feed atomFeed
	feed.ID, feed.Title, feed.Author = s.tagPrefix()+"test", atomText{Body: hostile}, atomPerson{Name: hostile}
	feed.Links = []atomLink{{Rel: "self", Href: "http://localhost/feeds/calls.atom?q=%3Cx%3E&a=b"}}
	s.entries(&feed, "en", []feedEntry{{id: s.tagPrefix() + "call:" + call.ID, call: call, status: funding.StatusOpen,
		deadline: &deadline, reasons: []string{`<svg onload=alert(1)>`}}})
	raw, err := marshalFeed(feed)
	if err != nil {
		t.Fatal(err)
	}
	f := parseAtom(t, raw)
	want := strings.ToValidUTF8(strings.ReplaceAll(hostile, "\x01", "\uFFFD"), "\uFFFD")
	if f.Title != want || len(f.Entries) != 1 || f.Entries[0].Title != want {
		t.Fatalf("titles read back as %q / %+v, want %q", f.Title, f.Entries, want)
	}
	e := f.Entries[0]
	if e.Updated != "2026-10-01T08:30:00Z" {
		t.Errorf("updated %s, want the call's change date", e.Updated)
	}
	for _, bad := range []string{"<script", "<img", "<svg", "<b>", "<i>", "javascript:", "evil()"} {
		if strings.Contains(e.Content.Body, bad) || strings.Contains(e.Summary, "<p>") {
			t.Errorf("the content's HTML holds %q: %s", bad, e.Content.Body)
		}
	}
	if bytes.Contains(raw, []byte("evil()")) || bytes.Contains(raw, []byte("javascript:")) {
		t.Error("the portal's HTML or a non-web link reached the feed")
	}
	for _, escaped := range []string{"&lt;img src=x onerror=alert(1)&gt;", "&lt;svg onload=alert(1)&gt;"} {
		if !strings.Contains(e.Content.Body, escaped) {
			t.Errorf("the content lacks the escaped text %q: %s", escaped, e.Content.Body)
		}
	}
	if e.Summary != `<img src=x onerror=alert(1)> & more` {
		t.Errorf("summary %q, want the section's plain text", e.Summary)
	}
}

// feedAddress is the matches feed address the matches page gives.
func feedAddress(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, "/profiles/"+id+"/matches.atom?token=")
	if i < 0 {
		t.Fatal("the matches page does not give the feed address")
	}
	a := page[i:]
	return a[:strings.IndexByte(a, '"')]
}

// TestMatchesFeed: a profile's matches as a feed, opened by the secret
// address its matches page gives (no cookie), refused with another token,
// and revoked as the calendar's address is: by a new API token, by a new
// calendar address.
func TestMatchesFeed(t *testing.T) {
	s, _ := pageServer(t)
	stranger := newClient(t, s)
	p := createProfile(t, s, belgianSOC())
	owner := newClient(t, s)
	owner.header.Set("Authorization", "Bearer "+p.Token)
	addr := feedAddress(t, owner.get("/profiles/"+p.ID).body, p.ID)
	f := getFeed(t, stranger, addr)
	var m struct {
		Matches []funding.Match `json:"matches"`
	}
	do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches?limit=50", p.Token, nil, &m)
	if len(f.Entries) == 0 || len(f.Entries) != len(m.Matches) {
		t.Fatalf("%d entries, want the profile's %d matches", len(f.Entries), len(m.Matches))
	}
	if f.Entries[0].Title != m.Matches[0].Title || !strings.Contains(f.Entries[0].Content.Body, "Why it fits") {
		t.Errorf("first entry %q, want the best match %q with why it fits", f.Entries[0].Title, m.Matches[0].Title)
	}
	if !strings.Contains(f.Title, "Flemish SOC BV") {
		t.Errorf("feed title %q does not name the profile", f.Title)
	}
	if again := getFeed(t, stranger, addr); again.ID != f.ID || !slices.Equal(entryIDs(again), entryIDs(f)) {
		t.Error("ids changed between two requests")
	}
	u, _ := url.Parse(addr)
	token := u.Query().Get("token")
	cal := calendarAddress(t, owner.get("/profiles/"+p.ID).body, p.ID)
	for _, bad := range []string{
		"/profiles/" + p.ID + "/matches.atom",
		"/profiles/" + p.ID + "/matches.atom?token=x" + token,
		"/profiles/nosuchprofile/matches.atom?token=" + token,
		"/profiles/" + p.ID + "/matches.atom?token=" + url.QueryEscape(cal[strings.Index(cal, "token=")+len("token="):]), // the calendar's token is not the feed's
	} {
		if a := stranger.get(bad); a.code != http.StatusForbidden {
			t.Errorf("GET %s = %d, want 403", bad, a.code)
		}
	}
	var rotated created
	if code := do(t, s, http.MethodPost, "/api/v1/profiles/"+p.ID+"/token", p.Token, nil, &rotated); code != http.StatusOK {
		t.Fatalf("token rotation = %d", code)
	}
	if a := stranger.get(addr); a.code != http.StatusForbidden {
		t.Errorf("feed after a new API token = %d, want 403", a.code)
	}
	owner.header.Set("Authorization", "Bearer "+rotated.Token)
	fresh := feedAddress(t, owner.get("/profiles/"+p.ID).body, p.ID)
	getFeed(t, stranger, fresh)

	// The page's button for a new calendar address gives the feed a new one too.
	b := newClient(t, s)
	id := b.register(socForm("Feed Revoke SME", "feed-revoke@example.be"))
	old := feedAddress(t, b.get("/profiles/"+id).body, id)
	getFeed(t, stranger, old)
	a := b.post("/profiles/"+id+"/calendar", nil)
	if a.code != http.StatusSeeOther {
		t.Fatalf("new calendar address = %d, want 303", a.code)
	}
	if a := stranger.get(old); a.code != http.StatusForbidden {
		t.Errorf("feed after a new calendar address = %d, want 403", a.code)
	}
	getFeed(t, stranger, feedAddress(t, b.get("/profiles/"+id).body, id))
}
