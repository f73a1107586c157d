package server

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/locale"
	"callmatch/store"
)

// subscriptionPage is the confirmation page (the double opt-in link) and
// the unsubscribe page (the digests' List-Unsubscribe link).
type subscriptionPage struct {
	basePage
	Token          string // the link's token, for the form's action
	State          string // subPending, subActive...
	Email          string
	ProfileName    string
	Schedule       string
	PausedUntil    *time.Time
	UnsubscribeURL string // the confirmation page's way out
	OtherActive    int    // the unsubscribe page: the address's other live subscriptions
}

// preferLanguage shows a page in lang (a subscriber's language) unless the
// visitor chose one (?lang= or the cookie).
func (s *Server) preferLanguage(c *fiber.Ctx, lang string) {
	if c.Query("lang") != "" || locale.IsLanguage(c.Cookies(s.cookieName(c, cookieLang))) || !locale.IsLanguage(lang) {
		return
	}
	c.Locals(localLang, canonicalLang(lang))
}

func (s *Server) subscriptionView(c *fiber.Ctx, sub funding.Subscription, token string) subscriptionPage {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	p := subscriptionPage{basePage: s.base(c), Token: strings.Clone(token), State: s.subscriptionState(sub),
		Email: sub.Email, Schedule: s.scheduleText(s.lang(c), sub), PausedUntil: sub.PausedUntil}
	if prof, err := s.store.Profile(ctx, sub.ProfileID); err == nil {
		p.ProfileName = prof.Name
	}
	return p
}

// --- the double opt-in link -------------------------------------------------

func (s *Server) badConfirmLink(c *fiber.Ctx) error {
	return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "subscribe.bad_link"))
}

