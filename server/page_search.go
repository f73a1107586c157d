package server

import (
	"html/template"
	"maps"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/locale"
	"callmatch/search"
)

type searchHitView struct {
	ID, Title, Programme string
	Status               funding.Status
	Deadline             *time.Time
	BudgetMin, BudgetMax int64
	Snippets             []template.HTML
}

type facetValue struct {
	Value, Label, Title string
	Count               int
	Checked             bool
}

type facetView struct {
	Param, Legend string
	Values        []facetValue
}

type pageLink struct {
	N       int
	URL     string
	Current bool
	Gap     bool
}

// searchForm is the search as the visitor typed it, to refill the form.
type searchForm struct {
	Text                     string
	DeadlineFrom, DeadlineTo string
	BudgetMin, BudgetMax     string
	Open                     bool
	Sort                     string
	// DeadlineWithin is the deadline window chosen (days), of Windows.
	DeadlineWithin string
	Windows        []int
}

type searchPage struct {
	basePage
	Form    searchForm
	Total   uint64
	Hits    []searchHitView
	Facets  []facetView
	Pages   []pageLink
	PrevURL string
	NextURL string
	CSVURL  string
	FeedURL string // the Atom feed of the search
	Error   string
	// Corrected says which words were also searched as near words
	// (typo tolerance): “securty”: security.
	Corrected string
	// Related says which rare words were also searched as the calls'
	// words nearest in meaning: “hackers”: intruders, malicious.
	Related string
	// Translated says which French or Dutch words were searched in
	// English: “versleuteling”: encryption.
	Translated string
	// Closest: no call holds every word; the hits come closest.
	Closest bool
}

// searchParams are the query parameters of a search (page and size apart):
// the CSV export and the page links carry them on.
var searchParams = []string{"q", "programme", "status", "type", "kind", "deadline_from", "deadline_to", "deadline_within", "budget_min", "budget_max", "open", "sort"}

// searchValues copies the search's query parameters.
func searchValues(c *fiber.Ctx) url.Values {
	v := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, val []byte) {
		key := string(k)
		if slices.Contains(searchParams, key) && len(val) > 0 {
			v.Add(key, string(val))
		}
	})
	return v
}

