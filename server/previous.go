package server

import (
	"context"
	"errors"
	"regexp"
	"strconv"

	"callmatch/funding"
	"callmatch/store"
)

// yearRe finds the year of a topic identifier: HORIZON-CL4-2027-04-DATA-03.
var yearRe = regexp.MustCompile(`^(.+?-)(20\d\d)(-.+)$`)

// previousRound finds the same topic in an earlier year (up to four years
// back: HORIZON-CL4-2025-04-DATA-03 for HORIZON-CL4-2027-04-DATA-03) whose
// updates published how many proposals it received; nil when there is none.
func (s *Server) previousRound(ctx context.Context, c *funding.Call) (*funding.PreviousRound, error) {
	m := yearRe.FindStringSubmatch(c.ID)
	if m == nil {
		return nil, nil
	}
	year, _ := strconv.Atoi(m[2])
	for y := year - 1; y >= year-4; y-- {
		id := m[1] + strconv.Itoa(y) + m[3]
		prev, err := s.store.Call(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if pc := ownProposals(prev); pc != nil {
			return &funding.PreviousRound{CallID: prev.ID, Proposals: pc.Proposals, ExpectedGrants: prev.Budget.ExpectedGrants, Budget: pc.Budget}, nil
		}
	}
	return nil, nil
}

// ownProposals is the proposal count the call's updates give for the call
// itself (an update lists every topic of its call), or nil.
func ownProposals(c *funding.Call) *funding.ProposalCount {
	for i := range c.Proposals {
		if c.Proposals[i].TopicID == c.ID {
			return &c.Proposals[i]
		}
	}
	return nil
}
