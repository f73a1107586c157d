package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"callmatch/store"
)

// hostileLimit is the longest any answer may take, however bad the input.
const hostileLimit = 2 * time.Second

// TestHostileInputs walks every route of the app, as a stranger, an SME
// and a staff member, with bad inputs: oversized, invalid UTF-8, NUL,
// wrong types, huge numbers, path tricks, wrong and other people's tokens,
// missing CSRF tokens. Every answer must be below 500 (a panic is a 500:
// the recover middleware) and come within hostileLimit.
func TestHostileInputs(t *testing.T) {
	s, _ := pageServer(t, func(c *Config) {
		// A staff address tried often is slowed down on purpose (1 s):
		// not what this test looks for.
		c.LoginSlowdown = 10 * time.Millisecond
	})
	ctx := t.Context()

	// The people: a stranger, an SME signed in, a staff member signed in.
	var sme, other created
	sme = createProfile(t, s, belgianSOC())
	other = createProfile(t, s, belgianSOC())
	staffToken := addStaff(t, s, "hostile-staff@ncc.example.be", "staff password")
	st, err := s.store.StaffByEmail(ctx, "hostile-staff@ncc.example.be")
	if err != nil {
		t.Fatal(err)
	}
	session := func(kind, subject string) *client {
		b := newClient(t, s)
		id := newSecret(32)
		if err := s.store.CreateSession(ctx, hashToken(id), kind, subject, testNow.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		b.jar[cookieSession] = id
		return b
	}
	people := []struct {
		name   string
		b      *client
		bearer string // a valid token of theirs
	}{
		{"stranger", newClient(t, s), ""},
		{"sme", session(store.SubjectProfile, sme.ID), sme.Token},
		{"staff", session(store.SubjectStaff, strconv.FormatInt(st.ID, 10)), staffToken},
	}

	huge := strings.Repeat("9", 40)
	params := []string{
		strings.Repeat("x", 3000), "%FF%FE%FD", "%00", "a%00b", "..%2F..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2F%2Fevil.example",
		huge, "-1", "0", "1e400", "%E2%80%AE", "%C0%AF", other.ID, sme.ID,
	}
	queries := []string{
		"limit=" + huge + "&page=" + huge + "&size=-1&trl=" + huge + "&weekday=" + huge + "&hour=1e400",
		"q=%00%FF%FE&lang=%FF&done=%00&token=%FF%00&next=%2F%09%2Fevil.example&call_id=%00&profile_id=..%2F..",
		"q=" + strings.Repeat("%C3%A9", 400) + "&deadline_from=99999-99-99&deadline_to=0000-00-00&budget_min=1e400&budget_max=-" + huge,
		"limit=abc&page=0&size=0&status=%00&programme=" + strings.Repeat("A,", 1000) + "&sort=%FF&open=maybe",
		"token=" + strings.Repeat("A", 3000) + "&lang=" + strings.Repeat("fr", 1000),
	}
	jsonBodies := []string{
		`{"name":"` + strings.Repeat("x", 1<<20) + `"}`, // over the body limit
		"{\"name\":\"\xff\xfe\",\"email\":\"\xc0\xafa@b.be\",\"keywords\":[\"\xed\xa0\x80\"]}",
		"{\"name\":\"a\x00b\",\"email\":\"x\x00@y.be\",\"call_id\":\"\x00\",\"note\":\"\x00\"}",
		`{"name":[],"email":{},"keywords":"x","domains":[1,2],"budget_min":"1","trl":true,"profile_id":5,"frequency":[],"weekday":{}}`,
		`{"name":"n","email":"a@b.be","budget_min":1e400,"budget_max":-` + huge + `,"trl":` + huge + `,"hour":1e309,"weekday":-` + huge + `}`,
		strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000),
		`{"name":"n","email":"a@b.be","keywords":[` + strings.Repeat(`"k",`, 50_000) + `"k"]}`,
		`{"email":"` + strings.Repeat("a", 300) + `@b.be","profile_id":"` + other.ID + `","call_id":"../../x","segment":{"domains":["` + strings.Repeat("d", 1000) + `"]}}`,
		`{}{}`, ``, `null`, `"` + strings.Repeat(`\u0000`, 1000) + `"`,
	}
	formBodies := []url.Values{
		{"email": {"\xff\x00@x.be"}, "password": {strings.Repeat("p", 300_000)}, "name": {"\x00"}, "next": {"/\t/evil.example"}},
		{"email": {strings.Repeat("a", 200_000) + "@b.be"}, "budget_min": {huge}, "budget_max": {"1e400"}, "trl": {huge}, "keywords": {strings.Repeat("k\n", 20_000)}},
		{"call_id": {"../../../etc/passwd"}, "profile_id": {other.ID}, "action": {"\x00"}, "segment": {"%00"}, "until": {"99999-99-99"}, "hour": {huge}, "weekday": {"-1"}, "timezone": {"../../../../etc/localtime"}, "frequency": {"\xff"}},
		{"domains": {strings.Repeat("x", 5000), "\x00"}, "country": {"\xff\xfe"}, "size": {huge}, "all": {"1"}, "List-Unsubscribe": {"One-Click"}},
	}
	headers := []http.Header{
		{"Authorization": {"Bearer " + strings.Repeat("A", 2000)}},
		{"Authorization": {"Bearer " + other.Token}},
		{"Authorization": {"Bearer " + staffToken}},
		{"Authorization": {"Bearer \x01\x7f"}},
		{"Cookie": {"cm_session=" + strings.Repeat("s", 1000) + "; cm_csrf=" + strings.Repeat("c", 1000) + "; lang=%FF"}},
		{"Accept-Language": {strings.Repeat("x-y;q=1e400,", 200)}, "Accept": {"text/html"}},
		{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}},
		{"X-Forwarded-For": {strings.Repeat("1.2.3.4, ", 200)}, "X-Forwarded-Proto": {"https"}},
	}

	routes := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		routes[r.Method+" "+r.Path] = true
	}
	routes["GET /static/:id"] = true
	var list []string
	for r := range routes {
		list = append(list, r)
	}
	// Routes that end a session or a profile go last, so the others are
	// walked signed in.
	last := func(r string) bool {
		return strings.Contains(r, "delete") || strings.HasPrefix(r, "DELETE") || strings.Contains(r, "signout") || strings.Contains(r, "/token")
	}
	sort.Slice(list, func(i, j int) bool {
		if last(list[i]) != last(list[j]) {
			return !last(list[i])
		}
		return list[i] < list[j]
	})
	if len(list) < 40 {
		t.Fatalf("%d routes found, want every route of the app", len(list))
	}

	sent := 0
	start := time.Now()
	var slowest time.Duration
	var slowestDesc string
	send := func(who *client, desc string, req *http.Request) {
		t.Helper()
		sent++
		desc = truncate(desc)
		began := time.Now()
		code, body := hostileDo(t, who, req)
		took := time.Since(began)
		if took > slowest {
			slowest, slowestDesc = took, desc
		}
		if took > hostileLimit {
			t.Errorf("%s: answered in %s, want under %s", desc, took.Round(time.Millisecond), hostileLimit)
		}
		if code >= 500 {
			t.Errorf("%s = %d: %s", desc, code, truncate(text(body)))
		}
	}
	for _, route := range list {
		method, pattern, _ := strings.Cut(route, " ")
		fill := func(v string) string {
			parts := strings.Split(pattern, "/")
			for i, p := range parts {
				if strings.HasPrefix(p, ":") {
					parts[i] = v
				}
			}
			return strings.Join(parts, "/")
		}
		hasParam := strings.Contains(pattern, ":")
		for _, who := range people {
			b := who.b
			ownID := sme.ID
			request := func(path, body, contentType string, h http.Header, desc string) {
				req := httptest.NewRequest(method, "http://callmatch.test"+path, strings.NewReader(body))
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				for k, vs := range h {
					for _, v := range vs {
						req.Header.Add(k, v)
					}
				}
				send(b, who.name+" "+method+" "+path+" "+desc, req)
			}
			withBody := method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch || method == http.MethodDelete
			// Path parameters.
			if hasParam {
				ps := params
				if who.name != "stranger" {
					ps = []string{ownID, "%00", other.ID, strings.Repeat("x", 3000)}
				}
				for _, p := range ps {
					request(fill(p), "", "", nil, "(param)")
				}
			}
			path := fill(ownID)
			// Query strings.
			qs := queries
			if who.name != "stranger" {
				qs = queries[:2]
			}
			for _, q := range qs {
				request(path+"?"+q, "", "", nil, "(query)")
			}
			// Bodies: JSON, and forms without and with this browser's CSRF token.
			if withBody {
				auth := http.Header{}
				if who.bearer != "" {
					auth.Set("Authorization", "Bearer "+who.bearer)
				}
				for _, body := range jsonBodies {
					request(path, body, "application/json", auth, fmt.Sprintf("(JSON body of %d bytes)", len(body)))
				}
				if b.csrf == "" {
					b.get("/") // a page: its CSRF token
				}
				for _, f := range formBodies {
					request(path, f.Encode(), "application/x-www-form-urlencoded", nil, "(form, no CSRF token)")
					withToken := url.Values{"_csrf": {b.csrf}}
					for k, v := range f {
						withToken[k] = v
					}
					request(path, withToken.Encode(), "application/x-www-form-urlencoded", nil, "(form with CSRF token)")
				}
				request(path, "\xff\x00\xfe", "multipart/form-data; boundary=zzz", nil, "(broken multipart)")
			}
			// Headers: wrong, other people's and broken tokens and cookies.
			hs := headers
			if who.name != "stranger" {
				hs = headers[:3]
			}
			for _, h := range hs {
				request(path, "", "", h, "(headers)")
			}
		}
	}
	t.Logf("%d hostile requests on %d routes in %s; the slowest, %s: %s", sent, len(list), time.Since(start).Round(time.Millisecond),
		slowest.Round(time.Millisecond), truncate(slowestDesc))
}

