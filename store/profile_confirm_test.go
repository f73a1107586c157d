package store

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// A profile is pending until a link mailed to its address is used; its
// address's profiles list the confirmed ones first; pending ones expire.
func TestProfileConfirmation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		s.now = func() time.Time { return at(0) }
		mine := mustProfile(t, s, "mine", "victim@example.be")
		if mine.Confirmed {
			t.Error("a new profile is confirmed, want pending")
		}
		if err := s.CreateLoginToken(ctx, "link-mine", "mine", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if id, err := s.LoginTokenProfile(ctx, "link-mine", at(time.Minute)); err != nil || id != "mine" {
			t.Errorf("LoginTokenProfile = %q, %v, want mine", id, err)
		}
		if got, _ := s.Profile(ctx, "mine"); got.Confirmed {
			t.Error("looking at a link confirmed the profile")
		}
		if _, err := s.UseLoginToken(ctx, "link-mine", at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Profile(ctx, "mine"); !got.Confirmed {
			t.Error("following the e-mailed link left the profile pending")
		}

		// Five older profiles by someone else under the same address: they
		// come after the confirmed one, whatever their age.
		var squat []string
		for i := range 5 {
			s.now = func() time.Time { return at(time.Duration(-10+i) * time.Hour) }
			id := "squat" + string(rune('a'+i))
			mustProfile(t, s, id, "VICTIM@example.be")
			squat = append(squat, id)
		}
		s.now = func() time.Time { return at(0) }
		ps, err := s.ProfilesByEmail(ctx, "victim@EXAMPLE.be")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if want := append([]string{"mine"}, squat...); !slices.Equal(ids, want) {
			t.Errorf("ProfilesByEmail = %v, want %v (confirmed first, then pending oldest first)", ids, want)
		}

		// A link mailed to one address does not confirm the profile once it
		// moved to another: confirmation proves an address, not a profile.
		moved := mustProfile(t, s, "moved", "attacker@example.be")
		if err := s.CreateLoginToken(ctx, "link-moved", "moved", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		moved.Email = "victim@example.be"
		if err := s.UpdateProfile(ctx, moved); err != nil || moved.Confirmed {
			t.Fatalf("UpdateProfile = %v, confirmed %v", err, moved.Confirmed)
		}
		if _, err := s.DiscardWithLoginToken(ctx, "link-moved", at(time.Minute)); !errors.Is(err, ErrConflict) {
			t.Errorf("DiscardWithLoginToken(moved profile) = %v, want ErrConflict", err)
		}
		if _, err := s.UseLoginToken(ctx, "link-moved", at(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Profile(ctx, "moved"); got.Confirmed {
			t.Error("a link mailed to attacker@ confirmed the profile for victim@")
		}

		// A confirmed profile that changes address is pending for the new
		// one, and confirmed again back at the old one.
		mine.Email = "new@example.be"
		if err := s.UpdateProfile(ctx, mine); err != nil || mine.Confirmed || !mine.EverConfirmed {
			t.Errorf("confirmed profile at a new address: %v, confirmed %v once %v, want pending, confirmed once", err, mine.Confirmed, mine.EverConfirmed)
		}
		if got, _ := s.Profile(ctx, "mine"); got.Confirmed || !got.EverConfirmed {
			t.Errorf("Profile: confirmed %v once %v, want pending, confirmed once", got.Confirmed, got.EverConfirmed)
		}
		if got, _ := s.Profile(ctx, "squatb"); got.Confirmed || got.EverConfirmed {
			t.Errorf("never confirmed Profile: confirmed %v once %v, want neither", got.Confirmed, got.EverConfirmed)
		}
		mine.Email = "Victim@example.be"
		if err := s.UpdateProfile(ctx, mine); err != nil || !mine.Confirmed {
			t.Errorf("back at the confirmed address: %v, confirmed %v, want confirmed", err, mine.Confirmed)
		}

		// "Not mine": the link deletes a pending profile, never a confirmed one.
		if err := s.CreateLoginToken(ctx, "link-squat", "squata", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSession(ctx, "sess-squat", SubjectProfile, "squata", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if id, err := s.DiscardWithLoginToken(ctx, "link-squat", at(time.Minute)); err != nil || id != "squata" {
			t.Errorf("DiscardWithLoginToken = %q, %v, want squata", id, err)
		}
		if _, err := s.Profile(ctx, "squata"); !errors.Is(err, ErrNotFound) {
			t.Errorf("discarded profile: %v, want ErrNotFound", err)
		}
		if _, err := s.Session(ctx, "sess-squat", at(time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("session of the discarded profile: %v, want gone", err)
		}
		if err := s.CreateLoginToken(ctx, "link-mine2", "mine", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DiscardWithLoginToken(ctx, "link-mine2", at(time.Minute)); !errors.Is(err, ErrConflict) {
			t.Errorf("DiscardWithLoginToken(confirmed) = %v, want ErrConflict", err)
		}
		if _, err := s.Profile(ctx, "mine"); err != nil {
			t.Errorf("confirmed profile after a discard attempt: %v", err)
		}

		// Expiry: never-confirmed profiles created before the cutoff go, with
		// their sessions; confirmed ones and re-pending ones stay.
		if err := s.CreateSession(ctx, "sess-squatb", SubjectProfile, "squatb", at(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.DeleteUnconfirmedProfiles(ctx, at(-7*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("DeleteUnconfirmedProfiles = %d, %v, want 2 (squatb, squatc)", n, err)
		}
		var left []string
		all, _ := s.Profiles(ctx)
		for _, p := range all {
			left = append(left, p.ID)
		}
		slices.Sort(left)
		if want := []string{"mine", "moved", "squatd", "squate"}; !slices.Equal(left, want) {
			t.Errorf("profiles left = %v, want %v", left, want)
		}
		if _, err := s.Session(ctx, "sess-squatb", at(time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("session of an expired profile: %v, want gone", err)
		}
		mine.Email = "elsewhere@example.be"
		if err := s.UpdateProfile(ctx, mine); err != nil {
			t.Fatal(err)
		}
		if n, err := s.DeleteUnconfirmedProfiles(ctx, at(time.Hour)); err != nil || n != 3 {
			t.Errorf("DeleteUnconfirmedProfiles = %d, %v, want 3 (moved, squatd, squate: never confirmed)", n, err)
		}
		if _, err := s.Profile(ctx, "mine"); err != nil {
			t.Errorf("a once-confirmed profile pending at a new address was deleted: %v", err)
		}
		if err := s.ConfirmProfile(ctx, "mine"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Profile(ctx, "mine"); !got.Confirmed || got.Email != "elsewhere@example.be" {
			t.Errorf("ConfirmProfile: %+v", got)
		}
		if err := s.ConfirmProfile(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ConfirmProfile(unknown) = %v, want ErrNotFound", err)
		}
	})
}

// The calendar secret changes with the API token and with the calendar key.
func TestProfileCalendarSecret(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustProfile(t, s, "cal", "cal@example.be")
		first, err := s.ProfileCalendarSecret(ctx, "cal")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetProfileToken(ctx, "cal", "another-hash"); err != nil {
			t.Fatal(err)
		}
		second, _ := s.ProfileCalendarSecret(ctx, "cal")
		if err := s.SetProfileCalendarKey(ctx, "cal", "k2"); err != nil {
			t.Fatal(err)
		}
		third, _ := s.ProfileCalendarSecret(ctx, "cal")
		if first == second || second == third || first == third {
			t.Errorf("calendar secrets %q, %q, %q: want three different ones", first, second, third)
		}
		if _, err := s.ProfileCalendarSecret(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ProfileCalendarSecret(unknown) = %v, want ErrNotFound", err)
		}
		if err := s.SetProfileCalendarKey(ctx, "nope", "k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetProfileCalendarKey(unknown) = %v, want ErrNotFound", err)
		}
	})
}
