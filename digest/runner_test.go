package digest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	"callmatch/digest/digesttest"
	"callmatch/funding"
)

func newSMTPRunner(t *testing.T, st Store, m Matcher) (*Runner, *digesttest.SMTPServer) {
	t.Helper()
	srv := digesttest.NewSMTPServer(t)
	mailer, err := NewSMTPMailer(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mailer.Close() })
	return newTestRunner(t, st, m, mailer), srv
}

func TestRunDueSendsDailyDigestOverSMTP(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	r, srv := newSMTPRunner(t, st, m)

	rep, err := r.RunDue(ctx, monday)
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if want := (Report{Due: 1, Planned: 1, Sent: 1}); rep != want {
		t.Errorf("RunDue report = %+v, want %+v", rep, want)
	}
	got := srv.Messages()
	if len(got) != 1 {
		t.Fatalf("server received %d messages, want 1", len(got))
	}
	if !slices.Equal(got[0].To, []string{"ceo@acme.example"}) || got[0].From != "digest@callmatch.test" {
		t.Errorf("envelope = %s -> %v, want digest@callmatch.test -> ceo@acme.example", got[0].From, got[0].To)
	}
	pm := digesttest.ParseMail(t, got[0].Data)

	// Headers.
	d := st.allDigests()[0]
	wantID := "<" + r.Composer().MessageID(1, "2026-09-14") + ">"
	if id := pm.Header.Get("Message-Id"); id != wantID || !strings.HasSuffix(id, "@callmatch.test>") {
		t.Errorf("Message-ID = %q, want %q (our domain)", id, wantID)
	}
	if d.MessageID != strings.Trim(wantID, "<>") {
		t.Errorf("stored Message-ID = %q, want %q", d.MessageID, strings.Trim(wantID, "<>"))
	}
	token := UnsubscribeToken([]byte("test-secret"), 1)
	if lu := pm.Header.Get("List-Unsubscribe"); lu != "<"+testBaseURL+"/unsubscribe/"+token+">" {
		t.Errorf("List-Unsubscribe = %q", lu)
	}
	if lup := pm.Header.Get("List-Unsubscribe-Post"); lup != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q, want List-Unsubscribe=One-Click", lup)
	}
	if from := pm.Header.Get("From"); from != "\"callmatch\" <digest@callmatch.test>" {
		t.Errorf("From = %q", from)
	}
	for h, want := range map[string]string{"Precedence": "bulk", "Auto-Submitted": "auto-generated", "Content-Language": "en"} {
		if got := pm.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if date, err := pm.Header.Date(); err != nil || !date.Equal(monday) {
		t.Errorf("Date = %v, %v, want %v", date, err, monday)
	}
	if want := "Daily digest: 1 recommendation, 2 new calls, 1 updated call, 1 deadline soon"; pm.Subject != want {
		t.Errorf("Subject = %q, want %q", pm.Subject, want)
	}

	// Content: recommendation first, every call linked, the typo fix absent.
	for _, part := range []string{pm.Text, pm.HTML} {
		for _, c := range []funding.Call{callPETs, callCRA, callAI, callSOC, callPQC} {
			if !strings.Contains(part, testBaseURL+"/calls/"+c.ID) {
				t.Errorf("a part has no link to %s", c.ID)
			}
		}
		if strings.Contains(part, callTypo.ID) {
			t.Errorf("a part mentions %s, whose only change is a typo in the scope", callTypo.ID)
		}
		if !strings.Contains(part, testBaseURL+"/profiles/acme") {
			t.Errorf("a part has no link to the matches page")
		}
	}
	if i, j := strings.Index(pm.Text, callPETs.Title), strings.Index(pm.Text, callCRA.Title); i < 0 || j < 0 || i > j {
		t.Errorf("the recommendation does not come before the new matches:\n%s", pm.Text)
	}
	if !strings.Contains(pm.Text, "What changed: The deadline is now Thursday 15 October 2026, 17:00 CEST") {
		t.Errorf("text does not say the new deadline:\n%s", pm.Text)
	}

	// Everything is remembered as sent.
	sent, _ := st.SentItems(ctx, 1)
	for _, k := range []string{
		funding.SentItemKey(callPETs.ID, "recommended"), funding.SentItemKey(callPETs.ID, "match"), funding.SentItemKey(callCRA.ID, "match"),
		funding.SentItemKey(callAI.ID, "match"), funding.SentItemKey(callAI.ID, "deadline@20260924T150000Z"),
		funding.SentItemKey(callSOC.ID, "changed@20260913T123000Z"), funding.SentItemKey(callPQC.ID, "deadline@20260918T150000Z"),
	} {
		if !sent[k] {
			t.Errorf("sent items lack %s; have %v", k, sent)
		}
	}

	// A second run, now or later the same day, sends nothing.
	for _, at := range []time.Time{monday, monday.Add(time.Minute), monday.Add(10 * time.Hour)} {
		rep, err := r.RunDue(ctx, at)
		if err != nil || (rep != Report{}) {
			t.Errorf("RunDue(%v) again = %+v, %v, want nothing", at, rep, err)
		}
	}
	// The next day there is nothing new: no digest, and the matcher is asked once.
	tuesday := monday.Add(24 * time.Hour)
	asked := m.calls
	for range 3 {
		rep, err := r.RunDue(ctx, tuesday)
		if err != nil || rep.Sent != 0 || rep.Planned != 0 {
			t.Errorf("RunDue(tuesday) = %+v, %v, want nothing sent", rep, err)
		}
	}
	if m.calls != asked+1 {
		t.Errorf("matcher asked %d times on Tuesday, want once", m.calls-asked)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server received %d messages in all, want 1", n)
	}
}

