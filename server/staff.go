package server

import (
	"fmt"
	"html/template"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/locale"
	"callmatch/match"
	"callmatch/search"
)

// timelineDays is how far ahead the dashboard's deadline timeline looks.
const timelineDays = 120

type runView struct {
	funding.CrawlRun
	Duration string
	Running  bool
	HeldText string // why the run marked nothing gone, translated
}

type dashboardPage struct {
	basePage
	Calls, OpenCalls, Profiles, Curations int
	Runs                                  []runView
	LastHeld                              string // the last finished run held back gone-marking: why
	GapChart                              template.HTML
	Gaps                                  []string
	Timeline                              template.HTML
	TimelineDays                          int
}

func (s *Server) showStaffDashboard(c *fiber.Ctx) error {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	now := s.cfg.Now()
	page := dashboardPage{basePage: s.base(c), TimelineDays: timelineDays}
	var err error
	if page.Calls, err = s.store.CallCount(ctx); err != nil {
		return err
	}
	open, err := s.index.Search(ctx, search.Query{Statuses: []string{string(funding.StatusOpen)}, Size: 1, Now: now})
	if err != nil {
		return err
	}
	page.OpenCalls = int(open.Total)
	profiles, err := s.store.Profiles(ctx)
	if err != nil {
		return err
	}
	page.Profiles = len(profiles)
	curations, err := s.store.Curations(ctx)
	if err != nil {
		return err
	}
	page.Curations = len(curations)
	runs, err := s.store.CrawlRuns(ctx, 10)
	if err != nil {
		return err
	}
	lastSeen := false // the newest finished run
	for _, r := range runs {
		v := runView{CrawlRun: r, Running: r.FinishedAt.IsZero(), HeldText: s.heldText(c, r.Held)}
		if !v.Running {
			v.Duration = r.FinishedAt.Sub(r.StartedAt).Round(time.Second).String()
			if !lastSeen {
				lastSeen, page.LastHeld = true, v.HeldText
			}
		}
		page.Runs = append(page.Runs, v)
	}

	demand := map[string]int{}
	for _, p := range profiles {
		for _, d := range p.Domains {
			demand[d]++
		}
	}
	supply, err := s.matches.Supply(ctx)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	rows := make([]gapRow, 0, len(funding.Domains))
	for _, d := range funding.Domains {
		rows = append(rows, gapRow{Slug: d.Slug, Label: s.views.Domain(lang, d.Slug), Demand: demand[d.Slug], Supply: supply[d.Slug]})
	}
	page.GapChart = gapChart(rows, gapLabels{
		Demand: s.tr(c, "staff.gap_demand"), Supply: s.tr(c, "staff.gap_supply"), Title: s.tr(c, "staff.gap"),
		Gap: s.tr(c, "staff.gap_marker"), Capped: match.PoolSize,
	})
	ranked := slices.Clone(rows)
	sort.SliceStable(ranked, func(i, j int) bool {
		ri := float64(ranked[i].Demand) / float64(ranked[i].Supply+1)
		rj := float64(ranked[j].Demand) / float64(ranked[j].Supply+1)
		return ri > rj
	})
	for _, r := range ranked {
		if r.Demand > 0 && len(page.Gaps) < 3 {
			page.Gaps = append(page.Gaps, r.Slug)
		}
	}

	coming, err := s.index.Search(ctx, search.Query{
		Statuses:     []string{string(funding.StatusOpen), string(funding.StatusForthcoming)},
		DeadlineFrom: now, DeadlineTo: now.Add(timelineDays * 24 * time.Hour), Sort: search.SortDeadline, Size: search.MaxSize, Now: now,
	})
	if err != nil {
		return err
	}
	var points []timelinePoint
	for _, h := range coming.Hits {
		if h.Deadline == nil || h.Deadline.Before(now) {
			continue
		}
		points = append(points, timelinePoint{ID: h.ID, Title: h.Title, Programme: h.Programme, At: *h.Deadline,
			Label: s.views.Date(lang, *h.Deadline)})
	}
	page.Timeline = timelineChart(points, now, timelineDays, timelineLabels{
		Title: s.tr(c, "staff.timeline"), Today: s.tr(c, "staff.today"), Week: func(t time.Time) string { return s.views.Date(lang, t) },
		Digital: s.tr(c, "programme.DIGITAL"), Horizon: s.tr(c, "programme.HORIZON"), Other: s.tr(c, "programme.OTHER"),
	})
	return s.render(c, fiber.StatusOK, "staff_dashboard", page)
}

type staffProfilesPage struct {
	basePage
	Profiles []funding.Profile
}

func (s *Server) showStaffProfiles(c *fiber.Ctx) error {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	profiles, err := s.store.Profiles(ctx)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "staff_profiles", staffProfilesPage{basePage: s.base(c), Profiles: profiles})
}

// curationForm is the staff form as typed.
type curationForm struct {
	CallID, Action, Target, ProfileID, Domain, Size, Keyword, Note string
}

type curationLogLine struct {
	funding.Curation
	Target string
}

type staffCurationsPage struct {
	basePage
	Form      curationForm
	CallTitle string
	Error     string
	Profiles  []funding.Profile
	Log       []curationLogLine
}

