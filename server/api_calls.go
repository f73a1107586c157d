package server

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"

	"callmatch/funding"
	"callmatch/search"
)

// callHit is one search hit of GET /api/v1/calls (the contract's names).
type callHit struct {
	ID         string              `json:"id"`
	Title      string              `json:"title"`
	Programme  string              `json:"programme"`
	Status     string              `json:"status"`
	Deadline   *time.Time          `json:"deadline"`
	BudgetMin  int64               `json:"budget_min"`
	BudgetMax  int64               `json:"budget_max"`
	URL        string              `json:"url"`
	Score      float64             `json:"score"`
	Highlights map[string][]string `json:"highlights"`
}

type callsResponse struct {
	Total  uint64                    `json:"total"`
	Page   int                       `json:"page"`
	Size   int                       `json:"size"`
	Hits   []callHit                 `json:"hits"`
	Facets map[string]map[string]int `json:"facets"`
}

// maxQueryLen bounds the free text of a search.
const maxQueryLen = 500

// parseSearchQuery reads the contract's query parameters. Bad values are a
// 400 naming the parameter, never a silent default.
func (s *Server) parseSearchQuery(c *fiber.Ctx) (search.Query, error) {
	q := search.Query{
		// Copies: the index may keep what it is given (query caches).
		Text: utils.CopyString(strings.TrimSpace(c.Query("q"))),
		Sort: utils.CopyString(c.Query("sort", "relevance")),
		Page: 1,
		Size: 20,
		Now:  s.cfg.Now(),
	}
	if len(q.Text) > maxQueryLen {
		return q, badRequest("q: longer than 500 characters")
	}
	q.Programmes = listParam(c, "programme", strings.ToUpper)
	q.Statuses = listParam(c, "status", strings.ToLower)
	q.TypesOfAction = listParam(c, "type", strings.ToUpper)
	q.Kinds = listParam(c, "kind", strings.ToLower)
	for _, st := range q.Statuses {
		if st != "open" && st != "forthcoming" && st != "closed" {
			return q, badRequest("status: must be open, forthcoming or closed")
		}
	}
	switch q.Sort {
	case "relevance", "deadline", "budget":
	default:
		return q, badRequest("sort: must be relevance, deadline or budget")
	}
	var err error
	if q.DeadlineFrom, err = dateParam(c, "deadline_from"); err != nil {
		return q, err
	}
	if q.DeadlineTo, err = dateParam(c, "deadline_to"); err != nil {
		return q, err
	}
	if !q.DeadlineTo.IsZero() {
		q.DeadlineTo = q.DeadlineTo.Add(24*time.Hour - time.Nanosecond) // the whole last day
	}
	if q.DeadlineWithin, err = deadlineWithinParam(c); err != nil {
		return q, err
	}
	if q.BudgetMin, err = intParam(c, "budget_min", 0, 1e12); err != nil {
		return q, err
	}
	if q.BudgetMax, err = intParam(c, "budget_max", 0, 1e12); err != nil {
		return q, err
	}
	page, err := intParam(c, "page", 1, 10000)
	if err != nil {
		return q, err
	}
	if page > 0 {
		q.Page = int(page)
	}
	size, err := intParam(c, "size", 1, 100)
	if err != nil {
		return q, err
	}
	if size > 0 {
		q.Size = int(size)
	}
	if v := c.Query("open"); v != "" {
		q.OpenNow, err = strconv.ParseBool(v)
		if err != nil {
			return q, badRequest("open: must be true or false")
		}
	}
	return q, nil
}

// listParam accepts both ?x=a,b and ?x=a&x=b.
func listParam(c *fiber.Ctx, name string, norm func(string) string) []string {
	var out []string
	for _, raw := range c.Context().QueryArgs().PeekMulti(name) {
		for _, v := range strings.Split(string(raw), ",") {
			if v = norm(strings.TrimSpace(v)); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

func dateParam(c *fiber.Ctx, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return t, badRequest(name + ": must be a date like 2026-09-15")
	}
	return t, nil
}

func intParam(c *fiber.Ctx, name string, min, max int64) (int64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return 0, badRequest(name + ": must be a whole number between " + strconv.FormatInt(min, 10) + " and " + strconv.FormatInt(max, 10))
	}
	return n, nil
}

func (s *Server) listCalls(c *fiber.Ctx) error {
	q, err := s.parseSearchQuery(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	res, err := s.index.Search(ctx, q)
	if err != nil {
		return err
	}
	out := callsResponse{Total: res.Total, Page: q.Page, Size: q.Size, Hits: make([]callHit, 0, len(res.Hits)), Facets: res.Facets}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, callHit{
			ID: h.ID, Title: h.Title, Programme: h.Programme, Status: string(h.Status), Deadline: h.Deadline,
			BudgetMin: h.BudgetMin, BudgetMax: h.BudgetMax, URL: h.URL, Score: h.Score, Highlights: h.Highlights,
		})
	}
	return c.JSON(out)
}

// callParam loads the call named by the :id parameter; a malformed id is
// not found, like an unknown one.
func (s *Server) callParam(c *fiber.Ctx) (*funding.Call, error) {
	// Fiber routes on the raw path, so an id with '/' arrives as one
	// segment, escaped (EuropeAid%2F186002%2FDD%2FACT%2FMA): unescape it here.
	id, err := url.PathUnescape(c.Params("id"))
	if err != nil || !validCallID(id) {
		return nil, notFound("no such call")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	return s.store.Call(ctx, id)
}

func (s *Server) getCall(c *fiber.Ctx) error {
	call, err := s.callParam(c)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	call.Status = call.StatusAt(now)
	validUntil(c, callValidUntil(call, now)) // for the response cache
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if call.PreviousRound, err = s.previousRound(ctx, call); err != nil {
		return err
	}
	emptyNotNull(call)
	return c.JSON(call)
}

// emptyNotNull makes absent lists [] rather than null in the API's JSON.
func emptyNotNull(c *funding.Call) {
	for _, l := range []*[]string{&c.TypesOfAction, &c.Keywords, &c.Tags, &c.CrossCuttingPriorities} {
		if *l == nil {
			*l = []string{}
		}
	}
	if c.Deadlines == nil {
		c.Deadlines = []time.Time{}
	}
	if c.Sections == nil {
		c.Sections = []funding.Section{}
	}
	if c.Conditions == nil {
		c.Conditions = []funding.Section{}
	}
	if c.Updates == nil {
		c.Updates = []funding.Update{}
	}
}

// validID accepts portal identifiers and our own ids: letters, digits and
// - _ . only, at most 200 bytes. Anything else (path tricks) is not found.
func validID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return id != "." && id != ".."
}

// validCallID accepts what validID does and, inside an identifier, the '/'
// of the portal's EuropeAid ids (EuropeAid/186002/DD/ACT/MA); no empty part,
// no "." or ".." part.
func validCallID(id string) bool {
	if len(id) > 200 {
		return false
	}
	for _, part := range strings.Split(id, "/") {
		if !validID(part) {
			return false
		}
	}
	return true
}

// callPath is the page of a call: /calls/ and the identifier escaped as
// one path segment ('/' becomes %2F).
func callPath(id string) string { return "/calls/" + url.PathEscape(id) }
