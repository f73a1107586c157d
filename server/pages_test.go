package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"callmatch/match"
	"callmatch/search"
)

func matchOpts(s *Server) search.MatchOptions {
	return search.MatchOptions{Now: testNow, Limit: 100, MinDaysToDeadline: s.cfg.MinDaysToDeadline}
}

func TestPagesRenderInEveryLanguage(t *testing.T) {
	s, _ := pageServer(t)
	paths := []string{"/", "/?q=post-quantum", "/?q=SOC&programme=DIGITAL&status=open&sort=deadline", "/?page=2",
		"/calls/HORIZON-CL3-2026-02-CS-ECCC-01", "/profiles/new", "/signin", "/staff/login"}
	want := map[string]string{"en": "Search calls", "fr": "Rechercher des appels", "nl": "Oproepen zoeken"}
	for lang, word := range want {
		for _, p := range paths {
			b := newClient(t, s)
			sep := "?"
			if strings.Contains(p, "?") {
				sep = "&"
			}
			a := b.get(p + sep + "lang=" + lang)
			if a.code != http.StatusOK {
				t.Errorf("GET %s in %s = %d, want 200: %s", p, lang, a.code, truncate(text(a.body)))
				continue
			}
			if !strings.Contains(a.body, `<html lang="`+lang+`">`) {
				t.Errorf("GET %s in %s: no <html lang=%q>", p, lang, lang)
			}
			if !strings.Contains(a.body, word) {
				t.Errorf("GET %s in %s: %q missing", p, lang, word)
			}
		}
	}
}

func TestLanguageChoice(t *testing.T) {
	s, _ := pageServer(t)
	for _, tc := range []struct{ accept, cookie, query, want string }{
		{"", "", "", "en"},
		{"nl-BE,nl;q=0.9,en;q=0.5", "", "", "nl"},
		{"de-DE,fr;q=0.7,en;q=0.3", "", "", "fr"},
		{"nl-BE", "fr", "", "fr"},
		{"nl-BE", "fr", "en", "en"},
		{"", "xx", "zz", "en"},
	} {
		b := newClient(t, s)
		if tc.cookie != "" {
			b.jar["lang"] = tc.cookie
		}
		b.header.Set("Accept-Language", tc.accept)
		p := "/"
		if tc.query != "" {
			p += "?lang=" + tc.query
		}
		a := b.get(p)
		if !strings.Contains(a.body, `<html lang="`+tc.want+`">`) {
			t.Errorf("Accept-Language %q, cookie %q, ?lang=%q: page not in %s", tc.accept, tc.cookie, tc.query, tc.want)
		}
		if tc.query == "en" && b.jar["lang"] != "en" {
			t.Errorf("?lang=en did not set the lang cookie (jar %v)", b.jar)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	s, _ := pageServer(t)
	for _, p := range []string{"/", "/api/v1/calls?size=1", "/nope"} {
		a := newClient(t, s).get(p)
		csp := a.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP allows inline code: %q", p, csp)
		}
		if a.header.Get("X-Content-Type-Options") != "nosniff" || a.header.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: headers %v", p, a.header)
		}
		if a.header.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s over http sets HSTS", p)
		}
	}
	// X-Forwarded-Proto is believed from a trusted proxy only (app.Test's
	// peer is 0.0.0.0).
	b := newClient(t, s)
	b.header.Set("X-Forwarded-Proto", "https")
	if a := b.get("/"); a.header.Get("Strict-Transport-Security") != "" {
		t.Error("X-Forwarded-Proto from an untrusted peer was believed: HSTS set")
	}
	behindProxy, err := New(Config{Now: s.cfg.Now, TrustedProxies: []string{"0.0.0.0"}}, Deps{Store: s.store, Index: s.index, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	b = newClient(t, behindProxy)
	b.header.Set("X-Forwarded-Proto", "https")
	a := b.get("/")
	if a.header.Get("Strict-Transport-Security") == "" {
		t.Error("https request through a trusted proxy: no HSTS")
	}
	for _, ck := range strings.Split(strings.Join(a.header.Values("Set-Cookie"), "\n"), "\n") {
		if ck != "" && (!strings.HasPrefix(ck, "__Host-") || !strings.Contains(ck, "secure")) {
			t.Errorf("https cookie %q is not __Host- and Secure", ck)
		}
	}
	// No page has inline scripts or style attributes (the CSP would block them).
	for _, p := range []string{"/", "/calls/HORIZON-CL3-2026-02-CS-ECCC-01", "/profiles/new"} {
		body := newClient(t, s).get(p).body
		if strings.Contains(body, "<script>") || strings.Contains(body, " style=\"") || strings.Contains(body, " onclick=") {
			t.Errorf("GET %s has inline script or style", p)
		}
	}
}

func TestCSRF(t *testing.T) {
	s, _ := pageServer(t)
	form := socForm("CSRF SME", "csrf@example.be")
	b := newClient(t, s)
	b.get("/profiles/new")
	good := b.csrf
	for _, tc := range []struct {
		name   string
		token  string
		cookie bool
		origin string
	}{
		{"missing token", "-", true, ""},
		{"wrong token", "AAAA" + good[4:], true, ""},
		{"no cookie", good, false, ""},
		{"token of another browser", newClient(t, s).tokenFor("/profiles/new"), true, ""},
		{"cross-site origin", good, true, "https://evil.example"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s)
			for k, v := range b.jar {
				if tc.cookie {
					c.jar[k] = v
				}
			}
			if tc.origin != "" {
				c.header.Set("Origin", tc.origin)
			}
			f := url.Values{}
			for k, v := range form {
				f[k] = v
			}
			f.Set("_csrf", tc.token)
			a := c.post("/profiles/new", f)
			if a.code != http.StatusForbidden {
				t.Errorf("POST = %d, want 403", a.code)
			}
			if !strings.Contains(a.body, "expired") {
				t.Errorf("403 page does not say why: %s", truncate(text(a.body)))
			}
		})
	}
	t.Run("same origin with token", func(t *testing.T) {
		b.header.Set("Origin", "http://example.com")
		if a := b.post("/profiles/new", form); a.code != http.StatusSeeOther {
			t.Errorf("POST = %d, want 303: %s", a.code, truncate(text(a.body)))
		}
	})
	t.Run("API needs no token", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/curations", strings.NewReader(`{}`))
		req.Header.Set("Content-Type", "application/json")
		resp, _ := s.App().Test(req, -1)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST /api/v1/curations without bearer = %d, want 401 (not a CSRF 403)", resp.StatusCode)
		}
	})
	t.Run("unsubscribe is exempt", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodPost, "/unsubscribe/abc", strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, _ := s.App().Test(req, -1)
		if resp.StatusCode == http.StatusForbidden {
			t.Errorf("POST /unsubscribe/... was refused by CSRF")
		}
	})
}

