package store

import (
	"context"
	"errors"
	"testing"
)

func TestCheckFence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		for _, tok := range []int64{3, 3, 4, 10} {
			if err := s.CheckFence(ctx, "crawl", tok); err != nil {
				t.Fatalf("CheckFence(%d) = %v, want nil", tok, err)
			}
		}
		if err := s.CheckFence(ctx, "crawl", 9); !errors.Is(err, ErrStaleFence) {
			t.Errorf("CheckFence(9) after 10 = %v, want ErrStaleFence", err)
		}
		if err := s.CheckFence(ctx, "digest", 1); err != nil {
			t.Errorf("another lock's fence = %v, want independent", err)
		}
	})
}
