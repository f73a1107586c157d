package digest

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"callmatch/funding"
)

// alertFields are the changed fields (funding.Call.ChangedFields) that make
// a followed call news, in the order a digest lists them. A fixed typo in the
// scope text ("sections") or new keywords are not news.
var alertFields = []string{"status", "deadlines", "opening_date", "budget", "updates"}

// maxReasons is how many match reasons an item shows.
const maxReasons = 3

// selection is what a digest is picked from.
type selection struct {
	now      time.Time
	matches  []funding.Match // ranked, best first
	followed []funding.Call
	changes  []funding.CallChange // of the followed calls, since the last digest (overlap is harmless)
	sent     map[string]bool
	maxItems int
	window   time.Duration // deadlines within this horizon are news
}

// candidate is one call that may go into a digest.
type candidate struct {
	item  Item
	kinds map[Kind]bool
	keys  []string // unsent reasons this call brings, in the order found
	rank  int      // position in the matcher's ranking; len(matches) when not matched
}

func (c *candidate) add(kind Kind, reason string) {
	c.kinds[kind] = true
	c.cover(reason)
}

// cover records a reason the candidate's item stands for.
func (c *candidate) cover(reason string) {
	if !slices.Contains(c.keys, reason) {
		c.keys = append(c.keys, reason)
	}
}

// section is the kind whose section shows the candidate.
func (c *candidate) section() Kind {
	for _, k := range []Kind{KindRecommended, KindNew, KindChanged, KindDeadline} {
		if c.kinds[k] {
			return k
		}
	}
	return ""
}

// selectItems picks the items of a digest: one per call, in the section of
// its strongest news (recommended, new match, changed, deadline soon), none
// already sent. When there are more than maxItems, the cap keeps
// recommendations first, then changes to followed calls, then near
// deadlines, then new matches; the rest becomes "N more". It returns the
// digest's items in display order: for each shown call, a DigestItem with
// its Item as Data, then the other reasons it covers; then the reasons of
// the calls left out, without Data. All are remembered once sent, so what
// "N more" stood for is not sent again the next day. It is pure.
func selectItems(in selection) []funding.DigestItem {
	byID := map[string]*candidate{}
	var order []*candidate
	get := func(id string, rank int) *candidate {
		c, ok := byID[id]
		if !ok {
			c = &candidate{kinds: map[Kind]bool{}, rank: rank, item: Item{CallID: id}}
			byID[id] = c
			order = append(order, c)
		}
		return c
	}
	unsent := func(id, reason string) bool { return !in.sent[funding.SentItemKey(id, reason)] }
	horizon := in.now.Add(in.window)
	soon := func(d *time.Time) bool { return d != nil && d.After(in.now) && !d.After(horizon) }

	for i, m := range in.matches {
		if m.CallID == "" {
			continue
		}
		c := get(m.CallID, i)
		c.item.Title, c.item.Programme, c.item.Status = m.Title, m.Programme, m.Status
		c.item.Deadline, c.item.BudgetMin, c.item.BudgetMax, c.item.Score = m.Deadline, m.BudgetMin, m.BudgetMax, m.Score
		c.item.Reasons = shownReasons(m.Reasons)
		if m.Curated != nil {
			c.item.Note, c.item.NoteBy = m.Curated.Note, m.Curated.By
			if r := string(KindRecommended); unsent(m.CallID, r) {
				c.add(KindRecommended, r)
			}
		}
		if r := string(KindNew); unsent(m.CallID, r) {
			if m.Curated != nil {
				c.cover(r) // a recommendation is also the news of the match
			} else {
				c.add(KindNew, r)
			}
		}
		if soon(m.Deadline) {
			if r := deadlineReason(*m.Deadline); unsent(m.CallID, r) {
				c.add(KindDeadline, r)
			}
		}
	}

	changes := map[string][]funding.CallChange{}
	for _, ch := range in.changes {
		changes[ch.CallID] = append(changes[ch.CallID], ch)
	}
	for _, call := range in.followed {
		c := get(call.ID, len(in.matches))
		if c.item.Title == "" {
			c.item.Title, c.item.Programme = call.Title, call.Programme
			c.item.BudgetMin, c.item.BudgetMax = call.Budget.MinContribution, call.Budget.MaxContribution
		}
		c.item.Status = call.StatusAt(in.now)
		c.item.Deadline = call.NextDeadline(in.now)
		var fresh []funding.CallChange
		for _, ch := range changes[call.ID] {
			if r := changedReason(ch.ChangedAt); unsent(call.ID, r) && relevant(ch) {
				fresh = append(fresh, ch)
			}
		}
		if fields, at := mergeChanges(fresh); len(fields) > 0 {
			c.kinds[KindChanged] = true
			c.cover(changedReason(at)) // the latest change first: it names the item
			for _, ch := range fresh {
				c.cover(changedReason(ch.ChangedAt))
			}
			c.item.Changed, c.item.ChangedAt = fields, at
			if slices.Contains(fields, "updates") && len(call.Updates) > 0 {
				c.item.Update = latestUpdate(call.Updates)
			}
		}
		if c.item.Status != funding.StatusClosed && soon(c.item.Deadline) {
			if r := deadlineReason(*c.item.Deadline); unsent(call.ID, r) {
				c.add(KindDeadline, r)
			}
		}
	}

	var picked []*candidate
	for _, c := range order {
		if len(c.kinds) == 0 {
			continue
		}
		c.item.Kind = c.section()
		c.item.DeadlineSoon = c.kinds[KindDeadline]
		picked = append(picked, c)
	}
	slices.SortStableFunc(picked, compareInSection)

	// The cap: keep by priority, then show in section order.
	priority := map[Kind]int{KindRecommended: 0, KindChanged: 1, KindDeadline: 2, KindNew: 3}
	byPriority := slices.Clone(picked)
	slices.SortStableFunc(byPriority, func(a, b *candidate) int {
		return cmp.Compare(priority[a.item.Kind], priority[b.item.Kind])
	})
	keep := map[*candidate]bool{}
	for i, c := range byPriority {
		if in.maxItems <= 0 || i < in.maxItems {
			keep[c] = true
		}
	}
	var out, left []funding.DigestItem
	for _, c := range picked {
		if !keep[c] {
			for _, r := range c.keys {
				left = append(left, funding.DigestItem{CallID: c.item.CallID, Reason: r})
			}
			continue
		}
		first := primaryReason(c)
		data, err := json.Marshal(c.item)
		if err != nil { // an Item always marshals
			panic(err)
		}
		out = append(out, funding.DigestItem{CallID: c.item.CallID, Reason: first, Data: data})
		for _, r := range c.keys {
			if r != first {
				out = append(out, funding.DigestItem{CallID: c.item.CallID, Reason: r})
			}
		}
	}
	return append(out, left...)
}