func (b *client) tokenFor(path string) string {
	b.get(path)
	return b.csrf
}

func TestRegisterSignInAndMatches(t *testing.T) {
	s, outbox := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Registered SOC", "registered@example.be"))

	a := b.get("/profiles/" + id + "?done=welcome")
	if a.code != http.StatusOK {
		t.Fatalf("matches page = %d", a.code)
	}
	page := text(a.body)
	for _, want := range []string{"Matches for Registered SOC", "Your keyword “SOC”", "Why this call", "e-mailed you a link to confirm it", "Awaiting confirmation."} {
		if !strings.Contains(page, want) {
			t.Errorf("matches page lacks %q", want)
		}
	}

	// The e-mail arrives in the outbox; its link confirms the profile and
	// signs another browser in, once.
	link := waitForSignInLink(t, outbox, "registered@example.be")
	mails := outboxMails(t, outbox)
	if len(mails) != 1 || !strings.Contains(mails[0].HTML, link) || mails[0].Subject != "Confirm your profile on callmatch" {
		t.Fatalf("outbox = %+v, want one confirmation e-mail with the link in text and HTML", mails)
	}
	other := newClient(t, s)
	if a := other.get("/profiles/" + id); a.code != http.StatusForbidden {
		t.Errorf("signed-out browser on the profile = %d, want 403", a.code)
	}
	if a := other.get(link); a.code != http.StatusOK || !strings.Contains(a.body, "confirm-profile") || !strings.Contains(a.body, "Registered SOC") {
		t.Fatalf("GET link = %d, want a page asking to confirm Registered SOC", a.code)
	}
	if p, _ := s.store.Profile(t.Context(), id); p.Confirmed {
		t.Error("opening the link (a GET, as mail scanners do) confirmed the profile")
	}
	a = other.post(link, url.Values{"action": {"confirm"}})
	if a.code != http.StatusSeeOther || a.header.Get("Location") != "/profiles/"+id+"?done=confirmed" {
		t.Fatalf("POST link = %d to %q, want 303 to the profile, confirmed", a.code, a.header.Get("Location"))
	}
	if a := other.get("/profiles/" + id); a.code != http.StatusOK || strings.Contains(a.body, "pending-note") {
		t.Errorf("signed in by link, profile = %d (still marked pending: %v)", a.code, strings.Contains(a.body, "pending-note"))
	}
	if p, _ := s.store.Profile(t.Context(), id); !p.Confirmed {
		t.Error("following the link left the profile pending")
	}
	third := newClient(t, s)
	if a := third.get(link); a.code != http.StatusNotFound || !strings.Contains(a.body, "expired or was already used") {
		t.Errorf("GET of a used link = %d, want 404 saying it is used", a.code)
	}
	third.get("/signin")
	if a := third.post(link, nil); a.code != http.StatusNotFound || !strings.Contains(a.body, "expired or was already used") {
		t.Errorf("second use of the link = %d, want 404 saying it is used", a.code)
	}
	if a := third.get("/signin/not-a-token"); a.code != http.StatusNotFound {
		t.Errorf("malformed link = %d, want 404", a.code)
	}

	// Later sign-ins: a sign-in link, the profile named.
	third.get("/signin")
	third.post("/signin", url.Values{"email": {"registered@example.be"}})
	s.bg.Wait()
	var signin string
	for _, m := range outboxMails(t, outbox) {
		if m.Subject == "Your sign-in link for callmatch" && strings.Contains(m.Text, "Sign in – Registered SOC:") {
			signin = "/signin/" + signInLinkRe.FindStringSubmatch(m.Text)[1]
		}
	}
	if signin == "" {
		t.Fatal("no sign-in e-mail naming the confirmed profile")
	}
	if a := third.get(signin); !strings.Contains(a.body, "confirm-signin") {
		t.Errorf("sign-in link page = %d, want the sign-in button", a.code)
	}
	if a := third.post(signin, nil); a.code != http.StatusSeeOther || a.header.Get("Location") != "/profiles/"+id+"?done=signedin" {
		t.Errorf("sign in = %d to %q", a.code, a.header.Get("Location"))
	}

	// Sign out ends the session.
	other.get("/")
	if a := other.post("/signout", nil); a.code != http.StatusSeeOther {
		t.Errorf("sign out = %d", a.code)
	}
	if a := other.get("/profiles/" + id); a.code != http.StatusForbidden {
		t.Errorf("after sign out, profile = %d, want 403", a.code)
	}
}

