package match

import (
	"errors"
	"strings"
	"testing"
	"time"

	"callmatch/funding"
)

func TestCurate(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	later := now.AddDate(0, 2, 0)
	calls := map[string]*funding.Call{
		"UNRANKED": {ID: "UNRANKED", Title: "Unranked", PortalStatus: funding.StatusOpen, Deadlines: []time.Time{later}},
		"CLOSED":   {ID: "CLOSED", PortalStatus: funding.StatusOpen, Deadlines: []time.Time{now.AddDate(0, -1, 0)}},
	}
	lookup := func(id string) (*funding.Call, error) {
		if c, ok := calls[id]; ok {
			return c, nil
		}
		return nil, errors.New("not found")
	}
	p := &funding.Profile{ID: "p1", Size: "small", Domains: []string{"cryptology"}, Keywords: []string{"Post-quantum migration"}}
	ms := []funding.Match{{CallID: "A"}, {CallID: "B"}, {CallID: "C"}, {CallID: "D"}}
	curations := []funding.Curation{
		{CallID: "C", Action: funding.CurationRecommend, Segment: &funding.Segment{Domain: "cryptology"}, Note: "older", By: "ann"},
		{CallID: "B", Action: funding.CurationHide, Segment: &funding.Segment{Size: "small"}},
		{CallID: "D", Action: funding.CurationRecommend, ProfileID: "other"},                                        // not this profile
		{CallID: "A", Action: funding.CurationHide, Segment: &funding.Segment{Domain: "cryptology", Size: "large"}}, // one field does not match
		{CallID: "UNRANKED", Action: funding.CurationRecommend, Segment: &funding.Segment{Keyword: "quantum"}, Note: "look", By: "bob"},
		{CallID: "CLOSED", Action: funding.CurationRecommend, ProfileID: "p1"},
		{CallID: "MISSING", Action: funding.CurationRecommend, ProfileID: "p1"},
		{CallID: "C", Action: funding.CurationRecommend, ProfileID: "p1", Note: "newest", By: "carl"},
		{CallID: "A", Action: funding.CurationHide, Segment: &funding.Segment{}}, // an empty segment targets nobody
	}
	got := curate(p, ms, curations, []string{"D"}, now, lookup)
	var ids []string
	for _, m := range got {
		ids = append(ids, m.CallID)
	}
	if want := "C UNRANKED A"; strings.Join(ids, " ") != want {
		t.Fatalf("Curate order = %q, want %q", strings.Join(ids, " "), want)
	}
	if got[0].Curated == nil || got[0].Curated.Note != "newest" || got[0].Curated.By != "carl" {
		t.Errorf("C curated = %+v, want the newest note", got[0].Curated)
	}
	if got[1].Curated == nil || got[1].Title != "Unranked" || got[1].DaysLeft < 60 {
		t.Errorf("unranked recommendation = %+v", got[1])
	}
	if got[2].Curated != nil {
		t.Errorf("A is not recommended: %+v", got[2].Curated)
	}
}
