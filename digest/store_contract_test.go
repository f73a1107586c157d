package digest

// This file checks the Store interface against the real store (SQLite in a
// temporary folder), through the thin adapter below: the one `main` needs.
// The store's methods with the same shapes are promoted as they are;
// only types are converted.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/store"
)

// storeAdapter makes a *store.Store a digest Store.
type storeAdapter struct{ *store.Store }

var _ Store = storeAdapter{}

func fromStoreSubscription(s store.Subscription) Subscription {
	return Subscription{ID: s.ID, Email: s.Email, ProfileID: s.ProfileID, Frequency: s.Frequency, Weekday: s.Weekday,
		Hour: s.Hour, Timezone: s.Timezone, Language: s.Language, ConfirmedAt: s.ConfirmedAt, PausedUntil: s.PausedUntil,
		UnsubscribedAt: s.UnsubscribedAt, LastDigestAt: s.LastDigestAt, Bounced: s.Bounced, CreatedAt: s.CreatedAt}
}

func fromStoreDigest(d store.Digest) Digest {
	items := make([]DigestItem, len(d.Items))
	for i, it := range d.Items {
		items[i] = DigestItem(it)
	}
	return Digest{ID: d.ID, SubscriptionID: d.SubscriptionID, PeriodKey: d.PeriodKey, Items: items, State: d.State,
		PlannedAt: d.PlannedAt, ClaimedAt: d.ClaimedAt, SentAt: d.SentAt, Attempts: d.Attempts, LastError: d.LastError, MessageID: d.MessageID}
}

func (a storeAdapter) DueSubscriptions(ctx context.Context, now time.Time) ([]Subscription, error) {
	subs, err := a.Store.DueSubscriptions(ctx, now)
	out := make([]Subscription, len(subs))
	for i, s := range subs {
		out[i] = fromStoreSubscription(s)
	}
	return out, err
}

func (a storeAdapter) Subscription(ctx context.Context, id int64) (Subscription, error) {
	s, err := a.Store.Subscription(ctx, id)
	return fromStoreSubscription(s), err
}

func (a storeAdapter) CallChanges(ctx context.Context, callID string, since time.Time) ([]CallChange, error) {
	chs, err := a.Store.CallChanges(ctx, callID, since)
	out := make([]CallChange, len(chs))
	for i, ch := range chs {
		out[i] = CallChange{CallID: ch.CallID, ChangedAt: ch.ChangedAt, Fields: ch.Fields}
	}
	return out, err
}

func (a storeAdapter) PlanDigest(ctx context.Context, d *Digest) (bool, error) {
	items := make([]store.DigestItem, len(d.Items))
	for i, it := range d.Items {
		items[i] = store.DigestItem(it)
	}
	sd := store.Digest{SubscriptionID: d.SubscriptionID, PeriodKey: d.PeriodKey, Items: items, PlannedAt: d.PlannedAt}
	created, err := a.Store.PlanDigest(ctx, &sd)
	if err == nil {
		*d = fromStoreDigest(sd)
	}
	return created, err
}

func (a storeAdapter) PendingDigests(ctx context.Context) ([]Digest, error) {
	ds, err := a.Store.PendingDigests(ctx)
	out := make([]Digest, len(ds))
	for i, d := range ds {
		out[i] = fromStoreDigest(d)
	}
	return out, err
}

func (a storeAdapter) ClaimDigest(ctx context.Context, id int64, now time.Time) (Digest, error) {
	d, err := a.Store.ClaimDigest(ctx, id, now)
	if errors.Is(err, store.ErrConflict) {
		return Digest{}, fmt.Errorf("%w: %w", ErrNotClaimable, err)
	}
	return fromStoreDigest(d), err
}

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
	sub := &store.Subscription{Email: "ceo@acme.example", ProfileID: "acme", Frequency: store.FrequencyDaily, Hour: 8,
		Timezone: "Europe/Brussels", Language: "en", TokenHash: "confirm-hash"}
	if err := st.CreateSubscription(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmSubscription(ctx, "confirm-hash", confirmed); err != nil {
		t.Fatal(err)
	}

	m := &fakeMatcher{}
	m.set("acme", scenarioMatches())
	r, srv := newSMTPRunner(t, storeAdapter{st}, m)
	srv.dropMail[1] = true // and the relay hangs up once

	rep, err := r.RunDue(ctx, monday)
	if err != nil || rep.Planned != 1 || rep.Sent != 1 {
		t.Fatalf("RunDue = %+v, %v, want 1 planned and sent", rep, err)
	}
	msgs := srv.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	pm := parseMail(t, msgs[0].Data)
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
	if !sent[SentKey(callPETs.ID, "recommended")] || !sent[SentKey(callSOC.ID, "changed@20260913T123000Z")] {
		t.Errorf("sent items = %v", sent)
	}
	// Again, and the next day with nothing new: nothing.
	for _, at := range []time.Time{monday.Add(time.Minute), monday.Add(24 * time.Hour)} {
		if rep, err := r.RunDue(ctx, at); err != nil || rep.Sent != 0 || rep.Planned != 0 {
			t.Errorf("RunDue(%v) = %+v, %v, want nothing", at, rep, err)
		}
	}
	if n := len(srv.messages()); n != 1 {
		t.Errorf("%d messages in all, want 1", n)
	}
}