func TestRegistrationFormErrors(t *testing.T) {
	s, _ := pageServer(t)
	for _, tc := range []struct {
		name, field, value, lang, want string
	}{
		{"no name", "name", "", "en", "Enter your company name"},
		{"bad e-mail", "email", "not-an-address", "fr", "adresse e-mail valide"},
		{"bad country", "country", "Belgium", "nl", "landcode van twee letters"},
		{"bad size", "size", "huge", "en", "Choose a size"},
		{"unknown domain", "domains", "astrology", "en", "Choose domains"},
		{"budget letters", "budget_min", "lots", "en", "whole amounts"},
		{"bad trl", "trl", "12", "en", "between 1 and 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newClient(t, s)
			b.get("/profiles/new?lang=" + tc.lang)
			f := socForm("Form SME", "form@example.be")
			f.Set(tc.field, tc.value)
			a := b.post("/profiles/new", f)
			if a.code != http.StatusBadRequest {
				t.Fatalf("POST = %d, want 400", a.code)
			}
			if !strings.Contains(text(a.body), tc.want) {
				t.Errorf("form error lacks %q: %s", tc.want, truncate(text(a.body)))
			}
			if tc.field != "name" && !strings.Contains(a.body, `value="Form SME"`) {
				t.Error("the form lost what was typed")
			}
		})
	}
	t.Run("budget min above max", func(t *testing.T) {
		b := newClient(t, s)
		b.get("/profiles/new")
		f := socForm("Form SME", "form@example.be")
		f.Set("budget_min", "500000")
		f.Set("budget_max", "100000")
		if a := b.post("/profiles/new", f); a.code != http.StatusBadRequest {
			t.Errorf("POST = %d, want 400", a.code)
		}
	})
}

