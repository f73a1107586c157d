package digest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/funding"
)

// shown lists "kind call" for the items a selection shows, and the reasons it covers.
func shown(t *testing.T, items []funding.DigestItem) (show []string, reasons []string) {
	t.Helper()
	for _, di := range items {
		reasons = append(reasons, di.CallID+" "+di.Reason)
		if len(di.Data) == 0 {
			continue
		}
		var it Item
		if err := json.Unmarshal(di.Data, &it); err != nil {
			t.Fatal(err)
		}
		show = append(show, string(it.Kind)+" "+di.CallID)
	}
	return show, reasons
}

func TestSelectItems(t *testing.T) {
	closed := callPQC
	closed.ID, closed.PortalStatus = "CLOSED-1", funding.StatusClosed
	closed.Deadlines = []time.Time{monday.Add(-time.Hour)}
	soonButSent := callPQC
	soonButSent.ID = "SOON-SENT"

	for _, tc := range []struct {
		name        string
		in          selection
		wantShown   []string
		wantReasons []string
	}{
		{
			name: "the scenario",
			in: selection{now: monday, matches: scenarioMatches(), followed: []funding.Call{callSOC, callPQC, callTypo},
				changes: []funding.CallChange{
					{CallID: callSOC.ID, ChangedAt: local(2026, time.September, 13, 14, 30), Fields: []string{"deadlines"}},
					{CallID: callTypo.ID, ChangedAt: local(2026, time.September, 13, 14, 30), Fields: []string{"sections", "keywords"}},
				}},
			wantShown: []string{"recommended " + callPETs.ID, "match " + callCRA.ID, "match " + callAI.ID, "changed " + callSOC.ID, "deadline " + callPQC.ID},
			wantReasons: []string{
				callPETs.ID + " recommended", callPETs.ID + " match",
				callCRA.ID + " match",
				callAI.ID + " match", callAI.ID + " deadline@20260924T150000Z",
				callSOC.ID + " changed@20260913T123000Z",
				callPQC.ID + " deadline@20260918T150000Z",
			},
		},
		{
			name: "nothing twice for the same reason; a second change is news again",
			in: selection{now: monday, matches: scenarioMatches()[:2], followed: []funding.Call{callSOC, soonButSent},
				changes: []funding.CallChange{
					{CallID: callSOC.ID, ChangedAt: local(2026, time.September, 10, 9, 0), Fields: []string{"budget"}},
					{CallID: callSOC.ID, ChangedAt: local(2026, time.September, 13, 14, 30), Fields: []string{"status"}},
				},
				sent: map[string]bool{
					funding.SentItemKey(callPETs.ID, "recommended"): true, funding.SentItemKey(callCRA.ID, "match"): true,
					funding.SentItemKey(callSOC.ID, "changed@20260910T070000Z"): true, funding.SentItemKey("SOON-SENT", "deadline@20260918T150000Z"): true,
				}},
			// A recommended call is not announced again as a plain match.
			wantShown:   []string{"changed " + callSOC.ID},
			wantReasons: []string{callSOC.ID + " changed@20260913T123000Z"},
		},
		{
			name:        "closed and far calls are no deadline news",
			in:          selection{now: monday, followed: []funding.Call{closed, callTypo}},
			wantShown:   nil,
			wantReasons: nil,
		},
		{
			name: "the cap keeps recommendations, changes and deadlines before new matches",
			in: func() selection {
				s := selection{now: monday, maxItems: 3, followed: []funding.Call{callPQC}}
				for i := range 5 {
					c := callCRA
					c.ID = fmt.Sprintf("NEW-%d", i)
					s.matches = append(s.matches, matchOf(c, 0.9, 0, 0))
				}
				rec := matchOf(callPETs, 0.1, 0, 0) // ranked last, recommended
				rec.Curated = &funding.CuratedNote{Note: "n"}
				s.matches = append(s.matches, rec)
				return s
			}(),
			wantShown: []string{"recommended " + callPETs.ID, "match NEW-0", "deadline " + callPQC.ID},
			wantReasons: []string{
				callPETs.ID + " recommended", callPETs.ID + " match", "NEW-0 match", callPQC.ID + " deadline@20260918T150000Z",
				"NEW-1 match", "NEW-2 match", "NEW-3 match", "NEW-4 match",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.window = DeadlineWindow
			if tc.in.sent == nil {
				tc.in.sent = map[string]bool{}
			}
			show, reasons := shown(t, selectItems(tc.in))
			if diff := cmp.Diff(tc.wantShown, show); diff != "" {
				t.Errorf("shown (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantReasons, reasons); diff != "" {
				t.Errorf("reasons covered (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeItemsCountsLeftOutCalls(t *testing.T) {
	d := funding.Digest{Items: []funding.DigestItem{
		{CallID: "A", Reason: "match", Data: json.RawMessage(`{"kind":"match","title":"A"}`)},
		{CallID: "A", Reason: "deadline@x"},
		{CallID: "B", Reason: "match"}, {CallID: "B", Reason: "deadline@y"}, {CallID: "C", Reason: "match"},
	}}
	items, more, err := decodeItems(d)
	if err != nil || len(items) != 1 || items[0].CallID != "A" || more != 2 {
		t.Errorf("decodeItems = %+v, %d, %v; want A shown and 2 more", items, more, err)
	}
}
