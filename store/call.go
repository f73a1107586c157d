package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
)

// FieldGone is the changed-field name SaveCall reports, and call_changes
// records, when a call vanishes from the portal (MarkGone) or comes back.
const FieldGone = "gone_at"

// fieldKeys maps the field names of funding.Call.ChangedFields that cover
// several JSON keys to those keys; any other name is its own key.
var fieldKeys = map[string][]string{
	"call_id":         {"call_id", "call_title"},
	"programme":       {"programme", "programme_id"},
	"status":          {"portal_status"},
	"deadlines":       {"deadlines", "deadline_model"},
	"types_of_action": {"types_of_action", "mga_types"},
	"keywords":        {"keywords", "tags", "cross_cutting_priorities"},
}

// provenanceKeys are the JSON keys of funding.Call that are not published
// content (the content hash does not cover them either).
var provenanceKeys = []string{"status", "source_url", "crawled_at", "content_hash", "changed_at", "gone_at"}

// SaveCall inserts or updates a call, keyed by its identifier.
//
// When the stored content hash equals c.ContentHash (computed with c.Hash
// when empty) and the call is not gone, nothing is written at all and
// SaveCall returns (false, nil, nil). Otherwise the call is written, the
// generation bumped and, for an existing call, a call_changes row recorded,
// all in one transaction: created is true for a new call; changed lists the
// fields that differ from the stored version (funding.Call.ChangedFields,
// or the JSON keys that differ when ChangedFields sees none of them), plus
// FieldGone when a gone call is seen again. ChangedAt becomes now when the
// content changed; a gone call seen again with the same content keeps its
// ChangedAt and just has GoneAt cleared.
//
// SaveCall sets c.ContentHash, c.ChangedAt, c.GoneAt and c.CrawledAt (now
// when zero) to what is stored. Concurrent saves of the same call are
// serialized: each sees the version the previous one wrote.
func (s *Store) SaveCall(ctx context.Context, c *funding.Call, now time.Time) (created bool, changed []string, err error) {
	if c.ID == "" {
		return false, nil, fmt.Errorf("store: save call: empty id")
	}
	if c.ContentHash == "" {
		c.ContentHash = c.Hash()
	}
	now = utcMicro(now)
	if c.CrawledAt.IsZero() {
		c.CrawledAt = now
	}
	c.CrawledAt = utcMicro(c.CrawledAt)

	// Most calls are unchanged on most crawls: check without a transaction first.
	st, err := loadCallState(ctx, s.rdb, c.ID, false)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return false, nil, fmt.Errorf("store: save call %s: %w", c.ID, err)
	case st.hash == c.ContentHash && !st.gone.Valid:
		c.ChangedAt, c.GoneAt = fromMicros(st.changedAt), nil
		return false, nil, nil
	}

	err = s.inTx(ctx, func(tx *sql.Tx) error {
		created, changed = false, nil
		// Bumping the generation first takes its row lock (PostgreSQL) or the
		// write lock (SQLite) before reading the call, so concurrent writers
		// of calls queue here and each reads what the previous one committed.
		if err := bumpGeneration(ctx, tx); err != nil {
			return err
		}
		st, err := loadCallState(ctx, tx, c.ID, true)
		if errors.Is(err, ErrNotFound) {
			created = true
			c.ChangedAt, c.GoneAt = now, nil
			return upsertCall(ctx, tx, c, now)
		}
		if err != nil {
			return err
		}
		if st.hash == c.ContentHash && !st.gone.Valid {
			c.ChangedAt, c.GoneAt = fromMicros(st.changedAt), nil
			return errRollback // written meanwhile by another saver
		}

		var old funding.Call
		if err := json.Unmarshal(st.data, &old); err != nil {
			return fmt.Errorf("decode stored call: %w", err)
		}
		old.GoneAt = timePtr(st.gone)
		c.GoneAt = nil
		c.ChangedAt = fromMicros(st.changedAt)
		if st.hash != c.ContentHash {
			changed = c.ChangedFields(&old)
			if len(changed) == 0 {
				changed, err = diffKeys(&old, c)
				if err != nil {
					return err
				}
			}
			if len(changed) > 0 {
				c.ChangedAt = now
			}
		}
		if st.gone.Valid {
			changed = append(changed, FieldGone)
		}
		if err := upsertCall(ctx, tx, c, now); err != nil {
			return err
		}
		if len(changed) == 0 {
			// Only the hash moved (its definition changed): store it quietly.
			return nil
		}
		return insertCallChange(ctx, tx, c.ID, now, changed, &old, c)
	})
	if err != nil {
		return false, nil, fmt.Errorf("store: save call %s: %w", c.ID, err)
	}
	return created, changed, nil
}

