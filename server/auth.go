package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"callmatch/digest"
	"callmatch/funding"
	"callmatch/store"
)

// Lifetimes of what signs a browser in.
const (
	profileSessionTTL = 30 * 24 * time.Hour
	staffSessionTTL   = 12 * time.Hour
	loginTokenTTL     = 30 * time.Minute
)

// dummyHash is compared against when no staff member has the address, so
// that a wrong address costs as long as a wrong password.
const dummyHash = "$2a$10$uPxOqWwVW8jXSy5y/b8vNuK/Grce2JIqIKC4f7d8rUG7Eay3TZ5PC"

// startSession signs the browser in: a new session id every time (a
// session planted before sign-in is never promoted), stored hashed.
func (s *Server) startSession(c *fiber.Ctx, kind, subject string, ttl time.Duration) error {
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if old := c.Cookies(s.cookieName(c, cookieSession)); old != "" && len(old) <= 100 {
		if err := s.store.DeleteSession(ctx, hashToken(old)); err != nil {
			return err
		}
	}
	id := newSecret(32)
	if err := s.store.CreateSession(ctx, hashToken(id), kind, subject, s.cfg.Now().Add(ttl)); err != nil {
		return err
	}
	s.setCookie(c, cookieSession, id, ttl)
	return nil
}

func (s *Server) signOut(c *fiber.Ctx) error {
	if raw := c.Cookies(s.cookieName(c, cookieSession)); raw != "" && len(raw) <= 100 {
		ctx, cancel := s.requestContext(c)
		defer cancel()
		if err := s.store.DeleteSession(ctx, hashToken(raw)); err != nil {
			return err
		}
	}
	s.setCookie(c, cookieSession, "", -1)
	return redirect(c, "/?done=signedout")
}

// errorMessage shows an error page whose message is already translated.
func (s *Server) errorMessage(c *fiber.Ctx, status int, msg string) error {
	p := errorPage{basePage: s.base(c), Status: status, Heading: s.tr(c, "error."+strconv.Itoa(status)+".title"), Message: msg}
	p.SignIn = status == fiber.StatusForbidden || status == fiber.StatusUnauthorized
	return s.render(c, status, "error", p)
}

// --- SMEs: sign in with a link sent by e-mail -------------------------------

type signinPage struct {
	basePage
	Email   string
	Error   string
	Minutes int
	Token   string
	Pending *pendingView // the link's profile awaits confirmation
}

func (s *Server) showSignIn(c *fiber.Ctx) error {
	return s.render(c, fiber.StatusOK, "signin", signinPage{basePage: s.base(c)})
}

// requestSignIn e-mails sign-in links for the address's profiles. The page
// says the same whether the address is known or not, and the e-mail leaves
// after the answer, so neither words nor timing tell who is registered.
func (s *Server) requestSignIn(c *fiber.Ctx) error {
	email := formValue(c, "email")
	if funding.ValidateEmail(email) != nil {
		p := signinPage{basePage: s.base(c), Email: email, Error: s.tr(c, "form.err.email")}
		return s.render(c, fiber.StatusBadRequest, "signin", p)
	}
	if ok, retry := s.allow(c, "signin-ip:"+s.clientIP(c), s.cfg.Limits.SignInPerIP); !ok {
		return s.tooMany(c, retry)
	}
	if ok, retry := s.allow(c, "signin-email:"+strings.ToLower(email), s.cfg.Limits.SignInPerEmail); !ok {
		return s.tooMany(c, retry)
	}
	lang := s.lang(c)
	s.sendSignInLinks(email, lang)
	return s.render(c, fiber.StatusOK, "signin_sent", signinPage{basePage: s.base(c), Minutes: int(loginTokenTTL / time.Minute)})
}

