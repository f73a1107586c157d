package store

import (
	"context"
	"strings"
	"sync"
	"testing"

	"callmatch/store/storetest"
)

func TestOpenTwiceIsIdempotent(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			u, dir := e.fresh(t)
			ctx := context.Background()
			s1 := openTestStore(t, u, dir)
			if err := s1.SetMeta(ctx, "k", "v"); err != nil {
				t.Fatal(err)
			}
			s1.Close()
			s2 := openTestStore(t, u, dir)
			if err := s2.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			got, err := s2.Meta(ctx, "k")
			if err != nil || got != "v" {
				t.Fatalf("Meta(k) = %q, %v, want v", got, err)
			}
			ms, err := loadMigrations()
			if err != nil {
				t.Fatal(err)
			}
			var n int
			if err := s2.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != len(ms) {
				t.Errorf("schema_migrations has %d rows, want %d", n, len(ms))
			}
			if s2.Driver() != e.name {
				t.Errorf("Driver() = %q, want %q", s2.Driver(), e.name)
			}
		})
	}
}

// Several instances starting at once on the same database all come up.
func TestOpenConcurrently(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			u, dir := e.fresh(t)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				wg.Go(func() {
					s, err := Open(context.Background(), u, dir, discardLogger())
					if err != nil {
						errs <- err
						return
					}
					s.Close()
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("Open: %v", err)
			}
		})
	}
}

func TestOpenRejectsUnknownScheme(t *testing.T) {
	if _, err := Open(context.Background(), "mysql://x", t.TempDir(), nil); err == nil {
		t.Fatal("Open(mysql://) succeeded, want an error")
	}
}

func TestOpenPostgresqlScheme(t *testing.T) {
	u := storetest.NewPostgresSchema(t)
	s := openTestStore(t, "postgresql://"+strings.TrimPrefix(u, "postgres://"), "")
	if s.Driver() != DriverPostgres {
		t.Errorf("Driver() = %q, want %q", s.Driver(), DriverPostgres)
	}
}
