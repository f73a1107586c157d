package server

import (
	"errors"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/funding"
	"callmatch/store"
)

// formActionCodes are the types of action offered as checkboxes.
var formActionCodes = []string{"RIA", "IA", "CSA", "SME", "SG", "LS", "PCP", "PPI", "COFUND", "GRANT", "PRIZE"}

// profileFormValues is the profile form as typed.
type profileFormValues struct {
	Name, Email, Country, Size, Description string
	Keywords                                string // one per line
	Domains, Programmes, Types              []string
	BudgetMin, BudgetMax, TRL               string
}

type profileFormPage struct {
	basePage
	Edit         bool
	Action       string
	ProfileID    string
	P            profileFormValues
	Errors       map[string]string
	ErrorSummary string
	ActionCodes  []string
	TRLs         []int
}

func valuesOf(p *funding.Profile) profileFormValues {
	v := profileFormValues{Name: p.Name, Email: p.Email, Country: p.Country, Size: p.Size, Description: p.Description,
		Keywords: strings.Join(p.Keywords, "\n"), Domains: p.Domains, Programmes: p.Programmes, Types: p.TypesOfAction}
	if p.BudgetMin > 0 {
		v.BudgetMin = strconv.FormatInt(p.BudgetMin, 10)
	}
	if p.BudgetMax > 0 {
		v.BudgetMax = strconv.FormatInt(p.BudgetMax, 10)
	}
	if p.TRL > 0 {
		v.TRL = strconv.Itoa(p.TRL)
	}
	return v
}

func (s *Server) profileForm(c *fiber.Ctx, edit bool, id string, v profileFormValues) profileFormPage {
	p := profileFormPage{basePage: s.base(c), Edit: edit, ProfileID: id, P: v, Errors: map[string]string{},
		ActionCodes: formActionCodes, TRLs: []int{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	p.Action = "/profiles/new"
	if edit {
		p.Action = "/profiles/" + id + "/edit"
	}
	return p
}

// readProfileForm reads the form into p (validated) and the typed values.
// A field that is wrong comes back as its name.
func readProfileForm(c *fiber.Ctx, p *funding.Profile) (profileFormValues, string) {
	v := profileFormValues{
		Name: formValue(c, "name"), Email: formValue(c, "email"), Country: formValue(c, "country"),
		Size: formValue(c, "size"), Description: formValue(c, "description"), Keywords: formValue(c, "keywords"),
		Domains: formValues(c, "domains"), Programmes: formValues(c, "programmes"), Types: formValues(c, "types_of_action"),
		BudgetMin: formValue(c, "budget_min"), BudgetMax: formValue(c, "budget_max"), TRL: formValue(c, "trl"),
	}
	p.Name, p.Email, p.Country, p.Size, p.Description = v.Name, v.Email, v.Country, v.Size, v.Description
	p.Keywords = strings.FieldsFunc(v.Keywords, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ';' })
	p.Domains, p.Programmes, p.TypesOfAction = v.Domains, v.Programmes, v.Types
	num := func(s string, max int64) (int64, bool) {
		if s == "" {
			return 0, true
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), ".", ""), 10, 64)
		return n, err == nil && n >= 0 && n <= max
	}
	var ok bool
	if p.BudgetMin, ok = num(v.BudgetMin, funding.MaxBudget); !ok {
		return v, "budget"
	}
	if p.BudgetMax, ok = num(v.BudgetMax, funding.MaxBudget); !ok {
		return v, "budget"
	}
	trl, ok := num(v.TRL, 9)
	if !ok {
		return v, "trl"
	}
	p.TRL = int(trl)
	p.Normalize()
	if err := p.Validate(); err != nil {
		var ve *funding.ValidationError
		if errors.As(err, &ve) {
			field := ve.Field
			if field == "budget_min" || field == "budget_max" {
				field = "budget"
			}
			return v, field
		}
		return v, "name"
	}
	return v, ""
}

func (s *Server) formError(c *fiber.Ctx, page *profileFormPage, field string) error {
	page.Errors[field] = s.tr(c, "form.err."+field)
	page.ErrorSummary = s.tr(c, "form.err.summary")
	return s.render(c, fiber.StatusBadRequest, "profile_form", *page)
}

func (s *Server) showNewProfile(c *fiber.Ctx) error {
	v := profileFormValues{Country: "BE"} // the NCC's community; editable
	return s.render(c, fiber.StatusOK, "profile_form", s.profileForm(c, false, "", v))
}