func (s *Server) curationsPage(c *fiber.Ctx, form curationForm) (staffCurationsPage, error) {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	page := staffCurationsPage{basePage: s.base(c), Form: form}
	profiles, err := s.store.Profiles(ctx)
	if err != nil {
		return page, err
	}
	page.Profiles = profiles
	names := map[string]string{}
	for _, p := range profiles {
		names[p.ID] = p.Name
	}
	cus, err := s.store.Curations(ctx)
	if err != nil {
		return page, err
	}
	for i := len(cus) - 1; i >= 0; i-- { // newest first
		page.Log = append(page.Log, curationLogLine{Curation: cus[i], Target: s.curationTarget(c, &cus[i], names)})
	}
	if validCallID(form.CallID) {
		if call, err := s.store.Call(ctx, form.CallID); err == nil {
			page.CallTitle = call.Title
		}
	}
	return page, nil
}

func (s *Server) showStaffCurations(c *fiber.Ctx) error {
	form := curationForm{CallID: strings.Clone(c.Query("call_id")), ProfileID: strings.Clone(c.Query("profile_id")), Action: funding.CurationRecommend, Target: "segment"}
	if form.ProfileID != "" {
		form.Target = "profile"
	}
	page, err := s.curationsPage(c, form)
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "staff_curations", page)
}

func (s *Server) createCurationPage(c *fiber.Ctx) error {
	v := s.viewer(c)
	form := curationForm{
		CallID: formValue(c, "call_id"), Action: formValue(c, "action"), Target: formValue(c, "target"),
		ProfileID: formValue(c, "profile_id"), Domain: formValue(c, "segment_domain"), Size: formValue(c, "segment_size"),
		Keyword: formValue(c, "segment_keyword"), Note: formValue(c, "note"),
	}
	in := curationInput{CallID: form.CallID, Action: form.Action, Note: form.Note}
	if form.Target == "profile" {
		in.ProfileID = form.ProfileID
	} else {
		in.Segment = &funding.Segment{Domain: form.Domain, Size: form.Size, Keyword: form.Keyword}
	}
	fail := func(key string) error {
		page, err := s.curationsPage(c, form)
		if err != nil {
			return err
		}
		page.Error = s.tr(c, key)
		return s.render(c, fiber.StatusBadRequest, "staff_curations", page)
	}
	if err := in.validate(); err != nil {
		field := "segment"
		if ve, ok := err.(*funding.ValidationError); ok {
			field = ve.Field
		}
		return fail("curation.err." + field)
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if _, err := s.addCuration(ctx, in, v.StaffEmail); err != nil {
		if isNotFound(err) {
			if notFoundWhat(err) == "no such profile" {
				return fail("curation.err.profile_id")
			}
			return fail("curation.err.unknown_call")
		}
		return err
	}
	return redirect(c, "/staff/curations?done=curated")
}

// profileNames maps profile ids to names, for staff views.
func (s *Server) profileNames(c *fiber.Ctx) map[string]string {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	names := map[string]string{}
	if ps, err := s.store.Profiles(ctx); err == nil {
		for _, p := range ps {
			names[p.ID] = p.Name
		}
	}
	return names
}

// curationTarget says whom a curation is for, in the visitor's language.
func (s *Server) curationTarget(c *fiber.Ctx, cu *funding.Curation, names map[string]string) string {
	if cu.ProfileID != "" {
		name := names[cu.ProfileID]
		if name == "" {
			name = cu.ProfileID
		}
		return s.tr(c, "staff.target_is_profile", name)
	}
	if cu.Segment == nil {
		return ""
	}
	lang := s.lang(c)
	var parts []string
	if d := cu.Segment.Domain; d != "" {
		parts = append(parts, s.views.Domain(lang, d))
	}
	if sz := cu.Segment.Size; sz != "" {
		parts = append(parts, locale.For(lang).Size(sz))
	}
	if k := cu.Segment.Keyword; k != "" {
		parts = append(parts, "“"+k+"”")
	}
	return s.tr(c, "staff.target_is_segment", strings.Join(parts, " + "))
}

// curationLine is one curation of a call, for the call page of staff.
func (s *Server) curationLine(c *fiber.Ctx, cu *funding.Curation, names map[string]string) string {
	action := s.tr(c, "staff.action_recommend")
	if cu.Action == funding.CurationHide {
		action = s.tr(c, "staff.action_hide")
	}
	line := fmt.Sprintf("%s · %s · %s · %s", s.views.Date(s.lang(c), cu.CreatedAt), cu.By, action, s.curationTarget(c, cu, names))
	if cu.Note != "" {
		line += " — “" + cu.Note + "”"
	}
	return line
}

// heldText says, in the page's language, why a crawl marked nothing gone;
// empty when it did not hold back.
func (s *Server) heldText(c *fiber.Ctx, h *funding.GoneHold) string {
	if h == nil {
		return ""
	}
	switch h.Reason {
	case funding.HoldShort:
		return s.tr(c, "staff.held.short", h.Announced, h.Listed)
	case funding.HoldRepeated:
		return s.tr(c, "staff.held.repeated", h.Page, h.Listed, h.Announced)
	case funding.HoldTotalChanged:
		return s.tr(c, "staff.held.total_changed", h.Announced, h.Later)
	case funding.HoldOverTotal:
		return s.tr(c, "staff.held.over_total", h.Listed, h.Announced)
	case funding.HoldEmpty:
		return s.tr(c, "staff.held.empty", h.Live)
	case funding.HoldShare:
		return s.tr(c, "staff.held.share", h.Missing, h.Live, h.Allowed)
	}
	return s.tr(c, "staff.held.other")
}
