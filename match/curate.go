package match

import (
	"slices"
	"time"

	"callmatch/funding"
)

// curate merges what is specific to one profile into the matcher's ranked
// list: calls the profile marked "not relevant" and calls staff hid from it
// disappear; calls staff recommended come first, newest recommendation
// first, with the note and its author, even when the matcher did not rank
// them (lookup fetches those; a call it cannot find, or that is closed at
// now, is skipped). curations are in creation order.
func curate(p *funding.Profile, ms []funding.Match, curations []funding.Curation, dismissed []string, now time.Time, lookup func(id string) (*funding.Call, error)) []funding.Match {
	hidden := map[string]bool{}
	for _, id := range dismissed {
		hidden[id] = true
	}
	recommended := map[string]*funding.CuratedNote{}
	var order []string
	for i := len(curations) - 1; i >= 0; i-- {
		cu := &curations[i]
		if !cu.Applies(p) {
			continue
		}
		switch cu.Action {
		case funding.CurationHide:
			hidden[cu.CallID] = true
		case funding.CurationRecommend:
			if _, seen := recommended[cu.CallID]; !seen {
				recommended[cu.CallID] = &funding.CuratedNote{Note: cu.Note, By: cu.By}
				order = append(order, cu.CallID)
			}
		}
	}
	out := make([]funding.Match, 0, len(ms)+len(order))
	for _, id := range order {
		if hidden[id] {
			continue
		}
		if i := slices.IndexFunc(ms, func(m funding.Match) bool { return m.CallID == id }); i >= 0 {
			m := ms[i]
			m.Curated = recommended[id]
			out = append(out, m)
			continue
		}
		call, err := lookup(id)
		if err != nil || call.StatusAt(now) == funding.StatusClosed {
			continue
		}
		out = append(out, matchOf(call, now, recommended[id]))
	}
	for _, m := range ms {
		if !hidden[m.CallID] && recommended[m.CallID] == nil {
			out = append(out, m)
		}
	}
	return out
}

// matchOf is a match of call with no reasons of the matcher: what a staff
// recommendation of an unranked call shows.
func matchOf(call *funding.Call, now time.Time, note *funding.CuratedNote) funding.Match {
	m := funding.Match{CallID: call.ID, Title: call.Title, Programme: call.Programme, Status: call.StatusAt(now),
		Deadline: call.NextDeadline(now), BudgetMin: call.Budget.MinContribution, BudgetMax: call.Budget.MaxContribution,
		URL: call.URL, Curated: note, Reasons: []funding.Reason{}, Eligibility: []funding.EligibilityCheck{}}
	if m.Deadline != nil {
		m.DaysLeft = int(m.Deadline.Sub(now).Hours() / 24)
	}
	return m
}
