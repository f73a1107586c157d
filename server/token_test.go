package server

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var tokenFieldRe = regexp.MustCompile(`value="([^"]+)" class="copy" id="api-token"`)

// TestProfileTokenPage: an SME registered through the pages gets an API
// token from its profile, the token works on the API, a new one ends the
// old one, and nobody else can make one.
func TestProfileTokenPage(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Token SME", "token@example.be"))
	if a := b.get("/profiles/" + id); !strings.Contains(a.body, `href="/profiles/`+id+`/token"`) {
		t.Fatal("the owner's matches page has no link to API access")
	}
	newToken := func() string {
		t.Helper()
		b.get("/profiles/" + id + "/token")
		a := b.post("/profiles/"+id+"/token", nil)
		if a.code != http.StatusOK || a.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("POST token = %d (Cache-Control %q)", a.code, a.header.Get("Cache-Control"))
		}
		m := tokenFieldRe.FindStringSubmatch(a.body)
		if m == nil {
			t.Fatalf("no token on the page: %s", truncate(text(a.body)))
		}
		return m[1]
	}
	first := newToken()
	if code := do(t, s, "GET", "/api/v1/profiles/"+id+"/matches", first, nil, nil); code != http.StatusOK {
		t.Fatalf("matches with the page's token = %d, want 200", code)
	}
	second := newToken()
	if second == first {
		t.Fatal("the same token twice")
	}
	if code := do(t, s, "GET", "/api/v1/profiles/"+id+"/matches", first, nil, nil); code != http.StatusForbidden {
		t.Errorf("matches with the replaced token = %d, want 403", code)
	}
	if code := do(t, s, "GET", "/api/v1/profiles/"+id, second, nil, nil); code != http.StatusOK {
		t.Errorf("profile with the new token = %d, want 200", code)
	}

	// Another SME, signed in, cannot make a token for this profile.
	other := newClient(t, s)
	other.register(socForm("Other SME", "other@example.be"))
	other.get("/profiles/new") // a page, for a CSRF token
	if a := other.post("/profiles/"+id+"/token", nil); a.code != http.StatusForbidden {
		t.Errorf("another SME's POST token = %d, want 403", a.code)
	}
	if a := newClient(t, s).get("/profiles/" + id + "/token"); a.code == http.StatusOK {
		t.Error("a visitor signed out sees the token page")
	}
	if code := do(t, s, "GET", "/api/v1/profiles/"+id, second, nil, nil); code != http.StatusOK {
		t.Errorf("after the refused attempts, the token = %d, want 200", code)
	}
}

// TestRotateProfileTokenAPI: POST /api/v1/profiles/{id}/token with the
// current token answers a new one; the old one stops working.
func TestRotateProfileTokenAPI(t *testing.T) {
	s := newTestServer(t, nil)
	p := createProfile(t, s, belgianSOC())
	var got struct{ ID, Token string }
	if code := do(t, s, "POST", "/api/v1/profiles/"+p.ID+"/token", p.Token, nil, &got); code != http.StatusOK {
		t.Fatalf("rotate = %d, want 200", code)
	}
	if got.ID != p.ID || got.Token == "" || got.Token == p.Token {
		t.Fatalf("rotate answered %+v", got)
	}
	if code := do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches", p.Token, nil, nil); code != http.StatusForbidden {
		t.Errorf("old token = %d, want 403", code)
	}
	if code := do(t, s, "GET", "/api/v1/profiles/"+p.ID+"/matches", got.Token, nil, nil); code != http.StatusOK {
		t.Errorf("new token = %d, want 200", code)
	}
	if code := do(t, s, "POST", "/api/v1/profiles/"+p.ID+"/token", p.Token, nil, nil); code != http.StatusForbidden {
		t.Errorf("rotate with the old token = %d, want 403", code)
	}
	if code := do(t, s, "POST", "/api/v1/profiles/"+p.ID+"/token", "", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("rotate without a token = %d, want 401", code)
	}
}