// showConfirmSubscription is what the confirmation link opens: a page with
// a button. A GET never confirms: mail scanners fetch links.
func (s *Server) showConfirmSubscription(c *fiber.Ctx) error {
	token := c.Params("token")
	if !validLoginToken(token) {
		return s.badConfirmLink(c)
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	sub, err := s.store.SubscriptionByToken(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return s.badConfirmLink(c)
	}
	if err != nil {
		return err
	}
	s.preferLanguage(c, sub.Language)
	if s.subscriptionState(sub) == subExpired {
		return s.badConfirmLink(c)
	}
	page := s.subscriptionView(c, sub, token)
	if page.State != subEnded {
		page.UnsubscribeURL = s.unsubscribeURL(sub.ID)
	}
	return s.render(c, fiber.StatusOK, "subscription_confirm", page)
}

// confirmSubscriptionPage is the page's button (a CSRF-protected form).
func (s *Server) confirmSubscriptionPage(c *fiber.Ctx) error {
	if ok, retry := s.allow(c, "token-ip:"+s.clientIP(c), s.cfg.Limits.TokenUsePerIP); !ok {
		return s.tooMany(c, retry)
	}
	token := c.Params("token")
	if !validLoginToken(token) {
		return s.badConfirmLink(c)
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	sub, ok, err := s.confirmSubscription(ctx, token)
	if err != nil {
		return err
	}
	if !ok {
		s.preferLanguage(c, sub.Language)
		return s.badConfirmLink(c)
	}
	return redirect(c, "/subscriptions/confirm/"+token+"?done=subscribed")
}

// --- unsubscribing: the digests' List-Unsubscribe link ------------------------

// unsubscribeToken checks the :token of an unsubscribe link and returns the
// subscription id it names.
func (s *Server) unsubscribeToken(c *fiber.Ctx) (int64, bool) {
	token := c.Params("token")
	if len(token) > 64 {
		return 0, false
	}
	return digest.VerifyUnsubscribeToken(s.unsub, token)
}

// showUnsubscribe is what the link opens in a browser: a page with a
// button, and the choice to stop every digest to the address. A GET never
// unsubscribes: link scanners and security gateways fetch links.
func (s *Server) showUnsubscribe(c *fiber.Ctx) error {
	id, ok := s.unsubscribeToken(c)
	if !ok {
		return s.renderError(c, fiber.StatusNotFound, "")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	sub, err := s.store.Subscription(ctx, id)
	if errors.Is(err, store.ErrNotFound) { // its profile was deleted, and the subscription with it
		return s.renderError(c, fiber.StatusNotFound, "")
	}
	if err != nil {
		return err
	}
	s.preferLanguage(c, sub.Language)
	page := s.subscriptionView(c, sub, c.Params("token"))
	all, err := s.store.SubscriptionsByEmail(ctx, sub.Email)
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.ID != sub.ID && o.UnsubscribedAt == nil {
			page.OtherActive++
		}
	}
	return s.render(c, fiber.StatusOK, "unsubscribe", page)
}

// unsubscribe ends the subscription of the link, or with all=1 every
// subscription of its address. It serves RFC 8058 one-click unsubscribes
// (the mail provider POSTs List-Unsubscribe=One-Click, with no cookie and
// no form token: the signed token is the authority; CSRF does not apply
// under /unsubscribe/) with a plain 200, and the page's button with a
// redirect back to the page. It is idempotent.
func (s *Server) unsubscribe(c *fiber.Ctx) error {
	id, ok := s.unsubscribeToken(c)
	if !ok {
		return s.renderError(c, fiber.StatusNotFound, "")
	}
	oneClick := c.FormValue("List-Unsubscribe") == "One-Click"
	all := c.FormValue("all") == "1"
	ctx, cancel := s.requestContext(c)
	defer cancel()
	now := s.cfg.Now()
	var err error
	if all {
		var sub funding.Subscription
		if sub, err = s.store.Subscription(ctx, id); err == nil {
			var n int
			if n, err = s.store.UnsubscribeEmail(ctx, sub.Email, now); err == nil {
				s.logger.Info("Unsubscribed an address from every digest", slog.Int64("subscription_id", id), slog.Int("subscriptions", n))
			}
		}
	} else if err = s.store.Unsubscribe(ctx, id, now); err == nil {
		s.logger.Info("Unsubscribed", slog.Int64("subscription_id", id), slog.Bool("one_click", oneClick))
	}
	switch {
	case errors.Is(err, store.ErrNotFound) && oneClick:
		// Deleted with its profile: nothing goes out to it, which is what was asked.
	case errors.Is(err, store.ErrNotFound):
		return s.renderError(c, fiber.StatusNotFound, "")
	case err != nil:
		return err
	}
	if oneClick {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Status(fiber.StatusOK).SendString("unsubscribed\n")
	}
	return redirect(c, "/unsubscribe/"+c.Params("token")+"?done=unsubscribed")
}

// --- a profile's digests, on its matches page --------------------------------

// digestForm is the subscription form of a profile's page, as typed.
type digestForm struct {
	Email, Frequency, Timezone, Language string
	Weekday, Hour                        int
	Error                                string // what is wrong, in the visitor's language
}

// subscriptionRow is a live subscription of a profile, as its page lists it.
type subscriptionRow struct {
	ID          int64
	Email       string
	Schedule    string
	Language    string
	State       string
	PausedUntil *time.Time
	Since       time.Time
}

// digestWeekdays are the days offered for weekly digests, Monday first.
var digestWeekdays = []int{1, 2, 3, 4, 5, 6, 0}

// addDigests fills the digest part of a profile's page for its owner.
func (s *Server) addDigests(c *fiber.Ctx, page *matchesPage) error {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	subs, err := s.store.SubscriptionsByProfile(ctx, page.Profile.ID)
	if err != nil {
		return err
	}
	lang := s.lang(c)
	for _, sub := range subs {
		state := s.subscriptionState(sub)
		if state == subEnded || state == subExpired {
			continue
		}
		page.Digests = append(page.Digests, subscriptionRow{ID: sub.ID, Email: sub.Email, Schedule: s.scheduleText(lang, sub),
			Language: sub.Language, State: state, PausedUntil: sub.PausedUntil, Since: sub.CreatedAt})
	}
	if page.DigestForm == (digestForm{}) {
		page.DigestForm = digestForm{Email: page.Profile.Email, Frequency: funding.FrequencyWeekly, Weekday: int(defaultDigestWeekday),
			Hour: defaultDigestHour, Timezone: digest.DefaultTimezone, Language: lang}
	}
	page.DigestWeekdays, page.DigestHours = digestWeekdays, make([]int, 24)
	for h := range page.DigestHours {
		page.DigestHours[h] = h
	}
	return nil
}

// subscribePage is the subscription form of a profile's page: its owner
// asks for digests of its matches, to any address (double opt-in).
func (s *Server) subscribePage(c *fiber.Ctx) error {
	p, err := s.ownProfile(c)
	if p == nil {
		return err
	}
	form := digestForm{Email: formValue(c, "email"), Frequency: formValue(c, "frequency"), Timezone: formValue(c, "timezone"),
		Language: formValue(c, "language"), Weekday: int(defaultDigestWeekday), Hour: defaultDigestHour}
	in := subscriptionInput{Email: form.Email, ProfileID: p.ID, Frequency: form.Frequency, Timezone: form.Timezone, Language: form.Language}
	if form.Timezone == "" {
		form.Timezone = digest.DefaultTimezone
	}
	if form.Language == "" {
		form.Language = s.lang(c)
	}
	if v := formValue(c, "weekday"); v != "" {
		in.Weekday = v
		form.Weekday, _ = strconv.Atoi(v)
	}
	if v := formValue(c, "hour"); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil {
			h = -1
		}
		in.Hour, form.Hour = &h, h
	}
	sub, err := in.subscription(s.lang(c))
	var ve *funding.ValidationError
	if errors.As(err, &ve) {
		form.Error = s.tr(c, "digests.err."+ve.Field)
		return s.showMatchesWith(c, p, accessOwner, fiber.StatusBadRequest, form)
	}
	if err != nil {
		return err
	}
	retry, err := s.subscribe(c, p, sub)
	if errors.Is(err, errPendingProfile) {
		form.Error = s.tr(c, "digests.err.pending")
		return s.showMatchesWith(c, p, accessOwner, fiber.StatusForbidden, form)
	}
	if err != nil {
		return err
	}
	if retry > 0 {
		return s.tooMany(c, retry)
	}
	return redirect(c, "/profiles/"+p.ID+"?done=subscribe_sent#digests")
}

// manageSubscription pauses (until the form's date), resumes or ends one of
// the profile's subscriptions, for its owner.
func (s *Server) manageSubscription(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, err := s.ownProfile(c)
		if p == nil {
			return err
		}
		sid, err := strconv.ParseInt(c.Params("sid"), 10, 64)
		if err != nil || sid <= 0 {
			return notFound("no such subscription")
		}
		ctx, cancel := s.requestContext(c)
		defer cancel()
		sub, err := s.store.Subscription(ctx, sid)
		if errors.Is(err, store.ErrNotFound) || err == nil && sub.ProfileID != p.ID {
			return notFound("no such subscription")
		}
		if err != nil {
			return err
		}
		now := s.cfg.Now()
		done := action + "d" // paused, resumed
		switch action {
		case "pause":
			until, err := pauseUntil(formValue(c, "until"), sub.Timezone, now)
			if err != nil {
				return err
			}
			sub.PausedUntil = &until
			err = s.store.UpdateSubscription(ctx, &sub)
			if err != nil {
				return err
			}
		case "resume":
			sub.PausedUntil = nil
			if err := s.store.UpdateSubscription(ctx, &sub); err != nil {
				return err
			}
		case "unsubscribe":
			if err := s.store.Unsubscribe(ctx, sub.ID, now); err != nil {
				return err
			}
			done = "unsubscribed"
		}
		s.logger.Info("Subscription changed by its profile's owner", slog.Int64("subscription_id", sub.ID), slog.String("action", action))
		return redirect(c, "/profiles/"+p.ID+"?done="+done+"#digests")
	}
}

// maxPause is the longest pause: beyond it, unsubscribing is the honest choice.
const maxPause = 366 * 24 * time.Hour

// pauseUntil reads a pause's end, a date (YYYY-MM-DD): digests resume at
// its start in the subscription's time zone.
func pauseUntil(date, tz string, now time.Time) (time.Time, error) {
	loc, err := time.LoadLocation(tz)
	if err != nil || tz == "" {
		loc, _ = time.LoadLocation(digest.DefaultTimezone)
	}
	t, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil || !t.After(now) || t.After(now.Add(maxPause)) {
		return time.Time{}, badRequest("until: give a date after today and within a year, as YYYY-MM-DD")
	}
	return t, nil
}
