package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"callmatch/funding"
)

// PlanDigest inserts d as a planned digest unless the subscription already
// has one for d.PeriodKey. Either way d is filled from the stored row and
// created says whether it is new. PlannedAt defaults to now. An unknown
// subscription is ErrNotFound.
func (s *Store) PlanDigest(ctx context.Context, d *funding.Digest) (created bool, err error) {
	planned := d.PlannedAt
	if planned.IsZero() {
		planned = s.now()
	}
	items := d.Items
	if items == nil {
		items = []funding.DigestItem{}
	}
	b, err := json.Marshal(items)
	if err != nil {
		return false, fmt.Errorf("store: plan digest: %w", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE id = $1`, d.SubscriptionID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("subscription %d: %w", d.SubscriptionID, ErrNotFound)
		}
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO digests (subscription_id, period_key, items, state, planned_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id, period_key) DO NOTHING RETURNING id`,
			d.SubscriptionID, d.PeriodKey, string(b), funding.DigestPlanned, micros(planned)).Scan(&id)
		switch {
		case err == nil:
			created = true
		case errors.Is(err, sql.ErrNoRows):
			created = false
		default:
			return err
		}
		got, err := scanDigest(tx.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests
			WHERE subscription_id = $1 AND period_key = $2`, d.SubscriptionID, d.PeriodKey))
		if err != nil {
			return err
		}
		*d = got
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("store: plan digest %d %s: %w", d.SubscriptionID, d.PeriodKey, err)
	}
	return created, nil
}

// Digest returns the digest with that id, or ErrNotFound.
func (s *Store) Digest(ctx context.Context, id int64) (funding.Digest, error) {
	d, err := scanDigest(s.rdb.QueryRowContext(ctx, `SELECT `+digestColumns+` FROM digests WHERE id = $1`, id))
	if err != nil {
		return funding.Digest{}, fmt.Errorf("store: digest %d: %w", id, notFound(err))
	}
	return d, nil
}

// PendingDigests returns the planned digests, oldest first.
func (s *Store) PendingDigests(ctx context.Context) ([]funding.Digest, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+digestColumns+` FROM digests WHERE state = $1 ORDER BY planned_at, id`, funding.DigestPlanned)
	if err != nil {
		return nil, fmt.Errorf("store: pending digests: %w", err)
	}
	defer rows.Close()
	out := []funding.Digest{}
	for rows.Next() {
		d, err := scanDigest(rows)
		if err != nil {
			return nil, fmt.Errorf("store: pending digests: %w", err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: pending digests: %w", err)
	}
	return out, nil
}

// ClaimDigest moves a planned digest to sending, counts the attempt and
// returns it. Only one of several concurrent claimers gets it: the others
// get ErrConflict, which is also funding.ErrDigestNotClaimable (ErrNotFound
// for an unknown id). A digest left in sending (its sender died mid-way)
// stays there until RequeueStaleDigests.
func (s *Store) ClaimDigest(ctx context.Context, id int64, now time.Time) (funding.Digest, error) {
	d, err := scanDigest(s.db.QueryRowContext(ctx, `UPDATE digests SET state = $2, attempts = attempts + 1, claimed_at = $3
		WHERE id = $1 AND state = $4 RETURNING `+digestColumns, id, funding.DigestSending, micros(now), funding.DigestPlanned))
	if errors.Is(err, sql.ErrNoRows) {
		if err = stateConflict(ctx, s.db, id); errors.Is(err, ErrConflict) {
			err = fmt.Errorf("%w: %w", funding.ErrDigestNotClaimable, err)
		}
	}
	if err != nil {
		return funding.Digest{}, fmt.Errorf("store: claim digest %d: %w", id, err)
	}
	return d, nil
}

// MarkDigestSent records that a digest in sending went out: its state,
// time and message id, its items as sent for the subscription (see
// SentItems) and the subscription's LastDigestAt, in one transaction.
func (s *Store) MarkDigestSent(ctx context.Context, id int64, messageID string, now time.Time) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var (
			subID int64
			items []byte
		)
		err := tx.QueryRowContext(ctx, `UPDATE digests SET state = $2, sent_at = $3, message_id = $4, last_error = ''
			WHERE id = $1 AND state = $5 RETURNING subscription_id, items`,
			id, funding.DigestSent, micros(now), messageID, funding.DigestSending).Scan(&subID, &items)
		if errors.Is(err, sql.ErrNoRows) {
			return stateConflict(ctx, tx, id)
		}
		if err != nil {
			return err
		}
		var list []funding.DigestItem
		if err := json.Unmarshal(items, &list); err != nil {
			return fmt.Errorf("decode items: %w", err)
		}
		for _, it := range list {
			if _, err := tx.ExecContext(ctx, `INSERT INTO sent_items (subscription_id, call_id, reason, digest_id, sent_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id, call_id, reason) DO NOTHING`,
				subID, it.CallID, it.Reason, id, micros(now)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE subscriptions SET last_digest_at = $2 WHERE id = $1`, subID, micros(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("store: mark digest %d sent: %w", id, err)
	}
	return nil
}

// MarkDigestFailed records a failed attempt to send a digest in sending:
// permanent failures end in failed, others go back to planned for a retry.
func (s *Store) MarkDigestFailed(ctx context.Context, id int64, errMsg string, permanent bool) error {
	state := funding.DigestPlanned
	if permanent {
		state = funding.DigestFailed
	}
	res, err := s.db.ExecContext(ctx, `UPDATE digests SET state = $2, last_error = $3 WHERE id = $1 AND state = $4`,
		id, state, errMsg, funding.DigestSending)
	err = affectedOne(res, err)
	if errors.Is(err, ErrNotFound) {
		err = stateConflict(ctx, s.db, id)
	}
	if err != nil {
		return fmt.Errorf("store: mark digest %d failed: %w", id, err)
	}
	return nil
}

// RequeueStaleDigests moves the digests still sending that were claimed
// before claimedBefore back to planned, and returns how many: their sender
// died mid-way. Whether such a mail left is unknown, so requeueing trades
// a possible duplicate for a certain loss; the caller picks claimedBefore
// well past any send timeout.
func (s *Store) RequeueStaleDigests(ctx context.Context, claimedBefore time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE digests SET state = $1, last_error = $2
		WHERE state = $3 AND claimed_at < $4`,
		funding.DigestPlanned, "requeued: the sender stopped while sending", funding.DigestSending, micros(claimedBefore))
	if err != nil {
		return 0, fmt.Errorf("store: requeue stale digests: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: requeue stale digests: %w", err)
	}
	return int(n), nil
}

// stateConflict explains why a state change of digest id touched no row.
func stateConflict(ctx context.Context, q queryer, id int64) error {
	var state string
	err := q.QueryRowContext(ctx, `SELECT state FROM digests WHERE id = $1`, id).Scan(&state)
	if err != nil {
		return notFound(err)
	}
	return fmt.Errorf("digest is %s: %w", state, ErrConflict)
}

// SentItems returns what a subscription has already been sent, keyed by
// funding.SentItemKey(call id, reason), so that no item goes out twice for the same reason.
func (s *Store) SentItems(ctx context.Context, subscriptionID int64) (map[string]bool, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT call_id, reason FROM sent_items WHERE subscription_id = $1`, subscriptionID)
	if err != nil {
		return nil, fmt.Errorf("store: sent items %d: %w", subscriptionID, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var callID, reason string
		if err := rows.Scan(&callID, &reason); err != nil {
			return nil, fmt.Errorf("store: sent items %d: %w", subscriptionID, err)
		}
		out[funding.SentItemKey(callID, reason)] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sent items %d: %w", subscriptionID, err)
	}
	return out, nil
}

const digestColumns = `id, subscription_id, period_key, items, state, planned_at, claimed_at, sent_at, attempts, last_error, message_id`

func scanDigest(sc interface{ Scan(...any) error }) (funding.Digest, error) {
	var (
		d             funding.Digest
		items         []byte
		planned       int64
		claimed, sent sql.NullInt64
	)
	if err := sc.Scan(&d.ID, &d.SubscriptionID, &d.PeriodKey, &items, &d.State, &planned, &claimed, &sent,
		&d.Attempts, &d.LastError, &d.MessageID); err != nil {
		return funding.Digest{}, err
	}
	if err := json.Unmarshal(items, &d.Items); err != nil {
		return funding.Digest{}, fmt.Errorf("decode digest %d items: %w", d.ID, err)
	}
	d.PlannedAt = fromMicros(planned)
	d.ClaimedAt, d.SentAt = timePtr(claimed), timePtr(sent)
	return d, nil
}