type callState struct {
	hash      string
	changedAt int64
	gone      sql.NullInt64
	data      []byte
}

func loadCallState(ctx context.Context, q queryer, id string, withData bool) (callState, error) {
	var st callState
	var err error
	if withData {
		err = q.QueryRowContext(ctx, `SELECT content_hash, changed_at, gone_at, data FROM calls WHERE id = $1`, id).
			Scan(&st.hash, &st.changedAt, &st.gone, &st.data)
	} else {
		err = q.QueryRowContext(ctx, `SELECT content_hash, changed_at, gone_at FROM calls WHERE id = $1`, id).
			Scan(&st.hash, &st.changedAt, &st.gone)
	}
	return st, notFound(err)
}

func upsertCall(ctx context.Context, tx *sql.Tx, c *funding.Call, now time.Time) error {
	data, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode call: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO calls (id, programme, programme_id, status, content_hash, crawled_at, changed_at, updated_at, gone_at, data)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9)
		ON CONFLICT (id) DO UPDATE SET
			programme = excluded.programme,
			programme_id = excluded.programme_id,
			status = excluded.status,
			content_hash = excluded.content_hash,
			crawled_at = excluded.crawled_at,
			changed_at = excluded.changed_at,
			updated_at = excluded.updated_at,
			gone_at = NULL,
			missed_crawls = 0,
			data = excluded.data`,
		c.ID, c.Programme, c.ProgrammeID, string(c.Status), c.ContentHash,
		micros(c.CrawledAt), micros(c.ChangedAt), micros(now), string(data))
	if err != nil {
		return fmt.Errorf("write call: %w", err)
	}
	return nil
}

func insertCallChange(ctx context.Context, tx *sql.Tx, callID string, at time.Time, fields []string, old, cur *funding.Call) error {
	oldValues, err := fieldValues(old, fields)
	if err != nil {
		return err
	}
	newValues, err := fieldValues(cur, fields)
	if err != nil {
		return err
	}
	f, _ := json.Marshal(fields)
	_, err = tx.ExecContext(ctx, `INSERT INTO call_changes (call_id, changed_at, fields, old_values, new_values) VALUES ($1, $2, $3, $4, $5)`,
		callID, micros(at), string(f), string(oldValues), string(newValues))
	if err != nil {
		return fmt.Errorf("record change: %w", err)
	}
	return nil
}

func callKeys(c *funding.Call) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode call: %w", err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("encode call: %w", err)
	}
	return m, nil
}

// fieldValues returns a JSON object of the JSON keys behind fields.
func fieldValues(c *funding.Call, fields []string) ([]byte, error) {
	all, err := callKeys(c)
	if err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for _, f := range fields {
		keys, ok := fieldKeys[f]
		if !ok {
			keys = []string{f}
		}
		for _, k := range keys {
			v, ok := all[k]
			if !ok {
				v = json.RawMessage("null")
			}
			out[k] = v
		}
	}
	return json.Marshal(out)
}

// diffKeys lists the published JSON keys whose values differ between a and b.
func diffKeys(a, b *funding.Call) ([]string, error) {
	x, err := callKeys(a)
	if err != nil {
		return nil, err
	}
	y, err := callKeys(b)
	if err != nil {
		return nil, err
	}
	var out []string
	for k, v := range y {
		if !slices.Contains(provenanceKeys, k) && !bytes.Equal(x[k], v) {
			out = append(out, k)
		}
	}
	for k := range x {
		if _, ok := y[k]; !ok && !slices.Contains(provenanceKeys, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out, nil
}

func bumpGeneration(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `UPDATE generation SET value = value + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("bump generation: %w", err)
	}
	return nil
}