func TestRunDueNothingNewSendsNothing(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	m.set("acme", nil)
	st.follows["acme"] = []string{callTypo.ID} // only a typo fixed in the scope
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	rep, err := r.RunDue(ctx, monday)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Report{Due: 1, Empty: 1}); rep != want {
		t.Errorf("report = %+v, want %+v", rep, want)
	}
	if n := len(mailer.sent()); n != 0 || len(st.allDigests()) != 0 {
		t.Errorf("%d messages sent, %d digests planned; want none", n, len(st.allDigests()))
	}
}

func TestRunDueSkipsSubscriptionsWithoutProfile(t *testing.T) {
	st, m := scenario("en")
	s := st.sub(1)
	s.ProfileID = ""
	st.addSub(s)
	r := newTestRunner(t, st, m, &memMailer{})
	if rep, err := r.RunDue(context.Background(), monday); err != nil || (rep != Report{}) {
		t.Errorf("RunDue = %+v, %v, want nothing and no error", rep, err)
	}
}

func TestRunDueNotBeforeTheHour(t *testing.T) {
	st, m := scenario("en")
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	rep, err := r.RunDue(context.Background(), local(2026, time.September, 14, 7, 59))
	if err != nil || (rep != Report{}) || len(mailer.sent()) != 0 {
		t.Errorf("RunDue at 07:59 = %+v, %v, %d sent; want nothing", rep, err, len(mailer.sent()))
	}
}

func TestRunDueConnectionDroppedThenRecovers(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	for i := int64(2); i <= 6; i++ {
		s := st.sub(1)
		s.ID, s.Email = i, fmt.Sprintf("user%d@acme.example", i)
		st.addSub(s)
	}
	r, srv := newSMTPRunner(t, st, m)
	srv.DropAtMail(3) // the third message: the server hangs up at MAIL FROM

	rep, err := r.RunDue(ctx, monday)
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if rep.Sent != 6 || rep.Deferred != 0 {
		t.Errorf("report = %+v, want 6 sent", rep)
	}
	assertOnePerSubscriber(t, srv, st, 6)
	if rep, _ := r.RunDue(ctx, monday.Add(time.Hour)); rep.Sent != 0 {
		t.Errorf("second run sent %d", rep.Sent)
	}
	assertOnePerSubscriber(t, srv, st, 6)
}

func TestRunDueServerDownLongerThanRetries(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	for i := int64(2); i <= 5; i++ {
		s := st.sub(1)
		s.ID, s.Email = i, fmt.Sprintf("user%d@acme.example", i)
		st.addSub(s)
	}
	r, srv := newSMTPRunner(t, st, m)
	// The 3rd message fails three times in a row (all in-run attempts).
	srv.DropAtMail(3)
	srv.DropAtMail(4)
	srv.DropAtMail(5)

	rep, err := r.RunDue(ctx, monday)
	if err == nil {
		t.Errorf("RunDue succeeded; want an error saying sending stopped")
	}
	if rep.Planned != 5 || rep.Sent != 2 || rep.Deferred != 1 {
		t.Errorf("report = %+v, want 5 planned, 2 sent, 1 deferred", rep)
	}
	// Too early for the failed one; the untried ones go.
	rep, err = r.RunDue(ctx, monday.Add(10*time.Second))
	if err != nil || rep.Sent != 2 {
		t.Errorf("second run = %+v, %v, want 2 sent", rep, err)
	}
	// After the retry delay, the last one.
	rep, err = r.RunDue(ctx, monday.Add(2*time.Minute))
	if err != nil || rep.Sent != 1 {
		t.Errorf("third run = %+v, %v, want 1 sent", rep, err)
	}
	assertOnePerSubscriber(t, srv, st, 5)
	for _, d := range st.allDigests() {
		if d.State != funding.DigestSent {
			t.Errorf("digest %d is %s, want sent", d.ID, d.State)
		}
	}
}