// createProfilePage registers a profile from the form, signs the browser
// in as that profile, e-mails the link that confirms it, and shows the
// matches. The profile is pending until the link is followed.
func (s *Server) createProfilePage(c *fiber.Ctx) error {
	var p funding.Profile
	v, bad := readProfileForm(c, &p)
	if bad != "" {
		page := s.profileForm(c, false, "", v)
		return s.formError(c, &page, bad)
	}
	if ok, retry := s.allowRegistrationFor(c, p.Email); !ok {
		return s.tooMany(c, retry)
	}
	p.ID = newSecret(9)
	ctx, cancel := s.requestContext(c)
	defer cancel()
	// The API token of a profile made here is not shown: the page's
	// session and the e-mailed links are how its owner gets back in.
	if err := s.store.CreateProfile(ctx, &p, hashToken(newSecret(32))); err != nil {
		return err
	}
	if err := s.startSession(c, store.SubjectProfile, p.ID, profileSessionTTL); err != nil {
		return err
	}
	s.sendConfirmation(p, s.lang(c), "")
	s.logger.Info("Profile registered", slog.String("profile_id", p.ID))
	return redirect(c, "/profiles/"+p.ID+"?done=welcome")
}

type matchView struct {
	funding.Match
	Followed    bool
	TextReasons []funding.Reason
}

type callRef struct {
	ID, Title string
	Status    funding.Status
	Deadline  *time.Time
}

type matchesPage struct {
	basePage
	Profile      *funding.Profile
	Owner        bool
	Matches      []matchView
	Followed     []callRef
	Dismissed    []callRef
	GeneratedAt  time.Time
	MinDays      int
	PendingUntil time.Time // when the profile is deleted unless confirmed (pending profiles only)
	CalendarURL  string
	WebcalURL    string
	FeedURL      string // the matches as an Atom feed, with its secret token
	CSVURL       string
	// Unfound are the profile's keywords that no listed match mentions
	// (a typo, or a word calls do not use), for the owner to revise.
	Unfound string
	// E-mail digests, for the owner (see page_subscriptions.go).
	Digests        []subscriptionRow
	DigestForm     digestForm
	DigestWeekdays []int
	DigestHours    []int
}

// matchesLimit is how many matches the page shows.
const matchesLimit = 50

func (s *Server) showMatches(c *fiber.Ctx) error {
	p, level, err := s.profileAccess(c)
	if p == nil {
		return err
	}
	return s.showMatchesWith(c, p, level, fiber.StatusOK, digestForm{})
}

// showMatchesWith renders the matches page of p with that status; form is
// the digest subscription form as typed (zero: its defaults).
func (s *Server) showMatchesWith(c *fiber.Ctx, p *funding.Profile, level access, status int, form digestForm) error {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	res, err := s.matches.List(ctx, p, matchesLimit)
	if err != nil {
		return err
	}
	follows, err := s.store.Follows(ctx, p.ID)
	if err != nil {
		return err
	}
	dismissed, err := s.store.Dismissed(ctx, p.ID)
	if err != nil {
		return err
	}
	page := matchesPage{basePage: s.base(c), Profile: p, Owner: level == accessOwner, GeneratedAt: res.GeneratedAt,
		MinDays: s.matches.MinDaysToDeadline(), CSVURL: "/profiles/" + p.ID + "/matches.csv", DigestForm: form}
	if !p.Confirmed {
		page.PendingUntil = pendingUntil(p)
	}
	for _, m := range res.Matches {
		mv := matchView{Match: m, Followed: slices.Contains(follows, m.CallID)}
		for _, r := range m.Reasons {
			if r.Kind != funding.ReasonBudget && r.Kind != funding.ReasonDeadline {
				mv.TextReasons = append(mv.TextReasons, r)
			}
		}
		page.Matches = append(page.Matches, mv)
	}
	now := s.cfg.Now()
	refs := func(ids []string) []callRef {
		var out []callRef
		for _, id := range ids {
			call, err := s.store.Call(ctx, id)
			if err != nil {
				continue
			}
			out = append(out, callRef{ID: call.ID, Title: call.Title, Status: call.StatusAt(now), Deadline: call.NextDeadline(now)})
		}
		return out
	}
	if page.Owner && len(res.Matches) > 0 {
		page.Unfound = unfoundKeywords(p, res.Matches)
	}
	page.Followed = refs(follows)
	page.Dismissed = refs(dismissed)
	if page.Owner {
		secret, err := s.store.ProfileCalendarSecret(ctx, p.ID)
		if err != nil {
			return err
		}
		page.CalendarURL = strings.TrimRight(s.cfg.BaseURL, "/") + "/profiles/" + p.ID + "/deadlines.ics?token=" + s.keys.calendarToken(p.ID, secret)
		if u, err := url.Parse(page.CalendarURL); err == nil {
			u.Scheme = "webcal"
			page.WebcalURL = u.String()
		}
		page.FeedURL = strings.TrimRight(s.cfg.BaseURL, "/") + "/profiles/" + p.ID + "/matches.atom?token=" + s.keys.feedToken(p.ID, secret)
		if err := s.addDigests(c, &page); err != nil {
			return err
		}
	}
	return s.render(c, status, "matches", page)
}