// Generation is a counter bumped in the same transaction as every write to
// calls (new, changed, gone, back). The search index and caches key on it.
func (s *Store) Generation(ctx context.Context) (int64, error) {
	var g int64
	if err := s.rdb.QueryRowContext(ctx, `SELECT value FROM generation WHERE id = 1`).Scan(&g); err != nil {
		return 0, fmt.Errorf("store: generation: %w", err)
	}
	return g, nil
}

// markGoneBatch bounds the number of ids in one statement.
const markGoneBatch = 500

// liveCalls returns the live (not gone) calls of the given programmes with
// their miss counts. Programmes are named by the portal's framework
// programme id (funding.Call.ProgrammeID, e.g. 43152860) or by code
// (funding.Call.Programme, e.g. DIGITAL).
func liveCalls(ctx context.Context, q queryer, programmeIDs []string) (map[string]int, error) {
	args := make([]any, len(programmeIDs))
	for i, p := range programmeIDs {
		args[i] = p
	}
	in := placeholders(1, len(args))
	rows, err := q.QueryContext(ctx, `SELECT id, missed_crawls FROM calls WHERE gone_at IS NULL AND (programme_id IN (`+in+`) OR programme IN (`+in+`))`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var missed int
		if err := rows.Scan(&id, &missed); err != nil {
			return nil, err
		}
		out[id] = missed
	}
	return out, rows.Err()
}

// MissingCalls counts the live calls of the given programmes and, of them,
// those not in seen. It writes nothing: a crawl asks it before it decides
// whether its listing may mark anything missing.
func (s *Store) MissingCalls(ctx context.Context, programmeIDs []string, seen []string) (live, missing int, err error) {
	if len(programmeIDs) == 0 {
		return 0, 0, nil
	}
	calls, err := liveCalls(ctx, s.rdb, programmeIDs)
	if err != nil {
		return 0, 0, fmt.Errorf("store: missing calls: %w", err)
	}
	seenSet := idSet(seen)
	for id := range calls {
		if !seenSet[id] {
			missing++
		}
	}
	return len(calls), missing, nil
}

// MarkMissing records a complete listing of the given programmes. Each
// live call of them that is not in seen has its count of consecutive
// misses grow by one; a call missed goneAfter times in a row (at least
// once) is marked gone: gone_at set, a call_changes row for FieldGone, and
// the generation bumped when at least one call goes. A call in seen has its
// count return to zero. missed is the number of calls missing this time
// that are not gone yet. seen may hold any number of ids. Nothing at all is
// written when no count changes.
func (s *Store) MarkMissing(ctx context.Context, programmeIDs []string, seen []string, now time.Time, goneAfter int) (missed, gone int, err error) {
	if len(programmeIDs) == 0 {
		return 0, 0, nil
	}
	goneAfter = max(goneAfter, 1)
	now = utcMicro(now)
	seenSet := idSet(seen)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		missed, gone = 0, 0
		// Take the write lock (SQLite) or the generation's row lock
		// (PostgreSQL) before reading, as SaveCall does, without moving the
		// generation: miss counts are no published change.
		if _, err := tx.ExecContext(ctx, `UPDATE generation SET value = value WHERE id = 1`); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		calls, err := liveCalls(ctx, tx, programmeIDs)
		if err != nil {
			return err
		}
		var reset, miss, goneIDs []string
		for id, n := range calls {
			switch {
			case seenSet[id]:
				if n > 0 {
					reset = append(reset, id)
				}
			case n+1 >= goneAfter:
				goneIDs = append(goneIDs, id)
			default:
				miss = append(miss, id)
			}
		}
		if len(reset)+len(miss)+len(goneIDs) == 0 {
			return errRollback
		}
		if err := execIDs(ctx, tx, `UPDATE calls SET missed_crawls = 0 WHERE id IN (%s)`, nil, reset); err != nil {
			return err
		}
		if err := execIDs(ctx, tx, `UPDATE calls SET missed_crawls = missed_crawls + 1 WHERE id IN (%s)`, nil, miss); err != nil {
			return err
		}
		missed = len(miss)
		if len(goneIDs) == 0 {
			return nil
		}
		if err := bumpGeneration(ctx, tx); err != nil {
			return err
		}
		fields, _ := json.Marshal([]string{FieldGone})
		newValues, _ := json.Marshal(map[string]time.Time{FieldGone: now})
		if err := execIDs(ctx, tx, `
				INSERT INTO call_changes (call_id, changed_at, fields, old_values, new_values)
				SELECT id, CAST($1 AS BIGINT), CAST($2 AS TEXT), '{"gone_at":null}', CAST($3 AS TEXT)
				FROM calls WHERE id IN (%s)`, []any{micros(now), string(fields), string(newValues)}, goneIDs); err != nil {
			return fmt.Errorf("record change: %w", err)
		}
		if err := execIDs(ctx, tx, `UPDATE calls SET gone_at = $1, updated_at = $1, missed_crawls = missed_crawls + 1 WHERE id IN (%s)`,
			[]any{micros(now)}, goneIDs); err != nil {
			return err
		}
		gone = len(goneIDs)
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("store: mark missing: %w", err)
	}
	return missed, gone, nil
}

