package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"callmatch/crawler/recorded"
	"callmatch/digest/digesttest"
	"callmatch/funding"
	"callmatch/store"
)

// TestDigestCommandsShareMailerAndUnsubscribeKey runs the commands on one
// data folder and a real SMTP server on loopback: `digest --dry-run`
// prints a due digest and sends nothing; `serve` sends it, through the
// mailer that also sends the server's own e-mails, and its server honours
// the digest's one-click unsubscribe link (one key for both).
func TestDigestCommandsShareMailerAndUnsubscribeKey(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the recorded portal and starts a server")
	}
	smtp := digesttest.NewSMTPServer(t)
	portal := httptest.NewServer(recorded.NewHandler(recorded.Options{}))
	defer portal.Close()
	dir := t.TempDir()
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	env := func(k string) string {
		return map[string]string{
			"DATA_DIR":          dir,
			"PORT":              fmt.Sprint(port),
			"BASE_URL":          base,
			"SMTP_URL":          smtp.URL(),
			"PORTAL_SEARCH_URL": portal.URL + "/search-api/prod/rest/search",
			"PORTAL_PROGRAMMES": strings.Join(recorded.ProgrammeIDs(), ","),
			"DIGEST_INTERVAL":   "1s",
			"LOG_LEVEL":         "warn",
		}[k]
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	if err := run(ctx, []string{"crawl"}, env, io.Discard, io.Discard); err != nil {
		t.Fatalf("callmatch crawl: %v", err)
	}

	// A profile with a confirmed daily subscription whose slot (00:00 UTC) has come.
	const addr = "digest-subscriber@soc.example.be"
	st, err := store.Open(ctx, "", dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	p := &funding.Profile{ID: "digest-soc", Name: "Digest SOC", Email: "owner@soc.example.be", Country: "BE", Size: "small",
		Description: "We run a 24/7 SOC for SMEs and share threat intelligence with MISP.",
		Keywords:    []string{"SOC", "threat intelligence sharing", "incident response", "cybersecurity"},
		Domains:     []string{"incident-handling-forensics", "threat-intelligence"}}
	p.Normalize()
	confirmed := time.Now().Add(-48 * time.Hour)
	sub := funding.Subscription{Email: addr, ProfileID: p.ID, Frequency: funding.FrequencyDaily, Hour: 0, Timezone: "UTC",
		Language: "en", TokenHash: "not-a-real-token-hash", ConfirmedAt: &confirmed}
	err = st.CreateProfile(ctx, p, "not-a-real-token-hash")
	if err == nil {
		err = st.ConfirmProfile(ctx, p.ID) // its owner followed the e-mailed link
	}
	if err == nil {
		err = st.CreateSubscription(ctx, &sub)
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	if err := run(ctx, []string{"digest", "--dry-run"}, env, &out, io.Discard); err != nil {
		t.Fatalf("callmatch digest --dry-run: %v\n%s", err, out.String())
	}
	if strings.Contains(out.String(), "0 would be sent") {
		t.Skipf("the recorded calls no longer match anything open at today's date:\n%s", out.String())
	}
	for _, want := range []string{fmt.Sprintf("=== subscription %d", sub.ID), "To: " + addr, "List-Unsubscribe: <" + base + "/unsubscribe/",
		"digest --dry-run: 1 due, 1 would be sent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("the dry run sent %d e-mails", n)
	}

	stop := serveInBackground(t, "serve", env)
	// Opening the index builds it from the store first: slow under -race.
	eventually(t, 2*time.Minute, "serve sends the due digest", func() bool { return len(smtp.Messages()) > 0 })
	digestMail := digesttest.ParseMail(t, smtp.Messages()[0].Data)
	if to := digestMail.Header.Get("To"); !strings.Contains(to, addr) {
		t.Fatalf("first e-mail to %q, want the digest to %s", to, addr)
	}
	lu := strings.Trim(digestMail.Header.Get("List-Unsubscribe"), "<>")
	if !strings.HasPrefix(lu, base+"/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}

	// The server's own e-mails leave through the same SMTP server.
	eventually(t, 30*time.Second, "server up", func() bool {
		code, _ := getJSON(base+"/healthz", "", nil)
		return code == http.StatusOK
	})
	var created struct{ ID, Token string }
	body := `{"name":"Mail SOC","email":"owner@mail.example.be","country":"BE"}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/profiles", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	decodeBody(t, resp, &created)
	// The profile's confirmation link comes through it; its owner follows it.
	confirmProfileByMail(t, smtp, base, "owner@mail.example.be")
	req, _ = http.NewRequest(http.MethodPost, base+"/api/v1/subscriptions",
		strings.NewReader(`{"email":"colleague@mail.example.be","profile_id":"`+created.ID+`","frequency":"weekly"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+created.Token)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /api/v1/subscriptions = %d, want 202", resp.StatusCode)
	}
	eventually(t, 10*time.Second, "the confirmation e-mail reaches the SMTP server", func() bool {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "colleague@mail.example.be" {
				return true
			}
		}
		return false
	})

	// The digest's one-click link works on this server.
	resp, err = http.Post(lu, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("one-click POST to %s = %d, want 200", lu, resp.StatusCode)
	}
	stop()
	st, err = store.Open(context.Background(), "", dir, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Subscription(context.Background(), sub.ID)
	if err != nil || got.UnsubscribedAt == nil || got.LastDigestAt == nil {
		t.Errorf("after the one-click POST: %+v, %v; want sent, then unsubscribed", got, err)
	}
}

var (
	confirmLinkRe = regexp.MustCompile(`https?://[^\s"<>]+(/signin/[A-Za-z0-9_-]{43})`)
	csrfFieldRe   = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
)

// confirmProfileByMail waits for the confirmation e-mail to addr on the SMTP
// server, and confirms the profile in it as its owner does: the link's
// page, then its confirm button.
func confirmProfileByMail(t *testing.T, smtp *digesttest.SMTPServer, base, addr string) {
	t.Helper()
	var link string
	eventually(t, 10*time.Second, "the confirmation e-mail to "+addr, func() bool {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == addr {
				if l := confirmLinkRe.FindStringSubmatch(digesttest.ParseMail(t, m.Data).Text); l != nil {
					link = base + l[1]
					return true
				}
			}
		}
		return false
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfFieldRe.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s = %d, want the confirmation page with a form", link, resp.StatusCode)
	}
	resp, err = client.PostForm(link, url.Values{"_csrf": {string(m[1])}, "action": {"confirm"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "done=confirmed") {
		t.Fatalf("confirming = %d to %q, want 303 to the confirmed profile", resp.StatusCode, resp.Header.Get("Location"))
	}
}