// primaryReason is the reason that names a candidate's item: that of its section.
func primaryReason(c *candidate) string {
	for _, r := range c.keys {
		if r == string(c.item.Kind) || strings.HasPrefix(r, string(c.item.Kind)+"@") {
			return r
		}
	}
	return c.keys[0]
}

// compareInSection orders candidates by section, then: recommendations and
// new matches by the matcher's rank, changes newest first, deadlines
// soonest first.
func compareInSection(a, b *candidate) int {
	section := map[Kind]int{KindRecommended: 0, KindNew: 1, KindChanged: 2, KindDeadline: 3}
	if c := cmp.Compare(section[a.item.Kind], section[b.item.Kind]); c != 0 {
		return c
	}
	switch a.item.Kind {
	case KindChanged:
		if c := b.item.ChangedAt.Compare(a.item.ChangedAt); c != 0 {
			return c
		}
	case KindDeadline:
		if c := a.item.Deadline.Compare(*b.item.Deadline); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	return cmp.Compare(a.item.CallID, b.item.CallID)
}

// relevant reports whether a change touched an alert field.
func relevant(ch funding.CallChange) bool {
	return slices.ContainsFunc(ch.Fields, func(f string) bool { return slices.Contains(alertFields, f) })
}

// mergeChanges merges a call's changes: the alert fields that changed, in
// alertFields order, and the time of the latest change.
func mergeChanges(changes []funding.CallChange) ([]string, time.Time) {
	seen := map[string]bool{}
	var at time.Time
	for _, ch := range changes {
		for _, f := range ch.Fields {
			seen[f] = true
		}
		if ch.ChangedAt.After(at) {
			at = ch.ChangedAt
		}
	}
	var fields []string
	for _, f := range alertFields {
		if seen[f] {
			fields = append(fields, f)
		}
	}
	return fields, at
}

func latestUpdate(us []funding.Update) string {
	latest := us[0]
	for _, u := range us[1:] {
		if u.Date.After(latest.Date) {
			latest = u
		}
	}
	return latest.Text
}

// shownReasons keeps the text reasons (profile term -> call), at most
// maxReasons, without repeats.
func shownReasons(rs []funding.Reason) []Reason {
	var out []Reason
	for _, r := range rs {
		switch r.Kind {
		case funding.ReasonKeyword, funding.ReasonDomain, funding.ReasonDescription, funding.ReasonMeaning:
		default:
			continue
		}
		rr := Reason{Kind: r.Kind, Term: r.Term, Concept: r.Concept, Field: r.Field, Passage: r.Passage}
		if r.Term == "" || slices.ContainsFunc(out, func(o Reason) bool { return o.Kind == rr.Kind && o.Term == rr.Term && o.Concept == rr.Concept }) {
			continue
		}
		out = append(out, rr)
		if len(out) == maxReasons {
			break
		}
	}
	return out
}

func deadlineReason(d time.Time) string { return string(KindDeadline) + "@" + stamp(d) }
func changedReason(at time.Time) string { return string(KindChanged) + "@" + stamp(at) }

// stamp is a stable text form of a time for reasons (UTC, to the second).
func stamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// decodeItems reads back the items a digest shows, in order, and counts
// the calls it covers without showing them ("N more").
func decodeItems(d funding.Digest) (items []Item, more int, err error) {
	shown := map[string]bool{}
	for _, di := range d.Items {
		if len(di.Data) == 0 {
			continue
		}
		var it Item
		if err := json.Unmarshal(di.Data, &it); err != nil {
			return nil, 0, fmt.Errorf("digest: %d: item %s: %w", d.ID, di.CallID, err)
		}
		it.CallID = di.CallID
		items = append(items, it)
		shown[di.CallID] = true
	}
	left := map[string]bool{}
	for _, di := range d.Items {
		if !shown[di.CallID] {
			left[di.CallID] = true
		}
	}
	return items, len(left), nil
}

// changesSince is where the window of call changes of s's next digest
// starts: a day before the last digest was sent (changes between planning
// and sending it are not lost; those it held are sent items, not sent
// again), or the confirmation of the subscription.
func changesSince(s funding.Subscription) time.Time {
	if s.LastDigestAt != nil {
		return s.LastDigestAt.Add(-24 * time.Hour)
	}
	if s.ConfirmedAt != nil {
		return *s.ConfirmedAt
	}
	return s.CreatedAt
}

// plan builds the digest of subscription s for period at now. It reads the
// store and asks the matcher, and writes nothing. pendingKeys are the
// sent-item keys (funding.SentItemKey) of s's digests still in the outbox:
// not sent yet, but not to be repeated. A digest without items has nothing
// new.
func (r *Runner) plan(ctx context.Context, s funding.Subscription, period string, now time.Time, pendingKeys []string) (funding.Digest, string, error) {
	p, err := r.store.Profile(ctx, s.ProfileID)
	if err != nil {
		return funding.Digest{}, "", fmt.Errorf("digest: profile %s: %w", s.ProfileID, err)
	}
	matches, err := r.matcher.Match(ctx, *p)
	if err != nil {
		return funding.Digest{}, "", fmt.Errorf("digest: match profile %s: %w", s.ProfileID, err)
	}
	followedIDs, err := r.store.Follows(ctx, s.ProfileID)
	if err != nil {
		return funding.Digest{}, "", fmt.Errorf("digest: follows of profile %s: %w", s.ProfileID, err)
	}
	var followed []funding.Call
	var changes []funding.CallChange
	since := changesSince(s)
	for _, id := range followedIDs {
		c, err := r.store.Call(ctx, id)
		if err != nil {
			// A follow of a call the store cannot give back must not hold
			// the subscriber's digests up; the rest goes out.
			r.logger.Warn("Followed call left out of a digest", slog.String("call_id", id), slog.Int64("subscription_id", s.ID), slog.Any("error", err))
			continue
		}
		followed = append(followed, *c)
		ch, err := r.store.CallChanges(ctx, id, since)
		if err != nil {
			return funding.Digest{}, "", fmt.Errorf("digest: changes of call %s: %w", id, err)
		}
		changes = append(changes, ch...)
	}
	sent, err := r.store.SentItems(ctx, s.ID)
	if err != nil {
		return funding.Digest{}, "", fmt.Errorf("digest: sent items of subscription %d: %w", s.ID, err)
	}
	if len(pendingKeys) > 0 {
		sent = maps.Clone(sent)
		if sent == nil {
			sent = map[string]bool{}
		}
		for _, k := range pendingKeys {
			sent[k] = true
		}
	}
	items := selectItems(selection{
		now: now, matches: matches, followed: followed, changes: changes, sent: sent,
		maxItems: r.cfg.MaxItems, window: DeadlineWindow,
	})
	return funding.Digest{SubscriptionID: s.ID, PeriodKey: period, Items: items, State: funding.DigestPlanned, PlannedAt: now}, p.Name, nil
}

// hasNews reports whether a digest shows anything.
func hasNews(d funding.Digest) bool {
	return slices.ContainsFunc(d.Items, func(di funding.DigestItem) bool { return len(di.Data) > 0 })
}