// MarkGone marks as gone, at once, the live calls of the given programmes
// that are not in seen, and returns how many: MarkMissing with goneAfter 1.
func (s *Store) MarkGone(ctx context.Context, programmeIDs []string, seen []string, now time.Time) (int, error) {
	_, gone, err := s.MarkMissing(ctx, programmeIDs, seen, now, 1)
	return gone, err
}

// ClearMissed returns the miss counts of the calls in seen to zero: calls
// a crawl listed exist, even when its listing as a whole is not trusted to
// say which calls are missing. It writes nothing when no count changes.
func (s *Store) ClearMissed(ctx context.Context, seen []string) error {
	seenSet := idSet(seen)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM calls WHERE missed_crawls > 0`)
		if err != nil {
			return err
		}
		var reset []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			if seenSet[id] {
				reset = append(reset, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(reset) == 0 {
			return errRollback
		}
		return execIDs(ctx, tx, `UPDATE calls SET missed_crawls = 0 WHERE id IN (%s)`, nil, reset)
	})
	if err != nil {
		return fmt.Errorf("store: clear missed: %w", err)
	}
	return nil
}

// execIDs runs query, whose %s stands for the placeholders of a batch of
// ids after the leading args, once per batch of ids.
func execIDs(ctx context.Context, tx *sql.Tx, query string, lead []any, ids []string) error {
	for batch := range slices.Chunk(ids, markGoneBatch) {
		args := slices.Clone(lead)
		for _, id := range batch {
			args = append(args, id)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(query, placeholders(len(lead)+1, len(batch))), args...); err != nil {
			return err
		}
	}
	return nil
}

func idSet(ids []string) map[string]bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

const callColumns = `data, content_hash, crawled_at, changed_at, gone_at`

func scanCall(sc interface{ Scan(...any) error }) (funding.Call, error) {
	var (
		c                    funding.Call
		data                 []byte
		hash                 string
		crawledAt, changedAt int64
		gone                 sql.NullInt64
	)
	if err := sc.Scan(&data, &hash, &crawledAt, &changedAt, &gone); err != nil {
		return c, err
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return c, fmt.Errorf("decode call: %w", err)
	}
	c.ContentHash = hash
	c.CrawledAt = fromMicros(crawledAt)
	c.ChangedAt = fromMicros(changedAt)
	c.GoneAt = timePtr(gone)
	return c, nil
}

func (s *Store) queryCalls(ctx context.Context, query string, args ...any) ([]funding.Call, error) {
	rows, err := s.rdb.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	calls := []funding.Call{}
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
	}
	return calls, rows.Err()
}

// Call returns the call with that identifier, or ErrNotFound.
func (s *Store) Call(ctx context.Context, id string) (*funding.Call, error) {
	c, err := scanCall(s.rdb.QueryRowContext(ctx, `SELECT `+callColumns+` FROM calls WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("store: call %s: %w", id, notFound(err))
	}
	return &c, nil
}