// hostileDo is client.do for requests that may not even parse: a request
// whose headers overflow the read buffer, or whose body is over the limit,
// or whose multipart body is broken, is what fasthttp answers 431, 413 or 400 to on a real connection, which
// app.Test reports as an error instead.
func hostileDo(t *testing.T, b *client, req *http.Request) (int, string) {
	t.Helper()
	for k, v := range b.jar {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	resp, err := b.s.App().Test(req, -1)
	if err != nil {
		switch {
		case strings.Contains(err.Error(), "small read buffer"):
			return http.StatusRequestHeaderFieldsTooLarge, ""
		case strings.Contains(err.Error(), "body size exceeds"):
			return http.StatusRequestEntityTooLarge, "" // TestOversizedOverHTTP checks these
		case strings.Contains(err.Error(), "cannot read multipart/form-data body"):
			return http.StatusBadRequest, ""
		}
		t.Fatalf("%s %s: %v", req.Method, truncate(req.URL.String()), err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindStringSubmatch(string(raw)); m != nil && b.csrf == "" {
		b.csrf = m[1]
	}
	return resp.StatusCode, string(raw)
}

// TestOversizedOverHTTP checks over a real connection what hostileDo
// assumes of requests that app.Test cannot send. (The body over the limit
// is TestCreateProfileRejectsBadInput's "oversized body": written by hand, since
// a client still sending it meets the closed connection.)
func TestOversizedOverHTTP(t *testing.T) {
	s, _ := pageServer(t)
	base := listen(t, s)
	for _, tc := range []struct {
		name string
		req  func() (*http.Request, error)
		want int
	}{
		{"headers over the buffer", func() (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+"/?q="+strings.Repeat("a", 8000), nil)
		}, http.StatusRequestHeaderFieldsTooLarge},
		{"broken multipart body", func() (*http.Request, error) {
			req, err := http.NewRequest(http.MethodPost, base+"/api/v1/curations", strings.NewReader("\xff\x00\xfe"))
			if err == nil {
				req.Header.Set("Content-Type", "multipart/form-data; boundary=zzz")
			}
			return req, err
		}, http.StatusBadRequest},
	} {
		req, err := tc.req()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}