func assertOnePerSubscriber(t *testing.T, srv *digesttest.SMTPServer, st *memStore, n int) {
	t.Helper()
	per := map[string]int{}
	for _, m := range srv.Messages() {
		for _, to := range m.To {
			per[to]++
		}
	}
	if len(per) != n {
		t.Errorf("%d recipients got mail, want %d: %v", len(per), n, per)
	}
	for to, k := range per {
		if k != 1 {
			t.Errorf("%s got %d digests, want 1", to, k)
		}
	}
	for _, d := range st.allDigests() {
		if d.State != funding.DigestSent {
			t.Errorf("digest %d is %s, want sent", d.ID, d.State)
		}
	}
}

func TestRunDueAmbiguousFailureResendsSameMessageID(t *testing.T) {
	st, m := scenario("en")
	r, srv := newSMTPRunner(t, st, m)
	srv.DropAfterData(1) // the server takes the message but hangs up before answering

	rep, err := r.RunDue(context.Background(), monday)
	if err != nil || rep.Sent != 1 {
		t.Fatalf("RunDue = %+v, %v, want 1 sent", rep, err)
	}
	got := srv.Messages()
	if len(got) != 2 {
		t.Fatalf("server holds %d copies, want 2 (the ambiguous one and the resend)", len(got))
	}
	a, b := digesttest.ParseMail(t, got[0].Data), digesttest.ParseMail(t, got[1].Data)
	if a.Header.Get("Message-Id") != b.Header.Get("Message-Id") || !bytes.Equal(got[0].Data, got[1].Data) {
		t.Errorf("the resend differs: Message-IDs %q and %q", a.Header.Get("Message-Id"), b.Header.Get("Message-Id"))
	}
}

func TestRunDuePermanentRefusalMarksBounced(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	s := st.sub(1)
	s.ID, s.Email = 2, "gone@acme.example"
	st.addSub(s)
	r, srv := newSMTPRunner(t, st, m)
	srv.RefuseRecipient("gone@acme.example", 550)

	rep, err := r.RunDue(ctx, monday)
	if err != nil {
		t.Fatalf("RunDue: %v", err)
	}
	if rep.Sent != 1 || rep.Bounced != 1 {
		t.Errorf("report = %+v, want 1 sent, 1 bounced", rep)
	}
	if !st.sub(2).Bounced || st.sub(1).Bounced {
		t.Errorf("bounced = %v, %v; want only gone@ bounced", st.sub(1).Bounced, st.sub(2).Bounced)
	}
	for _, d := range st.allDigests() {
		if d.SubscriptionID == 2 && (d.State != funding.DigestFailed || !strings.Contains(d.LastError, "550")) {
			t.Errorf("digest of the bounced address = %s %q, want failed with the 550", d.State, d.LastError)
		}
	}
	// Nothing more goes to the address.
	m.set("acme", append(scenarioMatches(), matchOf(callTypo, 0.4, 0, 0)))
	rep, err = r.RunDue(ctx, monday.Add(24*time.Hour))
	if err != nil || rep.Sent != 1 || rep.Bounced != 0 {
		t.Errorf("next day = %+v, %v, want 1 sent (not to the bounced address)", rep, err)
	}
	for _, msg := range srv.Messages() {
		if slices.Contains(msg.To, "gone@acme.example") {
			t.Errorf("a message went to the bounced address")
		}
	}
}

func TestRunDueRecipientDeferredIsRetriedLater(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	s := st.sub(1)
	s.ID, s.Email = 2, "full@acme.example"
	st.addSub(s)
	r, srv := newSMTPRunner(t, st, m)
	srv.RefuseRecipient("full@acme.example", 452)

	rep, err := r.RunDue(ctx, monday)
	if err != nil || rep.Sent != 1 || rep.Deferred != 1 {
		t.Fatalf("RunDue = %+v, %v, want 1 sent, 1 deferred and no error", rep, err)
	}
	if st.sub(2).Bounced {
		t.Errorf("a 452 marked the address bounced")
	}
	srv.RefuseRecipient("full@acme.example", 0)
	if rep, _ := r.RunDue(ctx, monday.Add(30*time.Second)); rep.Sent != 0 {
		t.Errorf("retried before the retry delay: %+v", rep)
	}
	if rep, err := r.RunDue(ctx, monday.Add(2*time.Minute)); err != nil || rep.Sent != 1 {
		t.Errorf("retry = %+v, %v, want 1 sent", rep, err)
	}
	assertOnePerSubscriber(t, srv, st, 2)
}

