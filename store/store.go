// Package store persists callmatch's data: calls and their change history,
// crawl runs, profiles, follows, staff, curations, sessions, subscriptions
// and the digest outbox.
//
// One *Store runs the same SQL on SQLite (the embedded default, a file in
// the data directory) and on PostgreSQL (when DATABASE_URL says so): $n
// placeholders, TEXT and BIGINT columns, INSERT ... ON CONFLICT, RETURNING.
// Timestamps are stored as BIGINT microseconds since the Unix epoch (UTC),
// which sort and compare the same on both engines; values read back are
// UTC and truncated to the microsecond.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// ErrNotFound is returned (wrapped) when a row does not exist. Check it with errors.Is.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned (wrapped) when a write collides with existing data:
// a duplicate id or e-mail, or a state change that is no longer allowed
// (claiming a digest that another worker already claimed).
var ErrConflict = errors.New("store: conflict")

// Driver names, as returned by Store.Driver.
const (
	DriverSQLite   = "sqlite"
	DriverPostgres = "postgres"
)

// SQLiteFile is the name of the SQLite database file inside the data directory.
const SQLiteFile = "callmatch.db"

// Store is the persistence layer. It is safe for concurrent use.
type Store struct {
	db     *sql.DB // every write; on PostgreSQL every read too
	rdb    *sql.DB // reads: a read-only pool on SQLite, db on PostgreSQL
	driver string
	logger *slog.Logger
	now    func() time.Time

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt // read statements of hot paths, prepared once
}

// prepared returns the read statement query, prepared on first use. Only for
// the few queries of hot paths: parsing SQL is most of their cost on SQLite.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[query]; ok {
		return st, nil
	}
	st, err := s.rdb.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = st
	return st, nil
}

// Open connects to the database and applies pending migrations. An empty
// databaseURL opens (or creates) the SQLite file dataDir/callmatch.db; a
// postgres:// or postgresql:// URL opens PostgreSQL.
func Open(ctx context.Context, databaseURL, dataDir string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{logger: logger, now: time.Now}
	var err error
	switch {
	case databaseURL == "":
		err = s.openSQLite(ctx, dataDir)
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		err = s.openPostgres(ctx, databaseURL)
	default:
		return nil, fmt.Errorf("store: unsupported DATABASE_URL scheme (want postgres:// or empty for SQLite)")
	}
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) openSQLite(ctx context.Context, dataDir string) error {
	s.driver = DriverSQLite
	if dataDir == "" {
		dataDir = "."
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("store: create data directory: %w", err)
	}
	path := filepath.Join(dataDir, SQLiteFile)

	// SQLite allows one writer at a time: all writes go through a pool of
	// one connection whose transactions take the write lock when they begin
	// (_txlock=immediate), so a read-then-write transaction never fails to
	// upgrade its lock. busy_timeout covers a second process on the same file.
	w, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate"+
		"&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)")
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s.db = w
	if err := w.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}

	// Readers do not block the writer in WAL mode, so they get their own pool.
	r, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)")
	if err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.rdb = r
	if err := r.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	s.logger.Info("Store opened", slog.String("driver", s.driver), slog.String("path", path))
	return nil
}

func (s *Store) openPostgres(ctx context.Context, databaseURL string) error {
	s.driver = DriverPostgres
	db, err := sql.Open("pgx", databaseURL)
	if err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	s.db, s.rdb = db, db
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: open postgres: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		return err
	}
	s.logger.Info("Store opened", slog.String("driver", s.driver))
	return nil
}

// Driver names the engine in use: DriverSQLite or DriverPostgres.
func (s *Store) Driver() string { return s.driver }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	if s.rdb != s.db {
		if err := s.rdb.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping: %w", err)
		}
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	var errs []error
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	if s.rdb != nil && s.rdb != s.db {
		errs = append(errs, s.rdb.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// errRollback ends a transaction without an error for the caller: the
// transaction found nothing to write.
var errRollback = errors.New("store: nothing to write")

// inTx runs fn in a write transaction, committing when fn returns nil and
// rolling back otherwise. errRollback rolls back and returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		if errors.Is(err, errRollback) {
			return nil
		}
		return err
	}
	return tx.Commit()
}

// queryer is what *sql.DB and *sql.Tx have in common.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// notFound turns sql.ErrNoRows into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// placeholders returns "$from, $from+1, ..." for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", from+i)
	}
	return b.String()
}

// Timestamps are BIGINT microseconds since the epoch, UTC.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// utcMicro is t as it reads back from the store.
func utcMicro(t time.Time) time.Time { return fromMicros(micros(t)) }

func nullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micros(*t)
}

func timePtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
