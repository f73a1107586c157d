package server

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"callmatch/digest"
	"callmatch/funding"
)

// The screenshots of the browser test go to a temporary folder, or with
// -update (or SCREENSHOTS=docs) to docs/screenshots, which the README shows.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files and docs/screenshots")
	}
}

func screenshotDir(t *testing.T) string {
	if f := flag.Lookup("update"); (f != nil && f.Value.String() == "true") || os.Getenv("SCREENSHOTS") == "docs" {
		return filepath.Join("..", "docs", "screenshots")
	}
	return filepath.Join(os.TempDir(), "callmatch-screenshots")
}

// chromium finds the browser: CHROMIUM_PATH, then the usual names. Without
// one the test skips, except under CI, where a missing browser fails.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium: set CHROMIUM_PATH or install chromium (CI must run the browser test)")
	}
	t.Skip("no Chromium (set CHROMIUM_PATH); skipping the browser test")
	return ""
}

// TestBrowserWalkthrough walks through the site in headless Chromium as a
// new SME and as NCC staff would, on a server of its own (its curations
// must not reach the other tests' profiles).
func TestBrowserWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	bin := chromium(t)

	fx, err := newFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fx.index.Close(); fx.store.Close() })
	outbox := t.TempDir()
	mailer, err := digest.NewOutboxMailer(outbox)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	s, err := New(Config{Now: func() time.Time { return testNow }, BaseURL: base},
		Deps{Store: fx.store, Index: fx.index, Logger: discard, Mailer: mailer})
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = s.Shutdown(5 * time.Second) })
	addStaff(t, s, "anna.peeters@ccb.belgium.be", "staff password for the test")

	shots := screenshotDir(t)
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-GB"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	// The first tab starts the browser and owns it; each person gets a
	// browser context of their own (their own cookies) beside it.
	root, rootCancel := chromedp.NewContext(actx)
	defer rootCancel()
	if err := chromedp.Do(root); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	sme, smeCancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer smeCancel()

	run := func(bctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(bctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	textOf := func(bctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(bctx context.Context, js string) string {
		t.Helper()
		s, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	// waitFor polls a condition across navigations (a page that goes away
	// takes its execution context with it: that is retried, not failed).
	waitFor := func(bctx context.Context, step, js string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		var last error
		// Only a page that finished loading counts: a navigation in progress
		// can show the new URL or <html lang> before its nodes exist.
		cond := `document.readyState === "complete" && (` + js + `)`
		for time.Now().Before(deadline) {
			ok, err := chromedp.Run(bctx, chromedp.Evaluate[bool](cond))
			if err == nil && ok {
				return
			}
			last = err
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: waiting for %s: %v", step, js, last)
	}
	shot := func(bctx context.Context, name string) {
		t.Helper()
		png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// 1. Search, with a filter, and open a call.
	run(sme, "open the search", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
	if lang := eval(sme, "document.documentElement.lang"); lang != "en" {
		t.Errorf("first page in %q, want en (Accept-Language en-GB)", lang)
	}
	run(sme, "search", chromedp.SendKeys(chromedp.CSS("#q"), "threat intelligence"), chromedp.Submit(chromedp.CSS("#q")))
	waitFor(sme, "results", `location.search.includes("q=threat") && document.querySelector("li.hit") !== null`)
	run(sme, "filter on open calls", chromedp.Click(chromedp.CSS(`#facet-status input[value="forthcoming"]`)))
	waitFor(sme, "filtered results", `location.search.includes("status=forthcoming")`)
	if n := eval(sme, `String(document.querySelectorAll("li.hit").length)`); n == "0" {
		t.Fatal("no forthcoming call about threat intelligence")
	}
	if !strings.Contains(eval(sme, `document.querySelector("li.hit").innerHTML`), "<mark>") {
		t.Error("the hits show no highlighted words")
	}
	shot(sme, "search")
	run(sme, "open a call", chromedp.Click(chromedp.CSS("a.hit-title")))
	waitFor(sme, "call page", `document.querySelector("#call-title") !== null`)
	if facts := textOf(sme, "dl.facts"); !strings.Contains(facts, "Deadline") || !strings.Contains(facts, "days") {
		t.Errorf("call facts lack the deadline in days: %q", facts)
	}
	shot(sme, "call")

	// 2. Register a profile: the form ends on the matches.
	run(sme, "registration form", chromedp.Navigate(base+"/profiles/new"), chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Brabant SOC Services"),
		chromedp.SendKeys(chromedp.CSS("#email"), "contact@brabant-soc.example.be"),
		chromedp.SendKeys(chromedp.CSS("#description"), "We run a 24/7 security operations centre for SMEs and hospitals, and we share threat intelligence with MISP."),
		chromedp.SendKeys(chromedp.CSS("#keywords"), "SOC\nthreat intelligence sharing\nincident response"),
		chromedp.Click(chromedp.CSS(`input[name=domains][value="threat-intelligence"]`)),
		chromedp.Click(chromedp.CSS(`input[name=domains][value="incident-handling-forensics"]`)),
		chromedp.SetValue(chromedp.CSS("#size"), "small"),
	)
	shot(sme, "register")
	run(sme, "register", chromedp.Click(chromedp.CSS("#save-profile")))
	waitFor(sme, "matches", `document.querySelector("#matches-title") !== null`)
	profileURL := eval(sme, "location.pathname")
	if !strings.HasPrefix(profileURL, "/profiles/") {
		t.Fatalf("registration ended on %s", profileURL)
	}
	if note := textOf(sme, "#pending-note"); !strings.Contains(note, "Awaiting confirmation") {
		t.Errorf("a new profile's page does not say it awaits confirmation: %q", note)
	}

	// 3. The confirmation link from the outbox, in a browser with no
	// cookie: it shows the profile, and confirming signs in.
	link := waitForSignInLink(t, outbox, "contact@brabant-soc.example.be")
	smeCancel()
	sme, smeCancel = chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer smeCancel()
	run(sme, "other browser", chromedp.Navigate(base+profileURL), chromedp.WaitVisible(chromedp.CSS("main")))
	if !strings.Contains(eval(sme, "document.body.innerText"), "Not allowed") {
		t.Error("a browser without the link sees the profile")
	}
	run(sme, "open the link", chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.CSS("#confirm-profile")))
	if name := textOf(sme, ".pending-name"); !strings.Contains(name, "Brabant SOC Services") {
		t.Errorf("the confirmation page shows %q, want the registered profile's name", name)
	}
	run(sme, "confirm", chromedp.Click(chromedp.CSS("#confirm-profile")))
	waitFor(sme, "matches after confirming", `document.querySelector("#matches-title") !== null`)
	if eval(sme, `String(document.querySelector("#pending-note") === null && location.search.includes("done=confirmed"))`) != "true" {
		t.Error("after confirming, the profile still says it awaits confirmation")
	}
	reasons := textOf(sme, "li.match ul.reasons")
	if !strings.Contains(reasons, "Your keyword") {
		t.Errorf("first match's reasons = %q, want the profile's terms", reasons)
	}
	if elig := eval(sme, `String(document.querySelectorAll("ul.eligibility li").length)`); elig == "0" {
		t.Error("no eligibility check on the matches page")
	}
	shot(sme, "matches")

	// 4. Not relevant: the call leaves the list.
	dismissed := eval(sme, `document.querySelector("li.match").dataset.call`)
	run(sme, "not relevant", chromedp.Click(chromedp.CSS("li.match button.dismiss")))
	waitFor(sme, "after not relevant", `location.search.includes("done=dismissed")`)
	if eval(sme, fmt.Sprintf(`String(document.getElementById("m-%s") === null)`, dismissed)) != "true" {
		t.Errorf("dismissed call %s still among the matches", dismissed)
	}

	// 5. In French.
	run(sme, "switch to French", chromedp.Click(chromedp.CSS(`nav.langs a[data-lang="fr"]`)))
	waitFor(sme, "French page", `document.documentElement.lang === "fr" && document.querySelector("#matches-title") !== null`)
	if h := textOf(sme, "#matches-title"); !strings.HasPrefix(h, "Appels pour") {
		t.Errorf("French title = %q", h)
	}
	if why := textOf(sme, "li.match details.why summary"); why != "Pourquoi cet appel" {
		t.Errorf("French reasons heading = %q", why)
	}
	shot(sme, "matches-fr")
	run(sme, "back to English", chromedp.Click(chromedp.CSS(`nav.langs a[data-lang="en"]`)))
	waitFor(sme, "English page", `document.documentElement.lang === "en" && document.querySelector("#matches-title") !== null`)

	// 6. Staff: sign in, look at the dashboard, recommend a call to a segment.
	// A few more members of the community, for the dashboard to show.
	for i, domains := range [][]string{
		{"post-quantum", "cryptology"}, {"ai-security", "data-security-privacy"}, {"threat-intelligence", "critical-infrastructure"},
		{"human-aspects", "education-training"}, {"post-quantum", "theoretical-foundations"}, {"threat-intelligence", "network-distributed-systems"},
		{"identity-access-management", "trust-management-accountability"}, {"legal-aspects", "security-management-governance"},
	} {
		p := &funding.Profile{ID: fmt.Sprintf("community-%d", i), Name: fmt.Sprintf("Community member %d", i+1),
			Email: fmt.Sprintf("member%d@example.be", i+1), Country: "BE", Size: "micro", Domains: domains}
		if err := fx.store.CreateProfile(ctx, p, hashToken(newSecret(32))); err != nil {
			t.Fatal(err)
		}
		if err := fx.store.ConfirmProfile(ctx, p.ID); err != nil { // members who followed their link
			t.Fatal(err)
		}
	}
	staff, staffCancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
	defer staffCancel()
	run(staff, "staff login", chromedp.Navigate(base+"/staff/login"), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.SendKeys(chromedp.CSS("#email"), "anna.peeters@ccb.belgium.be"),
		chromedp.SendKeys(chromedp.CSS("#password"), "staff password for the test"),
		chromedp.Click(chromedp.CSS("#staff-signin")))
	waitFor(staff, "dashboard", `document.querySelector("#gap-chart svg") !== null`)
	shot(staff, "staff-dashboard")

	// A call of the SME's list, but not at the top: the recommendation must lift it.
	recommend := eval(sme, `(document.querySelectorAll("li.match")[2] || document.querySelector("li.match")).dataset.call`)
	run(staff, "curation form", chromedp.Navigate(base+"/staff/curations?call_id="+recommend), chromedp.WaitVisible(chromedp.CSS("#note")),
		chromedp.Click(chromedp.CSS("#target-segment")),
		chromedp.SetValue(chromedp.CSS("#seg_domain"), "threat-intelligence"),
		chromedp.SendKeys(chromedp.CSS("#note"), "Strong fit for Belgian SOCs: the NCC can introduce consortium partners."),
	)
	run(staff, "recommend", chromedp.Click(chromedp.CSS("#save-curation")))
	waitFor(staff, "curation saved", `location.search.includes("done=curated")`)
	if log := textOf(staff, "#curation-log tbody tr"); !strings.Contains(log, "anna.peeters@ccb.belgium.be") || !strings.Contains(log, recommend) {
		t.Errorf("curation log = %q", log)
	}
	shot(staff, "staff-curations")

	// 7. The SME sees it first, marked as recommended by the NCC.
	run(sme, "reload the matches", chromedp.Navigate(base+profileURL), chromedp.WaitVisible(chromedp.CSS("#matches")))
	if first := eval(sme, `document.querySelector("li.match").dataset.call`); first != recommend {
		t.Errorf("first match = %s, want the recommended %s", first, recommend)
	}
	if badge := textOf(sme, "li.match .badge"); !strings.Contains(badge, "Recommended by the NCC") || !strings.Contains(badge, "anna.peeters@ccb.belgium.be") {
		t.Errorf("badge = %q", badge)
	}
	shot(sme, "matches-recommended")

	// The pages ran without script errors (the CSP would have blocked inline code).
	if errs := eval(sme, `String(window.__errors || "")`); errs != "" {
		t.Errorf("script errors: %s", errs)
	}
}
