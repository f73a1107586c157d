package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"callmatch/funding"
)

func testProfile(id, email string) *funding.Profile {
	return &funding.Profile{
		ID: id, Name: "Acme Security", Email: email, Country: "BE", Size: "small",
		Description: "We run phishing drills for staff.",
		Keywords:    []string{"phishing", "pentesting"}, Domains: []string{"human-aspects"},
		Programmes: []string{}, TypesOfAction: []string{"SME"}, BudgetMax: 60_000, TRL: 6,
	}
}

func mustProfile(t testing.TB, s *Store, id, email string) *funding.Profile {
	t.Helper()
	p := testProfile(id, email)
	if err := s.CreateProfile(context.Background(), p, "hash-"+id); err != nil {
		t.Fatalf("CreateProfile(%s): %v", id, err)
	}
	return p
}

func TestProfileCRUD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		s.now = func() time.Time { return at(0) }
		p := mustProfile(t, s, "p1", "Info@Acme.example")
		if p.Version != 1 || !p.CreatedAt.Equal(at(0)) || !p.UpdatedAt.Equal(at(0)) {
			t.Errorf("created profile: version %d created %v updated %v", p.Version, p.CreatedAt, p.UpdatedAt)
		}
		if err := s.CreateProfile(ctx, testProfile("p1", "x@y.example"), "h"); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateProfile(same id) = %v, want ErrConflict", err)
		}

		got, err := s.Profile(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != p.Name || got.Version != 1 || !slices.Equal(got.Keywords, p.Keywords) || got.TRL != 6 || !got.CreatedAt.Equal(at(0)) {
			t.Errorf("Profile = %+v, want %+v", got, p)
		}
		if h, err := s.ProfileTokenHash(ctx, "p1"); err != nil || h != "hash-p1" {
			t.Errorf("ProfileTokenHash = %q, %v", h, err)
		}
		if byMail, err := s.ProfileByEmail(ctx, "info@acme.EXAMPLE"); err != nil || byMail.ID != "p1" {
			t.Errorf("ProfileByEmail = %v, %v, want p1", byMail, err)
		}

		s.now = func() time.Time { return at(time.Hour) }
		got.Keywords = append(got.Keywords, "security awareness")
		got.Email = "new@acme.example"
		if err := s.UpdateProfile(ctx, got); err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || !got.UpdatedAt.Equal(at(time.Hour)) || !got.CreatedAt.Equal(at(0)) {
			t.Errorf("updated: version %d updated %v created %v", got.Version, got.UpdatedAt, got.CreatedAt)
		}
		again, _ := s.Profile(ctx, "p1")
		if again.Version != 2 || len(again.Keywords) != 3 {
			t.Errorf("after update Profile = %+v", again)
		}
		if _, err := s.ProfileByEmail(ctx, "info@acme.example"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ProfileByEmail(old address) = %v, want ErrNotFound", err)
		}
		if err := s.UpdateProfile(ctx, testProfile("nope", "a@b.example")); !errors.Is(err, ErrNotFound) {
			t.Errorf("UpdateProfile(nope) = %v, want ErrNotFound", err)
		}

		mustProfile(t, s, "p2", "b@acme.example")
		all, err := s.Profiles(ctx)
		if err != nil || len(all) != 2 || all[0].ID != "p1" || all[1].ID != "p2" {
			t.Errorf("Profiles = %v, %v", all, err)
		}
		for _, fn := range []func() error{
			func() error { _, err := s.Profile(ctx, "nope"); return err },
			func() error { _, err := s.ProfileTokenHash(ctx, "nope"); return err },
			func() error { _, err := s.ProfileByEmail(ctx, "nobody@x.example"); return err },
			func() error { return s.DeleteProfile(ctx, "nope") },
		} {
			if err := fn(); !errors.Is(err, ErrNotFound) {
				t.Errorf("missing profile: err = %v, want ErrNotFound", err)
			}
		}
	})
}

