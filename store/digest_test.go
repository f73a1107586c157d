package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"callmatch/funding"
)

func mustSubscription(t testing.TB, s *Store, email, token string) *funding.Subscription {
	t.Helper()
	sub := &funding.Subscription{Email: email, Frequency: funding.FrequencyDaily, Hour: 8, Timezone: "UTC", Language: "en", TokenHash: token}
	if err := s.CreateSubscription(context.Background(), sub); err != nil {
		t.Fatal(err)
	}
	return sub
}

func TestDigestOutbox(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sub := mustSubscription(t, s, "a@acme.example", "tok")
		items := []funding.DigestItem{
			{CallID: "C1", Reason: "new_match", Data: json.RawMessage(`{"score":0.8}`)},
			{CallID: "C2", Reason: "changed"},
		}

		d := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: "2026-11-26", Items: items, PlannedAt: at(0)}
		created, err := s.PlanDigest(ctx, d)
		if err != nil || !created || d.ID == 0 || d.State != funding.DigestPlanned {
			t.Fatalf("PlanDigest = %v, %v, %+v", created, err, d)
		}
		// Planning the same period again is a no-op that returns the first plan.
		again := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: "2026-11-26", Items: items[:1], PlannedAt: at(time.Hour)}
		created, err = s.PlanDigest(ctx, again)
		if err != nil || created || again.ID != d.ID || len(again.Items) != 2 || !again.PlannedAt.Equal(at(0)) {
			t.Fatalf("second PlanDigest = %v, %v, %+v", created, err, again)
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM digests WHERE subscription_id = $1`, sub.ID); n != 1 {
			t.Errorf("digest rows = %d, want 1", n)
		}
		if _, err := s.PlanDigest(ctx, &funding.Digest{SubscriptionID: 999, PeriodKey: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("PlanDigest(unknown subscription) = %v, want ErrNotFound", err)
		}

		pending, err := s.PendingDigests(ctx)
		if err != nil || len(pending) != 1 || pending[0].ID != d.ID || string(pending[0].Items[0].Data) != `{"score":0.8}` {
			t.Fatalf("PendingDigests = %+v, %v", pending, err)
		}

		// Claim, fail (temporary), claim again, send.
		c, err := s.ClaimDigest(ctx, d.ID, at(time.Minute))
		if err != nil || c.State != funding.DigestSending || c.Attempts != 1 || c.ClaimedAt == nil {
			t.Fatalf("ClaimDigest = %+v, %v", c, err)
		}
		if _, err := s.ClaimDigest(ctx, d.ID, at(time.Minute)); !errors.Is(err, ErrConflict) || !errors.Is(err, funding.ErrDigestNotClaimable) {
			t.Errorf("second ClaimDigest = %v, want ErrConflict and funding.ErrDigestNotClaimable", err)
		}
		if pending, _ := s.PendingDigests(ctx); len(pending) != 0 {
			t.Errorf("PendingDigests while sending = %d, want 0", len(pending))
		}
		if err := s.MarkDigestFailed(ctx, d.ID, "421 try later", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Digest(ctx, d.ID); got.State != funding.DigestPlanned || got.LastError != "421 try later" {
			t.Errorf("after temporary failure = %+v", got)
		}
		if _, err := s.ClaimDigest(ctx, d.ID, at(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDigestSent(ctx, d.ID, "<m1@callmatch>", at(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Digest(ctx, d.ID)
		if err != nil || got.State != funding.DigestSent || got.Attempts != 2 || got.MessageID != "<m1@callmatch>" ||
			got.SentAt == nil || !got.SentAt.Equal(at(3*time.Minute)) || got.LastError != "" {
			t.Errorf("sent digest = %+v, %v", got, err)
		}
		if err := s.MarkDigestSent(ctx, d.ID, "<m2>", at(4*time.Minute)); !errors.Is(err, ErrConflict) {
			t.Errorf("second MarkDigestSent = %v, want ErrConflict", err)
		}
		if err := s.MarkDigestFailed(ctx, d.ID, "x", true); !errors.Is(err, ErrConflict) {
			t.Errorf("MarkDigestFailed(sent) = %v, want ErrConflict", err)
		}
		if _, err := s.ClaimDigest(ctx, 999, at(0)); !errors.Is(err, ErrNotFound) {
			t.Errorf("ClaimDigest(999) = %v, want ErrNotFound", err)
		}

		sent, err := s.SentItems(ctx, sub.ID)
		if err != nil || len(sent) != 2 || !sent[funding.SentItemKey("C1", "new_match")] || !sent[funding.SentItemKey("C2", "changed")] {
			t.Errorf("SentItems = %v, %v", sent, err)
		}
		subNow, _ := s.Subscription(ctx, sub.ID)
		if subNow.LastDigestAt == nil || !subNow.LastDigestAt.Equal(at(3*time.Minute)) {
			t.Errorf("LastDigestAt = %v, want %v", subNow.LastDigestAt, at(3*time.Minute))
		}

		// A permanent failure.
		d2 := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: "2026-11-27", Items: []funding.DigestItem{{CallID: "C1", Reason: "deadline"}}}
		if _, err := s.PlanDigest(ctx, d2); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClaimDigest(ctx, d2.ID, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkDigestFailed(ctx, d2.ID, "550 no such user", true); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Digest(ctx, d2.ID); got.State != funding.DigestFailed {
			t.Errorf("after permanent failure state = %s, want failed", got.State)
		}
		if sent, _ := s.SentItems(ctx, sub.ID); len(sent) != 2 {
			t.Errorf("a failed digest added sent items: %v", sent)
		}
	})
}

func TestClaimDigestConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sub := mustSubscription(t, s, "a@acme.example", "tok")
		d := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: "2026-W48"}
		if _, err := s.PlanDigest(ctx, d); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				_, err := s.ClaimDigest(ctx, d.ID, at(0))
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, ErrConflict):
					t.Errorf("ClaimDigest: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d claims won, want 1", wins.Load())
		}
	})
}

func TestRequeueStaleDigests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		sub := mustSubscription(t, s, "a@acme.example", "tok")
		var ids []int64
		for i, key := range []string{"2026-11-24", "2026-11-25", "2026-11-26"} {
			d := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: key}
			if _, err := s.PlanDigest(ctx, d); err != nil {
				t.Fatal(err)
			}
			if i < 2 {
				if _, err := s.ClaimDigest(ctx, d.ID, at(time.Duration(i)*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			ids = append(ids, d.ID)
		}
		// Claimed at 0h and 1h; the third is still planned.
		n, err := s.RequeueStaleDigests(ctx, at(30*time.Minute))
		if err != nil || n != 1 {
			t.Fatalf("RequeueStaleDigests = %d, %v, want 1", n, err)
		}
		for i, want := range []string{funding.DigestPlanned, funding.DigestSending, funding.DigestPlanned} {
			if d, _ := s.Digest(ctx, ids[i]); d.State != want {
				t.Errorf("digest %d state = %s, want %s", i, d.State, want)
			}
		}
		d, err := s.ClaimDigest(ctx, ids[0], at(2*time.Hour))
		if err != nil || d.Attempts != 2 {
			t.Errorf("reclaim = %+v, %v, want attempt 2", d, err)
		}
	})
}

func TestMeta(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Meta(ctx, "index_generation"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Meta(missing) = %v, want ErrNotFound", err)
		}
		for _, v := range []string{"1", "2"} {
			if err := s.SetMeta(ctx, "index_generation", v); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Meta(ctx, "index_generation"); err != nil || got != v {
				t.Errorf("Meta = %q, %v, want %q", got, err, v)
			}
		}
	})
}

func TestInitMetaFirstWriterWins(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const n = 8
		got := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i], errs[i] = s.InitMeta(ctx, "secret", fmt.Sprint("value-", i))
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("InitMeta %d: %v", i, errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("writers disagree: %q and %q", got[0], got[i])
			}
		}
		if v, err := s.Meta(ctx, "secret"); err != nil || v != got[0] {
			t.Errorf("Meta = %q, %v, want %q", v, err, got[0])
		}
		if v, err := s.InitMeta(ctx, "secret", "later"); err != nil || v != got[0] {
			t.Errorf("a later InitMeta = %q, %v, want the first value %q", v, err, got[0])
		}
	})
}
