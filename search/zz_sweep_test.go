package search

import (
	"encoding/json"
	"os"
	"strconv"
	"testing"
)

func TestZZSweep(t *testing.T) {
	b, _ := os.ReadFile("testdata/relevance.json")
	var set relevanceSet
	json.Unmarshal(b, &set)
	ix := realIndex(t)
	for _, w := range []string{"0", "0.3", "0.5", "0.8", "1.2"} {
		fuseMeaning, _ = strconv.ParseFloat(w, 64)
		got := relevance(t, ix, set, false)
		for _, task := range []string{"match", "search"} {
			for _, g := range []string{"en-calls", "en-business", "all"} {
				f := got[task]["callmatch"][g]
				t.Logf("w=%s %s %-12s %.2f %.2f %.2f", w, task, g, f.Hit3, f.Hit5, f.MRR)
			}
		}
	}
}
