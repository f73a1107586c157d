package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/search"
	"callmatch/store"
)

// outboxTo waits for the e-mails in flight and returns those to addr, in
// the order they were written.
func outboxTo(t *testing.T, s *Server, outbox, addr string) []sentMail {
	t.Helper()
	s.bg.Wait()
	var out []sentMail
	for _, m := range outboxMails(t, outbox) {
		if strings.Contains(strings.ToLower(m.To), strings.ToLower(addr)) {
			out = append(out, m)
		}
	}
	return out
}

// since returns the e-mails of now that are not in before (the outbox
// files are not in the order they were written).
func since(before, now []sentMail) []sentMail {
	seen := map[string]bool{}
	for _, m := range before {
		seen[m.Text] = true
	}
	var out []sentMail
	for _, m := range now {
		if !seen[m.Text] {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b sentMail) int { return strings.Compare(a.Subject, b.Subject) })
	return out
}

// Issue 11, point 1: five profiles registered by someone else under the
// victim's address, before the victim's own, used to fill the sign-in
// e-mail (5 links, oldest first) and hide the victim's profile.
func TestPendingProfilesNeverHideConfirmedOnes(t *testing.T) {
	s, outbox := pageServer(t)
	const victim = "victim@pending.example.be"
	const lure = "Victim Co - call +32 470 00 00 00 to claim EUR 60,000"

	// The attacker registers first, through the API, and keeps the tokens.
	var squat []created
	for range 5 {
		body := belgianSOC()
		body["name"], body["email"] = lure, victim
		squat = append(squat, createProfile(t, s, body))
	}
	// Then the victim registers and follows the e-mailed link.
	v := newClient(t, s)
	id := v.register(socForm("Victim Co", victim))
	var confirmLink string
	for _, m := range outboxTo(t, s, outbox, victim) {
		if strings.Contains(m.Text, lure) || strings.Contains(m.HTML, "EUR 60,000") || strings.Contains(m.Subject, "Victim") {
			t.Errorf("a confirmation e-mail carries the registrant's text: %q\n%s", m.Subject, m.Text)
		}
		if l := signInLinkRe.FindStringSubmatch(m.Text); l != nil {
			if a := v.get("/signin/" + l[1]); strings.Contains(a.body, "<strong>Victim Co</strong>") {
				confirmLink = "/signin/" + l[1] // the victim's own
			}
		}
	}
	v.get(confirmLink)
	if a := v.post(confirmLink, url.Values{"action": {"confirm"}}); a.header.Get("Location") != "/profiles/"+id+"?done=confirmed" {
		t.Fatalf("confirming = %d to %q", a.code, a.header.Get("Location"))
	}
	before := outboxTo(t, s, outbox, victim)

	// A sign-in request for the address: the victim's profile first, by
	// name; the five others after it, marked, without their name.
	b := newClient(t, s)
	b.get("/signin")
	b.post("/signin", url.Values{"email": {strings.ToUpper(victim)}})
	mails := since(before, outboxTo(t, s, outbox, victim))
	if len(mails) != 1 {
		t.Fatalf("%d sign-in e-mails, want 1", len(mails))
	}
	m := mails[0]
	links := signInLinkRe.FindAllStringSubmatch(m.Text, -1)
	if len(links) != 6 {
		t.Fatalf("sign-in e-mail has %d links, want 6 (every profile of the address):\n%s", len(links), m.Text)
	}
	if !strings.HasPrefix(m.Text[strings.Index(m.Text, "Sign in –"):], "Sign in – Victim Co:") {
		t.Errorf("the first link is not the confirmed profile's:\n%s", m.Text)
	}
	if n := strings.Count(m.Text, "A profile awaiting confirmation:"); n != 5 {
		t.Errorf("%d links marked as awaiting confirmation, want 5:\n%s", n, m.Text)
	}
	if strings.Contains(m.Text, lure) || strings.Contains(m.HTML, "+32 470") {
		t.Errorf("the sign-in e-mail carries a pending profile's name:\n%s", m.Text)
	}
	first := "/signin/" + links[0][1]
	c := newClient(t, s)
	c.get(first)
	if a := c.post(first, nil); a.header.Get("Location") != "/profiles/"+id+"?done=signedin" {
		t.Errorf("first link = %d to %q, want the victim's profile", a.code, a.header.Get("Location"))
	}

	// A pending profile's link shows what was registered, and "not mine"
	// deletes it: its creator's token stops working.
	pending := "/signin/" + links[1][1]
	a := c.get(pending)
	if !strings.Contains(a.body, "discard-profile") || !strings.Contains(text(a.body), lure) {
		t.Fatalf("pending profile's link page = %d: %s", a.code, truncate(text(a.body)))
	}
	a = c.post(pending, url.Values{"action": {"discard"}})
	if a.code != http.StatusSeeOther || a.header.Get("Location") != "/?done=discarded" {
		t.Fatalf("not mine = %d to %q", a.code, a.header.Get("Location"))
	}
	gone := 0
	for _, sq := range squat {
		if code := do(t, s, http.MethodGet, "/api/v1/profiles/"+sq.ID, sq.Token, nil, nil); code == http.StatusNotFound {
			gone++
		}
	}
	if gone != 1 {
		t.Errorf("%d squatting profiles gone after one 'not mine', want 1", gone)
	}

	// Meanwhile the creator's token works on its own pending profile, but
	// a pending profile mails nobody: no digest subscription.
	var got funding.Profile
	if code := do(t, s, http.MethodGet, "/api/v1/profiles/"+squat[4].ID, squat[4].Token, nil, &got); code != http.StatusOK || got.Confirmed {
		t.Errorf("GET own pending profile = %d, confirmed %v; want 200, false", code, got.Confirmed)
	}
	var e struct{ Error string }
	sub := map[string]any{"email": "spam-target@example.be", "profile_id": squat[4].ID, "frequency": "daily"}
	if code := do(t, s, http.MethodPost, "/api/v1/subscriptions", squat[4].Token, sub, &e); code != http.StatusForbidden || !strings.Contains(e.Error, "confirm") {
		t.Errorf("subscription from a pending profile = %d %q, want 403", code, e.Error)
	}
	// Moving a confirmed profile to the victim's address does not carry
	// the confirmation along: it is pending there.
	other := createConfirmedProfile(t, s, belgianSOC())
	moved := belgianSOC()
	moved["name"], moved["email"] = lure, victim
	beforeMove := outboxTo(t, s, outbox, victim)
	if code := do(t, s, http.MethodPut, "/api/v1/profiles/"+other.ID, other.Token, moved, &got); code != http.StatusOK || got.Confirmed {
		t.Errorf("confirmed profile moved to the victim's address: %d, confirmed %v, want pending", code, got.Confirmed)
	}
	if ms := since(beforeMove, outboxTo(t, s, outbox, victim)); len(ms) != 1 || !strings.Contains(ms[0].Text, "was given this e-mail address") ||
		strings.Contains(ms[0].Text, lure) {
		t.Errorf("e-mails to the new address of a moved profile = %+v, want one confirmation link without the name", ms)
	}
	owner := newClient(t, s)
	owner.header.Set("Authorization", "Bearer "+other.Token)
	if a := owner.get("/profiles/" + other.ID); !strings.Contains(text(a.body), "Awaiting confirmation. Nobody has followed a link e-mailed to this profile's new address yet.") {
		t.Errorf("moved profile's page: %s", truncate(text(a.body)))
	}

	// Many confirmed profiles: every one is listed, in e-mails of
	// linksPerMail links, confirmed ones first.
	for i := range 20 {
		p := &funding.Profile{ID: fmt.Sprintf("many-%d-%s", i, newSecret(4)), Name: fmt.Sprintf("Branch %02d", i), Email: victim, Country: "BE"}
		if err := s.store.CreateProfile(t.Context(), p, hashToken(newSecret(32))); err != nil {
			t.Fatal(err)
		}
		if err := s.store.ConfirmProfile(t.Context(), p.ID); err != nil {
			t.Fatal(err)
		}
	}
	before = outboxTo(t, s, outbox, victim)
	b.get("/signin")
	b.post("/signin", url.Values{"email": {victim}})
	mails = since(before, outboxTo(t, s, outbox, victim))
	if len(mails) != 2 {
		t.Fatalf("%d sign-in e-mails for 26 profiles, want 2", len(mails))
	}
	var all string
	total := 0
	for _, m := range mails {
		n := len(signInLinkRe.FindAllString(m.Text, -1))
		if n > linksPerMail {
			t.Errorf("an e-mail has %d links, want at most %d", n, linksPerMail)
		}
		if !strings.Contains(m.Subject, " of 2)") {
			t.Errorf("subject %q does not say which e-mail of 2 it is", m.Subject)
		}
		total += n
		all += m.Text
	}
	if !strings.Contains(all, "given this address on") {
		t.Error("the moved profile's link does not say it was given the address")
	}
	if total != 26 {
		t.Errorf("%d links in all, want 26 (21 confirmed, 5 pending)", total)
	}
	if strings.Count(all, "Sign in – ") != 21 || strings.LastIndex(all, "Sign in – ") > strings.Index(all, "A profile awaiting confirmation") {
		t.Errorf("confirmed profiles are not all listed before the pending ones:\n%s", all)
	}
}

