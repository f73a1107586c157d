package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/locale"
	"callmatch/store"
)

// E-mail digests: subscribing with double opt-in, confirming, and the
// settings a profile's owner manages. Who may subscribe an address to a
// profile's digest: the profile's owner only (its API token, or a session
// of the profile on the pages). The digest shows the profile's matches, and
// the NCC's notes on them, which are the owner's business; the double
// opt-in protects the address's owner, who must confirm before anything is
// sent. Any address may be subscribed, not only the profile's, so that
// colleagues can get the digest too.

// confirmTTL is how long a confirmation link works.
const confirmTTL = 7 * 24 * time.Hour

// Defaults of a subscription request.
const (
	defaultDigestHour    = 8
	defaultDigestWeekday = time.Monday
)

// subscriptionInput is a subscription request: the body of POST
// /api/v1/subscriptions, or the form of a profile's page.
type subscriptionInput struct {
	Email     string `json:"email"`
	ProfileID string `json:"profile_id"`
	Frequency string `json:"frequency"`
	// Weekday of weekly digests: 0 (Sunday) to 6, or an English day name
	// ("monday", "mon"). Default Monday.
	Weekday  any    `json:"weekday"`
	Hour     *int   `json:"hour"` // local hour, 0-23; default 8
	Timezone string `json:"timezone"`
	Language string `json:"language"` // en, fr or nl; default the request's language
}

// subscription validates the request and returns the subscription it asks
// for, without its token. Errors are *funding.ValidationError (400).
func (in subscriptionInput) subscription(defaultLang string) (funding.Subscription, error) {
	bad := func(field, msg string) error { return &funding.ValidationError{Field: field, Message: msg} }
	sub := funding.Subscription{Email: in.Email, ProfileID: in.ProfileID, Frequency: in.Frequency,
		Weekday: defaultDigestWeekday, Hour: defaultDigestHour, Timezone: in.Timezone, Language: in.Language}
	switch {
	case in.Email == "":
		return sub, bad("email", "is required")
	case funding.ValidateEmail(in.Email) != nil: // refuses CR, LF and every other header trick
		return sub, bad("email", "is not a valid e-mail address")
	case in.ProfileID == "":
		return sub, bad("profile_id", "is required")
	case !validID(in.ProfileID):
		return sub, bad("profile_id", "is not a profile identifier")
	case in.Frequency != funding.FrequencyDaily && in.Frequency != funding.FrequencyWeekly:
		return sub, bad("frequency", "must be daily or weekly")
	}
	if in.Weekday != nil {
		d, ok := parseWeekday(in.Weekday)
		if !ok {
			return sub, bad("weekday", "must be 0 (Sunday) to 6, or a day name such as monday")
		}
		sub.Weekday = d
	}
	if in.Hour != nil {
		if *in.Hour < 0 || *in.Hour > 23 {
			return sub, bad("hour", "must be 0 to 23")
		}
		sub.Hour = *in.Hour
	}
	if sub.Timezone == "" {
		sub.Timezone = digest.DefaultTimezone
	}
	if !validTimezone(sub.Timezone) {
		return sub, bad("timezone", "is not an IANA time zone such as Europe/Brussels")
	}
	switch {
	case sub.Language == "":
		sub.Language = canonicalLang(defaultLang)
	case locale.IsLanguage(sub.Language):
		sub.Language = canonicalLang(sub.Language)
	default:
		return sub, bad("language", "must be en, fr or nl")
	}
	return sub, nil
}

var weekdayNames = map[string]time.Weekday{
	"sunday": time.Sunday, "monday": time.Monday, "tuesday": time.Tuesday, "wednesday": time.Wednesday,
	"thursday": time.Thursday, "friday": time.Friday, "saturday": time.Saturday,
}

