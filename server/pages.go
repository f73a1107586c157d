package server

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/microcosm-cc/bluemonday"

	"callmatch/locale"
	"callmatch/store"
)

// sanitizer cleans portal HTML (untrusted) before it reaches a page.
var sanitizer = bluemonday.UGCPolicy().RequireNoReferrerOnLinks(true).AddTargetBlankToFullyQualifiedLinks(true)

// sanitize returns portal HTML safe to embed in a page.
func sanitize(html string) template.HTML {
	return template.HTML(sanitizer.Sanitize(html)) //nolint:gosec // sanitized just above
}

// sanitizedSections remembers the sanitized HTML of call texts: a call page
// shows tens of kilobytes of portal HTML, the same on every view until the
// call changes, and sanitizing it was most of the page's cost. Bounded: past
// maxSanitized entries a random half is dropped.
var sanitizedSections = struct {
	sync.Mutex
	m map[string]template.HTML
}{m: map[string]template.HTML{}}

const maxSanitized = 4096

// sanitizeCached is sanitize for call texts, which repeat across requests.
func sanitizeCached(html string) template.HTML {
	key := sha256.Sum256([]byte(html))
	k := string(key[:])
	sanitizedSections.Lock()
	out, ok := sanitizedSections.m[k]
	sanitizedSections.Unlock()
	if ok {
		return out
	}
	out = sanitize(html)
	sanitizedSections.Lock()
	defer sanitizedSections.Unlock()
	if len(sanitizedSections.m) >= maxSanitized {
		n := 0
		for k := range sanitizedSections.m {
			if n++; n > maxSanitized/2 {
				break
			}
			delete(sanitizedSections.m, k)
		}
	}
	sanitizedSections.m[k] = out
	return out
}

// viewer is who looks at a page.
type viewer struct {
	SignedIn    bool
	ProfileID   string // a signed-in SME
	ProfileName string
	Staff       bool // a signed-in staff member
	StaffID     int64
	StaffEmail  string
}

type langLink struct {
	Lang, Label, URL string
	Current          bool
}

// basePage is what every page has: the language, the CSRF token of its
// forms, the language links and who is looking.
type basePage struct {
	Lang      string
	CSRF      string
	LangLinks []langLink
	Viewer    viewer
	Now       time.Time
	Flash     string
}

// Language implements ui.Localized.
func (b basePage) Language() string { return b.Lang }

// flashes are the messages a redirect may ask a page to show (?done=key):
// a fixed list, so a link cannot put words on the page.
var flashes = map[string]string{
	"welcome":     "flash.welcome",
	"saved":       "flash.saved",
	"deleted":     "flash.deleted",
	"followed":    "flash.followed",
	"unfollowed":  "flash.unfollowed",
	"dismissed":   "flash.dismissed",
	"undismissed": "flash.undismissed",
	"signedin":    "flash.signedin",
	"confirmed":   "flash.confirmed",
	"discarded":   "flash.discarded",
	"calendar":    "flash.calendar",
	"signedout":   "flash.signedout",
	"curated":     "flash.curated",
	// E-mail digests.
	"subscribe_sent": "flash.subscribe_sent",
	"subscribed":     "flash.subscribed",
	"paused":         "flash.paused",
	"resumed":        "flash.resumed",
	"unsubscribed":   "flash.unsubscribed",
}

func (s *Server) base(c *fiber.Ctx) basePage {
	lang := s.lang(c)
	b := basePage{Lang: lang, Now: s.cfg.Now()}
	b.CSRF, _ = c.Locals(localCSRF).(string)
	for _, l := range locale.Languages {
		b.LangLinks = append(b.LangLinks, langLink{Lang: l, Label: strings.ToUpper(l), URL: langURL(c, l), Current: l == lang})
	}
	b.Viewer = s.viewer(c)
	if key, ok := flashes[c.Query("done")]; ok {
		b.Flash = s.tr(c, key)
	}
	return b
}

// langURL is the current page in another language.
func langURL(c *fiber.Ctx, lang string) string {
	v := url.Values{}
	c.Context().QueryArgs().VisitAll(func(k, val []byte) {
		if key := string(k); key != "lang" && key != "done" {
			v.Add(key, string(val))
		}
	})
	v.Set("lang", lang)
	return c.Path() + "?" + v.Encode()
}

