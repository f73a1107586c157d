package server

import (
	"context"
	"crypto/subtle"
	"encoding/xml"
	"errors"
	"html"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/locale"
)

// Atom 1.0 (RFC 4287) documents, written with encoding/xml: every text is
// escaped by the encoder, and the HTML of an entry's content is made here
// from escaped values, never from the portal's HTML.
type atomFeed struct {
	XMLName   xml.Name      `xml:"http://www.w3.org/2005/Atom feed"`
	ID        string        `xml:"id"`
	Title     atomText      `xml:"title"`
	Updated   string        `xml:"updated"`
	Author    atomPerson    `xml:"author"`
	Generator atomGenerator `xml:"generator"`
	Links     []atomLink    `xml:"link"`
	Entries   []atomEntry   `xml:"entry"`
}

type atomText struct {
	Type string `xml:"type,attr,omitempty"`
	Body string `xml:",chardata"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomGenerator struct {
	URI  string `xml:"uri,attr,omitempty"`
	Name string `xml:",chardata"`
}

type atomLink struct {
	Rel   string `xml:"rel,attr,omitempty"`
	Type  string `xml:"type,attr,omitempty"`
	Href  string `xml:"href,attr"`
	Title string `xml:"title,attr,omitempty"`
}

type atomCategory struct {
	Term  string `xml:"term,attr"`
	Label string `xml:"label,attr,omitempty"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      atomText       `xml:"title"`
	Updated    string         `xml:"updated"`
	Links      []atomLink     `xml:"link"`
	Categories []atomCategory `xml:"category"`
	Summary    *atomText      `xml:"summary,omitempty"`
	Content    atomText       `xml:"content"`
}

// feedSummaryLen is the longest summary of a call in a feed, in characters.
const feedSummaryLen = 400

// feedEntry is what an entry says of a call: the call as stored and the
// facts a search or a match computed at the time of the request.
type feedEntry struct {
	id        string // the entry's id
	call      *funding.Call
	status    funding.Status
	deadline  *time.Time
	budgetMin int64
	budgetMax int64
	reasons   []string // why the call matches a profile (matches feed)
}

// feedBase is the absolute root of the links of a feed: BASE_URL (set in
// every deployment; feed readers need absolute links).
func (s *Server) feedBase() string {
	if b := strings.TrimRight(s.cfg.BaseURL, "/"); b != "" {
		return b
	}
	return "http://localhost"
}

// tagPrefix starts the tag: URIs (RFC 4151) of feeds and entries: the
// host of BASE_URL, so ids stay the same from request to request.
func (s *Server) tagPrefix() string {
	host := "callmatch"
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return "tag:" + host + ",2026:"
}

// changedAt is when a call last changed: the portal's own change date when
// it gave one, else when callmatch saw it change.
func changedAt(c *funding.Call) time.Time {
	if c.PortalChangedAt != nil && !c.PortalChangedAt.IsZero() {
		return c.PortalChangedAt.UTC()
	}
	return c.ChangedAt.UTC()
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// writeFeed sends feed, its updated time the latest of its entries' (or
// fallback when it has none).
func writeFeed(c *fiber.Ctx, feed atomFeed, fallback time.Time, cacheControl string) error {
	if feed.Updated == "" {
		feed.Updated = atomTime(fallback)
	}
	out, err := marshalFeed(feed)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/atom+xml; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, cacheControl)
	return c.Send(out)
}