func TestDeleteProfileCascades(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustSave(t, s, testCall("C1", "c"), at(0))
		mustProfile(t, s, "p1", "a@acme.example")
		mustProfile(t, s, "p2", "b@acme.example")
		for _, pid := range []string{"p1", "p2"} {
			if err := s.Follow(ctx, pid, "C1"); err != nil {
				t.Fatal(err)
			}
			if err := s.Dismiss(ctx, pid, "C1"); err != nil {
				t.Fatal(err)
			}
			if err := s.AddCuration(ctx, &funding.Curation{CallID: "C1", ProfileID: pid, Action: funding.CurationRecommend, By: "staff@ncc.example"}); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateLoginToken(ctx, "lt-"+pid, pid, at(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateSession(ctx, "se-"+pid, SubjectProfile, pid, at(time.Hour)); err != nil {
				t.Fatal(err)
			}
			sub := &funding.Subscription{Email: pid + "@acme.example", ProfileID: pid, Frequency: funding.FrequencyDaily, TokenHash: "st-" + pid}
			if err := s.CreateSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
			d := &funding.Digest{SubscriptionID: sub.ID, PeriodKey: "2026-11-26", Items: []funding.DigestItem{{CallID: "C1", Reason: "new_match"}}}
			if _, err := s.PlanDigest(ctx, d); err != nil {
				t.Fatal(err)
			}
		}

		if err := s.DeleteProfile(ctx, "p1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Profile(ctx, "p1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Profile after delete = %v, want ErrNotFound", err)
		}
		for table, where := range map[string]string{
			"follows": "profile_id", "dismissals": "profile_id", "curations": "profile_id",
			"login_tokens": "profile_id", "sessions": "subject_id", "subscriptions": "profile_id",
		} {
			for pid, want := range map[string]int{"p1": 0, "p2": 1} {
				if n := countRows(t, s, `SELECT COUNT(*) FROM `+table+` WHERE `+where+` = $1`, pid); n != want {
					t.Errorf("%s rows of %s after deleting p1 = %d, want %d", table, pid, n, want)
				}
			}
		}
		if n := countRows(t, s, `SELECT COUNT(*) FROM digests`); n != 1 {
			t.Errorf("digests after deleting p1 = %d, want 1", n)
		}
		if _, err := s.Call(ctx, "C1"); err != nil {
			t.Errorf("the call went with the profile: %v", err)
		}
	})
}

func countRows(t testing.TB, s *Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestFollowsAndDismissals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustProfile(t, s, "p1", "a@acme.example")
		for _, id := range []string{"C1", "C2", "C3"} {
			mustSave(t, s, testCall(id, id), at(0))
		}
		for i, id := range []string{"C2", "C1", "C2"} {
			s.now = func() time.Time { return at(time.Duration(i) * time.Minute) }
			if err := s.Follow(ctx, "p1", id); err != nil {
				t.Fatalf("Follow(%s): %v", id, err)
			}
		}
		if got, err := s.Follows(ctx, "p1"); err != nil || !slices.Equal(got, []string{"C2", "C1"}) {
			t.Errorf("Follows = %v, %v, want [C2 C1]", got, err)
		}
		if err := s.Unfollow(ctx, "p1", "C2"); err != nil {
			t.Fatal(err)
		}
		if err := s.Unfollow(ctx, "p1", "C2"); err != nil {
			t.Errorf("second Unfollow: %v", err)
		}
		if got, _ := s.Follows(ctx, "p1"); !slices.Equal(got, []string{"C1"}) {
			t.Errorf("Follows after Unfollow = %v, want [C1]", got)
		}
		if err := s.Follow(ctx, "p1", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Follow(unknown call) = %v, want ErrNotFound", err)
		}
		if err := s.Follow(ctx, "nope", "C1"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Follow(unknown profile) = %v, want ErrNotFound", err)
		}

		if err := s.Dismiss(ctx, "p1", "C3"); err != nil {
			t.Fatal(err)
		}
		if err := s.Dismiss(ctx, "p1", "C3"); err != nil {
			t.Errorf("second Dismiss: %v", err)
		}
		if got, err := s.Dismissed(ctx, "p1"); err != nil || !slices.Equal(got, []string{"C3"}) {
			t.Errorf("Dismissed = %v, %v, want [C3]", got, err)
		}
		if err := s.Undismiss(ctx, "p1", "C3"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Dismissed(ctx, "p1"); got == nil || len(got) != 0 {
			t.Errorf("Dismissed after Undismiss = %#v, want empty", got)
		}
		if err := s.Dismiss(ctx, "p1", "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Dismiss(unknown call) = %v, want ErrNotFound", err)
		}
	})
}