func (s *Server) viewer(c *fiber.Ctx) viewer {
	se := s.currentSession(c)
	if se == nil {
		return viewer{}
	}
	v := viewer{SignedIn: true}
	ctx, cancel := s.requestContext(c)
	defer cancel()
	switch se.SubjectKind {
	case store.SubjectProfile:
		v.ProfileID = se.SubjectID
		if p, err := s.store.Profile(ctx, se.SubjectID); err == nil {
			v.ProfileName = p.Name
		}
	case store.SubjectStaff:
		id, err := strconv.ParseInt(se.SubjectID, 10, 64)
		if err != nil {
			return viewer{}
		}
		st, err := s.store.Staff(ctx, id)
		if err != nil {
			return viewer{}
		}
		v.Staff, v.StaffID, v.StaffEmail = true, st.ID, st.Email
	}
	return v
}

func (s *Server) render(c *fiber.Ctx, status int, page string, data any) error {
	var buf bytes.Buffer
	if err := s.views.Render(&buf, page, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Status(status).Send(buf.Bytes())
}

type errorPage struct {
	basePage
	Status  int
	Heading string
	Message string
	Detail  string
	SignIn  bool
}

// renderError shows an error page in the visitor's language. The message
// of a 400 is shown as a detail (it names the field); other statuses get
// their own words.
func (s *Server) renderError(c *fiber.Ctx, status int, msg string) error {
	p := errorPage{basePage: s.base(c), Status: status}
	switch status {
	case fiber.StatusNotFound, fiber.StatusForbidden, fiber.StatusUnauthorized, fiber.StatusRequestEntityTooLarge,
		fiber.StatusTooManyRequests, fiber.StatusInternalServerError, fiber.StatusBadRequest, fiber.StatusMethodNotAllowed:
		p.Heading = s.tr(c, "error."+strconv.Itoa(status)+".title")
		p.Message = s.tr(c, "error."+strconv.Itoa(status))
	default:
		p.Heading = s.tr(c, "error.500.title")
		p.Message = s.tr(c, "error.500")
	}
	switch {
	case status == fiber.StatusBadRequest:
		p.Detail = msg
	case msg != "" && (status == fiber.StatusForbidden || status == fiber.StatusTooManyRequests):
		p.Message = msg // already in the visitor's language
	}
	p.SignIn = status == fiber.StatusForbidden || status == fiber.StatusUnauthorized
	if err := s.render(c, status, "error", p); err != nil {
		return c.Status(status).SendString(p.Message)
	}
	return nil
}

// redirect answers a form with 303 See Other to a local path.
func redirect(c *fiber.Ctx, to string) error {
	return c.Redirect(to, fiber.StatusSeeOther)
}

// localPath keeps a "next" target on this site: a path that means the same
// to every browser, else fallback. Browsers drop tabs and newlines from a
// Location and read '\' as '/', so "/\t/evil.example" or "/\\evil.example"
// would leave the site: any control character, backslash, "//" start or dot
// segment is refused, in the value and in its percent-decoded forms.
func localPath(p, fallback string) string {
	if p == "" || len(p) > 2000 {
		return fallback
	}
	v := p
	for range 3 { // as given, then decoded twice: "%252F" is "%2F" is "/"
		if !plainLocalPath(v) {
			return fallback
		}
		d, err := url.PathUnescape(v)
		if err != nil {
			return fallback
		}
		if d == v {
			break
		}
		v = d
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return fallback
	}
	return p
}

// plainLocalPath reports whether p is an absolute path on this host with
// nothing a browser would rewrite.
func plainLocalPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) && r != ' ' || unicode.In(r, unicode.Zl, unicode.Zp, unicode.Cf) {
			return false
		}
	}
	path, _, _ := strings.Cut(p, "?")
	path, _, _ = strings.Cut(path, "#")
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// formValue copies a form value out of the request buffer (fasthttp reuses it).
func formValue(c *fiber.Ctx, key string) string {
	return strings.Clone(strings.TrimSpace(c.FormValue(key)))
}

// formValues returns every value of a repeated form field (checkboxes).
func formValues(c *fiber.Ctx, key string) []string {
	var out []string
	for _, v := range c.Request().PostArgs().PeekMulti(key) {
		out = append(out, strings.TrimSpace(string(v)))
	}
	return out
}

func isNotFound(err error) bool { return err != nil && errors.Is(err, store.ErrNotFound) }
