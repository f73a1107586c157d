package store

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"callmatch/store/storetest"
)

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func openTestStore(t testing.TB, databaseURL, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), databaseURL, dir, discardLogger())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// engine opens a fresh, empty store of one kind.
type engine struct {
	name string
	// open returns the databaseURL and dataDir of a fresh database.
	fresh func(t testing.TB) (databaseURL, dataDir string)
}

var engines = []engine{
	{"sqlite", func(t testing.TB) (string, string) { return "", t.TempDir() }},
	{"postgres", func(t testing.TB) (string, string) { return storetest.NewPostgresSchema(t), "" }},
}

// forEachEngine runs fn, in parallel, against a fresh SQLite store and a
// fresh PostgreSQL store.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			u, dir := e.fresh(t)
			fn(t, openTestStore(t, u, dir))
		})
	}
}

// at returns a fixed test time plus d.
func at(d time.Duration) time.Time {
	return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC).Add(d)
}
