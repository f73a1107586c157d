package store

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"
)

// benchStore opens a fresh store of each engine for a benchmark.
func benchEngines(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			u, dir := e.fresh(b)
			fn(b, openTestStore(b, u, dir))
		})
	}
}

func BenchmarkSaveCallUnchanged(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		c := testCall("DIGITAL-ECCC-2026-DEPLOY-CYBER-08-SME", "Support for SMEs")
		if _, _, err := s.SaveCall(ctx, c, at(0)); err != nil {
			b.Fatal(err)
		}
		same := testCall(c.ID, c.Title)
		same.ContentHash = same.Hash()
		b.ResetTimer()
		for b.Loop() {
			if _, changed, err := s.SaveCall(ctx, same, at(time.Hour)); err != nil || changed != nil {
				b.Fatalf("SaveCall = %v, %v", changed, err)
			}
		}
	})
}

func BenchmarkCalls10k(b *testing.B) {
	benchEngines(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		const n = 10_000
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for i := range n {
				c := testCall(fmt.Sprintf("C-%05d", i), fmt.Sprintf("Call %d", i))
				c.ContentHash = c.Hash()
				c.CrawledAt, c.ChangedAt = at(0), at(0)
				if err := upsertCall(ctx, tx, c, at(0)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			calls, err := s.Calls(ctx)
			if err != nil || len(calls) != n {
				b.Fatalf("Calls = %d, %v", len(calls), err)
			}
		}
	})
}
