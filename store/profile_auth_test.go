package store

import (
	"context"
	"errors"
	"testing"

	"callmatch/funding"
)

func TestProfileAuthAndVersionOnDismiss(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		p := &funding.Profile{ID: "p1", Name: "A", Email: "a@b.example"}
		if err := s.CreateProfile(ctx, p, "hash-1"); err != nil {
			t.Fatal(err)
		}
		got, hash, err := s.ProfileAuth(ctx, "p1")
		if err != nil || hash != "hash-1" || got.Name != "A" || got.Version != 1 {
			t.Fatalf("ProfileAuth = %+v, %q, %v", got, hash, err)
		}
		if v, h, err := s.ProfileVersion(ctx, "p1"); err != nil || v != 1 || h != "hash-1" {
			t.Errorf("ProfileVersion = %d, %q, %v", v, h, err)
		}
		if _, _, err := s.ProfileVersion(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ProfileVersion(unknown) = %v, want ErrNotFound", err)
		}
		if _, _, err := s.ProfileAuth(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("ProfileAuth(unknown) = %v, want ErrNotFound", err)
		}
		if err := s.SetProfileToken(ctx, "p1", "hash-2"); err != nil {
			t.Fatal(err)
		}
		if v, h, err := s.ProfileVersion(ctx, "p1"); err != nil || v != 1 || h != "hash-2" {
			t.Errorf("ProfileVersion after SetProfileToken = %d, %q, %v; want 1, hash-2", v, h, err)
		}
		if err := s.SetProfileToken(ctx, "nope", "x"); !errors.Is(err, ErrNotFound) {
			t.Errorf("SetProfileToken(unknown) = %v, want ErrNotFound", err)
		}
		c := funding.Call{ID: "C1", Title: "t"}
		c.ContentHash = c.Hash()
		if _, _, err := s.SaveCall(ctx, &c, at(0)); err != nil {
			t.Fatal(err)
		}
		if err := s.Dismiss(ctx, "p1", "C1"); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.ProfileAuth(ctx, "p1"); got.Version != 2 {
			t.Errorf("version after Dismiss = %d, want 2: the profile's matches changed", got.Version)
		}
		if err := s.Undismiss(ctx, "p1", "C1"); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.ProfileAuth(ctx, "p1"); got.Version != 3 {
			t.Errorf("version after Undismiss = %d, want 3", got.Version)
		}

		before, err := s.CurationsStamp(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddCuration(ctx, &funding.Curation{CallID: "C1", ProfileID: "p1", Action: funding.CurationRecommend, By: "staff"}); err != nil {
			t.Fatal(err)
		}
		if after, _ := s.CurationsStamp(ctx); after == before {
			t.Errorf("CurationsStamp did not move on AddCuration (%s)", after)
		}
	})
}
