package digest

// This file checks the Store interface against the real store (SQLite in a
// temporary folder): the one `main` uses.

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"callmatch/digest/digesttest"
	"callmatch/funding"
	"callmatch/store"
)

func TestRunDueAgainstTheRealStore(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	p := funding.Profile{ID: "acme", Name: "Acme Security", Email: "ceo@acme.example"}
	if err := st.CreateProfile(ctx, &p, "hash"); err != nil {
		t.Fatal(err)
	}
	// The followed SOC call had its deadline moved on Sunday; the other
	// followed call only had a typo fixed in its scope.
	socBefore := callSOC
	socBefore.Deadlines, socBefore.Updates = []time.Time{local(2026, time.October, 1, 17, 0)}, nil
	typo := callTypo
	typo.Sections = []funding.Section{{Title: "Scope", Text: "Proposals shoud address hospitals."}}
	for _, c := range []funding.Call{callPETs, callCRA, callAI, socBefore, callPQC, typo} {
		if _, _, err := st.SaveCall(ctx, &c, confirmed); err != nil {
			t.Fatal(err)
		}
	}
	typo.Sections[0].Text = "Proposals should address hospitals."
	for _, c := range []funding.Call{callSOC, typo} {
		if _, changed, err := st.SaveCall(ctx, &c, local(2026, time.September, 13, 14, 30)); err != nil || len(changed) == 0 {
			t.Fatalf("SaveCall(%s) = %v, %v", c.ID, changed, err)
		}
	}
	for _, id := range []string{callSOC.ID, callPQC.ID, typo.ID} {
		if err := st.Follow(ctx, "acme", id); err != nil {
			t.Fatal(err)
		}
	}
	sub := &funding.Subscription{Email: "ceo@acme.example", ProfileID: "acme", Frequency: funding.FrequencyDaily, Hour: 8,
		Timezone: "Europe/Brussels", Language: "en", TokenHash: "confirm-hash"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmSubscription(ctx, "confirm-hash", confirmed); err != nil {
		t.Fatal(err)
	}

	m := &fakeMatcher{}
	m.set("acme", scenarioMatches())
	r, srv := newSMTPRunner(t, st, m)
	srv.DropAtMail(1) // and the relay hangs up once

	rep, err := r.RunDue(ctx, monday)
	if err != nil || rep.Planned != 1 || rep.Sent != 1 {
		t.Fatalf("RunDue = %+v, %v, want 1 planned and sent", rep, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	pm := digesttest.ParseMail(t, msgs[0].Data)
	if want := "Daily digest: 1 recommendation, 2 new calls, 1 updated call, 1 deadline soon"; pm.Subject != want {
		t.Errorf("Subject = %q, want %q", pm.Subject, want)
	}
	if !strings.Contains(pm.Text, "What changed: The deadline is now Thursday 15 October 2026") || strings.Contains(pm.Text, typo.ID) {
		t.Errorf("the text misses the deadline change or shows the typo fix:\n%s", pm.Text)
	}
	got, _ := st.Subscription(ctx, sub.ID)
	if got.LastDigestAt == nil {
		t.Errorf("LastDigestAt not set")
	}
	sent, _ := st.SentItems(ctx, sub.ID)
	if !sent[funding.SentItemKey(callPETs.ID, "recommended")] || !sent[funding.SentItemKey(callSOC.ID, "changed@20260913T123000Z")] {
		t.Errorf("sent items = %v", sent)
	}
	// Again, and the next day with nothing new: nothing.
	for _, at := range []time.Time{monday.Add(time.Minute), monday.Add(24 * time.Hour)} {
		if rep, err := r.RunDue(ctx, at); err != nil || rep.Sent != 0 || rep.Planned != 0 {
			t.Errorf("RunDue(%v) = %+v, %v, want nothing", at, rep, err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages in all, want 1", n)
	}
}