func (s *Server) showSearchPage(c *fiber.Ctx) error {
	page := searchPage{basePage: s.base(c)}
	page.Form = searchForm{
		Text: c.Query("q"), DeadlineFrom: c.Query("deadline_from"), DeadlineTo: c.Query("deadline_to"),
		BudgetMin: c.Query("budget_min"), BudgetMax: c.Query("budget_max"), Sort: c.Query("sort", "relevance"),
		DeadlineWithin: c.Query("deadline_within"), Windows: deadlineWindows,
	}
	q, err := s.parseSearchQuery(c)
	if err != nil {
		// A filter that is not understood is said on the page, with the
		// form as typed, rather than on an error page.
		page.Error = s.tr(c, "search.bad_filter", err.Error())
		return s.render(c, fiber.StatusBadRequest, "search", page)
	}
	page.Form.Open = q.OpenNow
	ctx, cancel := s.requestContext(c)
	defer cancel()
	res, err := s.index.Search(ctx, q)
	if err != nil {
		return err
	}
	page.Total = res.Total
	var corrected []string
	for _, c := range res.Corrections {
		corrected = append(corrected, "“"+c.Word+"”: "+strings.Join(c.Near, ", "))
	}
	page.Corrected = strings.Join(corrected, "; ")
	var related, translated []string
	for _, r := range res.Related {
		related = append(related, "“"+r.Word+"”: "+strings.Join(r.Near, ", "))
	}
	for _, t := range res.Translated {
		translated = append(translated, "“"+t.Source+"”: "+t.English)
	}
	page.Related, page.Translated = strings.Join(related, "; "), strings.Join(translated, "; ")
	page.Closest = res.Closest
	for _, h := range res.Hits {
		v := searchHitView{ID: h.ID, Title: h.Title, Programme: h.Programme, Status: h.Status, Deadline: h.Deadline,
			BudgetMin: h.BudgetMin, BudgetMax: h.BudgetMax}
		// Three snippets at most: from these fields in this order, else
		// from any field, by name.
		add := func(field string) {
			for _, f := range h.Highlights[field] {
				if len(v.Snippets) < 3 {
					v.Snippets = append(v.Snippets, sanitize(f))
				}
			}
		}
		for _, field := range []string{"title", "keywords", "expected_outcome", "scope", "objective", "expected_impact", "description"} {
			add(field)
		}
		if len(v.Snippets) == 0 {
			for _, field := range slices.Sorted(maps.Keys(h.Highlights)) {
				add(field)
			}
		}
		page.Hits = append(page.Hits, v)
	}
	page.Facets = s.facetViews(c, q, res)

	base := searchValues(c)
	link := func(p int) string {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		if enc := v.Encode(); enc != "" {
			return "/?" + enc
		}
		return "/"
	}
	last := int((res.Total + uint64(q.Size) - 1) / uint64(q.Size))
	last = min(last, 10_000/q.Size)
	if q.Page > 1 {
		page.PrevURL = link(q.Page - 1)
	}
	if q.Page < last {
		page.NextURL = link(q.Page + 1)
	}
	if last > 1 {
		for n := 1; n <= last; n++ {
			switch {
			case n == 1 || n == last || (n >= q.Page-2 && n <= q.Page+2):
				page.Pages = append(page.Pages, pageLink{N: n, URL: link(n), Current: n == q.Page})
			case len(page.Pages) > 0 && !page.Pages[len(page.Pages)-1].Gap:
				page.Pages = append(page.Pages, pageLink{Gap: true})
			}
		}
	}
	page.CSVURL, page.FeedURL = "/calls.csv", "/feeds/calls.atom"
	if enc := base.Encode(); enc != "" {
		page.CSVURL += "?" + enc
		page.FeedURL += "?" + enc
	}
	return s.render(c, fiber.StatusOK, "search", page)
}

// facetViews turns the facet counts into checkboxes; a value the visitor
// checked stays listed, with 0, even when no hit has it any more.
func (s *Server) facetViews(c *fiber.Ctx, q search.Query, res search.Result) []facetView {
	lang := s.lang(c)
	mk := func(param, facet, legend string, checked []string, label func(string) (string, string), order []string) facetView {
		fv := facetView{Param: param, Legend: s.tr(c, legend)}
		counts := res.Facets[facet]
		values := make([]string, 0, len(counts))
		for v := range counts {
			values = append(values, v)
		}
		for _, v := range checked {
			if _, ok := counts[v]; !ok {
				values = append(values, v)
			}
		}
		sort.Slice(values, func(i, j int) bool {
			oi, oj := slices.Index(order, values[i]), slices.Index(order, values[j])
			if oi != oj && oi >= 0 && oj >= 0 {
				return oi < oj
			}
			if counts[values[i]] != counts[values[j]] {
				return counts[values[i]] > counts[values[j]]
			}
			return values[i] < values[j]
		})
		for _, v := range values {
			l, title := label(v)
			fv.Values = append(fv.Values, facetValue{Value: v, Label: l, Title: title, Count: counts[v], Checked: slices.Contains(checked, v)})
		}
		return fv
	}
	return []facetView{
		mk("programme", search.FacetProgramme, "search.programme", q.Programmes, func(v string) (string, string) {
			return locale.For(lang).Programme(v), ""
		}, []string{"DIGITAL", "HORIZON", "OTHER"}),
		mk("status", search.FacetStatus, "search.status", q.Statuses, func(v string) (string, string) {
			return locale.For(lang).Status(funding.Status(v)), ""
		}, []string{"open", "forthcoming", "closed"}),
		mk("type", search.FacetTypeOfAction, "search.type", q.TypesOfAction, func(v string) (string, string) {
			full := s.views.T(lang, "action."+v)
			if strings.HasPrefix(full, "action.") {
				full = ""
			}
			return v, full
		}, nil),
	}
}
