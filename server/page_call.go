package server

import (
	"html/template"
	"slices"
	"sort"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
)

type sectionView struct {
	Title  string
	Anchor string
	HTML   template.HTML
}

type updateView struct {
	Date any
	HTML template.HTML
}

type yearAmount struct {
	Year   string
	Amount int64
}

type callPage struct {
	basePage
	Call        *funding.Call
	Status      funding.Status
	Sections    []sectionView
	Conditions  []sectionView
	Updates     []updateView
	BudgetYears []yearAmount
	CanFollow   bool
	Following   bool
	Curations   []string               // staff only: what the NCC said about this call
	Proposals   *funding.ProposalCount // what this topic received, when the portal said
}

func sectionViews(secs []funding.Section, prefix string) []sectionView {
	out := make([]sectionView, 0, len(secs))
	for i, sec := range secs {
		h := sec.HTML
		if h == "" {
			h = "<p>" + template.HTMLEscapeString(sec.Text) + "</p>"
		}
		out = append(out, sectionView{Title: sec.Title, Anchor: prefix + strconv.Itoa(i+1), HTML: sanitizeCached(h)})
	}
	return out
}

func (s *Server) showCallPage(c *fiber.Ctx) error {
	call, err := s.callParam(c)
	if err != nil {
		return err
	}
	page := callPage{basePage: s.base(c), Call: call}
	page.Status = call.StatusAt(page.Now)
	validUntil(c, callValidUntil(call, page.Now)) // for the response cache
	page.Sections = sectionViews(call.Sections, "section-")
	page.Conditions = sectionViews(call.Conditions, "condition-")
	for _, u := range call.Updates {
		h := u.HTML
		if h == "" {
			h = "<p>" + template.HTMLEscapeString(u.Text) + "</p>"
		}
		page.Updates = append(page.Updates, updateView{Date: u.Date, HTML: sanitizeCached(h)})
	}
	for y, v := range call.Budget.ByYear {
		page.BudgetYears = append(page.BudgetYears, yearAmount{y, v})
	}
	sort.Slice(page.BudgetYears, func(i, j int) bool { return page.BudgetYears[i].Year < page.BudgetYears[j].Year })

	ctx, cancel := s.requestContext(c)
	defer cancel()
	page.Proposals = ownProposals(call)
	if call.PreviousRound, err = s.previousRound(ctx, call); err != nil {
		return err
	}
	if pid := page.Viewer.ProfileID; pid != "" {
		page.CanFollow = true
		follows, err := s.store.Follows(ctx, pid)
		if err != nil {
			return err
		}
		page.Following = slices.Contains(follows, call.ID)
	}
	if page.Viewer.Staff {
		cus, err := s.store.CurationsForCall(ctx, call.ID)
		if err != nil {
			return err
		}
		profiles := s.profileNames(c)
		for i := len(cus) - 1; i >= 0; i-- {
			page.Curations = append(page.Curations, s.curationLine(c, &cus[i], profiles))
		}
	}
	return s.render(c, fiber.StatusOK, "call", page)
}
