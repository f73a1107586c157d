package locale

import (
	"strconv"
	"strings"

	"callmatch/funding"
)

// ReasonLead writes the lead of a match reason, to show beside the call's
// passage (the pages: "Your keyword “pentesting” (as “security
// assessment”) meets the call's scope:"); "" for budget and deadline
// reasons, which pages show as the match's facts.
func (p Printer) ReasonLead(r funding.Reason) string {
	var who string
	switch r.Kind {
	case funding.ReasonKeyword:
		who = p.T("reason.keyword", r.Term)
	case funding.ReasonDomain:
		who = p.T("reason.domain", p.Domain(r.Term))
	case funding.ReasonDescription:
		who = p.T("reason.description", r.Term)
	case funding.ReasonMeaning:
		if r.Concept != "" && !strings.EqualFold(r.Concept, r.Term) {
			return p.T("reason.meaning_via", r.Term, r.Concept, p.field(r.Field))
		}
		return p.T("reason.meaning", r.Term, p.field(r.Field))
	case funding.ReasonProgramme:
		return p.T("reason.programme", p.Programme(r.Term))
	case funding.ReasonTypeOfAction:
		return p.T("reason.type_of_action", p.Action(r.Term))
	case funding.ReasonTRL:
		return p.T("reason.trl", r.Term)
	case funding.ReasonCurated:
		return p.T("reason.curated")
	case funding.ReasonBudget, funding.ReasonDeadline:
		return "" // shown as the match's facts
	default:
		return r.Text
	}
	if r.Concept != "" && !strings.EqualFold(r.Concept, r.Term) {
		who += " " + p.T("reason.via", r.Concept)
	}
	if r.Field == "" {
		return who
	}
	return who + " " + p.T("reason.met", p.field(r.Field))
}

// Reason writes a match reason as one sentence: a text reason's lead and
// the call's passage, or the figures of a budget, deadline, TRL or type of
// action reason. It is what the exports, the calendar and the e-mails show,
// and, in English, the API's text.
func (p Printer) Reason(r funding.Reason) string {
	switch r.Kind {
	case funding.ReasonKeyword, funding.ReasonDomain, funding.ReasonDescription, funding.ReasonMeaning:
		if r.Passage == "" {
			return strings.TrimSpace(strings.TrimSuffix(p.ReasonLead(r), ":"))
		}
		return p.ReasonLead(r) + " " + p.T("quote", r.Passage)
	case funding.ReasonBudget:
		s := p.T("reason.budget", p.Budget(r.Low, r.High))
		switch r.Fit {
		case funding.FitWithin, funding.FitOverlapping:
			s += p.T("reason.budget_"+r.Fit, p.Budget(r.ProfileLow, r.ProfileHigh))
		case funding.FitAboveMinimum:
			s += p.T("reason.budget_above_minimum", p.Amount(r.ProfileLow))
		case funding.FitWithinMaximum:
			s += p.T("reason.budget_within_maximum", p.Amount(r.ProfileHigh))
		}
		return s
	case funding.ReasonDeadline:
		if r.Fit == funding.FitNoDeadline || r.Deadline == nil {
			return p.T("reason.deadline_none")
		}
		left := p.T("days.today")
		if r.DaysLeft != 0 {
			left = p.N("days.left", r.DaysLeft)
		}
		if r.Fit == funding.FitForthcoming {
			return p.T("reason.deadline_forthcoming", left, p.Date(*r.Deadline))
		}
		return p.T("reason.deadline", left, p.Date(*r.Deadline))
	case funding.ReasonTypeOfAction:
		if r.Fit == funding.FitWanted {
			return p.T("reason.type_of_action_wanted", p.Action(r.Term))
		}
		types := r.CallWords
		if types == "" {
			types = r.Term
		}
		return p.T("reason.type_of_action", types)
	case funding.ReasonTRL:
		want := "TRL " + strconv.FormatInt(r.Low, 10)
		if r.High != r.Low {
			want += "-" + strconv.FormatInt(r.High, 10)
		}
		switch r.Fit {
		case funding.FitAhead:
			return p.T("reason.trl_ahead", want, r.Term)
		case funding.FitFar:
			return p.T("reason.trl_far", want, r.Term)
		}
		return p.T("reason.trl_aim", want, r.Term)
	}
	return p.ReasonLead(r)
}