func TestRunDueCrashAfterClaimResendsAfterLease(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)

	// A first process plans and claims, sends, and dies before marking.
	st.failMarkSent = true
	if _, err := r.RunDue(ctx, monday); err == nil {
		t.Fatal("RunDue succeeded with a failing MarkDigestSent")
	}
	st.failMarkSent = false
	if d := st.allDigests()[0]; d.State != funding.DigestSending {
		t.Fatalf("digest is %s, want sending (stuck)", d.State)
	}
	// Within the lease nothing happens; after it, it is sent again, with the same Message-ID.
	r2 := newTestRunner(t, st, m, mailer)
	if rep, err := r2.RunDue(ctx, monday.Add(5*time.Minute)); err != nil || rep.Sent != 0 {
		t.Errorf("within the lease: %+v, %v, want nothing sent", rep, err)
	}
	rep, err := r2.RunDue(ctx, monday.Add(11*time.Minute))
	if err != nil || rep.Requeued != 1 || rep.Sent != 1 {
		t.Errorf("after the lease: %+v, %v, want 1 requeued and sent", rep, err)
	}
	msgs := mailer.sent()
	if len(msgs) != 2 || msgs[0].MessageID != msgs[1].MessageID || msgs[0].HTML != msgs[1].HTML {
		t.Errorf("sent %d messages; want the same message twice", len(msgs))
	}
	if d := st.allDigests()[0]; d.State != funding.DigestSent || d.Attempts != 2 {
		t.Errorf("digest = %s after %d attempts, want sent after 2", d.State, d.Attempts)
	}
}

func TestRunDueUnsubscribedAfterPlanningGetsNothing(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	// Plan only: the mailer is down for this first run.
	r.mailer = failingMailer{}
	if _, err := r.RunDue(ctx, monday); err == nil {
		t.Fatal("RunDue with a failing mailer succeeded")
	}
	st.mu.Lock()
	st.subs[1].UnsubscribedAt = tp(monday.Add(time.Minute))
	st.mu.Unlock()
	r.mailer = mailer
	rep, err := r.RunDue(ctx, monday.Add(time.Hour))
	if err != nil || rep.Cancelled != 1 || len(mailer.sent()) != 0 {
		t.Errorf("RunDue = %+v, %v, %d sent; want the digest cancelled", rep, err, len(mailer.sent()))
	}
}

type failingMailer struct{}

func (failingMailer) Send(context.Context, Message) error {
	return &SendError{Err: fmt.Errorf("dial tcp 127.0.0.1:1: connection refused")}
}

func TestRunDueLeavesOutItemsWaitingInTheOutbox(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	r.mailer = failingMailer{}
	if _, err := r.RunDue(ctx, monday); err == nil {
		t.Fatal("RunDue with a failing mailer succeeded")
	}
	// The mail relay is down for a day; Tuesday's digest must not repeat Monday's.
	m.set("acme", append(scenarioMatches(), matchOf(callTypo, 0.4, 0, 0)))
	r.mailer = mailer
	rep, err := r.RunDue(ctx, monday.Add(24*time.Hour))
	if err != nil || rep.Sent != 2 {
		t.Fatalf("RunDue = %+v, %v, want Monday's and Tuesday's digests sent", rep, err)
	}
	msgs := mailer.sent()
	if !strings.Contains(msgs[1].Text, callTypo.ID) || strings.Contains(msgs[1].Text, callCRA.ID) {
		t.Errorf("Tuesday's digest repeats Monday's or lacks the new call:\n%s", msgs[1].Text)
	}
}

