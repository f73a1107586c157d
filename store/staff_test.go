package store

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"callmatch/funding"
)

func TestStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		st, err := s.CreateStaff(ctx, "Anne@NCC.example", "pw-hash", "tok-hash")
		if err != nil {
			t.Fatal(err)
		}
		if st.ID == 0 || st.Email != "anne@ncc.example" {
			t.Errorf("CreateStaff = %+v", st)
		}
		if _, err := s.CreateStaff(ctx, "anne@ncc.example", "x", "other"); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateStaff(same email) = %v, want ErrConflict", err)
		}
		if _, err := s.CreateStaff(ctx, "bob@ncc.example", "x", "tok-hash"); !errors.Is(err, ErrConflict) {
			t.Errorf("CreateStaff(same token) = %v, want ErrConflict", err)
		}
		for name, get := range map[string]func() (Staff, error){
			"Staff":            func() (Staff, error) { return s.Staff(ctx, st.ID) },
			"StaffByEmail":     func() (Staff, error) { return s.StaffByEmail(ctx, "ANNE@ncc.example") },
			"StaffByTokenHash": func() (Staff, error) { return s.StaffByTokenHash(ctx, "tok-hash") },
		} {
			got, err := get()
			if err != nil || got.ID != st.ID || got.PasswordHash != "pw-hash" || !got.CreatedAt.Equal(st.CreatedAt) {
				t.Errorf("%s = %+v, %v, want %+v", name, got, err, st)
			}
		}
		if _, err := s.Staff(ctx, 999); !errors.Is(err, ErrNotFound) {
			t.Errorf("Staff(999) = %v, want ErrNotFound", err)
		}
		if _, err := s.StaffByTokenHash(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("StaffByTokenHash(nope) = %v, want ErrNotFound", err)
		}
	})
}

func TestResetStaffCredentials(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		st, err := s.CreateStaff(ctx, "anne@ncc.example", "old-pw", "old-tok")
		if err != nil {
			t.Fatal(err)
		}
		other, err := s.CreateStaff(ctx, "bob@ncc.example", "bob-pw", "bob-tok")
		if err != nil {
			t.Fatal(err)
		}
		id := func(x Staff) string { return strconv.FormatInt(x.ID, 10) }
		for _, se := range []struct{ hash, id string }{{"anne-session", id(st)}, {"bob-session", id(other)}} {
			if err := s.CreateSession(ctx, se.hash, SubjectStaff, se.id, at(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.ResetStaffCredentials(ctx, "ANNE@ncc.example", "new-pw", "new-tok")
		if err != nil || got.ID != st.ID || got.PasswordHash != "new-pw" {
			t.Fatalf("ResetStaffCredentials = %+v, %v", got, err)
		}
		if _, err := s.StaffByTokenHash(ctx, "old-tok"); !errors.Is(err, ErrNotFound) {
			t.Errorf("the old token still opens the account: %v", err)
		}
		if byTok, err := s.StaffByTokenHash(ctx, "new-tok"); err != nil || byTok.ID != st.ID {
			t.Errorf("StaffByTokenHash(new) = %+v, %v", byTok, err)
		}
		if _, err := s.Session(ctx, "anne-session", at(0)); !errors.Is(err, ErrNotFound) {
			t.Errorf("Anne's session survived the reset: %v", err)
		}
		if _, err := s.Session(ctx, "bob-session", at(0)); err != nil {
			t.Errorf("Bob's session went with Anne's reset: %v", err)
		}
		if _, err := s.ResetStaffCredentials(ctx, "nobody@ncc.example", "x", "y"); !errors.Is(err, ErrNotFound) {
			t.Errorf("reset of an unknown e-mail = %v, want ErrNotFound", err)
		}
	})
}

func TestCurationsAppendOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustSave(t, s, testCall("C1", "c1"), at(0))
		mustSave(t, s, testCall("C2", "c2"), at(0))
		mustProfile(t, s, "p1", "a@acme.example")

		in := []funding.Curation{
			{CallID: "C1", ProfileID: "p1", Action: funding.CurationRecommend, Note: "Fits your phishing work", By: "anne@ncc.example", CreatedAt: at(time.Minute)},
			{CallID: "C1", Segment: &funding.Segment{Domain: "human-aspects", Size: "small"}, Action: funding.CurationRecommend, Note: "For awareness SMEs", By: "anne@ncc.example", CreatedAt: at(2 * time.Minute)},
			{CallID: "C2", Action: funding.CurationHide, Note: "Not for SMEs", By: "bob@ncc.example", CreatedAt: at(3 * time.Minute)},
			// The same call and profile again: a second entry, nothing replaced.
			{CallID: "C1", ProfileID: "p1", Action: funding.CurationHide, Note: "Changed my mind", By: "bob@ncc.example", CreatedAt: at(4 * time.Minute)},
		}
		for i := range in {
			if err := s.AddCuration(ctx, &in[i]); err != nil {
				t.Fatalf("AddCuration: %v", err)
			}
			if in[i].ID == "" {
				t.Errorf("AddCuration left the id empty")
			}
		}
		all, err := s.Curations(ctx)
		if err != nil || len(all) != len(in) {
			t.Fatalf("Curations = %d, %v, want %d", len(all), err, len(in))
		}
		for i, c := range all {
			w := in[i]
			if c.ID != w.ID || c.CallID != w.CallID || c.ProfileID != w.ProfileID || c.Action != w.Action ||
				c.Note != w.Note || c.By != w.By || !c.CreatedAt.Equal(w.CreatedAt) || (c.Segment == nil) != (w.Segment == nil) ||
				(c.Segment != nil && *c.Segment != *w.Segment) {
				t.Errorf("Curations[%d] = %+v, want %+v", i, c, w)
			}
		}
		forC1, err := s.CurationsForCall(ctx, "C1")
		if err != nil || len(forC1) != 3 {
			t.Errorf("CurationsForCall(C1) = %d, %v, want 3", len(forC1), err)
		}
		if err := s.AddCuration(ctx, &funding.Curation{ID: in[0].ID, CallID: "C1", Action: "hide", By: "x"}); !errors.Is(err, ErrConflict) {
			t.Errorf("AddCuration(existing id) = %v, want ErrConflict", err)
		}
		if err := s.AddCuration(ctx, &funding.Curation{CallID: "nope", Action: "hide", By: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddCuration(unknown call) = %v, want ErrNotFound", err)
		}
		if err := s.AddCuration(ctx, &funding.Curation{CallID: "C1", ProfileID: "nope", Action: "hide", By: "x"}); !errors.Is(err, ErrNotFound) {
			t.Errorf("AddCuration(unknown profile) = %v, want ErrNotFound", err)
		}
	})
}