// CallsByID returns the calls of those identifiers that exist, in the
// order of ids, in one query per 500 identifiers.
func (s *Store) CallsByID(ctx context.Context, ids []string) ([]funding.Call, error) {
	byID := make(map[string]funding.Call, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		marks := make([]string, len(chunk))
		args := make([]any, len(chunk))
		for i, id := range chunk {
			marks[i] = "$" + strconv.Itoa(i+1)
			args[i] = id
		}
		calls, err := s.queryCalls(ctx, `SELECT `+callColumns+` FROM calls WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("store: calls by id: %w", err)
		}
		for _, c := range calls {
			byID[c.ID] = c
		}
	}
	out := make([]funding.Call, 0, len(byID))
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, c)
			delete(byID, id) // an identifier asked twice gives the call once
		}
	}
	return out, nil
}

// Calls returns every call, gone ones included, ordered by identifier.
func (s *Store) Calls(ctx context.Context) ([]funding.Call, error) {
	calls, err := s.queryCalls(ctx, `SELECT `+callColumns+` FROM calls ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("store: calls: %w", err)
	}
	return calls, nil
}

// CallsChangedSince returns the calls whose row was written at or after t
// for any reason: new, changed, gone or back. (ChangedAt tells content
// changes apart, GoneAt gone calls.) Ordered by identifier.
func (s *Store) CallsChangedSince(ctx context.Context, t time.Time) ([]funding.Call, error) {
	calls, err := s.queryCalls(ctx, `SELECT `+callColumns+` FROM calls WHERE updated_at >= $1 ORDER BY id`, micros(t))
	if err != nil {
		return nil, fmt.Errorf("store: calls changed since: %w", err)
	}
	return calls, nil
}

// CallCount returns the number of calls, gone ones included.
func (s *Store) CallCount(ctx context.Context) (int, error) {
	var n int
	if err := s.rdb.QueryRowContext(ctx, `SELECT COUNT(*) FROM calls`).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: call count: %w", err)
	}
	return n, nil
}

// CallChanges returns the recorded changes of one call at or after since, oldest first.
func (s *Store) CallChanges(ctx context.Context, callID string, since time.Time) ([]funding.CallChange, error) {
	ch, err := s.queryChanges(ctx, `WHERE call_id = $1 AND changed_at >= $2`, callID, micros(since))
	if err != nil {
		return nil, fmt.Errorf("store: call changes %s: %w", callID, err)
	}
	return ch, nil
}

// ChangesSince returns the recorded changes of all calls at or after since, oldest first.
func (s *Store) ChangesSince(ctx context.Context, since time.Time) ([]funding.CallChange, error) {
	ch, err := s.queryChanges(ctx, `WHERE changed_at >= $1`, micros(since))
	if err != nil {
		return nil, fmt.Errorf("store: changes since: %w", err)
	}
	return ch, nil
}

func (s *Store) queryChanges(ctx context.Context, where string, args ...any) ([]funding.CallChange, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT id, call_id, changed_at, fields, old_values, new_values FROM call_changes `+
		where+` ORDER BY changed_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []funding.CallChange{}
	for rows.Next() {
		var (
			ch                 funding.CallChange
			at                 int64
			fields, oldv, newv []byte
		)
		if err := rows.Scan(&ch.ID, &ch.CallID, &at, &fields, &oldv, &newv); err != nil {
			return nil, err
		}
		ch.ChangedAt = fromMicros(at)
		if err := json.Unmarshal(fields, &ch.Fields); err != nil {
			return nil, fmt.Errorf("decode change %d: %w", ch.ID, err)
		}
		if err := json.Unmarshal(oldv, &ch.Old); err != nil {
			return nil, fmt.Errorf("decode change %d: %w", ch.ID, err)
		}
		if err := json.Unmarshal(newv, &ch.New); err != nil {
			return nil, fmt.Errorf("decode change %d: %w", ch.ID, err)
		}
		out = append(out, ch)
	}
	return out, rows.Err()
}