// sendSignInLinks mails, in the background, sign-in links for every
// profile of email: the confirmed ones first, then those awaiting
// confirmation, linksPerMail to an e-mail.
func (s *Server) sendSignInLinks(email, lang string) {
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.mailSignInLinks(ctx, email, lang); err != nil {
			s.logger.Error("Sign-in e-mail not sent", slog.Any("error", err))
		}
	}()
}

func (s *Server) mailSignInLinks(ctx context.Context, email, lang string) error {
	profiles, err := s.store.ProfilesByEmail(ctx, email)
	if err != nil {
		return err
	}
	if len(profiles) == 0 {
		s.logger.Debug("Sign-in asked for an address with no profile")
		return nil
	}
	if s.mailer == nil {
		s.logger.Warn("No mailer configured: sign-in link not sent")
		return nil
	}
	t := func(key string, args ...any) string { return s.views.T(lang, key, args...) }
	now := s.cfg.Now()
	// A pending profile's link is labelled by dates only: its name is the
	// registrant's text, and the registrant may be anyone.
	var links []digest.NoticeLink
	pending := false
	for _, p := range profiles {
		token := newSecret(32)
		expires, link := now.Add(loginTokenTTL), digest.NoticeLink{Label: t("mail.button") + " – " + p.Name}
		if !p.Confirmed {
			// Until the profile is deleted: the owner may read it days later.
			expires, pending = confirmLinkExpiry(&p, now), true
			link = digest.NoticeLink{Label: t("mail.pending_button"),
				Note: t("mail.pending_note", s.views.Date(lang, p.CreatedAt), s.views.Date(lang, expires))}
			if p.EverConfirmed {
				link.Note = t("mail.pending_note_moved", s.views.Date(lang, p.UpdatedAt))
			}
		}
		if !expires.After(now) {
			continue // the periodic clean-up deletes it soon
		}
		if err := s.store.CreateLoginToken(ctx, hashToken(token), p.ID, expires); err != nil {
			return err
		}
		link.URL = s.signInURL(token)
		links = append(links, link)
	}
	pages := (len(links) + linksPerMail - 1) / linksPerMail
	for i := range pages {
		part := links[i*linksPerMail : min(len(links), (i+1)*linksPerMail)]
		msg, err := s.signInMessage(email, lang, part, i+1, pages, pending, now)
		if err != nil {
			return err
		}
		if err := s.mailer.Send(ctx, msg); err != nil {
			return err
		}
	}
	return nil
}

// signInMessage composes e-mail page of pages.
func (s *Server) signInMessage(to, lang string, links []digest.NoticeLink, page, pages int, pending bool, now time.Time) (digest.Message, error) {
	t := func(key string, args ...any) string { return s.views.T(lang, key, args...) }
	n := s.notice("signin", to, lang, now)
	n.Subject, n.Hello, n.Intro = t("mail.subject"), t("mail.hello"), t("mail.intro")
	n.Expiry, n.Ignore = t("mail.expiry", int(loginTokenTTL/time.Minute)), t("mail.ignore")
	if pages > 1 {
		n.Subject += " (" + t("mail.page", page, pages) + ")"
		n.Intro += " " + t("mail.page", page, pages) + "."
	}
	if pending {
		n.Expiry += " " + t("mail.pending_expiry")
	}
	n.Links = links
	return digest.ComposeNotice(n)
}

// validLoginToken accepts the shape of our tokens only (32 random bytes,
// base64url), so junk never reaches the store.
func validLoginToken(t string) bool {
	if len(t) != 43 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// showSignInConfirm is what the e-mailed link opens: a button. The token is
// used by the POST, so that mail scanners that fetch links do not burn it.
// The link of a pending profile shows what was registered with the address
// and asks whether it is the reader's: confirm it, or delete it.
func (s *Server) showSignInConfirm(c *fiber.Ctx) error {
	token := c.Params("token")
	if !validLoginToken(token) {
		return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "signin.bad_link"))
	}
	page := signinPage{basePage: s.base(c), Token: strings.Clone(token)}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	p, err := s.loginTokenProfile(ctx, token)
	if isNotFound(err) {
		return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "signin.bad_link"))
	}
	if err != nil {
		return err
	}
	if !p.Confirmed {
		page.Pending = &pendingView{Name: p.Name, Registered: p.CreatedAt, Until: pendingUntil(p)}
	}
	return s.render(c, fiber.StatusOK, "signin_confirm", page)
}

