package funding

import (
	"slices"
	"strings"
	"time"
)

// Applies reports whether a curation targets the profile, directly or
// through a segment (every field set in the segment must match).
func (cu *Curation) Applies(p *Profile) bool {
	if cu.ProfileID != "" {
		return cu.ProfileID == p.ID
	}
	sg := cu.Segment
	if sg == nil || sg.Domain == "" && sg.Size == "" && sg.Keyword == "" {
		return false
	}
	if sg.Domain != "" && !slices.Contains(p.Domains, sg.Domain) {
		return false
	}
	if sg.Size != "" && sg.Size != p.Size {
		return false
	}
	if sg.Keyword != "" {
		kw := strings.ToLower(sg.Keyword)
		found := strings.Contains(strings.ToLower(p.Description), kw) || slices.ContainsFunc(p.Keywords, func(k string) bool {
			return strings.Contains(strings.ToLower(k), kw)
		})
		if !found {
			return false
		}
	}
	return true
}

// Curate merges what is specific to one profile into the matcher's ranked
// list: calls the profile marked "not relevant" and calls staff hid from it
// disappear; calls staff recommended come first, newest recommendation
// first, with the note and its author, even when the matcher did not rank
// them (lookup fetches those; a call it cannot find, or that is closed at
// now, is skipped). curations are in creation order.
func Curate(p *Profile, ms []Match, curations []Curation, dismissed []string, now time.Time, lookup func(id string) (*Call, error)) []Match {
	hidden := map[string]bool{}
	for _, id := range dismissed {
		hidden[id] = true
	}
	recommended := map[string]*CuratedNote{}
	var order []string
	for i := len(curations) - 1; i >= 0; i-- {
		cu := &curations[i]
		if !cu.Applies(p) {
			continue
		}
		switch cu.Action {
		case CurationHide:
			hidden[cu.CallID] = true
		case CurationRecommend:
			if _, seen := recommended[cu.CallID]; !seen {
				recommended[cu.CallID] = &CuratedNote{Note: cu.Note, By: cu.By}
				order = append(order, cu.CallID)
			}
		}
	}
	out := make([]Match, 0, len(ms)+len(order))
	for _, id := range order {
		if hidden[id] {
			continue
		}
		if i := slices.IndexFunc(ms, func(m Match) bool { return m.CallID == id }); i >= 0 {
			m := ms[i]
			m.Curated = recommended[id]
			out = append(out, m)
			continue
		}
		call, err := lookup(id)
		if err != nil || call.StatusAt(now) == StatusClosed {
			continue
		}
		out = append(out, MatchOf(call, now, recommended[id]))
	}
	for _, m := range ms {
		if !hidden[m.CallID] && recommended[m.CallID] == nil {
			out = append(out, m)
		}
	}
	return out
}

// MatchOf is a match of call with no reasons of the matcher: what a staff
// recommendation of an unranked call shows.
func MatchOf(call *Call, now time.Time, note *CuratedNote) Match {
	m := Match{CallID: call.ID, Title: call.Title, Programme: call.Programme, Status: call.StatusAt(now),
		Deadline: call.NextDeadline(now), BudgetMin: call.Budget.MinContribution, BudgetMax: call.Budget.MaxContribution,
		URL: call.URL, Curated: note, Reasons: []Reason{}, Eligibility: []EligibilityCheck{}}
	if m.Deadline != nil {
		m.DaysLeft = int(m.Deadline.Sub(now).Hours() / 24)
	}
	return m
}
