package server

import (
	"bytes"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/microcosm-cc/bluemonday"

	"callmatch/funding"
)

// sanitizer cleans portal HTML (untrusted) before it reaches a page.
var sanitizer = bluemonday.UGCPolicy().RequireNoReferrerOnLinks(true).AddTargetBlankToFullyQualifiedLinks(true)

// sanitize returns portal HTML safe to embed in a page.
func sanitize(html string) template.HTML {
	return template.HTML(sanitizer.Sanitize(html)) //nolint:gosec // sanitized just above
}

func (s *Server) render(c *fiber.Ctx, status int, page string, data any) error {
	var buf bytes.Buffer
	if err := s.views.Render(&buf, page, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}

type errorPage struct {
	Status  int
	Message string
}

func (s *Server) renderError(c *fiber.Ctx, status int, msg string) error {
	if err := s.render(c, status, "error", errorPage{Status: status, Message: msg}); err != nil {
		return c.Status(status).SendString(msg)
	}
	return nil
}

type searchHitView struct {
	callHit
	Snippets []template.HTML
}

type searchPage struct {
	Query   string
	Total   uint64
	Hits    []searchHitView
	PrevURL string
	NextURL string
}

func (s *Server) showSearchPage(c *fiber.Ctx) error {
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
	page := searchPage{Query: q.Text, Total: res.Total}
	for _, h := range res.Hits {
		v := searchHitView{callHit: callHit{ID: h.ID, Title: h.Title, Programme: h.Programme, Status: string(h.Status),
			Deadline: h.Deadline, BudgetMin: h.BudgetMin, BudgetMax: h.BudgetMax, URL: h.URL}}
		for _, frags := range h.Highlights {
			for _, f := range frags {
				v.Snippets = append(v.Snippets, sanitize(f))
			}
		}
		page.Hits = append(page.Hits, v)
	}
	link := func(p int) string {
		v := url.Values{}
		c.Context().QueryArgs().VisitAll(func(k, val []byte) { v.Add(string(k), string(val)) })
		v.Set("page", strconv.Itoa(p))
		return "/?" + v.Encode()
	}
	if q.Page > 1 {
		page.PrevURL = link(q.Page - 1)
	}
	if uint64(q.Page*q.Size) < res.Total {
		page.NextURL = link(q.Page + 1)
	}
	return s.render(c, fiber.StatusOK, "search", page)
}

type sectionView struct {
	Title string
	HTML  template.HTML
}

type callPage struct {
	Call      *funding.Call
	Status    funding.Status
	Deadlines []*time.Time
	Sections  []sectionView
}

func (s *Server) showCallPage(c *fiber.Ctx) error {
	id := c.Params("id")
	if !validID(id) {
		return notFound("no such call")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	call, err := s.store.Call(ctx, id)
	if err != nil {
		return err
	}
	page := callPage{Call: call, Status: call.StatusAt(s.cfg.Now())}
	for i := range call.Deadlines {
		page.Deadlines = append(page.Deadlines, &call.Deadlines[i])
	}
	for _, sec := range append(append([]funding.Section{}, call.Sections...), call.Conditions...) {
		h := sec.HTML
		if h == "" {
			h = "<p>" + template.HTMLEscapeString(sec.Text) + "</p>"
		}
		page.Sections = append(page.Sections, sectionView{Title: sec.Title, HTML: sanitize(h)})
	}
	return s.render(c, fiber.StatusOK, "call", page)
}
