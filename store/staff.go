package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Staff is an NCC staff account.
type Staff struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// CreateStaff stores a staff account. The e-mail is stored lower-cased;
// a taken e-mail or token hash is ErrConflict.
func (s *Store) CreateStaff(ctx context.Context, email, passwordHash, tokenHash string) (Staff, error) {
	st := Staff{Email: emailKey(email), PasswordHash: passwordHash, CreatedAt: utcMicro(s.now())}
	err := s.db.QueryRowContext(ctx, `INSERT INTO staff (email, password_hash, token_hash, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id`,
		st.Email, passwordHash, tokenHash, micros(st.CreatedAt)).Scan(&st.ID)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrConflict
	}
	if err != nil {
		return Staff{}, fmt.Errorf("store: create staff: %w", err)
	}
	return st, nil
}

func (s *Store) staffWhere(ctx context.Context, where string, arg any) (Staff, error) {
	var (
		st      Staff
		created int64
	)
	err := s.rdb.QueryRowContext(ctx, `SELECT id, email, password_hash, created_at FROM staff WHERE `+where, arg).
		Scan(&st.ID, &st.Email, &st.PasswordHash, &created)
	if err != nil {
		return Staff{}, notFound(err)
	}
	st.CreatedAt = fromMicros(created)
	return st, nil
}

// Staff returns the staff account with that id, or ErrNotFound.
func (s *Store) Staff(ctx context.Context, id int64) (Staff, error) {
	st, err := s.staffWhere(ctx, `id = $1`, id)
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff %d: %w", id, err)
	}
	return st, nil
}

// StaffByEmail returns the staff account with that e-mail (case-insensitive), or ErrNotFound.
func (s *Store) StaffByEmail(ctx context.Context, email string) (Staff, error) {
	st, err := s.staffWhere(ctx, `email = $1`, emailKey(email))
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff by email: %w", err)
	}
	return st, nil
}

// StaffByTokenHash returns the staff account whose API token has that hash, or ErrNotFound.
func (s *Store) StaffByTokenHash(ctx context.Context, tokenHash string) (Staff, error) {
	st, err := s.staffWhere(ctx, `token_hash = $1`, tokenHash)
	if err != nil {
		return Staff{}, fmt.Errorf("store: staff by token: %w", err)
	}
	return st, nil
}

// ResetStaffCredentials replaces the password and API token hashes of the
// staff account with that e-mail and ends its sessions: credentials that
// were lost or leaked stop working at once. Unknown e-mail: ErrNotFound.
func (s *Store) ResetStaffCredentials(ctx context.Context, email, passwordHash, tokenHash string) (Staff, error) {
	var st Staff
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var created int64
		err := tx.QueryRowContext(ctx, `UPDATE staff SET password_hash = $1, token_hash = $2 WHERE email = $3
			RETURNING id, email, created_at`, passwordHash, tokenHash, emailKey(email)).Scan(&st.ID, &st.Email, &created)
		if err != nil {
			return notFound(err)
		}
		st.PasswordHash, st.CreatedAt = passwordHash, fromMicros(created)
		_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE subject_kind = $1 AND subject_id = $2`, SubjectStaff, strconv.FormatInt(st.ID, 10))
		return err
	})
	if err != nil {
		return Staff{}, fmt.Errorf("store: reset staff credentials: %w", err)
	}
	return st, nil
}