// marshalFeed writes the XML document of feed.
func marshalFeed(feed atomFeed) ([]byte, error) {
	out, err := xml.MarshalIndent(feed, "", " ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// portalURL is the call's portal address when it is a web address (the
// only kind a feed links to).
func portalURL(c *funding.Call) string {
	if strings.HasPrefix(c.URL, "https://") || strings.HasPrefix(c.URL, "http://") {
		return c.URL
	}
	return ""
}

// entries turns calls into Atom entries in lang, and sets the feed's
// updated time to the latest of theirs.
func (s *Server) entries(feed *atomFeed, lang string, list []feedEntry) {
	base := s.feedBase()
	var latest time.Time
	for _, e := range list {
		call := e.call
		updated := changedAt(call)
		if updated.After(latest) {
			latest = updated
		}
		entry := atomEntry{
			ID:      e.id,
			Title:   atomText{Type: "text", Body: call.Title},
			Updated: atomTime(updated),
			Links:   []atomLink{{Rel: "alternate", Type: "text/html", Href: base + callPath(call.ID)}},
			Content: atomText{Type: "html", Body: s.entryHTML(lang, e)},
		}
		if u := portalURL(call); u != "" {
			entry.Links = append(entry.Links, atomLink{Rel: "related", Type: "text/html", Href: u, Title: s.views.T(lang, "call.portal")})
		}
		if call.Programme != "" {
			entry.Categories = append(entry.Categories, atomCategory{Term: call.Programme, Label: locale.For(lang).Programme(call.Programme)})
		}
		if sum := callSummary(call); sum != "" {
			entry.Summary = &atomText{Type: "text", Body: sum}
		}
		feed.Entries = append(feed.Entries, entry)
	}
	if !latest.IsZero() {
		feed.Updated = atomTime(latest)
	}
}

// entryHTML is the content of an entry: the call's key facts (identifier,
// programme, status, deadline, budget), why it matches (matches feed) and
// a summary, every value escaped.
func (s *Server) entryHTML(lang string, e feedEntry) string {
	call := e.call
	esc := html.EscapeString
	var b strings.Builder
	fact := func(label, value string) {
		b.WriteString("<li><strong>" + esc(label) + "</strong>: " + esc(value) + "</li>")
	}
	pr := locale.For(lang)
	b.WriteString("<ul>")
	fact(pr.T("feed.id"), call.ID)
	programme := call.ProgrammeName
	if programme == "" {
		programme = pr.Programme(call.Programme)
	}
	fact(pr.T("search.programme"), programme)
	fact(pr.T("search.status"), pr.Status(e.status))
	if e.deadline != nil {
		fact(pr.T("call.deadlines.one"), pr.DateTime(*e.deadline))
	} else {
		fact(pr.T("call.deadlines.one"), pr.T("call.no_deadline"))
	}
	fact(pr.T("call.budget"), pr.Budget(e.budgetMin, e.budgetMax))
	b.WriteString("</ul>")
	if len(e.reasons) > 0 {
		b.WriteString("<p><strong>" + esc(s.views.T(lang, "feed.why")) + "</strong></p><ul>")
		for _, r := range e.reasons {
			b.WriteString("<li>" + esc(r) + "</li>")
		}
		b.WriteString("</ul>")
	}
	if sum := callSummary(call); sum != "" {
		b.WriteString("<p>" + esc(sum) + "</p>")
	}
	if u := portalURL(call); u != "" {
		b.WriteString(`<p><a href="` + esc(u) + `">` + esc(s.views.T(lang, "call.portal")) + "</a></p>")
	}
	return b.String()
}

// callSummary is the start of the call's first section with text (expected
// outcome, objective...), as plain text: at most feedSummaryLen
// characters, cut at a space.
func callSummary(c *funding.Call) string {
	for _, sec := range c.Sections {
		t := strings.Join(strings.Fields(sec.Text), " ")
		if t == "" {
			continue
		}
		if utf8.RuneCountInString(t) <= feedSummaryLen {
			return t
		}
		r := []rune(t)[:feedSummaryLen]
		cut := string(r)
		if i := strings.LastIndexByte(cut, ' '); i > feedSummaryLen/2 {
			cut = cut[:i]
		}
		return strings.TrimRight(cut, " ,;:.") + "…"
	}
	return ""
}

// callsFeed answers GET /feeds/calls.atom?<the parameters of GET
// /api/v1/calls>: the calls of that search as an Atom feed, in the order
// of the search (one page: size, default 20, at most 100).
func (s *Server) callsFeed(c *fiber.Ctx) error {
	q, err := s.parseSearchQuery(c)
	if err != nil {
		return err
	}
	q.NoHighlights = true
	ctx, cancel := s.requestContext(c)
	defer cancel()
	res, err := s.index.Search(ctx, q)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	base := s.feedBase()
	query := searchValues(c).Encode()
	title := s.views.T(lang, "feed.calls")
	if q.Text != "" {
		title = s.views.T(lang, "feed.calls_q", q.Text)
	}
	feed := atomFeed{
		ID:        s.tagPrefix() + "calls",
		Title:     atomText{Type: "text", Body: title},
		Author:    atomPerson{Name: "callmatch", URI: base + "/"},
		Generator: atomGenerator{URI: base + "/", Name: "callmatch"},
	}
	self, page := base+"/feeds/calls.atom", base+"/"
	if query != "" {
		feed.ID += "?" + query
		self += "?" + query
		page += "?" + query
	}
	feed.Links = []atomLink{{Rel: "self", Type: "application/atom+xml", Href: self}, {Rel: "alternate", Type: "text/html", Href: page}}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	calls, err := s.feedCalls(ctx, ids)
	if err != nil {
		return err
	}
	list := make([]feedEntry, 0, len(res.Hits))
	for _, h := range res.Hits {
		call := calls[h.ID]
		if call == nil {
			continue // gone from the store since the index saw it
		}
		list = append(list, feedEntry{id: s.tagPrefix() + "call:" + call.ID, call: call, status: h.Status,
			deadline: h.Deadline, budgetMin: h.BudgetMin, budgetMax: h.BudgetMax})
	}
	s.entries(&feed, lang, list)
	// Private: the page middleware may set cookies (CSRF, language) on
	// any GET outside /api/, which a shared cache must not hand on.
	return writeFeed(c, feed, s.cfg.Now().UTC().Truncate(time.Hour), "private, max-age=900")
}

// feedCalls reads the calls of a feed in one query, by id; a call no
// longer stored is absent.
func (s *Server) feedCalls(ctx context.Context, ids []string) (map[string]*funding.Call, error) {
	calls, err := s.store.CallsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*funding.Call, len(calls))
	for i := range calls {
		byID[calls[i].ID] = &calls[i]
	}
	return byID, nil
}

// matchesFeed answers GET /profiles/{id}/matches.atom?token=: the
// profile's matches as an Atom feed, best first, each with why it fits.
// The token works as the calendar's (deadlines.ics): an HMAC of the
// profile id and its calendar secret, for its own purpose, so a feed
// reader needs no cookie, and a new calendar address or a new API token
// revokes it. An unknown profile is refused like a wrong token.
func (s *Server) matchesFeed(c *fiber.Ctx) error {
	id := c.Params("id")
	token := c.Query("token")
	refuse := func() error {
		return c.Status(fiber.StatusForbidden).SendString("this feed address is not valid\n")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	p, err := s.profileBySecretAddress(ctx, id, token, s.keys.feedToken)
	switch {
	case errors.Is(err, errBadAddress) || isNotFound(err):
		return refuse()
	case err != nil:
		return err
	}
	res, err := s.matches.List(ctx, p, 50)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	base := s.feedBase()
	feed := atomFeed{
		ID:        s.tagPrefix() + "profile:" + p.ID + ":matches",
		Title:     atomText{Type: "text", Body: s.views.T(lang, "feed.matches", p.Name)},
		Author:    atomPerson{Name: "callmatch", URI: base + "/"},
		Generator: atomGenerator{URI: base + "/", Name: "callmatch"},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: base + "/profiles/" + p.ID + "/matches.atom?token=" + url.QueryEscape(token)},
			{Rel: "alternate", Type: "text/html", Href: base + "/profiles/" + p.ID},
		},
	}
	ids := make([]string, len(res.Matches))
	for i, m := range res.Matches {
		ids[i] = m.CallID
	}
	calls, err := s.feedCalls(ctx, ids)
	if err != nil {
		return err
	}
	list := make([]feedEntry, 0, len(res.Matches))
	for _, m := range res.Matches {
		call := calls[m.CallID]
		if call == nil {
			continue
		}
		e := feedEntry{id: s.tagPrefix() + "profile:" + p.ID + ":call:" + call.ID, call: call, status: m.Status,
			deadline: m.Deadline, budgetMin: m.BudgetMin, budgetMax: m.BudgetMax}
		if m.Curated != nil && m.Curated.Note != "" {
			e.reasons = append(e.reasons, m.Curated.Note)
		}
		for _, r := range m.Reasons {
			if text := locale.For(lang).Reason(r); text != "" {
				e.reasons = append(e.reasons, text)
			}
		}
		list = append(list, e)
	}
	s.entries(&feed, lang, list)
	return writeFeed(c, feed, p.UpdatedAt, "private, max-age=3600")
}

// errBadAddress is the answer to a feed or calendar address whose profile
// id or token is wrong.
var errBadAddress = errors.New("server: not a valid secret address")

// profileBySecretAddress returns the profile that a secret address (a
// calendar's or a feed's: tokenOf makes its token from the profile id
// and calendar secret) opens, errBadAddress when it opens none.
func (s *Server) profileBySecretAddress(ctx context.Context, id, token string, tokenOf func(id, secret string) string) (*funding.Profile, error) {
	if !validID(id) || token == "" {
		return nil, errBadAddress
	}
	secret, err := s.store.ProfileCalendarSecret(ctx, id)
	if isNotFound(err) {
		return nil, errBadAddress
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(tokenOf(id, secret))) != 1 {
		return nil, errBadAddress
	}
	return s.store.Profile(ctx, id)
}
