package search

import (
	"context"
	"testing"
)

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b  string
		limit int
		want  int
	}{
		{"securty", "security", 2, 1},  // a letter dropped
		{"hydrogne", "hydrogen", 2, 1}, // two letters swapped: one edit
		{"quantom", "quantum", 1, 1},
		{"penetraton", "penetration", 2, 1},
		{"cybersecurty", "cybersecurity", 2, 1},
		{"artifical", "artificial", 2, 1},
		{"robotcs", "robotics", 1, 1},
		{"same", "same", 1, 0},
		{"kitten", "sitting", 3, 3},
		{"kitten", "sitting", 2, 3}, // over the limit: limit+1
		{"short", "muchlongerword", 2, 3},
		{"réseau", "reseau", 1, 1}, // letters, not bytes
	} {
		if got := editDistance([]rune(tc.a), []rune(tc.b), tc.limit); got != tc.want {
			t.Errorf("editDistance(%q, %q, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}

func TestEachWord(t *testing.T) {
	var got []string
	eachWord("Post-Quantum cryptography, 5G/6G; the SME's ÉLAN and a a verylongwordthatgoesonandonandonforeverandever", func(w string) { got = append(got, w) })
	want := []string{"post", "quantum", "cryptography", "élan"}
	if len(got) != len(want) {
		t.Fatalf("eachWord = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("eachWord = %q, want %q", got, want)
		}
	}
}

// TestTyposAfterReopen: an index opened from its folder (no rebuild) knows
// the vocabulary of the calls it already holds.
func TestTyposAfterReopen(t *testing.T) {
	calls := loadCalls(t)
	ix, src, dir := openIndex(t, calls)
	ctx := context.Background()
	before, err := ix.Search(ctx, Query{Text: "cybersecurty", Now: testNow})
	if err != nil || before.Total == 0 {
		t.Fatalf("Search(cybersecurty) = %d hits, %v", before.Total, err)
	}
	ix.Close()
	again, err := Open(ctx, dir, src, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	after, err := again.Search(ctx, Query{Text: "cybersecurty", Now: testNow})
	if err != nil || after.Total != before.Total {
		t.Errorf("after reopening, Search(cybersecurty) = %d hits, %v; want %d", after.Total, err, before.Total)
	}
}
