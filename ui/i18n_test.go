package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

func catalogs(t *testing.T) map[string]catalog {
	t.Helper()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	return cats
}

var verbRe = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)

func TestEveryKeyInEveryLanguage(t *testing.T) {
	cats := catalogs(t)
	en := cats[DefaultLanguage]
	for _, lang := range Languages {
		c := cats[lang]
		for k := range en {
			if _, ok := c[k]; !ok {
				t.Errorf("%s: key %q missing", lang, k)
			}
		}
		for k, v := range c {
			if _, ok := en[k]; !ok {
				t.Errorf("%s: key %q is not in English", lang, k)
			}
			if strings.TrimSpace(v) == "" && k != "amount.thousands_sep" {
				t.Errorf("%s: key %q is empty", lang, k)
			}
			if got, want := verbRe.FindAllString(v, -1), verbRe.FindAllString(en[k], -1); !slices.Equal(got, want) {
				t.Errorf("%s: %q has verbs %v, English %v", lang, k, got, want)
			}
			if lang != DefaultLanguage && v == en[k] && len(v) > 12 && !sameInTranslation[k] {
				t.Errorf("%s: %q is not translated: %q", lang, k, v)
			}
		}
	}
}

// sameInTranslation are the messages that read the same in another language.
var sameInTranslation = map[string]bool{"search.budget": true, "programme.HORIZON": true}

// keysUsed finds the message keys named in templates and in the server's Go code.
func keysUsed(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{}
	tmplRe := regexp.MustCompile(`\{\{[^}]*?\b(t|tn) "([a-z0-9_.-]+)"`)
	if err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(files, p)
		for _, m := range regexp.MustCompile(`\b(t|tn) "([a-z0-9_.-]+)"`).FindAllStringSubmatch(string(b), -1) {
			if m[1] == "tn" {
				used[m[2]+".one"], used[m[2]+".other"] = p, p
			} else {
				used[m[2]] = p
			}
		}
		_ = tmplRe
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	goRe := regexp.MustCompile(`(?:\.tr\(c, |\.T\(lang, |views\.T\(lang, |[\s(,]t\()"([a-z0-9_.-]+[a-z0-9_-])"`)
	goFiles, _ := filepath.Glob("../server/*.go")
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goRe.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = f
		}
	}
	return used
}

func TestEveryKeyUsedExists(t *testing.T) {
	en := catalogs(t)[DefaultLanguage]
	used := keysUsed(t)
	if len(used) < 150 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	var missing []string
	for k, where := range used {
		if _, ok := en[k]; !ok {
			missing = append(missing, k+" ("+where+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("key used but not in the catalogue: %s", m)
	}
	// Keys built from data: every domain, status, size, month, field, rule.
	var want []string
	for _, d := range funding.Domains {
		want = append(want, "domain."+d.Slug)
	}
	for _, s := range funding.Sizes {
		want = append(want, "size."+s)
	}
	for _, s := range []string{"open", "forthcoming", "closed"} {
		want = append(want, "status."+s)
	}
	for m := 1; m <= 12; m++ {
		want = append(want, "month."+strconv.Itoa(m))
	}
	for _, rule := range []string{funding.RuleSMEOnly, funding.RuleCountry, funding.RuleConsortiumSize, funding.RuleMonoBeneficiary} {
		for _, res := range []string{funding.EligibilityMet, funding.EligibilityNotMet, funding.EligibilityUnknown} {
			want = append(want, "elig."+rule+"."+res, "elig.result."+res)
		}
	}
	for _, f := range []string{"name", "email", "country", "size", "description", "keywords", "domains", "programmes", "types_of_action", "budget", "trl"} {
		want = append(want, "form.err."+f)
	}
	for _, code := range []string{"400", "401", "403", "404", "405", "413", "429", "500"} {
		want = append(want, "error."+code, "error."+code+".title")
	}
	for _, k := range want {
		if _, ok := en[k]; !ok {
			t.Errorf("key %q missing", k)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for in, want := range map[string]string{
		"":                                "en",
		"fr-BE,fr;q=0.9,en;q=0.8":         "fr",
		"nl-BE":                           "nl",
		"de-DE,de;q=0.9":                  "en",
		"de;q=0.9,nl;q=0.3,fr;q=0.5":      "fr",
		"en-GB;q=0.2, NL;q=0.8":           "nl",
		"fr;q=bogus,nl":                   "nl",
		"*":                               "en",
		strings.Repeat("xx,", 500) + "fr": "en",
	} {
		if got := Negotiate(in); got != want {
			t.Errorf("Negotiate(%.40q) = %q, want %q", in, got, want)
		}
	}
}

type page struct{ lang string }

func (p page) Language() string { return p.lang }

func TestFormats(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	d := time.Date(2026, 9, 15, 15, 0, 0, 0, time.UTC)
	now := time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, date, dt, left, amount, small string }{
		{"en", "15 September 2026", "15 September 2026, 17:00", "in 45 days", "EUR 3.5 M", "EUR 60,000"},
		{"fr", "15 septembre 2026", "15 septembre 2026, 17:00", "dans 45 jours", "3,5 M EUR", "60\u202f000 EUR"},
		{"nl", "15 september 2026", "15 september 2026, 17:00", "over 45 dagen", "EUR 3,5 mln", "EUR 60.000"},
	} {
		tr := e.trs[tc.lang]
		for _, c := range []struct{ got, want string }{
			{tr.Date(d), tc.date}, {tr.DateTime(d), tc.dt}, {tr.DaysLeft(d, now), tc.left},
			{tr.Amount(3_500_000), tc.amount}, {tr.Amount(60_000), tc.small},
		} {
			if c.got != c.want {
				t.Errorf("%s: got %q, want %q", tc.lang, c.got, c.want)
			}
		}
	}
	if got := e.trs["en"].DateTime(time.Date(2026, 9, 15, 0, 0, 0, 0, time.UTC)); got != "15 September 2026" {
		t.Errorf("a bare date shows a time: %q", got)
	}
	for _, lang := range Languages {
		for k := range e.trs[lang].cat {
			if base, ok := strings.CutSuffix(k, ".one"); ok {
				for _, n := range []int{0, 1, 2} {
					if got := e.trs[lang].N(base, n); strings.Contains(got, "%!") {
						t.Errorf("%s: N(%q, %d) = %q", lang, base, n, got)
					}
				}
			}
		}
	}
	if got := e.trs["fr"].N("search.total", 0); got != "0 appel" {
		t.Errorf("French zero = %q, want the singular", got)
	}
	if got := e.trs["en"].N("search.total", 0); got != "0 calls" {
		t.Errorf("English zero = %q", got)
	}
}

func TestEngineNeedsEveryPage(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range Languages {
		for _, name := range RequiredPages {
			if e.pages[lang][name] == nil {
				t.Errorf("%s: page %s not parsed", lang, name)
			}
		}
	}
	if err := e.Render(&strings.Builder{}, "no-such-page", page{"fr"}); err == nil {
		t.Error("rendering an unknown page did not fail")
	}
	if u := e.Asset("style.css"); !regexp.MustCompile(`^/static/style\.[0-9a-f]{12}\.css$`).MatchString(u) {
		t.Errorf("asset URL %q has no content hash", u)
	}
}