func TestNobodySeesAnotherSMEsProfile(t *testing.T) {
	s, _ := pageServer(t)
	alice := newClient(t, s)
	aliceID := alice.register(socForm("Alice Security", "alice@example.be"))
	bob := newClient(t, s)
	bob.register(socForm("Bob Security", "bob@example.be"))
	stranger := newClient(t, s)
	stranger.get("/")

	gets := []string{"/profiles/" + aliceID, "/profiles/" + aliceID + "/edit", "/profiles/" + aliceID + "/delete",
		"/profiles/" + aliceID + "/matches.csv"}
	posts := []string{"/profiles/" + aliceID + "/edit", "/profiles/" + aliceID + "/delete", "/profiles/" + aliceID + "/follow",
		"/profiles/" + aliceID + "/dismiss"}
	for _, who := range []*client{bob, stranger} {
		for _, p := range gets {
			if a := who.get(p); a.code != http.StatusForbidden || strings.Contains(a.body, "Alice Security") {
				t.Errorf("GET %s by another = %d, want 403 without the profile", p, a.code)
			}
		}
		for _, p := range posts {
			who.get("/")
			f := url.Values{"call_id": {"HORIZON-CL3-2027-02-CS-ECCC-01"}, "name": {"Hacked"}, "email": {"x@example.be"}}
			if a := who.post(p, f); a.code != http.StatusForbidden {
				t.Errorf("POST %s by another = %d, want 403", p, a.code)
			}
		}
	}
	for _, p := range []string{"/profiles/no-such-profile", "/profiles/%2e%2e", "/profiles/a%20b/edit"} {
		if a := stranger.get(p); a.code != http.StatusForbidden {
			t.Errorf("GET %s = %d, want 403 like any profile not yours", p, a.code)
		}
	}
	if a := alice.get("/profiles/" + aliceID); a.code != http.StatusOK || !strings.Contains(a.body, "Alice Security") {
		t.Errorf("owner = %d", a.code)
	}
	// The API token opens the same pages (for scripts: the CSV export).
	tok := createProfile(t, s, belgianSOC())
	api := newClient(t, s)
	api.header.Set("Authorization", "Bearer "+tok.Token)
	if a := api.get("/profiles/" + tok.ID + "/matches.csv"); a.code != http.StatusOK {
		t.Errorf("matches.csv with the API token = %d", a.code)
	}
	api.header.Set("Authorization", "Bearer "+tok.Token+"x")
	if a := api.get("/profiles/" + tok.ID + "/matches.csv"); a.code != http.StatusForbidden {
		t.Errorf("matches.csv with a wrong token = %d, want 403", a.code)
	}
}

func TestEditAndDeleteProfile(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Edit SME", "edit@example.be"))
	if a := b.get("/profiles/" + id + "/edit"); a.code != http.StatusOK || !strings.Contains(a.body, `value="Edit SME"`) {
		t.Fatalf("edit page = %d", a.code)
	}
	f := socForm("Edited SME", "edit@example.be")
	f["domains"] = []string{"post-quantum"}
	f.Set("keywords", "post-quantum cryptography")
	if a := b.post("/profiles/"+id+"/edit", f); a.code != http.StatusSeeOther {
		t.Fatalf("save = %d: %s", a.code, truncate(text(a.body)))
	}
	a := b.get("/profiles/" + id + "?done=saved")
	if !strings.Contains(a.body, "Edited SME") || !strings.Contains(text(a.body), "Post-quantum cryptography") {
		t.Errorf("edits not shown: %s", truncate(text(a.body)))
	}
	b.get("/profiles/" + id + "/delete")
	if a := b.post("/profiles/"+id+"/delete", nil); a.code != http.StatusSeeOther {
		t.Fatalf("delete = %d", a.code)
	}
	if _, err := s.store.Profile(t.Context(), id); !isNotFound(err) {
		t.Errorf("profile still stored after delete: %v", err)
	}
	if a := b.get("/profiles/" + id); a.code != http.StatusForbidden {
		t.Errorf("deleted profile = %d, want 403", a.code)
	}
}

