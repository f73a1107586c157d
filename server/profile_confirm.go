package server

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/store"
)

// Anyone may register a profile under any address, so an address proves
// itself: a new profile is pending until someone follows a link mailed to
// its address. Pending profiles work for whoever registered them (the
// registering browser, the API token) but never hide confirmed profiles
// from the address's sign-in e-mails, carry no user text into any e-mail,
// cannot set up e-mail digests, and are deleted by Housekeep when they stay
// unconfirmed for pendingProfileTTL.
const (
	pendingProfileTTL = 3 * 24 * time.Hour
	linksPerMail      = 20 // sign-in links per e-mail; more profiles: more e-mails
)

// pendingUntil is when p is deleted unless confirmed; zero for a profile
// confirmed once (pending at a new address), which is never deleted.
func pendingUntil(p *funding.Profile) time.Time {
	if p.EverConfirmed {
		return time.Time{}
	}
	return p.CreatedAt.Add(pendingProfileTTL)
}

// confirmLinkExpiry is how long a link that confirms p works: as long as
// p may wait for it.
func confirmLinkExpiry(p *funding.Profile, now time.Time) time.Time {
	if until := pendingUntil(p); !until.IsZero() {
		return until
	}
	return now.Add(pendingProfileTTL)
}

// emailChanged mails a confirmation link to the new address of a profile
// whose owner changed it (it is pending there), within the per-address
// limit of such e-mails; past it, the owner asks on the sign-in page.
func (s *Server) emailChanged(c *fiber.Ctx, p *funding.Profile, oldEmail string) {
	if p.Confirmed || strings.EqualFold(strings.TrimSpace(oldEmail), strings.TrimSpace(p.Email)) {
		return
	}
	if ok, _ := s.allowRegistrationFor(c, p.Email); ok {
		s.sendConfirmation(*p, s.lang(c), confirmMoved)
	}
}

// allowRegistrationFor counts one registration for an address, on the
// pages and in the API (staff included): a mailbox gets a few confirmation
// e-mails a day, whoever asks.
func (s *Server) allowRegistrationFor(c *fiber.Ctx, email string) (bool, time.Duration) {
	return s.allow(c, "register-email:"+strings.ToLower(strings.TrimSpace(email)), s.cfg.Limits.RegisterPerEmail)
}

// registrar is who registers a profile through POST /api/v1/profiles: an
// NCC staff member (Authorization: Bearer <staff token>) or anyone.
const localsStaff = "registering_staff"

// limitAPIRegistration guards POST /api/v1/profiles. A staff token
// registers on behalf of SMEs without the per-IP limit (an NCC info day
// registers many SMEs from one venue); a bearer token that is not a staff
// token is refused rather than taken as anonymous.
func (s *Server) limitAPIRegistration(c *fiber.Ctx) error {
	if _, ok := bearerToken(c); !ok {
		return s.limitRegistration(c)
	}
	st, err := s.staffFromBearer(c)
	if err != nil {
		return err
	}
	c.Locals(localsStaff, st)
	return c.Next()
}

// registeringStaff is the staff member registering through the API, if any.
func registeringStaff(c *fiber.Ctx) (store.Staff, bool) {
	st, ok := c.Locals(localsStaff).(store.Staff)
	return st, ok
}

// confirmMoved, as byStaff of sendConfirmation, says the profile was given
// a new address rather than registered.
const confirmMoved = "\x00moved"

// sendConfirmation mails the link that confirms a just registered profile,
// in the background. byStaff is the address of the NCC staff member who
// registered it, confirmMoved for a profile given a new address, or "".
func (s *Server) sendConfirmation(p funding.Profile, lang, byStaff string) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.mailConfirmation(ctx, &p, lang, byStaff); err != nil {
			s.logger.Error("Confirmation e-mail not sent", slog.String("profile_id", p.ID), slog.Any("error", err))
		}
	}()
}

func (s *Server) mailConfirmation(ctx context.Context, p *funding.Profile, lang, byStaff string) error {
	if s.mailer == nil {
		s.logger.Warn("No mailer configured: confirmation link not sent")
		return nil
	}
	token := newSecret(32)
	now := s.cfg.Now()
	until := confirmLinkExpiry(p, now)
	if err := s.store.CreateLoginToken(ctx, hashToken(token), p.ID, until); err != nil {
		return err
	}
	msg, err := s.confirmProfileMessage(p.Email, lang, s.signInURL(token), byStaff, p.CreatedAt, until, now)
	if err != nil {
		return err
	}
	return s.mailer.Send(ctx, msg)
}

func (s *Server) signInURL(token string) string {
	return strings.TrimRight(s.cfg.BaseURL, "/") + "/signin/" + token
}

// confirmProfileMessage is the first e-mail to an address: it carries no
// text that the registrant chose (not the profile's name), in the subject
// or the body, so that registering cannot mail words to a stranger.
func (s *Server) confirmProfileMessage(to, lang, link, byStaff string, registered, until, now time.Time) (digest.Message, error) {
	t := func(key string, args ...any) string { return s.views.T(lang, key, args...) }
	intro, expiry := t("mail.confirm_intro", s.views.Date(lang, registered)), t("mail.confirm_expiry", s.views.Date(lang, until))
	switch byStaff {
	case "":
	case confirmMoved:
		intro, expiry = t("mail.confirm_intro_moved", s.views.Date(lang, now)), t("mail.confirm_expiry_moved", s.views.Date(lang, until))
	default:
		intro = t("mail.confirm_intro_staff", byStaff, s.views.Date(lang, registered))
	}
	n := s.notice("confirm", to, lang, now)
	n.Subject, n.Hello, n.Intro, n.Expiry, n.Ignore = t("mail.confirm_subject"), t("mail.hello"), intro, expiry, t("mail.confirm_ignore")
	n.Links = []digest.NoticeLink{{Label: t("mail.confirm_button"), URL: link}}
	return digest.ComposeNotice(n)
}

// Housekeep is the server's periodic clean-up: it deletes the profiles
// that stayed unconfirmed past pendingProfileTTL, and expired sessions
// and sign-in links. callmatch serve runs it every hour.
func (s *Server) Housekeep(ctx context.Context) error {
	now := s.cfg.Now()
	n, err := s.store.DeleteUnconfirmedProfiles(ctx, now.Add(-pendingProfileTTL))
	if err != nil {
		return err
	}
	if n > 0 {
		s.logger.Info("Unconfirmed profiles deleted", slog.Int64("profiles", n))
	}
	if _, err := s.store.PurgeExpired(ctx, now); err != nil {
		return err
	}
	return nil
}
