package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"callmatch/store"
)

// StoreAdapter makes a *store.Store a digest Store: the store's methods of
// the same shapes are promoted as they are; only types are converted.
type StoreAdapter struct{ *store.Store }

var _ Store = StoreAdapter{}

func fromStoreSubscription(s store.Subscription) Subscription {
	return Subscription{ID: s.ID, Email: s.Email, ProfileID: s.ProfileID, Frequency: s.Frequency, Weekday: s.Weekday,
		Hour: s.Hour, Timezone: s.Timezone, Language: s.Language, ConfirmedAt: s.ConfirmedAt, PausedUntil: s.PausedUntil,
		UnsubscribedAt: s.UnsubscribedAt, LastDigestAt: s.LastDigestAt, Bounced: s.Bounced, CreatedAt: s.CreatedAt}
}

func fromStoreDigest(d store.Digest) Digest {
	items := make([]DigestItem, len(d.Items))
	for i, it := range d.Items {
		items[i] = DigestItem(it)
	}
	return Digest{ID: d.ID, SubscriptionID: d.SubscriptionID, PeriodKey: d.PeriodKey, Items: items, State: d.State,
		PlannedAt: d.PlannedAt, ClaimedAt: d.ClaimedAt, SentAt: d.SentAt, Attempts: d.Attempts, LastError: d.LastError, MessageID: d.MessageID}
}

func (a StoreAdapter) DueSubscriptions(ctx context.Context, now time.Time) ([]Subscription, error) {
	subs, err := a.Store.DueSubscriptions(ctx, now)
	out := make([]Subscription, len(subs))
	for i, s := range subs {
		out[i] = fromStoreSubscription(s)
	}
	return out, err
}

func (a StoreAdapter) Subscription(ctx context.Context, id int64) (Subscription, error) {
	s, err := a.Store.Subscription(ctx, id)
	return fromStoreSubscription(s), err
}

func (a StoreAdapter) CallChanges(ctx context.Context, callID string, since time.Time) ([]CallChange, error) {
	chs, err := a.Store.CallChanges(ctx, callID, since)
	out := make([]CallChange, len(chs))
	for i, ch := range chs {
		out[i] = CallChange{CallID: ch.CallID, ChangedAt: ch.ChangedAt, Fields: ch.Fields}
	}
	return out, err
}

func (a StoreAdapter) PlanDigest(ctx context.Context, d *Digest) (bool, error) {
	items := make([]store.DigestItem, len(d.Items))
	for i, it := range d.Items {
		items[i] = store.DigestItem(it)
	}
	sd := store.Digest{SubscriptionID: d.SubscriptionID, PeriodKey: d.PeriodKey, Items: items, PlannedAt: d.PlannedAt}
	created, err := a.Store.PlanDigest(ctx, &sd)
	if err == nil {
		*d = fromStoreDigest(sd)
	}
	return created, err
}

func (a StoreAdapter) PendingDigests(ctx context.Context) ([]Digest, error) {
	ds, err := a.Store.PendingDigests(ctx)
	out := make([]Digest, len(ds))
	for i, d := range ds {
		out[i] = fromStoreDigest(d)
	}
	return out, err
}

func (a StoreAdapter) ClaimDigest(ctx context.Context, id int64, now time.Time) (Digest, error) {
	d, err := a.Store.ClaimDigest(ctx, id, now)
	if errors.Is(err, store.ErrConflict) {
		return Digest{}, fmt.Errorf("%w: %w", ErrNotClaimable, err)
	}
	return fromStoreDigest(d), err
}
