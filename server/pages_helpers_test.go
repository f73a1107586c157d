package server

import (
	stdhtml "html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"callmatch/digest"
	"callmatch/digest/digesttest"
)

// pageServer is a test server with an outbox folder for its e-mails and
// generous rate limits (tests that test the limits set their own).
func pageServer(t testing.TB, mutate ...func(*Config)) (*Server, string) {
	t.Helper()
	outbox := t.TempDir()
	mailer, err := digest.NewOutboxMailer(outbox)
	if err != nil {
		t.Fatal(err)
	}
	return mailServer(t, mailer, mutate...), outbox
}

// testUnsubscribeKey is the key of the test servers' unsubscribe links.
const testUnsubscribeKey = "test-unsubscribe-key"

// mailServer is pageServer with the mailer given.
func mailServer(t testing.TB, mailer digest.Mailer, mutate ...func(*Config)) *Server {
	t.Helper()
	f := sharedFixture(t)
	lots := Rate{N: 10000, Per: time.Hour}
	cfg := Config{Now: func() time.Time { return testNow }, BaseURL: "http://callmatch.test", UnsubscribeKey: testUnsubscribeKey,
		Limits: RateLimits{RegisterPerIP: lots, RegisterPerEmail: lots, SignInPerIP: lots, SignInPerEmail: lots, LoginPerIP: lots, LoginPerEmailIP: lots, LoginPerEmail: lots,
			TokenUsePerIP: lots, SubscribePerIP: lots, SubscribePerEmail: lots}}
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := New(cfg, Deps{Store: f.store, Index: f.index, Logger: discard, Mailer: mailer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.bg.Wait) // e-mails still being sent
	return s
}

// client is a browser over app.Test: it keeps cookies and the CSRF token
// of the last page it read.
type client struct {
	t      testing.TB
	s      *Server
	jar    map[string]string
	csrf   string
	header http.Header // sent with every request
}

func newClient(t testing.TB, s *Server) *client {
	return &client{t: t, s: s, jar: map[string]string{}, header: http.Header{}}
}

type answer struct {
	code   int
	body   string
	header http.Header
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *client) do(req *http.Request) answer {
	b.t.Helper()
	for k, vs := range b.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	names := make([]string, 0, len(b.jar))
	for k := range b.jar {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		req.AddCookie(&http.Cookie{Name: k, Value: b.jar[k]})
	}
	resp, err := b.s.App().Test(req, -1)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(b.jar, ck.Name)
		} else {
			b.jar[ck.Name] = ck.Value
		}
	}
	if m := csrfRe.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = m[1]
	}
	return answer{code: resp.StatusCode, body: string(raw), header: resp.Header}
}

func (b *client) get(path string) answer {
	b.t.Helper()
	return b.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post sends a form with the CSRF token of the last page read.
func (b *client) post(path string, form url.Values) answer {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if form.Get("_csrf") == "" && b.csrf != "" {
		form.Set("_csrf", b.csrf)
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// register fills the registration form and returns the new profile's id.
func (b *client) register(form url.Values) string {
	b.t.Helper()
	b.get("/profiles/new")
	a := b.post("/profiles/new", form)
	if a.code != http.StatusSeeOther {
		b.t.Fatalf("POST /profiles/new = %d, want 303; body %s", a.code, truncate(text(a.body)))
	}
	loc := a.header.Get("Location")
	id := strings.TrimPrefix(strings.Split(loc, "?")[0], "/profiles/")
	if id == "" || strings.Contains(id, "/") {
		b.t.Fatalf("redirect to %q, want /profiles/{id}", loc)
	}
	return id
}

// confirm marks profile id confirmed, as following the e-mailed link does
// (the tests of the confirmation follow the link itself).
func (b *client) confirm(id string) {
	b.t.Helper()
	if err := b.s.store.ConfirmProfile(b.t.Context(), id); err != nil {
		b.t.Fatal(err)
	}
}

func socForm(name, email string) url.Values {
	return url.Values{
		"name": {name}, "email": {email}, "country": {"BE"}, "size": {"small"},
		"description": {"We run a 24/7 SOC for SMEs and share threat intelligence with MISP."},
		"keywords":    {"SOC\nthreat intelligence sharing\nincident response"},
		"domains":     {"incident-handling-forensics", "threat-intelligence"},
	}
}

var tagRe = regexp.MustCompile(`<[^>]+>`)

// text is a page without its tags, spaces squeezed.
func text(html string) string {
	return strings.Join(strings.Fields(stdhtml.UnescapeString(tagRe.ReplaceAllString(html, " "))), " ")
}

// sentMail is an e-mail of the outbox folder, decoded.
type sentMail struct {
	To, Subject, Text, HTML string
}

// outboxMails reads every .eml of dir.
func outboxMails(t testing.TB, dir string) []sentMail {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.eml"))
	var out []sentMail
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, parseMail(t, b))
	}
	return out
}

func parseMail(t testing.TB, raw []byte) sentMail {
	t.Helper()
	m := digesttest.ParseMail(t, raw)
	return sentMail{To: m.Header.Get("To"), Subject: m.Subject, Text: m.Text, HTML: m.HTML}
}

var signInLinkRe = regexp.MustCompile(`https?://[^\s"<>]+/signin/([A-Za-z0-9_-]{43})`)

// waitForSignInLink waits for the e-mail to addr and returns its link's path.
func waitForSignInLink(t testing.TB, dir, addr string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range outboxMails(t, dir) {
			if strings.Contains(m.To, addr) {
				if l := signInLinkRe.FindStringSubmatch(m.Text); l != nil {
					return "/signin/" + l[1]
				}
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no sign-in e-mail to %s in %s", addr, dir)
	return ""
}

// addStaff creates a staff member with a cheap hash and returns the API token.
func addStaff(t testing.TB, s *Server, email, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	token := "cms_" + newSecret(32)
	if _, err := s.store.CreateStaff(t.Context(), email, string(h), hashToken(token)); err != nil {
		t.Fatal(err)
	}
	return token
}
