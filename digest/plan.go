package digest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	changes  []CallChange // of the followed calls, since the last digest
	sent     map[ItemKey]bool
	maxItems int
	window   time.Duration // deadlines within this horizon are news
}

// candidate is one call that may go into a digest.
type candidate struct {
	item  Item
	kinds map[Kind]bool
	keys  []ItemKey // unsent keys this call brings
	rank  int       // position in the matcher's ranking; len(matches) when not matched
}

func (c *candidate) add(kind Kind, key ItemKey) {
	c.kinds[kind] = true
	c.cover(key)
}

// cover records a key the candidate's item stands for.
func (c *candidate) cover(key ItemKey) {
	if !slices.Contains(c.keys, key) {
		c.keys = append(c.keys, key)
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

// selectItems picks the items of a digest: one item per call, in the
// section of its strongest news (recommended, new match, changed, deadline
// soon), none already sent. When there are more than maxItems, the cap keeps
// recommendations first, then changes to followed calls, then near
// deadlines, then new matches; more counts the rest. keys lists every
// unsent key of every picked call, shown or left out: all are remembered, so
// what "N more" stood for is not sent again the next day. It is pure.
func selectItems(in selection) (items []Item, more int, keys []ItemKey) {
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
	unsent := func(id, reason string) (ItemKey, bool) {
		k := ItemKey{CallID: id, Reason: reason}
		return k, !in.sent[k]
	}
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
			if k, ok := unsent(m.CallID, string(KindRecommended)); ok {
				c.add(KindRecommended, k)
			}
		}
		if k, ok := unsent(m.CallID, string(KindNew)); ok {
			if m.Curated != nil {
				c.cover(k) // a recommendation is also the news of the match
			} else {
				c.add(KindNew, k)
			}
		}
		if soon(m.Deadline) {
			if k, ok := unsent(m.CallID, deadlineReason(*m.Deadline)); ok {
				c.add(KindDeadline, k)
			}
		}
	}

	changes := map[string][]CallChange{}
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
		if fields, at := relevantChange(changes[call.ID]); len(fields) > 0 {
			if k, ok := unsent(call.ID, "changed@"+stamp(at)); ok {
				c.add(KindChanged, k)
				c.item.Changed, c.item.ChangedAt = fields, at
				if slices.Contains(fields, "updates") && len(call.Updates) > 0 {
					c.item.Update = latestUpdate(call.Updates)
				}
			}
		}
		if c.item.Status != funding.StatusClosed && soon(c.item.Deadline) {
			if k, ok := unsent(call.ID, deadlineReason(*c.item.Deadline)); ok {
				c.add(KindDeadline, k)
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
		keys = append(keys, c.keys...)
	}
	slices.SortStableFunc(picked, func(a, b *candidate) int {
		return compareInSection(a, b)
	})

	// The cap: keep by priority, then show in section order.
	priority := map[Kind]int{KindRecommended: 0, KindChanged: 1, KindDeadline: 2, KindNew: 3}
	byPriority := slices.Clone(picked)
	slices.SortStableFunc(byPriority, func(a, b *candidate) int {
		return cmp.Compare(priority[a.item.Kind], priority[b.item.Kind])
	})
	keep := map[*candidate]bool{}
	for i, c := range byPriority {
		if in.maxItems > 0 && i >= in.maxItems {
			more++
			continue
		}
		keep[c] = true
	}
	for _, c := range picked {
		if keep[c] {
			items = append(items, c.item)
		}
	}
	return items, more, keys
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

// relevantChange merges a call's changes: the alert fields that changed, in
// alertFields order, and the time of the latest change that touched one.
func relevantChange(changes []CallChange) ([]string, time.Time) {
	seen := map[string]bool{}
	var at time.Time
	for _, ch := range changes {
		hit := false
		for _, f := range ch.Fields {
			if slices.Contains(alertFields, f) {
				seen[f], hit = true, true
			}
		}
		if hit && ch.At.After(at) {
			at = ch.At
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
		case funding.ReasonKeyword, funding.ReasonDomain, funding.ReasonDescription:
		default:
			continue
		}
		rr := Reason{Kind: r.Kind, Term: r.Term, Concept: r.Concept}
		if r.Term == "" || slices.Contains(out, rr) {
			continue
		}
		out = append(out, rr)
		if len(out) == maxReasons {
			break
		}
	}
	return out
}

func deadlineReason(d time.Time) string { return "deadline@" + stamp(d) }

// stamp is a stable text form of a time for item keys (UTC, to the second).
func stamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// plan builds the digest of subscription s for period at now. It reads the
// store and asks the matcher, and writes nothing. A digest with no items
// has StatusSkipped.
func (r *Runner) plan(ctx context.Context, s Subscription, period string, now time.Time) (Digest, error) {
	p, err := r.store.Profile(ctx, s.ProfileID)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: profile %s: %w", s.ProfileID, err)
	}
	matches, err := r.matcher.Match(ctx, p)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: match profile %s: %w", s.ProfileID, err)
	}
	followedIDs, err := r.store.FollowedCalls(ctx, s.ProfileID)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: follows of profile %s: %w", s.ProfileID, err)
	}
	var followed []funding.Call
	var changes []CallChange
	if len(followedIDs) > 0 {
		if followed, err = r.store.CallsByID(ctx, followedIDs); err != nil {
			return Digest{}, fmt.Errorf("digest: followed calls of profile %s: %w", s.ProfileID, err)
		}
		slices.SortFunc(followed, func(a, b funding.Call) int { return cmp.Compare(a.ID, b.ID) })
		since := s.LastPlannedAt
		if since.IsZero() {
			since = s.CreatedAt
		}
		if changes, err = r.store.CallChanges(ctx, followedIDs, since); err != nil {
			return Digest{}, fmt.Errorf("digest: changes of followed calls of profile %s: %w", s.ProfileID, err)
		}
	}
	sentKeys, err := r.store.SentItems(ctx, s.ID)
	if err != nil {
		return Digest{}, fmt.Errorf("digest: sent items of subscription %s: %w", s.ID, err)
	}
	sent := make(map[ItemKey]bool, len(sentKeys))
	for _, k := range sentKeys {
		sent[k] = true
	}
	token := s.UnsubscribeToken
	if token == "" {
		if len(r.cfg.SecretKey) == 0 {
			return Digest{}, fmt.Errorf("digest: subscription %s has no unsubscribe token and no secret key signs one", s.ID)
		}
		token = UnsubscribeToken([]byte(r.cfg.SecretKey), s.ID)
	}

	items, more, keys := selectItems(selection{
		now: now, matches: matches, followed: followed, changes: changes, sent: sent,
		maxItems: r.cfg.MaxItems, window: DeadlineWindow,
	})
	d := Digest{
		ID: DigestID(s.ID, period), SubscriptionID: s.ID, Period: period, Status: StatusPlanned,
		ProfileID: s.ProfileID, ProfileName: p.Name, Email: s.Email, Language: s.Language,
		TimeZone: s.TimeZone, Frequency: s.Frequency, UnsubscribeToken: token,
		Items: items, More: more, Keys: keys, PlannedAt: now,
	}
	if len(items) == 0 {
		d.Status = StatusSkipped
	}
	return d, nil
}