func TestRunDueCapsItems(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("en")
	st.follows["acme"] = nil
	var ms []funding.Match
	for i := range 15 {
		c := callCRA
		c.ID, c.Title = fmt.Sprintf("DIGITAL-ECCC-2026-DEPLOY-CYBER-%02d", i+10), fmt.Sprintf("Cyber call number %d", i+1)
		ms = append(ms, matchOf(c, 0.9-float64(i)/100, 0, 0))
	}
	m.set("acme", ms)
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	if _, err := r.RunDue(ctx, monday); err != nil {
		t.Fatal(err)
	}
	msg := mailer.sent()[0]
	if n := strings.Count(msg.Text, "\n* "); n != 10 {
		t.Errorf("text lists %d calls, want 10", n)
	}
	if !strings.Contains(msg.Text, "…and 5 more calls for you.") || !strings.Contains(msg.HTML, testBaseURL+"/profiles/acme") {
		t.Errorf("no \"5 more\" with a link to the matches page:\n%s", msg.Text)
	}
	// What "5 more" stood for is not sent again.
	rep, err := r.RunDue(ctx, monday.Add(24*time.Hour))
	if err != nil || rep.Sent != 0 || rep.Empty != 1 {
		t.Errorf("next day = %+v, %v, want nothing new", rep, err)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	ctx := context.Background()
	st, m := scenario("fr")
	mailer := &memMailer{}
	r := newTestRunner(t, st, m, mailer)
	var out bytes.Buffer
	rep, err := r.DryRun(ctx, monday, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Due != 1 || rep.Planned != 1 {
		t.Errorf("report = %+v, want 1 due, 1 would be planned", rep)
	}
	for _, want := range []string{"To: ceo@acme.example", "Subject: Sélection du jour\u00a0: 1 recommandation", callPETs.ID, "nothing was planned or sent"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
	if len(st.allDigests()) != 0 || st.planCalls != 0 || len(mailer.sent()) != 0 {
		t.Errorf("dry run planned %d digests or sent %d", len(st.allDigests()), len(mailer.sent()))
	}
	// It is repeatable, and a real run afterwards sends.
	if rep2, _ := r.DryRun(ctx, monday, &bytes.Buffer{}); rep2 != rep {
		t.Errorf("second dry run = %+v, want %+v", rep2, rep)
	}
	if rep, err := r.RunDue(ctx, monday); err != nil || rep.Sent != 1 {
		t.Errorf("RunDue after dry runs = %+v, %v", rep, err)
	}
}

func TestRunDueWithOutboxMailer(t *testing.T) {
	dir := t.TempDir()
	mailer, err := NewMailer("", dir)
	if err != nil {
		t.Fatal(err)
	}
	st, m := scenario("nl")
	r := newTestRunner(t, st, m, mailer)
	if rep, err := r.RunDue(context.Background(), monday); err != nil || rep.Sent != 1 {
		t.Fatalf("RunDue = %+v, %v", rep, err)
	}
	files := outboxFiles(t, dir)
	if len(files) != 1 || !strings.HasPrefix(files[0], "20260914-") || !strings.HasSuffix(files[0], ".eml") {
		t.Fatalf("outbox holds %v, want one 20260914-*.eml", files)
	}
	pm := digesttest.ParseMail(t, readFile(t, dir, files[0]))
	if !strings.HasPrefix(pm.Subject, "Dagelijks overzicht: 1 aanbeveling") {
		t.Errorf("Subject = %q", pm.Subject)
	}
	if _, err := mail.ParseAddress(pm.Header.Get("To")); err != nil {
		t.Errorf("To = %q: %v", pm.Header.Get("To"), err)
	}
}

// cancellingMailer cancels the run's context (a shutdown) during its first
// send, then checks that the send itself was not cut off.
type cancellingMailer struct {
	cancel func()
	sends  int
	cutOff bool
}

func (m *cancellingMailer) Send(ctx context.Context, _ Message) error {
	m.sends++
	m.cancel()
	if ctx.Err() != nil {
		m.cutOff = true
		return ctx.Err()
	}
	return nil
}

func TestShutdownFinishesTheDigestBeingSent(t *testing.T) {
	st, m := scenario("en")
	s := st.sub(1)
	s.ID, s.Email = 2, "second@acme.example"
	st.addSub(s)
	ctx, cancel := context.WithCancel(context.Background())
	mailer := &cancellingMailer{cancel: cancel}
	r, err := New(Config{BaseURL: "https://callmatch.example", SecretKey: "k"}, st, m, mailer, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunDue(ctx, monday); err == nil {
		t.Error("RunDue after a shutdown = nil error, want the context's")
	}
	if mailer.cutOff || mailer.sends != 1 {
		t.Fatalf("sends = %d, cut off = %v; want the one in flight finished and no other started", mailer.sends, mailer.cutOff)
	}
	var sent, waiting int
	for _, d := range st.allDigests() {
		switch d.State {
		case funding.DigestSent:
			sent++
		case funding.DigestPlanned:
			waiting++
		default:
			t.Errorf("digest %d left %s: half-sent", d.ID, d.State)
		}
	}
	if sent != 1 || waiting != 1 {
		t.Errorf("%d sent, %d waiting; want the one in flight sent and the other still planned", sent, waiting)
	}
}