// pendingView is a pending profile on the page of its e-mailed link.
type pendingView struct {
	Name              string
	Registered, Until time.Time
}

func (s *Server) loginTokenProfile(ctx context.Context, token string) (*funding.Profile, error) {
	id, err := s.store.LoginTokenProfile(ctx, hashToken(token), s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return s.store.Profile(ctx, id)
}

func (s *Server) useSignInLink(c *fiber.Ctx) error {
	if ok, retry := s.allow(c, "token-ip:"+s.clientIP(c), s.cfg.Limits.TokenUsePerIP); !ok {
		return s.tooMany(c, retry)
	}
	token := c.Params("token")
	if !validLoginToken(token) {
		return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "signin.bad_link"))
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if formValue(c, "action") == "discard" {
		id, err := s.store.DiscardWithLoginToken(ctx, hashToken(token), s.cfg.Now())
		switch {
		case errors.Is(err, store.ErrNotFound):
			return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "signin.bad_link"))
		case errors.Is(err, store.ErrConflict):
			return s.errorMessage(c, fiber.StatusConflict, s.tr(c, "confirm.not_pending"))
		case err != nil:
			return err
		}
		s.logger.Info("Unconfirmed profile deleted by its address", slog.String("profile_id", id))
		return redirect(c, "/?done=discarded")
	}
	done := "signedin"
	if p, err := s.loginTokenProfile(ctx, token); err == nil && !p.Confirmed {
		done = "confirmed"
	}
	profileID, err := s.store.UseLoginToken(ctx, hashToken(token), s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "signin.bad_link"))
	}
	if err != nil {
		return err
	}
	if err := s.startSession(c, store.SubjectProfile, profileID, profileSessionTTL); err != nil {
		return err
	}
	return redirect(c, "/profiles/"+profileID+"?done="+done)
}

// --- NCC staff: password ----------------------------------------------------

type staffLoginPage struct {
	basePage
	Email string
	Error string
}

func (s *Server) showStaffLogin(c *fiber.Ctx) error {
	if s.viewer(c).Staff {
		return redirect(c, "/staff")
	}
	return s.render(c, fiber.StatusOK, "staff_login", staffLoginPage{basePage: s.base(c)})
}

// Bounds of the staff login form: longer values are refused before they are
// used (limiter keys, the store, bcrypt, which reads 72 bytes at most).
const (
	maxEmailLen    = 254
	maxPasswordLen = 200
)