// unfoundKeywords lists, quoted, the profile's keywords that none of the
// matches gives as a reason; "" when each one is.
func unfoundKeywords(p *funding.Profile, ms []funding.Match) string {
	var out []string
	for _, k := range p.Keywords {
		found := slices.ContainsFunc(ms, func(m funding.Match) bool {
			return slices.ContainsFunc(m.Reasons, func(r funding.Reason) bool {
				return r.Kind == funding.ReasonKeyword && strings.EqualFold(r.Term, k)
			})
		})
		if !found {
			out = append(out, "“"+k+"”")
		}
	}
	return strings.Join(out, ", ")
}

// ownProfile is profileAccess for what only the owner may do.
func (s *Server) ownProfile(c *fiber.Ctx) (*funding.Profile, error) {
	p, level, err := s.profileAccess(c)
	if p == nil {
		return nil, err
	}
	if level != accessOwner {
		return nil, s.errorMessage(c, fiber.StatusForbidden, s.tr(c, "error.not_yours"))
	}
	return p, nil
}

func (s *Server) showEditProfile(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "profile_form", s.profileForm(c, true, p.ID, valuesOf(p)))
}

func (s *Server) updateProfilePage(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	return s.limitEdits(c, p.ID, func() error {
		oldEmail := p.Email
		v, bad := readProfileForm(c, p)
		if bad != "" {
			page := s.profileForm(c, true, p.ID, v)
			return s.formError(c, &page, bad)
		}
		ctx, cancel := s.requestContext(c)
		defer cancel()
		if err := s.store.UpdateProfile(ctx, p); err != nil {
			return err
		}
		s.emailChanged(c, p, oldEmail)
		return redirect(c, "/profiles/"+p.ID+"?done=saved")
	})
}

type deletePage struct {
	basePage
	Profile *funding.Profile
}

func (s *Server) showDeleteProfile(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "profile_delete", deletePage{basePage: s.base(c), Profile: p})
}

func (s *Server) deleteProfilePage(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.DeleteProfile(ctx, p.ID); err != nil { // its sessions go with it
		return err
	}
	s.setCookie(c, cookieSession, "", -1)
	return redirect(c, "/?done=deleted")
}

type tokenPage struct {
	basePage
	Profile *funding.Profile
	Token   string // the new token, shown once; empty: the page that offers one
	BaseURL string
}

func (s *Server) showProfileToken(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "profile_token", tokenPage{basePage: s.base(c), Profile: p, BaseURL: s.cfg.BaseURL})
}

// newProfileTokenPage makes the profile a new API token and shows it once.
// A profile registered through these pages has a token nobody ever saw:
// this is how its owner gets one.
func (s *Server) newProfileTokenPage(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	token, err := s.newProfileToken(c, p.ID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusOK, "profile_token", tokenPage{basePage: s.base(c), Profile: p, Token: token, BaseURL: s.cfg.BaseURL})
}

// newCalendarAddress gives the profile's calendar feed a new address; the
// old one stops working (a link shared too widely, a lost device).
func (s *Server) newCalendarAddress(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.SetProfileCalendarKey(ctx, p.ID, newSecret(16)); err != nil {
		return err
	}
	return redirect(c, "/profiles/"+p.ID+"?done=calendar#calendar")
}

// markCall follows, unfollows, dismisses or undismisses the form's call_id.
func (s *Server) markCall(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.ownProfile(c)
		if p == nil {
			return err
		}
		callID := formValue(c, "call_id")
		if !validCallID(callID) {
			return badRequest("call_id: not a call identifier")
		}
		ctx, cancel := s.requestContext(c)
		defer cancel()
		switch action {
		case "follow":
			err = s.store.Follow(ctx, p.ID, callID)
		case "unfollow":
			err = s.store.Unfollow(ctx, p.ID, callID)
		case "dismiss":
			err = s.store.Dismiss(ctx, p.ID, callID)
		case "undismiss":
			err = s.store.Undismiss(ctx, p.ID, callID)
		}
		if errors.Is(err, store.ErrNotFound) {
			return notFound("no such call")
		}
		if err != nil {
			return err
		}
		done := action + "ed" // followed, unfollowed, dismissed, undismissed: see flashes
		next := localPath(formValue(c, "next"), "/profiles/"+p.ID)
		path, frag, _ := strings.Cut(next, "#")
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		to := path + sep + "done=" + done
		if frag != "" {
			to += "#" + frag
		}
		return redirect(c, to)
	}
}
