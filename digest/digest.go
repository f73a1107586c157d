// Package digest composes and sends the e-mail digests of callmatch: for
// each subscriber and period, the new matches of their profile (staff
// recommendations first), the relevant changes of the calls they follow and
// the deadlines of the next 14 days.
//
// The work is split in three steps, each in its own file:
//
//   - plan.go: for every subscription whose slot has come (schedule.go), pick
//     the items not sent before and record the digest in the store's outbox
//     (insert-if-absent, keyed by subscription and period) BEFORE anything is
//     sent. A period with nothing new is recorded as skipped: no empty e-mail.
//   - compose.go: Composer.Compose renders a planned digest into a Message
//     (subject, plain text and HTML, headers). It is pure.
//   - send.go: a Mailer sends a Message, through SMTP (go-mail) or into an
//     outbox folder of .eml files. Mailer.Send is the only side effect.
//
// Runner.RunDue ties them together: plan what is due, then claim -> send ->
// mark every pending digest of the outbox. See runner.go for the
// exactly-once rules.
package digest

import (
	"context"
	"time"

	"callmatch/funding"
)

// Frequency is how often a subscriber gets a digest.
type Frequency string

// Frequencies.
const (
	Daily  Frequency = "daily"
	Weekly Frequency = "weekly"
)

// SubscriptionStatus is the life-cycle state of a subscription.
type SubscriptionStatus string

// Subscription states. Only active subscriptions receive digests.
const (
	SubscriptionPending      SubscriptionStatus = "pending" // double opt-in not confirmed yet
	SubscriptionActive       SubscriptionStatus = "active"
	SubscriptionUnsubscribed SubscriptionStatus = "unsubscribed"
	SubscriptionBounced      SubscriptionStatus = "bounced" // the address was refused permanently (5xx)
)

// DefaultTimeZone is the zone of subscriptions that name none.
const DefaultTimeZone = "Europe/Brussels"

// Subscription is one subscriber's digest settings for one profile.
type Subscription struct {
	ID        string
	ProfileID string
	Email     string
	Language  string // en, fr or nl; anything else reads as en
	Frequency Frequency
	Weekday   time.Weekday // weekly digests: the day of the week
	Hour      int          // the local hour (0-23) from which the digest is due
	TimeZone  string       // IANA name; empty means DefaultTimeZone
	Status    SubscriptionStatus

	// PausedUntil, when after now, holds the digests back; when it ends,
	// only the latest period's digest is sent, not one per paused period.
	PausedUntil time.Time

	// UnsubscribeToken is the opaque token of BASE_URL/unsubscribe/{token}.
	// When empty, the Runner signs one with Config.SecretKey (see
	// UnsubscribeToken).
	UnsubscribeToken string

	CreatedAt time.Time

	// LastPeriod and LastPlannedAt are those of the last digest planned (or
	// skipped because nothing was new) for this subscription: the store
	// updates them in PlanDigest. LastPlannedAt starts the window of call
	// changes of the next digest.
	LastPeriod    string
	LastPlannedAt time.Time
}

// Kind is the reason an item is in a digest, and the section it is shown in.
type Kind string

// Item kinds, in the order of the sections of a digest.
const (
	KindRecommended Kind = "recommended" // a staff recommendation for the profile
	KindNew         Kind = "match"       // a call newly matching the profile
	KindChanged     Kind = "changed"     // a followed call whose deadline, budget, status or documents changed
	KindDeadline    Kind = "deadline"    // a followed or matched call whose deadline is near
)

// ItemKey identifies what a subscriber has been told: a call and a reason.
// Reason is the Kind, qualified where one call can give the same kind of news
// again: "changed@<time of the change>" and "deadline@<the deadline>" (so a
// second change, or the second deadline of a two-stage call, is news again).
// The store remembers the keys per subscription; no key is sent twice.
type ItemKey struct {
	CallID string `json:"call_id"`
	Reason string `json:"reason"`
}

// Item is one call in a digest, with everything needed to render it: a
// digest is rendered from its items alone, so what is sent after a crash or
// a retry is what was planned.
type Item struct {
	Kind         Kind           `json:"kind"`
	CallID       string         `json:"call_id"`
	Title        string         `json:"title"`
	Programme    string         `json:"programme,omitempty"`
	Status       funding.Status `json:"status,omitempty"`
	Deadline     *time.Time     `json:"deadline,omitempty"` // the next deadline
	BudgetMin    int64          `json:"budget_min,omitempty"`
	BudgetMax    int64          `json:"budget_max,omitempty"`
	Score        float64        `json:"score,omitempty"`
	Reasons      []Reason       `json:"reasons,omitempty"`
	Note         string         `json:"note,omitempty"` // the staff recommendation's note
	NoteBy       string         `json:"note_by,omitempty"`
	Changed      []string       `json:"changed,omitempty"` // changed field names (funding.Call.ChangedFields)
	ChangedAt    time.Time      `json:"changed_at,omitzero"`
	Update       string         `json:"update,omitempty"` // the latest portal update, when "updates" changed
	DeadlineSoon bool           `json:"deadline_soon,omitempty"`
}

// Reason is the part of a funding.Reason that a digest shows.
type Reason struct {
	Kind    string `json:"kind"`
	Term    string `json:"term,omitempty"`
	Concept string `json:"concept,omitempty"`
}

// DigestStatus is the state of a digest in the outbox.
type DigestStatus string

