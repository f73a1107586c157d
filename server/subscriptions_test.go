package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"callmatch/digest"
	"callmatch/digest/digesttest"
	"callmatch/funding"
)

// smtpPageServer is a test server whose e-mails go to a real SMTP server
// on loopback (go-smtp), through the SMTP mailer `callmatch serve` uses.
func smtpPageServer(t *testing.T, mutate ...func(*Config)) (*Server, *digesttest.SMTPServer) {
	t.Helper()
	srv := digesttest.NewSMTPServer(t)
	mailer, err := digest.NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mailer.Close() })
	return mailServer(t, mailer, mutate...), srv
}

// mailsTo returns the messages the SMTP server received for addr, decoded.
func mailsTo(t *testing.T, srv *digesttest.SMTPServer, addr string) []digesttest.Mail {
	t.Helper()
	var out []digesttest.Mail
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, digesttest.ParseMail(t, m.Data))
			}
		}
	}
	return out
}

// waitForMails waits until addr has received n messages and returns them.
func waitForMails(t *testing.T, srv *digesttest.SMTPServer, addr string, n int) []digesttest.Mail {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := mailsTo(t, srv, addr)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d e-mails to %s, want %d", len(got), addr, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var confirmLinkRe = regexp.MustCompile(`http://callmatch\.test(/subscriptions/confirm/[A-Za-z0-9_-]{43})`)

// confirmLink is the path of the confirmation link of an e-mail, found in
// both its text and its HTML.
func confirmLink(t *testing.T, m digesttest.Mail) string {
	t.Helper()
	l := confirmLinkRe.FindStringSubmatch(m.Text)
	if l == nil || !strings.Contains(m.HTML, l[0]) {
		t.Fatalf("no confirmation link in text and HTML:\n%s\n%s", m.Text, m.HTML)
	}
	return l[1]
}

// subscribeAPI posts a subscription request with a bearer token.
func subscribeAPI(t *testing.T, s *Server, token string, body any) (int, map[string]string) {
	t.Helper()
	var out map[string]string
	code := do(t, s, http.MethodPost, "/api/v1/subscriptions", token, body, &out)
	return code, out
}

// digestCallID is the call the test matcher proposes to every profile.
const digestCallID = "DIGITAL-ECCC-2026-DEPLOY-CYBER-09-SOC"

// oneCallMatcher proposes one new call to every profile.
type oneCallMatcher struct{}

func (oneCallMatcher) Match(context.Context, funding.Profile) ([]funding.Match, error) {
	return []funding.Match{{CallID: digestCallID, Title: "Security Operations Centres", Programme: "DIGITAL",
		Status: funding.StatusOpen, Score: 1, Reasons: []funding.Reason{{Kind: funding.ReasonKeyword, Term: "SOC"}}}}, nil
}

// newTestDigestRunner is the digest runner as main builds it, on the test
// store, signing its unsubscribe links with the test servers' key.
func newTestDigestRunner(t *testing.T, s *Server, mailer digest.Mailer) *digest.Runner {
	t.Helper()
	r, err := digest.New(digest.Config{BaseURL: "http://callmatch.test", SecretKey: testUnsubscribeKey},
		s.store, oneCallMatcher{}, mailer, discard)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// confirmedSubscription stores a confirmed daily subscription.
func confirmedSubscription(t *testing.T, s *Server, email, profileID string) funding.Subscription {
	t.Helper()
	confirmed := testNow.Add(-48 * time.Hour)
	sub := funding.Subscription{Email: email, ProfileID: profileID, Frequency: funding.FrequencyDaily, Hour: 8,
		Timezone: "Europe/Brussels", Language: "en", TokenHash: hashToken(newSecret(32)), ConfirmedAt: &confirmed}
	if err := s.store.CreateSubscription(t.Context(), &sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

func subscriptionNow(t *testing.T, s *Server, id int64) funding.Subscription {
	t.Helper()
	sub, err := s.store.Subscription(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// oneClick is what a mail provider sends for RFC 8058: a cross-site form
// POST with no cookie and no CSRF token.
func oneClick(t *testing.T, s *Server, path string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://mail.provider.example")
	return newClient(t, s).do(req)
}

func TestSubscriptionOptInEndToEnd(t *testing.T) {
	s, srv := smtpPageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	const addr = "ops@optin.example.be"

	code, body := subscribeAPI(t, s, p.Token, map[string]any{"email": addr, "profile_id": p.ID, "frequency": "daily", "hour": 8, "language": "fr"})
	if code != http.StatusAccepted || body["message"] == "" {
		t.Fatalf("POST /api/v1/subscriptions = %d %v, want 202 with a message", code, body)
	}

	// The confirmation e-mail, in the subscriber's language, text and HTML.
	m := waitForMails(t, srv, addr, 1)[0]
	if m.Subject != "Confirmez votre abonnement au résumé callmatch" || m.Header.Get("Content-Language") != "fr" {
		t.Errorf("confirmation subject %q, language %q; want the French one", m.Subject, m.Header.Get("Content-Language"))
	}
	if !strings.Contains(m.Text, "chaque jour à 08:00 (Europe/Brussels)") || !strings.Contains(m.Text, "Flemish SOC BV") {
		t.Errorf("confirmation text lacks the schedule or the profile:\n%s", m.Text)
	}
	if m.Header.Get("List-Unsubscribe") != "" {
		t.Errorf("a confirmation e-mail carries List-Unsubscribe %q: there is nothing to leave yet", m.Header.Get("List-Unsubscribe"))
	}
	link := confirmLink(t, m)
	subs, err := s.store.SubscriptionsByProfile(t.Context(), p.ID)
	if err != nil || len(subs) != 1 || subs[0].ConfirmedAt != nil || subs[0].Email != addr || subs[0].Language != "fr" {
		t.Fatalf("stored subscriptions = %+v, %v; want one, unconfirmed", subs, err)
	}
	id := subs[0].ID

	// Nothing is sent before the link is used.
	mailer, err := digest.NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer mailer.Close()
	if _, err := newTestDigestRunner(t, s, mailer).RunDue(t.Context(), testNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := mailsTo(t, srv, addr); len(got) != 1 {
		t.Fatalf("%d e-mails before confirmation, want only the confirmation", len(got))
	}

	// GET (and HEAD) only show a page with a button: link scanners fetch links.
	b := newClient(t, s)
	a := b.get(link)
	if a.code != http.StatusOK || !strings.Contains(a.body, `id="confirm-subscription"`) || !strings.Contains(a.body, `<html lang="fr">`) {
		t.Fatalf("GET %s = %d, want the French confirmation page with a button: %s", link, a.code, truncate(text(a.body)))
	}
	newClient(t, s).do(httptest.NewRequest(http.MethodHead, link, nil))
	if sub := subscriptionNow(t, s, id); sub.ConfirmedAt != nil {
		t.Fatal("GET confirmed the subscription")
	}

	// The button is a CSRF-protected form.
	if a := newClient(t, s).post(link, nil); a.code != http.StatusForbidden {
		t.Errorf("POST without the page's CSRF token = %d, want 403", a.code)
	}
	a = b.post(link, nil)
	if a.code != http.StatusSeeOther || a.header.Get("Location") != link+"?done=subscribed" {
		t.Fatalf("POST %s = %d to %q, want 303 back to the page", link, a.code, a.header.Get("Location"))
	}
	if sub := subscriptionNow(t, s, id); sub.ConfirmedAt == nil || !sub.ConfirmedAt.Equal(testNow) {
		t.Fatalf("after POST, ConfirmedAt = %v, want %v", sub.ConfirmedAt, testNow)
	}
	a = b.get(link + "?done=subscribed")
	if page := text(a.body); !strings.Contains(page, "Vous êtes abonné") || !strings.Contains(a.body, `id="unsubscribe-link"`) {
		t.Errorf("confirmed page: %s", truncate(page))
	}
	if a := b.post(link, nil); a.code != http.StatusSeeOther {
		t.Errorf("confirming twice = %d, want 303 (no harm)", a.code)
	}

	// The digest runner sends it the first digest, with a one-click unsubscribe link.
	if _, err := newTestDigestRunner(t, s, mailer).RunDue(t.Context(), testNow.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got := waitForMails(t, srv, addr, 2)
	d := got[1]
	if !strings.Contains(d.Text, "Security Operations Centres") || d.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("digest: subject %q, headers %v:\n%s", d.Subject, d.Header, d.Text)
	}
	lu := strings.Trim(d.Header.Get("List-Unsubscribe"), "<>")
	u, err := url.Parse(lu)
	if err != nil || u.Host != "callmatch.test" || !strings.HasPrefix(u.Path, "/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}

	// The mail provider's one-click POST ends it, with no cookie and no CSRF token.
	a = oneClick(t, s, u.Path)
	if a.code != http.StatusOK || len(a.header.Values("Set-Cookie")) != 0 {
		t.Fatalf("one-click POST = %d (cookies %v), want a plain 200", a.code, a.header.Values("Set-Cookie"))
	}
	if sub := subscriptionNow(t, s, id); sub.UnsubscribedAt == nil {
		t.Fatal("one-click POST did not unsubscribe")
	}
	if _, err := newTestDigestRunner(t, s, mailer).RunDue(t.Context(), testNow.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := mailsTo(t, srv, addr); len(got) != 2 {
		t.Errorf("%d e-mails after unsubscribing, want no new one", len(got))
	}
	// The old confirmation link cannot bring it back.
	c := newClient(t, s)
	c.get("/signin") // a page with a form: the CSRF token
	if a := c.post(link, nil); a.code != http.StatusNotFound {
		t.Errorf("confirming an ended subscription = %d, want 404", a.code)
	}
	if sub := subscriptionNow(t, s, id); sub.UnsubscribedAt == nil {
		t.Error("the confirmation link revived an ended subscription")
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	s, _ := pageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	sub := confirmedSubscription(t, s, "oneclick@example.be", p.ID)
	path := "/unsubscribe/" + digest.UnsubscribeToken([]byte(testUnsubscribeKey), sub.ID)

	// A GET (or HEAD) only shows the page: security gateways fetch links.
	a := newClient(t, s).get(path)
	if a.code != http.StatusOK || !strings.Contains(a.body, `id="confirm-unsubscribe"`) || !strings.Contains(a.body, `name="all"`) {
		t.Fatalf("GET %s = %d, want a page with a button and the all-addresses option: %s", path, a.code, truncate(text(a.body)))
	}
	if !strings.Contains(text(a.body), "oneclick@example.be") {
		t.Errorf("the unsubscribe page does not say which address")
	}
	newClient(t, s).do(httptest.NewRequest(http.MethodHead, path, nil))
	if got := subscriptionNow(t, s, sub.ID); got.UnsubscribedAt != nil {
		t.Fatal("a GET unsubscribed")
	}

	for i := range 2 { // idempotent
		a := oneClick(t, s, path)
		if a.code != http.StatusOK {
			t.Fatalf("one-click POST #%d = %d, want 200: %s", i+1, a.code, truncate(a.body))
		}
	}
	got := subscriptionNow(t, s, sub.ID)
	if got.UnsubscribedAt == nil || !got.UnsubscribedAt.Equal(testNow) {
		t.Fatalf("UnsubscribedAt = %v, want %v", got.UnsubscribedAt, testNow)
	}
	if a := newClient(t, s).get(path + "?done=unsubscribed"); a.code != http.StatusOK || !strings.Contains(a.body, `id="unsubscribed"`) {
		t.Errorf("the page after unsubscribing = %d: %s", a.code, truncate(text(a.body)))
	}

	// A subscription deleted with its profile: one-click still says done.
	gone := digest.UnsubscribeToken([]byte(testUnsubscribeKey), 1<<40)
	if a := oneClick(t, s, "/unsubscribe/"+gone); a.code != http.StatusOK {
		t.Errorf("one-click for a deleted subscription = %d, want 200", a.code)
	}
	if a := newClient(t, s).get("/unsubscribe/" + gone); a.code != http.StatusNotFound {
		t.Errorf("page of a deleted subscription = %d, want 404", a.code)
	}
}

func TestForgedUnsubscribeTokens(t *testing.T) {
	s, _ := pageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	sub := confirmedSubscription(t, s, "forged@example.be", p.ID)
	good := digest.UnsubscribeToken([]byte(testUnsubscribeKey), sub.ID)
	_, sig, _ := strings.Cut(good, ".")
	other := confirmedSubscription(t, s, "forged-other@example.be", p.ID)
	for _, token := range []string{
		digest.UnsubscribeToken([]byte("another key"), sub.ID), // signed by someone else
		strconv.FormatInt(other.ID, 10) + "." + sig,            // another subscription, this one's signature
		"0" + good, // the same id, spelled otherwise
		good[:len(good)-1],
		good + "A",
		"garbage",
		strconv.FormatInt(sub.ID, 10) + ".",
		strings.Repeat("1", 300),
	} {
		path := "/unsubscribe/" + url.PathEscape(token)
		a := newClient(t, s).get(path)
		if a.code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, a.code)
		}
		if page := strings.ToLower(text(a.body)); strings.Contains(page, "signature") || strings.Contains(page, "token") || strings.Contains(page, "forged@") {
			t.Errorf("GET %s: the 404 page tells too much: %s", path, truncate(page))
		}
		if a := oneClick(t, s, path); a.code != http.StatusNotFound {
			t.Errorf("one-click POST %s = %d, want 404", path, a.code)
		}
	}
	for _, id := range []int64{sub.ID, other.ID} {
		if got := subscriptionNow(t, s, id); got.UnsubscribedAt != nil {
			t.Errorf("a forged token unsubscribed %d", id)
		}
	}

	// Without an unsubscribe key, no link holds.
	bare, _ := pageServer(t, func(c *Config) { c.UnsubscribeKey = "" })
	if a := oneClick(t, bare, "/unsubscribe/"+good); a.code != http.StatusNotFound {
		t.Errorf("one-click on a server with no key = %d, want 404", a.code)
	}
}

func TestUnsubscribeFromEveryEmailToTheAddress(t *testing.T) {
	s, _ := pageServer(t)
	p1 := createConfirmedProfile(t, s, belgianSOC())
	p2 := createConfirmedProfile(t, s, belgianSOC())
	const addr = "all@example.be"
	a1 := confirmedSubscription(t, s, addr, p1.ID)
	a2 := confirmedSubscription(t, s, "ALL@example.be", p2.ID) // the same address
	a3 := confirmedSubscription(t, s, addr, p2.ID)
	bystander := confirmedSubscription(t, s, "bystander@example.be", p1.ID)

	// The page's button without the option ends this one subscription only...
	path := "/unsubscribe/" + digest.UnsubscribeToken([]byte(testUnsubscribeKey), a1.ID)
	b := newClient(t, s)
	b.get(path)
	a := b.post(path, url.Values{})
	if a.code != http.StatusSeeOther || a.header.Get("Location") != path+"?done=unsubscribed" {
		t.Fatalf("POST %s = %d to %q, want 303 back to the page", path, a.code, a.header.Get("Location"))
	}
	if subscriptionNow(t, s, a1.ID).UnsubscribedAt == nil || subscriptionNow(t, s, a2.ID).UnsubscribedAt != nil {
		t.Fatal("the button did not end exactly its own subscription")
	}
	// ...then the page offers to end the address's other two.
	a = b.get(path + "?done=unsubscribed")
	if !strings.Contains(a.body, `id="unsubscribe-all"`) || !strings.Contains(text(a.body), "2 other digests still go to this address") {
		t.Fatalf("page after unsubscribing one: %s", truncate(text(a.body)))
	}
	if a := b.post(path, url.Values{"all": {"1"}}); a.code != http.StatusSeeOther {
		t.Fatalf("POST all = %d, want 303", a.code)
	}
	for _, sub := range []funding.Subscription{a1, a2, a3} {
		if subscriptionNow(t, s, sub.ID).UnsubscribedAt == nil {
			t.Errorf("subscription %d of the address is still live", sub.ID)
		}
	}
	if subscriptionNow(t, s, bystander.ID).UnsubscribedAt != nil {
		t.Error("unsubscribing an address ended another address's subscription")
	}
	if a := b.get(path); strings.Contains(a.body, `id="unsubscribe-all"`) {
		t.Error("the page still offers to end other subscriptions: none is left")
	}
}

func TestSubscriptionAPIRefusals(t *testing.T) {
	s, srv := smtpPageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	other := createConfirmedProfile(t, s, belgianSOC())
	ok := func(mod map[string]any) map[string]any {
		b := map[string]any{"email": "refusals@example.be", "profile_id": p.ID, "frequency": "weekly"}
		for k, v := range mod {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		token  string
		body   any
		status int
		field  string // named in the error
	}{
		{"no token", "", ok(nil), http.StatusUnauthorized, ""},
		{"another profile's token", other.Token, ok(nil), http.StatusForbidden, ""},
		{"unknown profile", p.Token, ok(map[string]any{"profile_id": "no-such-profile"}), http.StatusNotFound, ""},
		{"no profile", p.Token, ok(map[string]any{"profile_id": nil}), http.StatusBadRequest, "profile_id"},
		{"no email", p.Token, ok(map[string]any{"email": nil}), http.StatusBadRequest, "email"},
		{"bad email", p.Token, ok(map[string]any{"email": "not-an-address"}), http.StatusBadRequest, "email"},
		{"header injection CRLF", p.Token, ok(map[string]any{"email": "victim@example.be\r\nBcc: everyone@example.org"}), http.StatusBadRequest, "email"},
		{"header injection LF", p.Token, ok(map[string]any{"email": "victim@example.be\nSubject: free money"}), http.StatusBadRequest, "email"},
		{"display name", p.Token, ok(map[string]any{"email": `"Eve" <eve@example.be>`}), http.StatusBadRequest, "email"},
		{"two addresses", p.Token, ok(map[string]any{"email": "a@example.be, b@example.be"}), http.StatusBadRequest, "email"},
		{"bad frequency", p.Token, ok(map[string]any{"frequency": "hourly"}), http.StatusBadRequest, "frequency"},
		{"no frequency", p.Token, ok(map[string]any{"frequency": nil}), http.StatusBadRequest, "frequency"},
		{"bad hour", p.Token, ok(map[string]any{"hour": 24}), http.StatusBadRequest, "hour"},
		{"hour as text", p.Token, ok(map[string]any{"hour": "8"}), http.StatusBadRequest, "hour"},
		{"bad weekday", p.Token, ok(map[string]any{"weekday": 7}), http.StatusBadRequest, "weekday"},
		{"bad weekday name", p.Token, ok(map[string]any{"weekday": "someday"}), http.StatusBadRequest, "weekday"},
		{"bad time zone", p.Token, ok(map[string]any{"timezone": "Mars/Olympus_Mons"}), http.StatusBadRequest, "timezone"},
		{"server's zone", p.Token, ok(map[string]any{"timezone": "Local"}), http.StatusBadRequest, "timezone"},
		{"bad language", p.Token, ok(map[string]any{"language": "de"}), http.StatusBadRequest, "language"},
		{"unknown field", p.Token, ok(map[string]any{"bcc": "x@example.be"}), http.StatusBadRequest, "bcc"},
		{"malformed", p.Token, `{"email":`, http.StatusBadRequest, ""},
		{"friday by name", p.Token, ok(map[string]any{"weekday": "Friday", "hour": 17, "timezone": "Europe/Amsterdam", "language": "nl"}), http.StatusAccepted, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := subscribeAPI(t, s, tc.token, tc.body)
			if code != tc.status {
				t.Fatalf("status %d (%v), want %d", code, body, tc.status)
			}
			if code >= 400 && (body["error"] == "" || !strings.Contains(body["error"], tc.field)) {
				t.Errorf(`error = %q, want a JSON {"error"} naming %q`, body["error"], tc.field)
			}
		})
	}
	s.bg.Wait()
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			if to != "refusals@example.be" && to != belgianSOC()["email"] { // the profiles' own confirmation links
				t.Errorf("an e-mail went to %q", to)
			}
		}
	}
	subs, err := s.store.SubscriptionsByProfile(t.Context(), p.ID)
	if err != nil || len(subs) != 1 || subs[0].Weekday != time.Friday || subs[0].Hour != 17 || subs[0].Timezone != "Europe/Amsterdam" || subs[0].Language != "nl" {
		t.Errorf("stored = %+v, %v; want only the Friday one", subs, err)
	}
	// Defaults: weekly on Monday at 08:00 Brussels time, in the request's language.
	if code, _ := subscribeAPI(t, s, other.Token, map[string]any{"email": "defaults@example.be", "profile_id": other.ID, "frequency": "weekly"}); code != http.StatusAccepted {
		t.Fatalf("minimal request = %d", code)
	}
	subs, _ = s.store.SubscriptionsByProfile(t.Context(), other.ID)
	if len(subs) != 1 || subs[0].Weekday != time.Monday || subs[0].Hour != 8 || subs[0].Timezone != "Europe/Brussels" || subs[0].Language != "en" {
		t.Errorf("defaults = %+v", subs)
	}
}

func TestSubscribingSaysNothingAboutTheAddress(t *testing.T) {
	s, srv := smtpPageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	const addr = "enum@example.be"
	req := map[string]any{"email": addr, "profile_id": p.ID, "frequency": "daily"}
	var answers []map[string]string
	ask := func() {
		t.Helper()
		code, body := subscribeAPI(t, s, p.Token, req)
		if code != http.StatusAccepted {
			t.Fatalf("status %d, want 202", code)
		}
		answers = append(answers, body)
	}
	ask() // a new address
	mails := waitForMails(t, srv, addr, 1)
	b := newClient(t, s)
	confirm := func(link string) {
		t.Helper()
		b.get(link)
		if a := b.post(link, nil); a.code != http.StatusSeeOther {
			t.Fatalf("confirm = %d", a.code)
		}
	}
	confirm(confirmLink(t, mails[0]))
	ask() // subscribed
	// Each request gets its own confirmation; confirming one replaces the
	// address's other subscriptions to the profile, so nobody gets it twice.
	mails = waitForMails(t, srv, addr, 2)
	confirm(confirmLink(t, mails[1]))
	subs, _ := s.store.SubscriptionsByEmail(t.Context(), addr)
	var live []int64
	for _, sub := range subs {
		if sub.ConfirmedAt != nil && sub.UnsubscribedAt == nil {
			live = append(live, sub.ID)
		}
	}
	if len(subs) != 2 || len(live) != 1 || live[0] != subs[1].ID {
		t.Errorf("live subscriptions %v of %d, want only the latest confirmed", live, len(subs))
	}
	for _, sub := range subs {
		if err := s.store.Unsubscribe(t.Context(), sub.ID, testNow); err != nil {
			t.Fatal(err)
		}
	}
	ask() // unsubscribed
	ask() // pending
	for i, a := range answers[1:] {
		if a["message"] != answers[0]["message"] {
			t.Errorf("answer %d = %v, first %v: they differ", i+2, a, answers[0])
		}
	}
}

func TestSubscriptionRateLimits(t *testing.T) {
	s, _ := smtpPageServer(t, func(c *Config) {
		c.Limits.SubscribePerIP = Rate{N: 2, Per: time.Hour}
		c.Limits.SubscribePerEmail = Rate{N: 1, Per: time.Hour}
	})
	p := createConfirmedProfile(t, s, belgianSOC())
	req := func(email string) map[string]any {
		return map[string]any{"email": email, "profile_id": p.ID, "frequency": "daily"}
	}
	if code, _ := subscribeAPI(t, s, p.Token, req("bad")); code != http.StatusBadRequest {
		t.Fatalf("bad request = %d", code)
	}
	if code, _ := subscribeAPI(t, s, p.Token, req("one@limits.example.be")); code != http.StatusAccepted {
		t.Fatalf("first = %d, want 202 (the refused one is not counted)", code)
	}
	if code, _ := subscribeAPI(t, s, p.Token, req("ONE@limits.example.be")); code != http.StatusTooManyRequests {
		t.Errorf("second confirmation to the same address = %d, want 429", code)
	}
	if code, _ := subscribeAPI(t, s, p.Token, req("two@limits.example.be")); code != http.StatusAccepted {
		t.Errorf("another address = %d, want 202", code)
	}
	req3 := httptest.NewRequest(http.MethodPost, "/api/v1/subscriptions", strings.NewReader(`{"email":"three@limits.example.be","profile_id":"`+p.ID+`","frequency":"daily"}`))
	req3.Header.Set("Authorization", "Bearer "+p.Token)
	resp, err := s.App().Test(req3, -1)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("third accepted request from one IP = %d (Retry-After %q), want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestConfirmationLinkExpires(t *testing.T) {
	s, srv := smtpPageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	if code, _ := subscribeAPI(t, s, p.Token, map[string]any{"email": "late@example.be", "profile_id": p.ID, "frequency": "daily"}); code != http.StatusAccepted {
		t.Fatal(code)
	}
	link := confirmLink(t, waitForMails(t, srv, "late@example.be", 1)[0])
	later, _ := pageServer(t, func(c *Config) { c.Now = func() time.Time { return time.Now().Add(confirmTTL + time.Hour) } })
	b := newClient(t, later)
	if a := b.get(link); a.code != http.StatusNotFound || !strings.Contains(text(a.body), "not valid") {
		t.Errorf("GET an expired link = %d, want 404 saying so", a.code)
	}
	b.get("/signin") // a page with a form: the CSRF token
	if a := b.post(link, nil); a.code != http.StatusNotFound {
		t.Errorf("POST an expired link = %d, want 404", a.code)
	}
	for _, bad := range []string{"/subscriptions/confirm/short", "/subscriptions/confirm/" + strings.Repeat("A", 43)} {
		if a := newClient(t, s).get(bad); a.code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", bad, a.code)
		}
	}
}

func TestDigestsOnTheProfilePage(t *testing.T) {
	s, srv := smtpPageServer(t)
	owner := newClient(t, s)
	id := owner.register(socForm("Page SOC", "owner@page.example.be"))
	owner.confirm(id)
	base := "/profiles/" + id

	a := owner.get(base)
	if !strings.Contains(a.body, `id="digest-form"`) || !strings.Contains(a.body, `value="owner@page.example.be"`) {
		t.Fatalf("the owner's page has no digest form with the profile's address: %s", truncate(text(a.body)))
	}

	// Header injection in the form: refused, nothing stored.
	a = owner.post(base+"/subscriptions", url.Values{"email": {"team@page.example.be\r\nBcc: all@example.org"}, "frequency": {"weekly"},
		"weekday": {"5"}, "hour": {"7"}, "language": {"nl"}, "timezone": {"Europe/Brussels"}})
	if a.code != http.StatusBadRequest || !strings.Contains(text(a.body), "Enter a valid e-mail address") {
		t.Errorf("form with CRLF in the address = %d, want 400 naming the field: %s", a.code, truncate(text(a.body)))
	}
	a = owner.post(base+"/subscriptions", url.Values{"email": {"team@page.example.be"}, "frequency": {""}})
	if a.code != http.StatusBadRequest || !strings.Contains(text(a.body), "Choose every day or every week") {
		t.Errorf("form without a frequency = %d, want 400 naming the field: %s", a.code, truncate(text(a.body)))
	}
	if subs, _ := s.store.SubscriptionsByProfile(t.Context(), id); len(subs) != 0 {
		t.Fatalf("a refused form stored %d subscriptions", len(subs))
	}

	a = owner.post(base+"/subscriptions", url.Values{"email": {"team@page.example.be"}, "frequency": {"weekly"},
		"weekday": {"5"}, "hour": {"7"}, "language": {"nl"}, "timezone": {"Europe/Brussels"}})
	if a.code != http.StatusSeeOther || a.header.Get("Location") != base+"?done=subscribe_sent#digests" {
		t.Fatalf("subscribe form = %d to %q", a.code, a.header.Get("Location"))
	}
	m := waitForMails(t, srv, "team@page.example.be", 1)[0]
	if m.Subject != "Bevestig uw abonnement op het callmatch-overzicht" || !strings.Contains(m.Text, "elke vrijdag om 07:00 (Europe/Brussels)") {
		t.Errorf("confirmation e-mail %q:\n%s", m.Subject, m.Text)
	}
	a = owner.get(base + "?done=subscribe_sent")
	page := text(a.body)
	if !strings.Contains(page, "A confirmation link is on its way") || !strings.Contains(page, "team@page.example.be") ||
		!strings.Contains(page, "Waiting for the address to confirm") {
		t.Errorf("page after subscribing: %s", truncate(page))
	}
	subs, _ := s.store.SubscriptionsByProfile(t.Context(), id)
	if len(subs) != 1 {
		t.Fatalf("%d subscriptions, want 1", len(subs))
	}
	sid := strconv.FormatInt(subs[0].ID, 10)

	// Confirmed from another browser (the colleague's), in Dutch.
	link := confirmLink(t, m)
	colleague := newClient(t, s)
	if a := colleague.get(link); !strings.Contains(a.body, `<html lang="nl">`) || !strings.Contains(text(a.body), "Bevestig uw abonnement") {
		t.Errorf("confirmation page not in Dutch: %s", truncate(text(a.body)))
	}
	colleague.post(link, nil)
	if a := owner.get(base); !strings.Contains(a.body, `class="sub-active"`) {
		t.Errorf("after confirmation the page does not list it as active")
	}

	// Pause until Christmas Eve, in the subscriber's zone; resume.
	a = owner.post(base+"/subscriptions/"+sid+"/pause", url.Values{"until": {"2026-12-24"}})
	if a.code != http.StatusSeeOther {
		t.Fatalf("pause = %d: %s", a.code, truncate(text(a.body)))
	}
	brussels, _ := time.LoadLocation("Europe/Brussels")
	sub := subscriptionNow(t, s, subs[0].ID)
	if want := time.Date(2026, 12, 24, 0, 0, 0, 0, brussels); sub.PausedUntil == nil || !sub.PausedUntil.Equal(want) {
		t.Errorf("PausedUntil = %v, want %v", sub.PausedUntil, want)
	}
	if due, _ := s.store.DueSubscriptions(t.Context(), testNow.Add(24*time.Hour)); containsSub(due, sub.ID) {
		t.Error("a paused subscription is due")
	}
	if due, _ := s.store.DueSubscriptions(t.Context(), time.Date(2026, 12, 24, 9, 0, 0, 0, brussels)); !containsSub(due, sub.ID) {
		t.Error("the subscription is not due again when the pause ends")
	}
	if a := owner.get(base); !strings.Contains(text(a.body), "Paused until 24 December 2026") {
		t.Errorf("the page does not show the pause")
	}
	for _, bad := range []string{"", "yesterday", "2026-11-01", "2028-01-01"} {
		if a := owner.post(base+"/subscriptions/"+sid+"/pause", url.Values{"until": {bad}}); a.code != http.StatusBadRequest {
			t.Errorf("pause until %q = %d, want 400", bad, a.code)
		}
	}
	if a := owner.post(base+"/subscriptions/"+sid+"/resume", nil); a.code != http.StatusSeeOther {
		t.Fatalf("resume = %d", a.code)
	}
	if sub := subscriptionNow(t, s, subs[0].ID); sub.PausedUntil != nil {
		t.Errorf("after resume PausedUntil = %v", sub.PausedUntil)
	}

	// Nobody else manages them.
	stranger := newClient(t, s)
	stranger.get("/signin") // a page with a form: the CSRF token
	if a := stranger.post(base+"/subscriptions/"+sid+"/unsubscribe", nil); a.code != http.StatusForbidden {
		t.Errorf("a stranger's unsubscribe = %d, want 403", a.code)
	}
	if a := stranger.post(base+"/subscriptions", url.Values{"email": {"x@example.be"}, "frequency": {"daily"}}); a.code != http.StatusForbidden {
		t.Errorf("a stranger's subscription = %d, want 403", a.code)
	}
	rival := newClient(t, s)
	rivalID := rival.register(socForm("Rival SOC", "rival@page.example.be"))
	rival.confirm(rivalID)
	if a := rival.post("/profiles/"+rivalID+"/subscriptions/"+sid+"/pause", url.Values{"until": {"2026-12-24"}}); a.code != http.StatusNotFound {
		t.Errorf("another profile's owner pausing it through their own profile = %d, want 404", a.code)
	}
	if a := rival.get("/profiles/" + rivalID); strings.Contains(a.body, "team@page.example.be") {
		t.Error("another profile's page shows this profile's subscriber")
	}
	addStaff(t, s, "staff-digests@ncc.example.be", "staff-password-1")
	staff := newClient(t, s)
	staff.get("/staff/login")
	staff.post("/staff/login", url.Values{"email": {"staff-digests@ncc.example.be"}, "password": {"staff-password-1"}})
	if a := staff.get(base); a.code != http.StatusOK || strings.Contains(a.body, "team@page.example.be") || strings.Contains(a.body, `id="digest-form"`) {
		t.Errorf("staff's read-only view = %d, shows the subscriptions or the form", a.code)
	}

	if a := owner.post(base+"/subscriptions/"+sid+"/unsubscribe", nil); a.code != http.StatusSeeOther {
		t.Fatalf("unsubscribe = %d", a.code)
	}
	if sub := subscriptionNow(t, s, subs[0].ID); sub.UnsubscribedAt == nil {
		t.Error("the owner's unsubscribe did not end it")
	}
	if a := owner.get(base); strings.Contains(a.body, "team@page.example.be") || !strings.Contains(text(a.body), "No digest yet") {
		t.Error("an ended subscription is still listed")
	}
}

func containsSub(subs []funding.Subscription, id int64) bool {
	for _, s := range subs {
		if s.ID == id {
			return true
		}
	}
	return false
}

func TestSubscriptionPagesInEveryLanguage(t *testing.T) {
	s, srv := smtpPageServer(t)
	p := createConfirmedProfile(t, s, belgianSOC())
	if code, _ := subscribeAPI(t, s, p.Token, map[string]any{"email": "langs@example.be", "profile_id": p.ID, "frequency": "weekly"}); code != http.StatusAccepted {
		t.Fatal(code)
	}
	link := confirmLink(t, waitForMails(t, srv, "langs@example.be", 1)[0])
	sub := confirmedSubscription(t, s, "langs-unsub@example.be", p.ID)
	unsub := "/unsubscribe/" + digest.UnsubscribeToken([]byte(testUnsubscribeKey), sub.ID)
	for lang, want := range map[string][]string{
		"en": {"Confirm your subscription", "every Monday at 08:00 (Europe/Brussels)", "Stop e-mailing the digest", "Also stop every other callmatch digest"},
		"fr": {"Confirmer votre abonnement", "chaque lundi à 08:00 (Europe/Brussels)", "Arrêter d'envoyer le résumé", "Arrêter aussi tous les autres résumés"},
		"nl": {"Bevestig uw abonnement", "elke maandag om 08:00 (Europe/Brussels)", "niet meer naar", "Ook alle andere callmatch-overzichten"},
	} {
		confirm := text(newClient(t, s).get(link + "?lang=" + lang).body)
		unsubPage := text(newClient(t, s).get(unsub + "?lang=" + lang).body)
		for i, w := range want {
			page := confirm
			if i >= 2 {
				page = unsubPage
			}
			if !strings.Contains(page, w) {
				t.Errorf("%s: %q missing from %s", lang, w, truncate(page))
			}
		}
	}
	// Without a choice, a page speaks the subscriber's language, not the browser's.
	b := newClient(t, s)
	b.header.Set("Accept-Language", "nl-BE")
	if a := b.get(unsub); !strings.Contains(a.body, `<html lang="en">`) {
		t.Errorf("the unsubscribe page of an English subscription is not in English")
	}
}