// The periodic work deletes the profiles left unconfirmed for
// pendingProfileTTL, on a store of its own (it deletes every such profile).
func TestHousekeepDeletesUnconfirmedProfiles(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s, err := New(Config{Now: clock}, Deps{Store: st, Index: ix, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"kept-confirmed", "expires"} {
		p := &funding.Profile{ID: id, Name: id, Email: id + "@example.be"}
		if err := st.CreateProfile(ctx, p, "h-"+id); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ConfirmProfile(ctx, "kept-confirmed"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, "sess", store.SubjectProfile, "expires", now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		after time.Duration
		want  []string
	}{
		{pendingProfileTTL - time.Hour, []string{"kept-confirmed", "expires"}},
		{pendingProfileTTL + time.Hour, []string{"kept-confirmed"}},
	} {
		mu.Lock()
		now = time.Now().Add(tc.after)
		mu.Unlock()
		if err := s.Housekeep(ctx); err != nil {
			t.Fatal(err)
		}
		ps, err := st.Profiles(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tc.want, ",") {
			t.Errorf("after %s: profiles %v, want %v", tc.after, ids, tc.want)
		}
	}
	if _, err := st.Session(ctx, "sess", time.Now()); !isNotFound(err) {
		t.Errorf("the expired profile's session: %v, want gone", err)
	}
}

// Issue 11, point 5: registering mailed a link at once to any address,
// with the registrant's name in it, with no limit per recipient.
func TestRegistrationMailsAreLimitedPerAddressAndCarryNoUserText(t *testing.T) {
	s, outbox := pageServer(t, func(c *Config) { c.Limits.RegisterPerEmail = Rate{N: 2, Per: 24 * time.Hour} })
	const target = "spam-target@example.be"
	const spam = "CHEAP PILLS at http://spam.example/buy - reply to win@spam.example"
	for i, addr := range []string{target, strings.ToUpper(target)} {
		b := newClient(t, s)
		b.header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", i+1)) // not trusted: one IP anyway
		b.register(socForm(spam, addr))
	}
	b := newClient(t, s)
	b.get("/profiles/new")
	if a := b.post("/profiles/new", socForm(spam, " "+target)); a.code != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" {
		t.Errorf("third registration for the address = %d, want 429 with Retry-After", a.code)
	}
	body := belgianSOC()
	body["name"], body["email"] = spam, "Spam-Target@example.be"
	if code := do(t, s, http.MethodPost, "/api/v1/profiles", "", body, nil); code != http.StatusTooManyRequests {
		t.Errorf("API registration for the address past its limit = %d, want 429", code)
	}
	// Another address is not held up by this one.
	newClient(t, s).register(socForm(spam, "someone-else@example.be"))

	mails := outboxTo(t, s, outbox, target)
	if len(mails) != 2 {
		t.Fatalf("%d e-mails to the address, want 2", len(mails))
	}
	for _, m := range mails {
		if m.Subject != "Confirm your profile on callmatch" {
			t.Errorf("subject = %q, want the fixed one", m.Subject)
		}
		for _, part := range []string{m.Text, m.HTML} {
			if strings.Contains(part, "PILLS") || strings.Contains(part, "spam.example") {
				t.Errorf("the e-mail carries the registrant's text:\n%s", part)
			}
		}
	}
}

// Issue 11, point 10: the per-IP registration limit stopped an NCC info day
// (30 SMEs registering from one venue). Staff register on their behalf
// with their staff token, past that limit; the SMEs still confirm.
func TestStaffRegistersSMEsPastThePerIPLimit(t *testing.T) {
	s, outbox := pageServer(t, func(c *Config) {
		c.Limits.RegisterPerIP = Rate{N: 2, Per: time.Hour}
		c.Limits.RegisterPerEmail = Rate{N: 1, Per: 24 * time.Hour}
	})
	staff := addStaff(t, s, "info-day@ncc.example.be", "staff password")
	var ids []string
	for i := range 30 {
		body := belgianSOC()
		body["name"], body["email"] = fmt.Sprintf("Info Day SME %d", i+1), fmt.Sprintf("sme%d@infoday.example.be", i+1)
		var got map[string]any
		if code := do(t, s, http.MethodPost, "/api/v1/profiles", staff, body, &got); code != http.StatusCreated {
			t.Fatalf("staff registration %d = %d %v, want 201", i+1, code, got)
		}
		if _, ok := got["token"]; ok || got["confirmed"] != false || got["confirm_by"] == nil {
			t.Errorf("staff registration answer = %v, want no token, confirmed false and confirm_by", got)
		}
		ids = append(ids, got["id"].(string))
	}
	// Anyone else from the same address is still held to the limit.
	for i := range 3 {
		body := belgianSOC()
		body["email"] = fmt.Sprintf("walk-in%d@infoday.example.be", i)
		want := http.StatusCreated
		if i == 2 {
			want = http.StatusTooManyRequests
		}
		if code := do(t, s, http.MethodPost, "/api/v1/profiles", "", body, nil); code != want {
			t.Errorf("anonymous registration %d = %d, want %d", i+1, code, want)
		}
	}
	// A token that is not a staff token is refused, not taken as anonymous.
	if code := do(t, s, http.MethodPost, "/api/v1/profiles", "cms_not-a-staff-token", belgianSOC(), nil); code != http.StatusUnauthorized {
		t.Errorf("registration with a wrong bearer token = %d, want 401", code)
	}
	// The per-address limit holds for staff too.
	body := belgianSOC()
	body["email"] = "sme1@infoday.example.be"
	if code := do(t, s, http.MethodPost, "/api/v1/profiles", staff, body, nil); code != http.StatusTooManyRequests {
		t.Errorf("second staff registration for one address = %d, want 429", code)
	}

	// The SME confirms from the e-mail, which says who registered it.
	p, err := s.store.Profile(t.Context(), ids[0])
	if err != nil || p.Confirmed {
		t.Fatalf("staff-registered profile: %v, confirmed %v; want pending", err, p != nil && p.Confirmed)
	}
	mails := outboxTo(t, s, outbox, "sme1@infoday.example.be")
	if len(mails) != 1 || !strings.Contains(mails[0].Text, "NCC staff (info-day@ncc.example.be) registered a profile") {
		t.Fatalf("e-mails to the SME = %+v, want one naming the staff member", mails)
	}
	link := "/signin/" + signInLinkRe.FindStringSubmatch(mails[0].Text)[1]
	sme := newClient(t, s)
	sme.get(link)
	if a := sme.post(link, url.Values{"action": {"confirm"}}); a.header.Get("Location") != "/profiles/"+ids[0]+"?done=confirmed" {
		t.Fatalf("SME confirming = %d to %q", a.code, a.header.Get("Location"))
	}
	if p, _ := s.store.Profile(t.Context(), ids[0]); !p.Confirmed {
		t.Error("the SME's confirmation left the profile pending")
	}
}