// staffLogin checks a password. Unknown addresses cost a bcrypt comparison
// too, and every failure says the same words. Attempts are limited per
// client address and per (staff address, client address), so that a
// stranger guessing an address's password locks out only themselves; past
// a number of attempts for the address from anywhere, each attempt waits
// Config.LoginSlowdown first, but a right password still opens.
func (s *Server) staffLogin(c *fiber.Ctx) error {
	email := formValue(c, "email")
	password := c.FormValue("password")
	ip := s.clientIP(c)
	if ok, retry := s.allow(c, "login-ip:"+ip, s.cfg.Limits.LoginPerIP); !ok {
		return s.tooMany(c, retry)
	}
	failed := func(email string) error {
		p := staffLoginPage{basePage: s.base(c), Email: email, Error: s.tr(c, "staff.login_failed")}
		return s.render(c, fiber.StatusUnauthorized, "staff_login", p)
	}
	if email == "" || len(email) > maxEmailLen || len(password) > maxPasswordLen {
		return failed("")
	}
	addr := strings.ToLower(email)
	if ok, retry := s.allow(c, "login-email-ip:"+addr+" "+ip, s.cfg.Limits.LoginPerEmailIP); !ok {
		return s.tooMany(c, retry)
	}
	anywhere := "login-email:" + addr
	counted, _ := s.allow(c, anywhere, s.cfg.Limits.LoginPerEmail)
	ctx, cancel := s.requestContext(c)
	defer cancel()
	if !counted { // many attempts for this address lately: slow, not locked
		select {
		case <-time.After(s.cfg.LoginSlowdown):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	hash, found := dummyHash, false
	st, err := s.store.StaffByEmail(ctx, email)
	switch {
	case err == nil:
		hash, found = st.PasswordHash, true
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	match := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	if !found || !match {
		return failed(email)
	}
	if counted { // the right password: not an attempt against the address
		s.refund(c, anywhere)
	}
	if err := s.startSession(c, store.SubjectStaff, strconv.FormatInt(st.ID, 10), staffSessionTTL); err != nil {
		return err
	}
	s.logger.Info("Staff signed in", slog.Int64("staff_id", st.ID))
	return redirect(c, "/staff")
}

// requireStaff guards the staff area. Pages send strangers to the login.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	if s.viewer(c).Staff {
		return c.Next()
	}
	if c.Method() == fiber.MethodGet {
		return redirect(c, "/staff/login")
	}
	return s.errorMessage(c, fiber.StatusForbidden, s.tr(c, "error.staff_only"))
}

// staffFromBearer authorizes the staff JSON API: Authorization: Bearer <staff API token>.
func (s *Server) staffFromBearer(c *fiber.Ctx) (store.Staff, error) {
	token, ok := bearerToken(c)
	if !ok {
		return store.Staff{}, unauthorized("missing bearer token")
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	st, err := s.store.StaffByTokenHash(ctx, hashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Staff{}, unauthorized("this token is not a staff token")
	}
	return st, err
}

// NewStaffCredentials makes what `callmatch staff add` prints and stores: a
// password and an API token, each with its stored hash (bcrypt, SHA-256).
func NewStaffCredentials() (password, passwordHash, token, tokenHash string, err error) {
	password = newSecret(15)
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return "", "", "", "", fmt.Errorf("server: hash password: %w", err)
	}
	token = "cms_" + newSecret(32)
	return password, string(h), token, hashToken(token), nil
}

// --- who may see a profile -----------------------------------------------------

type access int

const (
	accessOwner access = iota + 1 // the SME itself: a session of the profile or its API token
	accessStaff                   // NCC staff: read only
)

// profileAccess loads the :id profile for its owner or for staff. Anyone
// else gets the same 403 whether the profile exists or not.
func (s *Server) profileAccess(c *fiber.Ctx) (*funding.Profile, access, error) {
	id := c.Params("id")
	denied := func() (*funding.Profile, access, error) {
		return nil, 0, s.errorMessage(c, fiber.StatusForbidden, s.tr(c, "error.not_yours"))
	}
	if !validID(id) {
		return denied()
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	se := s.currentSession(c)
	owner := se != nil && se.SubjectKind == store.SubjectProfile && se.SubjectID == id
	if !owner {
		if token, ok := bearerToken(c); ok {
			want, err := s.store.ProfileTokenHash(ctx, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, 0, err
			}
			owner = err == nil && tokenOpens(token, want)
		}
	}
	level := accessOwner
	if !owner {
		if !s.viewer(c).Staff {
			return denied()
		}
		level = accessStaff
	}
	p, err := s.store.Profile(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		if level == accessStaff {
			return nil, 0, s.errorMessage(c, fiber.StatusNotFound, s.tr(c, "error.404"))
		}
		return denied() // a session of a profile deleted meanwhile
	}
	if err != nil {
		return nil, 0, err
	}
	return p, level, nil
}
