package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"callmatch/funding"
)

func TestSubscriptionLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustProfile(t, s, "p1", "a@acme.example")
		s.now = func() time.Time { return at(0) }

		sub := &funding.Subscription{Email: "A@acme.example", ProfileID: "p1", Frequency: funding.FrequencyWeekly, Weekday: time.Monday,
			Hour: 8, Timezone: "Europe/Brussels", Language: "fr", TokenHash: "tok-a"}
		if err := s.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		if sub.ID == 0 || !sub.CreatedAt.Equal(at(0)) {
			t.Errorf("CreateSubscription = %+v", sub)
		}
		other := &funding.Subscription{Email: "a@ACME.example", Frequency: funding.FrequencyDaily, Hour: 7, Timezone: "UTC", Language: "en", TokenHash: "tok-b"}
		if err := s.CreateSubscription(ctx, other); err != nil {
			t.Fatal(err)
		}

		due := func(now time.Time) []int64 {
			t.Helper()
			subs, err := s.DueSubscriptions(ctx, now)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, x := range subs {
				ids = append(ids, x.ID)
			}
			return ids
		}
		if got := due(at(time.Hour)); len(got) != 0 {
			t.Errorf("due before confirmation = %v, want none", got)
		}

		got, err := s.ConfirmSubscription(ctx, "tok-a", at(time.Minute))
		if err != nil || got.ID != sub.ID || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(at(time.Minute)) {
			t.Fatalf("ConfirmSubscription = %+v, %v", got, err)
		}
		got, _ = s.ConfirmSubscription(ctx, "tok-a", at(time.Hour))
		if !got.ConfirmedAt.Equal(at(time.Minute)) {
			t.Errorf("second confirmation moved ConfirmedAt to %v", got.ConfirmedAt)
		}
		if _, err := s.ConfirmSubscription(ctx, "nope", at(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("ConfirmSubscription(nope) = %v, want ErrNotFound", err)
		}
		b, err := s.ConfirmSubscription(ctx, "tok-b", at(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got := due(at(time.Hour)); len(got) != 2 {
			t.Errorf("due after confirmation = %v, want both", got)
		}

		// Pause until tomorrow.
		b.PausedUntil = new(at(24 * time.Hour))
		b.Hour = 9
		if err := s.UpdateSubscription(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if g := due(at(time.Hour)); len(g) != 1 || g[0] != sub.ID {
			t.Errorf("due while b is paused = %v, want [%d]", g, sub.ID)
		}
		if g := due(at(25 * time.Hour)); len(g) != 2 {
			t.Errorf("due after the pause = %v, want both", g)
		}
		back, err := s.Subscription(ctx, other.ID)
		if err != nil || back.Hour != 9 || back.PausedUntil == nil || back.Frequency != funding.FrequencyDaily || back.Email != "a@ACME.example" {
			t.Errorf("Subscription after update = %+v, %v", back, err)
		}
		bad := back
		bad.Frequency = "hourly"
		var verr *funding.ValidationError
		if err := s.UpdateSubscription(ctx, &bad); !errors.As(err, &verr) || verr.Field != "frequency" {
			t.Errorf("UpdateSubscription(hourly) = %v, want a frequency ValidationError", err)
		}

		byTok, err := s.SubscriptionByToken(ctx, "tok-a")
		if err != nil || byTok.ID != sub.ID || byTok.Weekday != time.Monday || byTok.ProfileID != "p1" || byTok.Language != "fr" {
			t.Errorf("SubscriptionByToken = %+v, %v", byTok, err)
		}

		// Unsubscribe one, bounce, then unsubscribe all.
		if err := s.Unsubscribe(ctx, sub.ID, at(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if g := due(at(25 * time.Hour)); len(g) != 1 || g[0] != other.ID {
			t.Errorf("due after unsubscribe = %v, want [%d]", g, other.ID)
		}
		if n, err := s.MarkBounced(ctx, "a@acme.example", at(3*time.Hour)); err != nil || n != 2 {
			t.Errorf("MarkBounced = %d, %v, want 2", n, err)
		}
		if g := due(at(25 * time.Hour)); len(g) != 0 {
			t.Errorf("due after bounce = %v, want none", g)
		}
		if n, err := s.UnsubscribeEmail(ctx, "A@ACME.EXAMPLE", at(4*time.Hour)); err != nil || n != 1 {
			t.Errorf("UnsubscribeEmail = %d, %v, want 1 (one was already unsubscribed)", n, err)
		}
		all, err := s.SubscriptionsByEmail(ctx, "a@acme.example")
		if err != nil || len(all) != 2 {
			t.Fatalf("SubscriptionsByEmail = %d, %v", len(all), err)
		}
		if !all[0].UnsubscribedAt.Equal(at(2*time.Hour)) || !all[1].UnsubscribedAt.Equal(at(4*time.Hour)) || !all[0].Bounced {
			t.Errorf("after unsubscribing all: %+v / %+v", all[0], all[1])
		}
		if err := s.Unsubscribe(ctx, 999, at(0)); !errors.Is(err, ErrNotFound) {
			t.Errorf("Unsubscribe(999) = %v, want ErrNotFound", err)
		}
	})
}

func TestCreateSubscriptionValidates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		tests := []struct {
			name  string
			sub   funding.Subscription
			field string
		}{
			{"no email", funding.Subscription{Frequency: funding.FrequencyDaily, TokenHash: "t"}, "email"},
			{"bad frequency", funding.Subscription{Email: "a@b.example", Frequency: "monthly", TokenHash: "t"}, "frequency"},
			{"bad hour", funding.Subscription{Email: "a@b.example", Frequency: funding.FrequencyDaily, Hour: 24, TokenHash: "t"}, "hour"},
			{"bad weekday", funding.Subscription{Email: "a@b.example", Frequency: funding.FrequencyWeekly, Weekday: 7, TokenHash: "t"}, "weekday"},
			{"no token", funding.Subscription{Email: "a@b.example", Frequency: funding.FrequencyDaily}, "token"},
		}
		for _, tc := range tests {
			var verr *funding.ValidationError
			if err := s.CreateSubscription(ctx, &tc.sub); !errors.As(err, &verr) || verr.Field != tc.field {
				t.Errorf("%s: CreateSubscription = %v, want a ValidationError on %s", tc.name, err, tc.field)
			}
		}
		sub := funding.Subscription{Email: "a@b.example", ProfileID: "nope", Frequency: funding.FrequencyDaily, TokenHash: "t"}
		if err := s.CreateSubscription(ctx, &sub); !errors.Is(err, ErrNotFound) {
			t.Errorf("CreateSubscription(unknown profile) = %v, want ErrNotFound", err)
		}
	})
}