// parseWeekday reads a weekday given as a number (JSON numbers decode as
// float64; form values are strings) or as an English name.
func parseWeekday(v any) (time.Weekday, bool) {
	switch w := v.(type) {
	case float64:
		if w >= 0 && w <= 6 && w == float64(int(w)) {
			return time.Weekday(int(w)), true
		}
	case string:
		if n, err := strconv.Atoi(w); err == nil {
			return parseWeekday(float64(n))
		}
		name := strings.ToLower(strings.TrimSpace(w))
		for full, d := range weekdayNames {
			if name == full || len(name) == 3 && strings.HasPrefix(full, name) {
				return d, true
			}
		}
	}
	return 0, false
}

// validTimezone accepts IANA zone names that load (time/tzdata is built in
// through ui), and not "Local", which would be the server's own.
func validTimezone(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// subscribe stores an unconfirmed subscription for profile p and e-mails
// the confirmation link, after the answer: whatever the address (new,
// subscribed already, unsubscribed, bounced), the requester learns nothing
// but that a link may be on its way. A confirmation later replaces the
// address's other subscriptions to the same profile (confirmSubscription).
// When the address had too many confirmation e-mails lately, nothing is
// done and retry says when to come back.
func (s *Server) subscribe(c *fiber.Ctx, p *funding.Profile, sub funding.Subscription) (retry time.Duration, err error) {
	if !p.Confirmed {
		return 0, errPendingProfile
	}
	if ok, retry := s.allow(c, "subscribe-email:"+strings.ToLower(sub.Email), s.cfg.Limits.SubscribePerEmail); !ok {
		return retry, nil
	}
	token := newSecret(32)
	sub.TokenHash = hashToken(token)
	sub.ProfileID = p.ID
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if err := s.store.CreateSubscription(ctx, &sub); err != nil {
		return 0, err
	}
	s.logger.Info("Subscription requested", slog.Int64("subscription_id", sub.ID), slog.String("profile_id", p.ID))
	msg, err := s.confirmationMessage(sub, p.Name, token, s.cfg.Now())
	if err != nil {
		return 0, err
	}
	s.sendLater(msg, slog.Int64("subscription_id", sub.ID))
	return 0, nil
}

// errPendingProfile refuses what a profile may do only once confirmed: a
// pending profile sends no e-mail but its own confirmation link.
var errPendingProfile = forbidden("this profile awaits confirmation: follow the link e-mailed to its address first")

// sendLater sends an e-mail in the background, after the answer: neither
// its outcome nor its timing tells the requester anything.
func (s *Server) sendLater(msg digest.Message, attrs ...any) {
	if s.mailer == nil {
		s.logger.Warn("No mailer configured: e-mail not sent", attrs...)
		return
	}
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.mailer.Send(ctx, msg); err != nil {
			s.logger.Error("E-mail not sent", append(attrs, slog.Any("error", err))...)
		}
	}()
}

// mailHost is the host name of BASE_URL: the domain of Message-IDs and of
// the default From.
func (s *Server) mailHost() string {
	if u, err := url.Parse(s.cfg.BaseURL); err == nil && u.Hostname() != "" {
		return u.Hostname()
	}
	return "localhost"
}

// notice is a system e-mail of this server to an address, in lang.
func (s *Server) notice(kind, to, lang string, now time.Time) digest.Notice {
	return digest.Notice{Kind: kind, From: s.mailFrom(), To: to, Domain: s.mailHost(), Lang: lang, Date: now}
}

func (s *Server) mailFrom() string {
	if s.cfg.MailFrom != "" {
		return s.cfg.MailFrom
	}
	return "callmatch <noreply@" + s.mailHost() + ">"
}

