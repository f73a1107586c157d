package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"callmatch/funding"
)

// validateSubscription checks a subscription before it is saved.
func validateSubscription(sub *funding.Subscription) error {
	bad := func(field, msg string) error { return &funding.ValidationError{Field: field, Message: msg} }
	switch {
	case sub.Email == "":
		return bad("email", "is required")
	case funding.ValidateEmail(sub.Email) != nil:
		return bad("email", "is not a valid e-mail address")
	case sub.Frequency != funding.FrequencyDaily && sub.Frequency != funding.FrequencyWeekly:
		return bad("frequency", "must be daily or weekly")
	case sub.Weekday < time.Sunday || sub.Weekday > time.Saturday:
		return bad("weekday", "must be 0 (Sunday) to 6")
	case sub.Hour < 0 || sub.Hour > 23:
		return bad("hour", "must be 0 to 23")
	case sub.TokenHash == "":
		return bad("token", "is required")
	}
	return nil
}

// CreateSubscription stores a new, unconfirmed subscription with
// sub.TokenHash, and sets sub.ID, CreatedAt and UpdatedAt. Bad settings are
// a *funding.ValidationError; an unknown profile is ErrNotFound.
func (s *Store) CreateSubscription(ctx context.Context, sub *funding.Subscription) error {
	if err := validateSubscription(sub); err != nil {
		return err
	}
	now := utcMicro(s.now())
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if sub.ProfileID != "" {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM profiles WHERE id = $1`, sub.ProfileID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("profile %s: %w", sub.ProfileID, ErrNotFound)
			}
		}
		return tx.QueryRowContext(ctx, `INSERT INTO subscriptions (email, email_key, profile_id, frequency, weekday, hour,
			timezone, language, token_hash, confirmed_at, paused_until, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
			sub.Email, emailKey(sub.Email), nullString(sub.ProfileID), sub.Frequency, int(sub.Weekday), sub.Hour,
			sub.Timezone, sub.Language, sub.TokenHash, nullMicros(sub.ConfirmedAt), nullMicros(sub.PausedUntil),
			micros(now)).Scan(&sub.ID)
	})
	if err != nil {
		return fmt.Errorf("store: create subscription: %w", err)
	}
	sub.CreatedAt, sub.UpdatedAt = now, now
	sub.UnsubscribedAt, sub.LastDigestAt, sub.Bounced = nil, nil, false
	return nil
}

// UpdateSubscription stores the settings of sub.ID: profile, frequency,
// weekday, hour, timezone, language and PausedUntil (nil resumes). The
// e-mail, token and life-cycle dates are not changed here. It sets
// sub.UpdatedAt.
func (s *Store) UpdateSubscription(ctx context.Context, sub *funding.Subscription) error {
	v := *sub
	v.TokenHash = "-" // not updated; keeps validate quiet
	if err := validateSubscription(&v); err != nil {
		return err
	}
	now := utcMicro(s.now())
	res, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET profile_id = $2, frequency = $3, weekday = $4, hour = $5,
		timezone = $6, language = $7, paused_until = $8, updated_at = $9 WHERE id = $1`,
		sub.ID, nullString(sub.ProfileID), sub.Frequency, int(sub.Weekday), sub.Hour, sub.Timezone, sub.Language,
		nullMicros(sub.PausedUntil), micros(now))
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: update subscription %d: %w", sub.ID, err)
	}
	sub.UpdatedAt = now
	return nil
}

// ConfirmSubscription confirms the subscription whose token has that hash
// (the double opt-in link) and returns it. Confirming twice keeps the first
// ConfirmedAt. An unknown token is ErrNotFound.
func (s *Store) ConfirmSubscription(ctx context.Context, tokenHash string, now time.Time) (funding.Subscription, error) {
	sub, err := s.subscriptionWhere(ctx, s.db, `UPDATE subscriptions SET confirmed_at = COALESCE(confirmed_at, $2), updated_at = $2
		WHERE token_hash = $1 RETURNING `+subscriptionColumns, tokenHash, micros(now))
	if err != nil {
		return funding.Subscription{}, fmt.Errorf("store: confirm subscription: %w", err)
	}
	return sub, nil
}

// Subscription returns the subscription with that id, or ErrNotFound.
func (s *Store) Subscription(ctx context.Context, id int64) (funding.Subscription, error) {
	sub, err := s.subscriptionWhere(ctx, s.rdb, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE id = $1`, id)
	if err != nil {
		return funding.Subscription{}, fmt.Errorf("store: subscription %d: %w", id, err)
	}
	return sub, nil
}