func TestFollowAndNotRelevant(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Follow SME", "follow@example.be"))
	var res match.List
	p, _ := s.store.Profile(t.Context(), id)
	res, err := s.matches.List(t.Context(), p, 50)
	if err != nil || len(res.Matches) < 2 {
		t.Fatalf("matches: %v (%d)", err, len(res.Matches))
	}
	first, second := res.Matches[0].CallID, res.Matches[1].CallID

	b.get("/profiles/" + id)
	a := b.post("/profiles/"+id+"/follow", url.Values{"call_id": {second}, "next": {"/calls/" + second}})
	if a.code != http.StatusSeeOther || !strings.HasPrefix(a.header.Get("Location"), "/calls/"+second) {
		t.Fatalf("follow = %d to %q", a.code, a.header.Get("Location"))
	}
	if a := b.get("/calls/" + second); !strings.Contains(a.body, "Stop following") {
		t.Error("call page does not show the call as followed")
	}
	a = b.post("/profiles/"+id+"/dismiss", url.Values{"call_id": {first}})
	if a.code != http.StatusSeeOther {
		t.Fatalf("dismiss = %d", a.code)
	}
	a = b.get(a.header.Get("Location"))
	if strings.Contains(a.body, `id="m-`+first+`"`) {
		t.Errorf("dismissed call %s still listed among the matches", first)
	}
	if !strings.Contains(a.body, `id="dismissed"`) || !strings.Contains(text(a.body), "Marked as not relevant") {
		t.Error("no dismissed section or flash after not relevant")
	}
	if !strings.Contains(a.body, `id="followed"`) || !strings.Contains(a.body, "/calls/"+second) {
		t.Error("followed call not listed")
	}
	// The matcher learned nothing: the API (without curation) still ranks it.
	if ms, _ := s.index.Match(t.Context(), p, matchOpts(s)); len(ms) == 0 || ms[0].CallID != first {
		t.Error("dismissing changed the matcher's ranking")
	}
	b.post("/profiles/"+id+"/undismiss", url.Values{"call_id": {first}})
	if a := b.get("/profiles/" + id); !strings.Contains(a.body, `id="m-`+first+`"`) {
		t.Error("undismissed call not back")
	}
	for _, bad := range []string{"", "../x", "NO-SUCH-CALL"} {
		a := b.post("/profiles/"+id+"/follow", url.Values{"call_id": {bad}})
		if a.code != http.StatusBadRequest && a.code != http.StatusNotFound {
			t.Errorf("follow %q = %d, want 400 or 404", bad, a.code)
		}
	}
	// next must stay on this site.
	a = b.post("/profiles/"+id+"/follow", url.Values{"call_id": {second}, "next": {"//evil.example/x"}})
	if loc := a.header.Get("Location"); !strings.HasPrefix(loc, "/profiles/"+id) {
		t.Errorf("next=//evil.example redirected to %q", loc)
	}
}

func TestSignInSaysTheSameForUnknownAddresses(t *testing.T) {
	s, outbox := pageServer(t)
	newClient(t, s).register(socForm("Known SME", "known@example.be"))
	waitForSignInLink(t, outbox, "known@example.be") // the welcome e-mail
	before := len(outboxMails(t, outbox))

	answers := map[string]answer{}
	for _, addr := range []string{"known@example.be", "unknown@example.be"} {
		b := newClient(t, s)
		b.get("/signin")
		answers[addr] = b.post("/signin", url.Values{"email": {addr}})
	}
	k, u := answers["known@example.be"], answers["unknown@example.be"]
	if k.code != http.StatusOK || u.code != k.code {
		t.Fatalf("known %d, unknown %d", k.code, u.code)
	}
	strip := func(s string) string { return csrfRe.ReplaceAllString(s, "") }
	if strip(k.body) != strip(u.body) {
		t.Error("the answer differs for a known and an unknown address")
	}
	if !strings.Contains(k.body, "If this address is registered, a link is on its way.") {
		t.Errorf("answer: %s", truncate(text(k.body)))
	}
	s.bg.Wait()
	if n := len(outboxMails(t, outbox)); n != before+1 {
		t.Errorf("%d e-mails sent, want 1 (to the known address only)", n-before)
	}
	b := newClient(t, s)
	b.get("/signin")
	if a := b.post("/signin", url.Values{"email": {"not an address"}}); a.code != http.StatusBadRequest {
		t.Errorf("malformed address = %d, want 400", a.code)
	}
}

