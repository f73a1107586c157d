package match

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/funding"
)

var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

// TestCutAnswer: the stored answer cut to any limit is the contract's
// answer with that many matches.
func TestCutAnswer(t *testing.T) {
	var ms []funding.Match
	for i := range 7 {
		ms = append(ms, funding.Match{CallID: fmt.Sprintf("CALL-%d", i), Title: "Title <&> \"quoted\"", Score: float64(i)})
	}
	for _, n := range []int{0, 1, 7} {
		res := List{ProfileID: "p1", GeneratedAt: testNow, Cached: true, Matches: ms[:n]}
		stored, err := encodeAnswer(res)
		if err != nil {
			t.Fatal(err)
		}
		for limit := 1; limit <= 9; limit++ {
			got, ok := cutAnswer(stored, limit)
			if !ok {
				t.Fatalf("cutAnswer(%d matches, %d) not ok", n, limit)
			}
			want := res
			want.Matches = ms[:min(n, limit)]
			if want.Matches == nil {
				want.Matches = []funding.Match{}
			}
			wantJSON, _ := json.Marshal(want)
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatalf("cutAnswer(%d matches, %d) = %s: not JSON: %v", n, limit, got, err)
			}
			json.Unmarshal(wantJSON, &wantV) //nolint:errcheck // just marshalled
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("cutAnswer(%d matches, %d) (-want +got):\n%s", n, limit, diff)
			}
		}
	}
	for _, bad := range []string{"", "{}", answerMagic + "5,x\n{}", answerMagic + "999\n{}"} {
		if _, ok := cutAnswer([]byte(bad), 1); ok {
			t.Errorf("cutAnswer(%q) ok, want refused", bad)
		}
	}
}