// SubscriptionByToken returns the subscription whose token has that hash, or ErrNotFound.
func (s *Store) SubscriptionByToken(ctx context.Context, tokenHash string) (funding.Subscription, error) {
	sub, err := s.subscriptionWhere(ctx, s.rdb, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE token_hash = $1`, tokenHash)
	if err != nil {
		return funding.Subscription{}, fmt.Errorf("store: subscription by token: %w", err)
	}
	return sub, nil
}

// SubscriptionsByEmail returns the subscriptions of an e-mail address
// (case-insensitive), oldest first, unsubscribed ones included.
func (s *Store) SubscriptionsByEmail(ctx context.Context, email string) ([]funding.Subscription, error) {
	subs, err := s.querySubscriptions(ctx, `WHERE email_key = $1`, emailKey(email))
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions by email: %w", err)
	}
	return subs, nil
}

// SubscriptionsByProfile returns the subscriptions to a profile's digest,
// oldest first, unsubscribed ones included.
func (s *Store) SubscriptionsByProfile(ctx context.Context, profileID string) ([]funding.Subscription, error) {
	subs, err := s.querySubscriptions(ctx, `WHERE profile_id = $1`, profileID)
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions by profile: %w", err)
	}
	return subs, nil
}

// DueSubscriptions returns the subscriptions that may receive a digest at
// now: confirmed, not paused (PausedUntil nil or not after now), not
// unsubscribed, not bounced. Whether a digest is due at this hour is the
// scheduler's call (Frequency, Weekday, Hour, Timezone, LastDigestAt).
func (s *Store) DueSubscriptions(ctx context.Context, now time.Time) ([]funding.Subscription, error) {
	subs, err := s.querySubscriptions(ctx, `WHERE confirmed_at IS NOT NULL AND unsubscribed_at IS NULL AND bounced = $1
		AND (paused_until IS NULL OR paused_until <= $2)`, false, micros(now))
	if err != nil {
		return nil, fmt.Errorf("store: due subscriptions: %w", err)
	}
	return subs, nil
}

// Unsubscribe ends one subscription. Unsubscribing twice keeps the first date.
func (s *Store) Unsubscribe(ctx context.Context, id int64, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET unsubscribed_at = COALESCE(unsubscribed_at, $2), updated_at = $2
		WHERE id = $1`, id, micros(now))
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("store: unsubscribe %d: %w", id, err)
	}
	return nil
}

// UnsubscribeEmail ends every subscription of an e-mail address
// (case-insensitive) and returns how many were still active.
func (s *Store) UnsubscribeEmail(ctx context.Context, email string, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET unsubscribed_at = $2, updated_at = $2
		WHERE email_key = $1 AND unsubscribed_at IS NULL`, emailKey(email), micros(now))
	if err != nil {
		return 0, fmt.Errorf("store: unsubscribe email: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: unsubscribe email: %w", err)
	}
	return int(n), nil
}

// MarkBounced flags every subscription of an e-mail address
// (case-insensitive) as bounced, so no digest goes there any more, and
// returns how many it flagged.
func (s *Store) MarkBounced(ctx context.Context, email string, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET bounced = $2, updated_at = $3
		WHERE email_key = $1 AND bounced = $4`, emailKey(email), true, micros(now), false)
	if err != nil {
		return 0, fmt.Errorf("store: mark bounced: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: mark bounced: %w", err)
	}
	return int(n), nil
}

const subscriptionColumns = `id, email, profile_id, frequency, weekday, hour, timezone, language, token_hash,
	confirmed_at, paused_until, unsubscribed_at, last_digest_at, bounced, created_at, updated_at`

func scanSubscription(sc interface{ Scan(...any) error }) (funding.Subscription, error) {
	var (
		sub                                     funding.Subscription
		profileID                               sql.NullString
		weekday                                 int
		confirmed, paused, unsubscribed, digest sql.NullInt64
		created, updated                        int64
	)
	err := sc.Scan(&sub.ID, &sub.Email, &profileID, &sub.Frequency, &weekday, &sub.Hour, &sub.Timezone, &sub.Language,
		&sub.TokenHash, &confirmed, &paused, &unsubscribed, &digest, &sub.Bounced, &created, &updated)
	if err != nil {
		return funding.Subscription{}, err
	}
	sub.ProfileID = profileID.String
	sub.Weekday = time.Weekday(weekday)
	sub.ConfirmedAt, sub.PausedUntil = timePtr(confirmed), timePtr(paused)
	sub.UnsubscribedAt, sub.LastDigestAt = timePtr(unsubscribed), timePtr(digest)
	sub.CreatedAt, sub.UpdatedAt = fromMicros(created), fromMicros(updated)
	return sub, nil
}

func (s *Store) subscriptionWhere(ctx context.Context, q queryer, query string, args ...any) (funding.Subscription, error) {
	sub, err := scanSubscription(q.QueryRowContext(ctx, query, args...))
	return sub, notFound(err)
}

func (s *Store) querySubscriptions(ctx context.Context, where string, args ...any) ([]funding.Subscription, error) {
	rows, err := s.rdb.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []funding.Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}