// Digest states. planned -> sending -> sent; sending -> retry -> sending on a
// transient failure; sending -> bounced on a permanent one. skipped records a
// period that had nothing new.
const (
	StatusPlanned DigestStatus = "planned"
	StatusSending DigestStatus = "sending"
	StatusSent    DigestStatus = "sent"
	StatusRetry   DigestStatus = "retry"
	StatusBounced DigestStatus = "bounced"
	StatusSkipped DigestStatus = "skipped"
)

// Digest is one subscriber's digest for one period, as kept in the outbox.
type Digest struct {
	ID             string // DigestID(SubscriptionID, Period)
	SubscriptionID string
	Period         string // the local date of the slot, YYYY-MM-DD
	Status         DigestStatus

	// A snapshot of the subscription and profile at planning time.
	ProfileID        string
	ProfileName      string
	Email            string
	Language         string
	TimeZone         string
	Frequency        Frequency
	UnsubscribeToken string

	Items []Item    // what the e-mail shows, in section order
	More  int       // items left out by the cap: "N more" with a link to the matches page
	Keys  []ItemKey // every key this digest covers (shown and left out): remembered at planning

	PlannedAt     time.Time // also the "now" the e-mail is rendered at: resends are identical
	Attempts      int       // claims so far
	LeaseUntil    time.Time // while sending: until when the claim holds
	NextAttemptAt time.Time // while retry: when it may be claimed again
	SentAt        time.Time
	LastError     string
}

// DigestID is the outbox key of a subscription's digest for a period.
func DigestID(subscriptionID, period string) string { return subscriptionID + "/" + period }

// CallChange is one recorded change of a call: the fields that differed
// between two crawls (funding.Call.ChangedFields).
type CallChange struct {
	CallID string
	At     time.Time
	Fields []string
}

// Failure is how a send attempt ended when it did not deliver.
type Failure struct {
	At    time.Time
	Error string
	// Permanent: the recipient's address was refused (SMTP 5xx to RCPT TO).
	// The store marks the digest bounced and the subscription bounced, so
	// nothing more is sent to the address.
	Permanent bool
	// RetryAt, for a transient failure, is when the digest may be claimed again.
	RetryAt time.Time
}

// Store is everything the digest needs from persistence. The concrete store
// (or a small adapter) satisfies it.
type Store interface {
	Subscriptions
	Catalog
	Outbox
}

// Subscriptions lists the subscriptions to consider.
type Subscriptions interface {
	// DueSubscriptions returns the active subscriptions that may have a
	// digest due at now. It may return more than are due (all active ones is
	// correct): the Runner applies the schedule itself (Due).
	DueSubscriptions(ctx context.Context, now time.Time) ([]Subscription, error)
}

// Catalog reads profiles, follows and calls.
type Catalog interface {
	Profile(ctx context.Context, id string) (funding.Profile, error)
	// FollowedCalls returns the ids of the calls the profile follows.
	FollowedCalls(ctx context.Context, profileID string) ([]string, error)
	// CallsByID returns the calls that exist among ids, in any order.
	CallsByID(ctx context.Context, ids []string) ([]funding.Call, error)
	// CallChanges returns the changes of the calls among ids recorded after since.
	CallChanges(ctx context.Context, ids []string, since time.Time) ([]CallChange, error)
}

// Outbox is the digest outbox: what was planned, what was sent.
type Outbox interface {
	// SentItems returns the keys of every digest planned for the
	// subscription so far (sent or still in the outbox).
	SentItems(ctx context.Context, subscriptionID string) ([]ItemKey, error)

	// PlanDigest inserts d unless a digest with the same subscription and
	// period exists (then it returns that one and false). In the same
	// transaction it remembers d.Keys for the subscription and sets the
	// subscription's LastPeriod and LastPlannedAt to d.Period and
	// d.PlannedAt. d.Status is StatusPlanned, or StatusSkipped for a period
	// with nothing new (never sent; the store may keep it or only its effect
	// on the subscription).
	PlanDigest(ctx context.Context, d Digest) (Digest, bool, error)

	// PendingDigests returns up to limit digests that may be claimed at now,
	// oldest first: planned ones, retry ones whose NextAttemptAt has come,
	// and sending ones whose LeaseUntil has passed (their sender died).
	// Digests of subscriptions no longer active are left out.
	PendingDigests(ctx context.Context, now time.Time, limit int) ([]Digest, error)

	// ClaimDigest atomically moves a claimable digest (as PendingDigests
	// defines it) to StatusSending with LeaseUntil = leaseUntil and Attempts
	// incremented, and returns it with true. It returns false, and no error,
	// when the digest is not claimable (already sent, claimed by another
	// sender, or its subscription is no longer active).
	ClaimDigest(ctx context.Context, id string, now, leaseUntil time.Time) (Digest, bool, error)

	// MarkDigestSent records the delivery of a claimed digest.
	MarkDigestSent(ctx context.Context, id string, sentAt time.Time) error

	// MarkDigestFailed records a failed attempt: a permanent failure marks
	// the digest and its subscription bounced; a transient one moves the
	// digest to StatusRetry until f.RetryAt.
	MarkDigestFailed(ctx context.Context, id string, f Failure) error
}

// Matcher ranks the calls for a profile, with the reasons, staff
// recommendations included (Match.Curated) and hidden calls left out.
type Matcher interface {
	Match(ctx context.Context, p funding.Profile) ([]funding.Match, error)
}
