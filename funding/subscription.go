package funding

import (
	"encoding/json"
	"errors"
	"time"
)

// Digest frequencies (Subscription.Frequency).
const (
	FrequencyDaily  = "daily"
	FrequencyWeekly = "weekly"
)

// Subscription is a request for e-mail digests of one profile's matches,
// confirmed by double opt-in. When the digest goes out is the digest
// scheduler's business: Hour (0-23) in Timezone (an IANA name; empty means
// the digest's default), and on Weekday for weekly digests.
type Subscription struct {
	ID        int64        `json:"id"`
	Email     string       `json:"email"`
	ProfileID string       `json:"profile_id,omitempty"`
	Frequency string       `json:"frequency"` // FrequencyDaily or FrequencyWeekly
	Weekday   time.Weekday `json:"weekday"`
	Hour      int          `json:"hour"`
	Timezone  string       `json:"timezone"`
	Language  string       `json:"language"` // en, fr or nl; anything else reads as en

	ConfirmedAt *time.Time `json:"confirmed_at,omitempty"` // double opt-in; nil: nothing is sent
	// PausedUntil, when after now, holds the digests back; when it ends,
	// only the latest period's digest is sent, not one per paused period.
	PausedUntil    *time.Time `json:"paused_until,omitempty"`
	UnsubscribedAt *time.Time `json:"unsubscribed_at,omitempty"`
	// LastDigestAt is when the last digest was sent.
	LastDigestAt *time.Time `json:"last_digest_at,omitempty"`
	Bounced      bool       `json:"bounced"` // the address was refused permanently (5xx): nothing is sent
	// TokenHash is the hash of the token in confirm and unsubscribe links;
	// the token itself is never stored.
	TokenHash string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Active reports whether s may receive digests at all: confirmed, not
// unsubscribed, not bounced.
func (s Subscription) Active() bool {
	return s.ConfirmedAt != nil && s.UnsubscribedAt == nil && !s.Bounced
}

// Digest states: planned -> sending -> sent, or -> failed (permanent), or
// back to planned (a failure worth retrying).
const (
	DigestPlanned = "planned"
	DigestSending = "sending"
	DigestSent    = "sent"
	DigestFailed  = "failed"
)

// Digest is one e-mail of the outbox: what a subscription gets for one
// period. PeriodKey names the period (the local date of the slot,
// "2026-11-26"): a subscription has at most one digest per period, so
// planning twice is a no-op and a restart never sends a period twice.
type Digest struct {
	ID             int64        `json:"id"`
	SubscriptionID int64        `json:"subscription_id"`
	PeriodKey      string       `json:"period_key"`
	Items          []DigestItem `json:"items"`
	State          string       `json:"state"`
	// PlannedAt is also the "now" the digest is rendered at: every attempt
	// renders the same e-mail.
	PlannedAt time.Time  `json:"planned_at"`
	ClaimedAt *time.Time `json:"claimed_at,omitempty"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	Attempts  int        `json:"attempts"` // claims so far
	LastError string     `json:"last_error,omitempty"`
	MessageID string     `json:"message_id,omitempty"`
}

// DigestItem is one (call, reason) a digest covers: the store remembers
// each as sent once the digest is sent, so no call is sent twice for the
// same reason. Reason is why the call is in the digest, qualified where one
// call can bring the same kind of news again ("changed@<time of the
// change>", "deadline@<the deadline>"). Data is whatever the composer keeps
// with it, stored as is.
type DigestItem struct {
	CallID string          `json:"call_id"`
	Reason string          `json:"reason"`
	Data   json.RawMessage `json:"data,omitempty"`
}

// ErrDigestNotClaimable is what claiming a digest that is no longer planned
// returns (wrapped): another sender has it, or it was sent.
var ErrDigestNotClaimable = errors.New("digest not claimable")

// SentItemKey is the key of a sent item: a call and a reason.
func SentItemKey(callID, reason string) string { return callID + "|" + reason }

// CallChange is one recorded change of a call: which fields changed
// (Call.ChangedFields) and their values before and after, keyed by the
// JSON names of Call (a field such as "deadlines" covers the keys
// deadlines and deadline_model).
type CallChange struct {
	ID        int64                      `json:"id"`
	CallID    string                     `json:"call_id"`
	ChangedAt time.Time                  `json:"changed_at"`
	Fields    []string                   `json:"fields"`
	Old       map[string]json.RawMessage `json:"old"`
	New       map[string]json.RawMessage `json:"new"`
}
