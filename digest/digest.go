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
//     sent. A period with nothing new gets no digest: no empty e-mail.
//   - compose.go: Composer.Compose renders a planned digest into a Message
//     (subject, plain text and HTML, headers). It is pure.
//   - send.go: a Mailer sends a Message, through SMTP (go-mail) or into an
//     outbox folder of .eml files. Mailer.Send is the only side effect.
//
// Runner.RunDue ties them together: plan what is due, then claim -> send ->
// mark every pending digest of the outbox. See runner.go for the
// exactly-once rules.
//
// The server's system e-mails (sign-in links, profile and subscription
// confirmations) are Notices: ComposeNotice renders them with the notice
// templates beside the digest's, and the same Mailer sends them.
package digest

import (
	"context"
	"time"

	"callmatch/funding"
)

// DefaultTimezone is the zone of subscriptions that name none.
const DefaultTimezone = "Europe/Brussels"

// Kind is why an item is in a digest, and the section it is shown in.
type Kind string

// Item kinds, in the order of the sections of a digest.
const (
	KindRecommended Kind = "recommended" // a staff recommendation for the profile
	KindNew         Kind = "match"       // a call newly matching the profile
	KindChanged     Kind = "changed"     // a followed call whose deadline, budget, status or documents changed
	KindDeadline    Kind = "deadline"    // a followed or matched call whose deadline is near
)

// Item is what a digest shows of one call. A digest is rendered from its
// items alone, so what is sent after a crash or a retry is what was planned.
// A funding.DigestItem's Reason is the Kind, qualified where one call can
// bring the same kind of news again ("changed@<time of the change>",
// "deadline@<the deadline>"); its Data holds the Item, as JSON, on the
// first DigestItem of each shown call; the other DigestItems of that call,
// and those of the calls left out by the cap ("N more"), have none.
type Item struct {
	Kind         Kind           `json:"kind"`
	CallID       string         `json:"-"` // from the DigestItem
	Title        string         `json:"title"`
	Programme    string         `json:"programme,omitempty"`
	Status       funding.Status `json:"status,omitempty"`
	Deadline     *time.Time     `json:"deadline,omitempty"` // the next deadline
	DeadlineSoon bool           `json:"deadline_soon,omitempty"`
	BudgetMin    int64          `json:"budget_min,omitempty"`
	BudgetMax    int64          `json:"budget_max,omitempty"`
	Score        float64        `json:"score,omitempty"`
	Reasons      []Reason       `json:"reasons,omitempty"`
	Note         string         `json:"note,omitempty"` // the staff recommendation's note
	NoteBy       string         `json:"note_by,omitempty"`
	Changed      []string       `json:"changed,omitempty"` // changed field names (funding.Call.ChangedFields)
	ChangedAt    time.Time      `json:"changed_at,omitzero"`
	Update       string         `json:"update,omitempty"` // the latest portal update, when "updates" changed
}

// Reason is the part of a funding.Reason that a digest shows.
type Reason struct {
	Kind    string `json:"kind"`
	Term    string `json:"term,omitempty"`
	Concept string `json:"concept,omitempty"`
	Field   string `json:"field,omitempty"`
	Passage string `json:"passage,omitempty"`
}

// Store is everything the Runner needs from persistence: *store.Store.
type Store interface {
	Subscriptions
	Catalog
	Outbox
}

// Subscriptions reads the subscriptions and marks bounced addresses.
type Subscriptions interface {
	// DueSubscriptions returns the active subscriptions that may have a
	// digest due at now (all active ones is correct): the Runner applies
	// the schedule itself (Due).
	DueSubscriptions(ctx context.Context, now time.Time) ([]funding.Subscription, error)
	Subscription(ctx context.Context, id int64) (funding.Subscription, error)
	// MarkBounced flags every subscription of the address as bounced.
	MarkBounced(ctx context.Context, email string, now time.Time) (int, error)
}

// Catalog reads profiles, follows and calls.
type Catalog interface {
	Profile(ctx context.Context, id string) (*funding.Profile, error)
	// Follows returns the ids of the calls a profile follows.
	Follows(ctx context.Context, profileID string) ([]string, error)
	Call(ctx context.Context, id string) (*funding.Call, error)
	// CallChanges returns the recorded changes of a call at or after since.
	CallChanges(ctx context.Context, callID string, since time.Time) ([]funding.CallChange, error)
}

// Outbox is the digest outbox.
type Outbox interface {
	// SentItems returns the funding.SentItemKey of every item sent to the
	// subscription.
	SentItems(ctx context.Context, subscriptionID int64) (map[string]bool, error)
	// PlanDigest inserts d as planned unless the subscription has a digest
	// for d.PeriodKey; either way d is filled from the stored row.
	PlanDigest(ctx context.Context, d *funding.Digest) (created bool, err error)
	// PendingDigests returns the planned digests, oldest first.
	PendingDigests(ctx context.Context) ([]funding.Digest, error)
	// ClaimDigest moves a planned digest to sending (ClaimedAt = now,
	// Attempts + 1) and returns it; funding.ErrDigestNotClaimable when it
	// is not planned.
	ClaimDigest(ctx context.Context, id int64, now time.Time) (funding.Digest, error)
	// MarkDigestSent records a sent digest: its state, time and Message-ID,
	// its items as sent (SentItems) and the subscription's LastDigestAt.
	MarkDigestSent(ctx context.Context, id int64, messageID string, now time.Time) error
	// MarkDigestFailed ends an attempt: permanent failures end in failed,
	// others go back to planned.
	MarkDigestFailed(ctx context.Context, id int64, errMsg string, permanent bool) error
	// RequeueStaleDigests moves the digests still sending that were claimed
	// before claimedBefore back to planned, and returns how many: their
	// sender died mid-way (see RunDue for the rule).
	RequeueStaleDigests(ctx context.Context, claimedBefore time.Time) (int, error)
}

// Matcher ranks the calls for a profile, with the reasons, staff
// recommendations included (Match.Curated) and hidden calls left out.
type Matcher interface {
	Match(ctx context.Context, p funding.Profile) ([]funding.Match, error)
}