func TestRateLimits(t *testing.T) {
	s, _ := pageServer(t, func(c *Config) {
		c.Limits.RegisterPerIP = Rate{N: 2, Per: time.Hour}
		c.Limits.SignInPerEmail = Rate{N: 1, Per: time.Hour}
		c.Limits.LoginPerEmailIP = Rate{N: 2, Per: time.Hour}
	})
	b := newClient(t, s)
	bad := socForm("Limit SME", "not-an-address")
	b.get("/profiles/new")
	for range 3 { // refused forms do not count
		b.post("/profiles/new", bad)
	}
	b.register(socForm("Limit SME 1", "limit1@example.be"))
	b.register(socForm("Limit SME 2", "limit2@example.be"))
	b.get("/profiles/new")
	if a := b.post("/profiles/new", socForm("Limit SME 3", "limit3@example.be")); a.code != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("third registration = %d, want 429 with Retry-After", a.code)
	}
	if code := do(t, s, http.MethodPost, "/api/v1/profiles", "", belgianSOC(), nil); code != http.StatusTooManyRequests {
		t.Errorf("API registration past the limit = %d, want 429", code)
	}
	b.get("/signin")
	b.post("/signin", url.Values{"email": {"limit1@example.be"}})
	b.get("/signin")
	if a := b.post("/signin", url.Values{"email": {"LIMIT1@example.be"}}); a.code != http.StatusTooManyRequests {
		t.Errorf("second link for the address = %d, want 429", a.code)
	}
	addStaff(t, s, "limit-staff@ncc.example.be", "right password")
	for i := range 3 {
		b.get("/staff/login")
		a := b.post("/staff/login", url.Values{"email": {"limit-staff@ncc.example.be"}, "password": {"wrong"}})
		want := http.StatusUnauthorized
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if a.code != want {
			t.Errorf("login attempt %d = %d, want %d", i+1, a.code, want)
		}
	}
}

func TestStaffLoginAndArea(t *testing.T) {
	s, _ := pageServer(t)
	addStaff(t, s, "anna@ncc.example.be", "correct horse battery")
	b := newClient(t, s)
	if a := b.get("/staff"); a.code != http.StatusSeeOther || a.header.Get("Location") != "/staff/login" {
		t.Errorf("staff area signed out = %d to %q, want 303 to the login", a.code, a.header.Get("Location"))
	}
	b.get("/staff/login")
	wrongPw := b.post("/staff/login", url.Values{"email": {"anna@ncc.example.be"}, "password": {"wrong"}})
	b.get("/staff/login")
	noUser := b.post("/staff/login", url.Values{"email": {"nobody@ncc.example.be"}, "password": {"wrong"}})
	if wrongPw.code != http.StatusUnauthorized || noUser.code != http.StatusUnauthorized {
		t.Errorf("wrong password %d, unknown address %d, want 401 both", wrongPw.code, noUser.code)
	}
	if !strings.Contains(wrongPw.body, "Wrong e-mail address or password.") || !strings.Contains(noUser.body, "Wrong e-mail address or password.") {
		t.Error("failures do not say the same words")
	}
	// An SME session is not a staff session.
	sme := newClient(t, s)
	id := sme.register(socForm("Not Staff SME", "notstaff@example.be"))
	if a := sme.get("/staff/profiles"); a.code != http.StatusSeeOther {
		t.Errorf("SME on /staff/profiles = %d, want 303 to the login", a.code)
	}
	sme.get("/")
	if a := sme.post("/staff/curations", url.Values{"call_id": {"X"}}); a.code != http.StatusForbidden {
		t.Errorf("SME posting a curation = %d, want 403", a.code)
	}

	b.get("/staff/login")
	a := b.post("/staff/login", url.Values{"email": {"Anna@NCC.example.be"}, "password": {"correct horse battery"}})
	if a.code != http.StatusSeeOther || a.header.Get("Location") != "/staff" {
		t.Fatalf("login = %d to %q", a.code, a.header.Get("Location"))
	}
	start := time.Now()
	a = b.get("/staff")
	if a.code != http.StatusOK {
		t.Fatalf("dashboard = %d: %s", a.code, truncate(text(a.body)))
	}
	t.Logf("dashboard in %s", time.Since(start))
	for _, want := range []string{`<svg`, `data-domain="threat-intelligence"`, `id="crawl-runs"`, "Coming deadlines", `href="/calls/`} {
		if !strings.Contains(a.body, want) {
			t.Errorf("dashboard lacks %s", want)
		}
	}
	if a := b.get("/staff/profiles"); a.code != http.StatusOK || !strings.Contains(a.body, "Not Staff SME") {
		t.Errorf("profiles list = %d", a.code)
	}
	// Staff see an SME's matches, read only.
	if a := b.get("/profiles/" + id); a.code != http.StatusOK || !strings.Contains(a.body, "read only") || strings.Contains(a.body, "/dismiss") {
		t.Errorf("staff on an SME's page = %d, want a read-only page", a.code)
	}
	b.get("/")
	if a := b.post("/profiles/"+id+"/dismiss", url.Values{"call_id": {"HORIZON-CL3-2027-02-CS-ECCC-01"}}); a.code != http.StatusForbidden {
		t.Errorf("staff dismissing for an SME = %d, want 403", a.code)
	}
}

