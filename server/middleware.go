package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/locale"
	"callmatch/store"
)

// localKey names the values that middleware leaves in c.Locals.
type localKey int

const (
	localLang localKey = iota
	localCSRF
	localSession
)

// Cookie names. Over https they carry the __Host- prefix, which binds them
// to this host and path / and requires Secure.
const (
	cookieLang    = "lang"
	cookieSession = "cm_session"
	cookieCSRF    = "cm_csrf"
)

// isPagePath reports whether a path is an HTML page (not the JSON API,
// static files or operations), where sessions, languages and CSRF apply.
func isPagePath(p string) bool {
	for _, prefix := range []string{"/api/", "/static/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(p, prefix) {
			return false
		}
	}
	return true
}

// csrfExempt lists the unsafe requests that carry no cookie-borne authority:
// the JSON API (bearer tokens) and RFC 8058 one-click unsubscribes, which
// mail providers POST with no cookie and no form token.
func csrfExempt(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/unsubscribe/")
}

// secure reports whether cookies must be Secure: the request came over
// https, or the public address is https.
func (s *Server) secure(c *fiber.Ctx) bool {
	return c.Protocol() == "https" || strings.HasPrefix(s.cfg.BaseURL, "https://")
}

func (s *Server) cookieName(c *fiber.Ctx, name string) string {
	if s.secure(c) {
		return "__Host-" + name
	}
	return name
}

func (s *Server) setCookie(c *fiber.Ctx, name, value string, maxAge time.Duration) {
	ck := &fiber.Cookie{
		Name:     s.cookieName(c, name),
		Value:    value,
		Path:     "/",
		HTTPOnly: true,
		Secure:   s.secure(c),
		SameSite: fiber.CookieSameSiteLaxMode,
	}
	if maxAge < 0 {
		ck.MaxAge = -1
		ck.Expires = time.Unix(1, 0)
	} else if maxAge > 0 {
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.Cookie(ck)
}

// securityHeaders sets the headers every answer carries. The policy allows
// no inline script and no inline style: the pages need none.
func (s *Server) securityHeaders(c *fiber.Ctx) error {
	h := func(k, v string) { c.Set(k, v) }
	h("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h("X-Content-Type-Options", "nosniff")
	h("X-Frame-Options", "DENY")
	h("Referrer-Policy", "same-origin")
	h("Cross-Origin-Opener-Policy", "same-origin")
	h("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	if c.Protocol() == "https" {
		h("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
	}
	return c.Next()
}

// language picks the interface language: ?lang= (remembered in a cookie),
// then the cookie, then Accept-Language.
func (s *Server) language(c *fiber.Ctx) error {
	if !isPagePath(c.Path()) {
		return c.Next()
	}
	lang := ""
	if q := c.Query("lang"); q != "" && locale.IsLanguage(q) {
		lang = canonicalLang(q)
		s.setCookie(c, cookieLang, lang, 365*24*time.Hour)
	} else if ck := c.Cookies(s.cookieName(c, cookieLang)); locale.IsLanguage(ck) {
		lang = canonicalLang(ck)
	} else {
		lang = locale.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
	}
	c.Locals(localLang, lang)
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
	return c.Next()
}

// canonicalLang returns the package constant for lang, so that no string
// backed by the request buffer outlives the request.
func canonicalLang(lang string) string {
	for _, l := range locale.Languages {
		if l == lang {
			return l
		}
	}
	return locale.Default
}

func (s *Server) lang(c *fiber.Ctx) string {
	if l, ok := c.Locals(localLang).(string); ok {
		return l
	}
	return locale.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
}

// tr translates a message in the request's language.
func (s *Server) tr(c *fiber.Ctx, key string, args ...any) string {
	return s.views.T(s.lang(c), key, args...)
}

// csrf protects every form with a signed double-submit token: a random
// cookie, and in each form the HMAC of that cookie under the server's key.
// A site that cannot read the cookie cannot make the token, and a cookie
// planted by a sibling host is useless without the key. It holds no state
// on the server, so it works on every instance behind a load balancer.
func (s *Server) csrf(c *fiber.Ctx) error {
	if p := c.Path(); !isPagePath(p) || csrfExempt(p) {
		return c.Next()
	}
	safe := c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead || c.Method() == fiber.MethodOptions
	raw := c.Cookies(s.cookieName(c, cookieCSRF))
	if !safe {
		if !s.sameOrigin(c) || raw == "" {
			return s.csrfFailed(c)
		}
		got := c.FormValue("_csrf")
		if got == "" {
			got = c.Get("X-CSRF-Token")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(raw))) != 1 {
			return s.csrfFailed(c)
		}
	}
	if raw == "" || len(raw) > 100 {
		raw = newSecret(24)
		s.setCookie(c, cookieCSRF, raw, 0)
	}
	c.Locals(localCSRF, s.csrfToken(raw))
	return c.Next()
}

func (s *Server) csrfToken(cookie string) string {
	m := hmac.New(sha256.New, s.keys.csrf)
	m.Write([]byte(cookie))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin checks Origin (or, lacking it, Referer) when the browser sends
// one: a form posted from another site is refused even with a token.
func (s *Server) sameOrigin(c *fiber.Ctx) bool {
	if c.Get("Sec-Fetch-Site") == "cross-site" {
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		ref := c.Get(fiber.HeaderReferer)
		if ref == "" {
			return origin == "" // no header at all: old browsers and tools; the token decides
		}
		u, err := url.Parse(ref)
		if err != nil {
			return false
		}
		origin = u.Scheme + "://" + u.Host
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == c.Hostname() {
		return true
	}
	if b, err := url.Parse(s.cfg.BaseURL); err == nil && b.Host == u.Host {
		return true
	}
	return false
}

func (s *Server) csrfFailed(c *fiber.Ctx) error {
	return s.renderError(c, fiber.StatusForbidden, s.tr(c, "error.csrf"))
}

// session loads the signed-in browser's session, if any.
func (s *Server) session(c *fiber.Ctx) error {
	if !isPagePath(c.Path()) {
		return c.Next()
	}
	raw := c.Cookies(s.cookieName(c, cookieSession))
	if raw == "" || len(raw) > 100 {
		return c.Next()
	}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	se, err := s.store.Session(ctx, hashToken(raw), s.cfg.Now())
	if err != nil {
		// Unknown or expired: forget the cookie. A store error reads as
		// signed out for this request, and is logged by nobody else.
		if ctx.Err() == nil && !isNotFound(err) {
			s.logger.Warn("Session lookup failed", slog.Any("error", err))
		}
		if isNotFound(err) {
			s.setCookie(c, cookieSession, "", -1)
		}
		return c.Next()
	}
	c.Locals(localSession, &se)
	return c.Next()
}

func (s *Server) currentSession(c *fiber.Ctx) *store.Session {
	se, _ := c.Locals(localSession).(*store.Session)
	return se
}
