package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const defaultTestDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testDatabaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return defaultTestDatabaseURL
}

var (
	pgOnce sync.Once
	pgErr  error
)

// requirePostgres skips the test when PostgreSQL is unreachable, unless CI
// is set: there a missing server is a failure.
func requirePostgres(t testing.TB) {
	t.Helper()
	pgOnce.Do(func() {
		db, err := sql.Open("pgx", testDatabaseURL())
		if err != nil {
			pgErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		pgErr = db.PingContext(ctx)
	})
	if pgErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("PostgreSQL at TEST_DATABASE_URL unreachable and CI is set: %v", pgErr)
	}
	t.Skipf("PostgreSQL unreachable (set TEST_DATABASE_URL): %v", pgErr)
}

// newPostgresSchema creates a fresh schema for one test, dropped at its end,
// and returns a database URL whose search_path points at it.
func newPostgresSchema(t testing.TB) string {
	t.Helper()
	requirePostgres(t)
	base := testDatabaseURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	schema := "callmatch_test_" + strings.ToLower(rand.Text()[:12])
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

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
	{"postgres", func(t testing.TB) (string, string) { return newPostgresSchema(t), "" }},
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