func TestStaffCurationReachesTheSME(t *testing.T) {
	s, _ := pageServer(t)
	addStaff(t, s, "piet@ncc.example.be", "pw pw pw pw")
	sme := newClient(t, s)
	form := socForm("Curated SME", "curated@example.be")
	form.Set("keywords", "SOC\nzebra-curation-test")
	id := sme.register(form)

	staff := newClient(t, s)
	staff.get("/staff/login")
	staff.post("/staff/login", url.Values{"email": {"piet@ncc.example.be"}, "password": {"pw pw pw pw"}})
	call := "HORIZON-CL3-2027-01-INFRA-02"
	if _, err := s.store.Call(t.Context(), call); err != nil {
		t.Fatalf("call %s not in the recorded portal", call)
	}
	if a := staff.get("/staff/curations?call_id=" + call); a.code != http.StatusOK {
		t.Fatalf("curation page = %d", a.code)
	}
	for _, bad := range []url.Values{
		{"call_id": {""}, "action": {"recommend"}, "target": {"segment"}, "segment_keyword": {"x"}},
		{"call_id": {"NO-SUCH-CALL"}, "action": {"recommend"}, "target": {"segment"}, "segment_keyword": {"x"}},
		{"call_id": {call}, "action": {"promote"}, "target": {"segment"}, "segment_keyword": {"x"}},
		{"call_id": {call}, "action": {"recommend"}, "target": {"segment"}},
		{"call_id": {call}, "action": {"recommend"}, "target": {"profile"}, "profile_id": {"nobody"}},
		{"call_id": {call}, "action": {"recommend"}, "target": {"segment"}, "segment_domain": {"astrology"}},
	} {
		if a := staff.post("/staff/curations", bad); a.code != http.StatusBadRequest || !strings.Contains(a.body, `id="curation-error"`) {
			t.Errorf("curation %v = %d, want 400 with the error on the form", bad, a.code)
		}
	}
	a := staff.post("/staff/curations", url.Values{"call_id": {call}, "action": {"recommend"}, "target": {"segment"},
		"segment_keyword": {"zebra-curation-test"}, "note": {"Apply with a PQC partner; ask us for contacts."}})
	if a.code != http.StatusSeeOther {
		t.Fatalf("curation = %d: %s", a.code, truncate(text(a.body)))
	}
	log := staff.get("/staff/curations")
	if !strings.Contains(log.body, "piet@ncc.example.be") || !strings.Contains(log.body, "zebra-curation-test") {
		t.Error("the curation log lacks who and whom")
	}
	page := sme.get("/profiles/" + id)
	first := strings.Index(page.body, `<li class="match`)
	if first < 0 || !strings.Contains(page.body[first:first+300], `id="m-`+call+`"`) {
		t.Fatalf("recommended call is not first on the SME's page")
	}
	if card := text(page.body[first : first+600]); !strings.Contains(card, "Recommended by the NCC") ||
		!strings.Contains(card, "“Apply with a PQC partner; ask us for contacts.” — piet@ncc.example.be") {
		t.Errorf("the recommendation's note and author are not shown: %s", truncate(text(page.body[first:])))
	}
}