// confirmationMessage composes the double opt-in e-mail, in the
// subscriber's language.
func (s *Server) confirmationMessage(sub funding.Subscription, profileName, token string, now time.Time) (digest.Message, error) {
	lang := sub.Language
	t := func(key string, args ...any) string { return s.views.T(lang, key, args...) }
	intro := t("subscribe.mail.intro_daily", profileName)
	if sub.Frequency == funding.FrequencyWeekly {
		intro = t("subscribe.mail.intro_weekly", profileName)
	}
	n := s.notice("subscribe", sub.Email, lang, now)
	n.Subject, n.Hello, n.Intro = t("subscribe.mail.subject"), t("mail.hello"), intro
	n.When = t("subscribe.when", s.scheduleText(lang, sub))
	n.Links = []digest.NoticeLink{{Label: t("subscribe.mail.button"), URL: strings.TrimRight(s.cfg.BaseURL, "/") + "/subscriptions/confirm/" + token}}
	n.Expiry, n.Ignore = t("subscribe.mail.expiry", int(confirmTTL/(24*time.Hour))), t("subscribe.mail.ignore")
	return digest.ComposeNotice(n)
}

// scheduleText says when a subscription's digests go out, in lang:
// "every day at 08:00 (Europe/Brussels)".
func (s *Server) scheduleText(lang string, sub funding.Subscription) string {
	at := fmt.Sprintf("%02d:00", sub.Hour)
	tz := sub.Timezone
	if tz == "" {
		tz = digest.DefaultTimezone
	}
	if sub.Frequency == funding.FrequencyWeekly {
		return s.views.T(lang, "digests.schedule_weekly", s.views.T(lang, "weekday."+strconv.Itoa(int(sub.Weekday))), at, tz)
	}
	return s.views.T(lang, "digests.schedule_daily", at, tz)
}

// Subscription states, as pages show them.
const (
	subPending = "pending" // waiting for the confirmation
	subExpired = "expired" // never confirmed, and the link expired
	subActive  = "active"
	subPaused  = "paused"
	subBounced = "bounced" // the address refused our e-mails for good
	subEnded   = "ended"   // unsubscribed
)

func (s *Server) subscriptionState(sub funding.Subscription) string {
	now := s.cfg.Now()
	switch {
	case sub.UnsubscribedAt != nil:
		return subEnded
	case sub.Bounced:
		return subBounced
	case sub.ConfirmedAt == nil && now.Sub(sub.CreatedAt) > confirmTTL:
		return subExpired
	case sub.ConfirmedAt == nil:
		return subPending
	case sub.PausedUntil != nil && sub.PausedUntil.After(now):
		return subPaused
	}
	return subActive
}

// confirmSubscription confirms the subscription of a confirmation token
// and ends the address's other subscriptions to the same profile: the
// latest confirmed settings replace the earlier ones, so that no address
// gets one profile's digest twice. Only a pending subscription is
// confirmed; ok is false for an unknown token or one that expired or ended.
func (s *Server) confirmSubscription(ctx context.Context, token string) (sub funding.Subscription, ok bool, err error) {
	sub, err = s.store.SubscriptionByToken(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return sub, false, nil
	}
	if err != nil {
		return sub, false, err
	}
	switch state := s.subscriptionState(sub); {
	case state == subExpired || state == subEnded:
		return sub, false, nil
	case sub.ConfirmedAt != nil:
		return sub, true, nil // confirmed already: a second click changes nothing
	}
	now := s.cfg.Now()
	if sub, err = s.store.ConfirmSubscription(ctx, sub.TokenHash, now); err != nil {
		return sub, false, err
	}
	others, err := s.store.SubscriptionsByEmail(ctx, sub.Email)
	if err != nil {
		return sub, false, err
	}
	for _, o := range others {
		if o.ID != sub.ID && o.ProfileID == sub.ProfileID && o.UnsubscribedAt == nil {
			if err := s.store.Unsubscribe(ctx, o.ID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
				return sub, false, err
			}
		}
	}
	s.logger.Info("Subscription confirmed", slog.Int64("subscription_id", sub.ID), slog.String("profile_id", sub.ProfileID))
	return sub, true, nil
}

// unsubscribeURL is the path of the unsubscribe page of a subscription, as
// the digests link to it; empty without an unsubscribe key.
func (s *Server) unsubscribeURL(id int64) string {
	if len(s.unsub) == 0 {
		return ""
	}
	return "/unsubscribe/" + digest.UnsubscribeToken(s.unsub, id)
}