func TestSubscriptionsByProfile(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustProfile(t, s, "p1", "a@acme.example")
		mustProfile(t, s, "p2", "b@acme.example")
		s.now = func() time.Time { return at(0) }
		mk := func(email, profile, token string) int64 {
			t.Helper()
			sub := &funding.Subscription{Email: email, ProfileID: profile, Frequency: funding.FrequencyDaily, Hour: 8,
				Timezone: "Europe/Brussels", Language: "en", TokenHash: token}
			if err := s.CreateSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
			return sub.ID
		}
		first := mk("a@acme.example", "p1", "t1")
		mk("b@acme.example", "p2", "t2")
		second := mk("c@acme.example", "p1", "t3")
		mk("d@acme.example", "", "t4")
		if err := s.Unsubscribe(ctx, second, at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.SubscriptionsByProfile(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != first || got[1].ID != second || got[1].UnsubscribedAt == nil {
			t.Errorf("SubscriptionsByProfile(p1) = %+v, want [%d %d], the second unsubscribed", got, first, second)
		}
		if got, err := s.SubscriptionsByProfile(ctx, "nope"); err != nil || got == nil || len(got) != 0 {
			t.Errorf("SubscriptionsByProfile(nope) = %v, %v, want an empty list", got, err)
		}
		if err := s.DeleteProfile(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if got, err := s.SubscriptionsByProfile(ctx, "p1"); err != nil || len(got) != 0 {
			t.Errorf("after deleting the profile: %d subscriptions, %v; want none", len(got), err)
		}
	})
}