func TestCurationsAPI(t *testing.T) {
	s, _ := pageServer(t)
	token := addStaff(t, s, "api-staff@ncc.example.be", "pw")
	sme := createProfile(t, s, belgianSOC())
	call := "HORIZON-CL3-2027-02-CS-ECCC-01"
	for _, tc := range []struct {
		name, token string
		body        any
		want        int
		says        string
	}{
		{"no token", "", map[string]any{"call_id": call, "segment": map[string]string{"domain": "cryptology"}, "action": "hide"}, 401, "bearer"},
		{"SME token", sme.Token, map[string]any{"call_id": call, "profile_id": sme.ID, "action": "recommend"}, 401, "staff"},
		{"wrong token", token + "x", map[string]any{"call_id": call, "profile_id": sme.ID, "action": "recommend"}, 401, "staff"},
		{"not JSON", token, "call_id=x", 400, "JSON"},
		{"unknown field", token, map[string]any{"call_id": call, "profile_id": sme.ID, "action": "recommend", "by": "me"}, 400, "unknown field"},
		{"bad action", token, map[string]any{"call_id": call, "profile_id": sme.ID, "action": "promote"}, 400, "action"},
		{"no target", token, map[string]any{"call_id": call, "action": "recommend"}, 400, "segment"},
		{"two targets", token, map[string]any{"call_id": call, "profile_id": sme.ID, "segment": map[string]string{"size": "small"}, "action": "recommend"}, 400, "not both"},
		{"empty segment", token, map[string]any{"call_id": call, "segment": map[string]string{}, "action": "hide"}, 400, "segment"},
		{"bad domain", token, map[string]any{"call_id": call, "segment": map[string]string{"domain": "astrology"}, "action": "hide"}, 400, "domain"},
		{"unknown call", token, map[string]any{"call_id": "NO-SUCH-CALL", "profile_id": sme.ID, "action": "recommend"}, 404, "no such call"},
		{"unknown profile", token, map[string]any{"call_id": call, "profile_id": "nobody", "action": "recommend"}, 404, "no such profile"},
		{"long note", token, map[string]any{"call_id": call, "profile_id": sme.ID, "action": "recommend", "note": strings.Repeat("x", 2001)}, 400, "note"},
		{"recommend to a profile", token, map[string]any{"call_id": call, "profile_id": sme.ID, "action": "recommend", "note": "Good fit"}, 201, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out map[string]any
			code := do(t, s, http.MethodPost, "/api/v1/curations", tc.token, tc.body, &out)
			if code != tc.want {
				t.Fatalf("POST = %d %v, want %d", code, out, tc.want)
			}
			if tc.says != "" && !strings.Contains(strings.ToLower(toString(out["error"])), strings.ToLower(tc.says)) {
				t.Errorf("error %q does not mention %q", out["error"], tc.says)
			}
			if code == 201 && (out["by"] != "api-staff@ncc.example.be" || out["id"] == "" || out["created_at"] == nil) {
				t.Errorf("created = %v, want who and when", out)
			}
		})
	}
	var m match.List
	do(t, s, http.MethodGet, "/api/v1/profiles/"+sme.ID+"/matches", sme.Token, nil, &m)
	if len(m.Matches) == 0 || m.Matches[0].CallID != call || m.Matches[0].Curated == nil || m.Matches[0].Curated.Note != "Good fit" {
		t.Errorf("the recommended call is not first with its note: %+v", m.Matches[:min(1, len(m.Matches))])
	}
}

func toString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestPanicIsA500Page(t *testing.T) {
	s, _ := pageServer(t)
	s.App().Get("/test-panic", func(c *fiber.Ctx) error { panic("boom") })
	for lang, want := range map[string]string{"en": "Something went wrong", "fr": "Une erreur s'est produite", "nl": "Er ging iets mis"} {
		b := newClient(t, s)
		b.jar["lang"] = lang
		a := b.get("/test-panic")
		if a.code != http.StatusInternalServerError || !strings.Contains(text(a.body), want) || strings.Contains(a.body, "boom") {
			t.Errorf("%s: panic = %d %q, want a 500 page saying %q without the panic", lang, a.code, truncate(text(a.body)), want)
		}
	}
	if a := newClient(t, s).get("/no/such/page"); a.code != http.StatusNotFound || !strings.Contains(a.body, "Not found") {
		t.Errorf("unknown page = %d", a.code)
	}
}

func TestCallPageErrors(t *testing.T) {
	s, _ := pageServer(t)
	for _, p := range []string{"/calls/NO-SUCH-CALL", "/calls/a%20b", "/calls/..%2F..%2Fetc"} {
		b := newClient(t, s)
		b.jar["lang"] = "nl"
		a := b.get(p)
		if a.code != http.StatusNotFound || !strings.Contains(a.body, `<html lang="nl">`) || !strings.Contains(text(a.body), "Niet gevonden") {
			t.Errorf("GET %s = %d, want a Dutch 404 page", p, a.code)
		}
	}
	a := newClient(t, s).get("/calls/HORIZON-CL3-2026-02-CS-ECCC-01")
	for _, want := range []string{"Key facts", "Expected Outcome", "Conditions and eligibility", "Last read from the portal", "ec.europa.eu"} {
		if !strings.Contains(text(a.body), want) {
			t.Errorf("call page lacks %q", want)
		}
	}
	if strings.Contains(a.body, "<script") && strings.Count(a.body, "<script") > 1 {
		t.Error("portal HTML brought a script into the page")
	}
}
