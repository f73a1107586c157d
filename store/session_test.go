package store

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoginTokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		mustProfile(t, s, "p1", "a@acme.example")
		if err := s.CreateLoginToken(ctx, "t1", "p1", at(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLoginToken(ctx, "t2", "p1", at(15*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLoginToken(ctx, "t3", "nope", at(15*time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("CreateLoginToken(unknown profile) = %v, want ErrNotFound", err)
		}

		tests := []struct {
			name  string
			token string
			now   time.Time
			want  string
		}{
			{"valid", "t1", at(time.Minute), "p1"},
			{"used", "t1", at(2 * time.Minute), ""},
			{"expired", "t2", at(15 * time.Minute), ""},
			{"unknown", "zz", at(time.Minute), ""},
		}
		for _, tc := range tests {
			got, err := s.UseLoginToken(ctx, tc.token, tc.now)
			if tc.want == "" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("%s: UseLoginToken = %q, %v, want ErrNotFound", tc.name, got, err)
				}
				continue
			}
			if err != nil || got != tc.want {
				t.Errorf("%s: UseLoginToken = %q, %v, want %q", tc.name, got, err, tc.want)
			}
		}

		// Concurrent uses of one token: exactly one wins.
		if err := s.CreateLoginToken(ctx, "t4", "p1", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := s.UseLoginToken(ctx, "t4", at(time.Minute)); err == nil {
					wins.Add(1)
				} else if !errors.Is(err, ErrNotFound) {
					t.Errorf("UseLoginToken: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Errorf("%d concurrent uses won, want 1", wins.Load())
		}
	})
}

func TestSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		s.now = func() time.Time { return at(0) }
		if err := s.CreateSession(ctx, "s1", SubjectStaff, "7", at(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := s.Session(ctx, "s1", at(time.Minute))
		if err != nil || got.SubjectKind != SubjectStaff || got.SubjectID != "7" || !got.ExpiresAt.Equal(at(time.Hour)) || !got.CreatedAt.Equal(at(0)) {
			t.Errorf("Session = %+v, %v", got, err)
		}
		if _, err := s.Session(ctx, "s1", at(time.Hour)); !errors.Is(err, ErrNotFound) {
			t.Errorf("Session(expired) = %v, want ErrNotFound", err)
		}
		if err := s.CreateSession(ctx, "s2", SubjectStaff, "7", at(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		n, err := s.PurgeExpired(ctx, at(90*time.Minute))
		if err != nil || n != 1 {
			t.Errorf("PurgeExpired = %d, %v, want 1", n, err)
		}
		if err := s.DeleteSession(ctx, "s2"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Session(ctx, "s2", at(time.Minute)); !errors.Is(err, ErrNotFound) {
			t.Errorf("Session(deleted) = %v, want ErrNotFound", err)
		}
		if err := s.DeleteSession(ctx, "s2"); err != nil {
			t.Errorf("second DeleteSession: %v", err)
		}
	})
}