// TestUnfoundKeywordsHint: the owner's matches page names the keywords
// that none of the matches mentions (here a typo), and only those.
func TestUnfoundKeywordsHint(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	form := socForm("Typo SOC", "typo@example.be")
	form.Set("keywords", "SOC\nincident response\nthreat inteligence sharring")
	id := b.register(form)
	a := b.get("/profiles/" + id)
	if a.code != http.StatusOK {
		t.Fatalf("matches page = %d", a.code)
	}
	hint := regexp.MustCompile(`(?s)<p class="hint" id="unfound-keywords">(.*?)</p>`).FindStringSubmatch(a.body)
	if hint == nil {
		t.Fatal("no hint about the keyword found in no call")
	}
	if !strings.Contains(hint[1], "threat inteligence sharring") {
		t.Errorf("hint %q does not name the misspelled keyword", hint[1])
	}
	for _, found := range []string{"“SOC”", "incident response"} {
		if strings.Contains(hint[1], found) {
			t.Errorf("hint %q names %s, which the matches mention", hint[1], found)
		}
	}

	clean := newClient(t, s)
	id = clean.register(socForm("Clean SOC", "clean@example.be"))
	if a := clean.get("/profiles/" + id); strings.Contains(a.body, `id="unfound-keywords"`) {
		t.Errorf("a profile whose keywords all match sees the hint: %s", truncate(text(a.body)))
	}
}

// TestSearchPageSaysWhatItCorrected: a typo finds the calls of the right
// word, and the page says which near words it searched.
func TestSearchPageSaysWhatItCorrected(t *testing.T) {
	s, _ := pageServer(t)
	a := newClient(t, s).get("/?q=cybersecurty")
	if a.code != http.StatusOK {
		t.Fatalf("search page = %d", a.code)
	}
	hint := regexp.MustCompile(`(?s)<p class="hint" id="corrected">(.*?)</p>`).FindStringSubmatch(a.body)
	if hint == nil || !strings.Contains(hint[1], "cybersecurity") || !strings.Contains(hint[1], "cybersecurty") {
		t.Fatalf("no hint naming the typo and its correction: %v", hint)
	}
	if !strings.Contains(a.body, `id="total"`) || strings.Contains(text(a.body), "No call matches") {
		t.Errorf("the typo found nothing: %s", truncate(text(a.body)))
	}
	if a := newClient(t, s).get("/?q=cybersecurity"); strings.Contains(a.body, `id="corrected"`) {
		t.Error("a correctly spelled search says it corrected something")
	}
}

// TestSearchPageSaysHowItUnderstood: a Dutch search says what it searched
// in English, a rare word which words it also searched by meaning, and a
// search no call holds every word of says the hits come closest, in the
// page's language.
func TestSearchPageSaysHowItUnderstood(t *testing.T) {
	s, _ := pageServer(t)
	hint := func(body, id string) string {
		m := regexp.MustCompile(`(?s)<p class="hint" id="` + id + `">(.*?)</p>`).FindStringSubmatch(body)
		if m == nil {
			return ""
		}
		return m[1]
	}
	a := newClient(t, s).get("/?q=kwantumveilige+versleuteling&lang=nl")
	if h := hint(a.body, "translated"); !strings.Contains(h, "versleuteling") || !strings.Contains(h, "encryption") || !strings.Contains(h, "In het Engels") {
		t.Errorf("translated hint = %q, want the Dutch word, its English, in Dutch", h)
	}
	if strings.Contains(text(a.body), "Geen enkele oproep past") {
		t.Error("a Dutch search found nothing")
	}
	if h := hint(newClient(t, s).get("/?q=hackers").body, "related"); !strings.Contains(h, "hackers") {
		t.Errorf("related hint = %q, want the words searched for hackers", h)
	}
	if h := hint(newClient(t, s).get("/?q=cybersecurity+banana&lang=fr").body, "closest"); !strings.Contains(h, "Aucun appel") {
		t.Errorf("closest hint = %q, want the French sentence", h)
	}
	for _, q := range []string{"cybersecurity", "cloud+security"} {
		body := newClient(t, s).get("/?q=" + q).body
		for _, id := range []string{"translated", "closest"} {
			if h := hint(body, id); h != "" {
				t.Errorf("search %s: hint %s = %q, want none", q, id, h)
			}
		}
	}
}
