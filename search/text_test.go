package search

import (
	"slices"
	"strings"
	"testing"
)

func TestSentences(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"One. Two! Three? Four", []string{"One.", "Two!", "Three?", "Four"}},
		{"Tools, e.g. EDA and PDK. Next one.", []string{"Tools, e.g. EDA and PDK.", "Next one."}},
		{"Reach TRL 5.5 by 2027. Done.", []string{"Reach TRL 5.5 by 2027.", "Done."}},
		{"following: a; b; c.", []string{"following: a; b; c."}},
		{"Develop tools; Support SOCs. Art. 22 applies.", []string{"Develop tools;", "Support SOCs.", "Art. 22 applies."}},
	}
	for _, tc := range tests {
		if got := sentences(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("sentences(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestSentenceAtClipsLongSentences(t *testing.T) {
	long := strings.Repeat("word ", 200) + "target " + strings.Repeat("more ", 200) + "end."
	i := strings.Index(long, "target")
	got := sentenceAt(long, i, i+6)
	if !strings.Contains(got, "target") || len(got) > maxPassage+20 || !strings.HasPrefix(got, "…") {
		t.Errorf("sentenceAt = %q (%d bytes)", got, len(got))
	}
}

func TestParseText(t *testing.T) {
	tests := []struct {
		in             string
		words, phrases []string
	}{
		{`post-quantum "incident response" SOC`, []string{"post-quantum", "SOC"}, []string{"incident response"}},
		{`-:*/"`, []string{"-:*/"}, nil},
		{`"open phrase words`, []string{"open", "phrase", "words"}, nil},
		{`“curly quotes”`, nil, []string{"curly quotes"}},
		{`title:x AND y`, []string{"title:x", "AND", "y"}, nil},
	}
	for _, tc := range tests {
		got := parseText(tc.in)
		if !slices.Equal(got.words, tc.words) || !slices.Equal(got.phrases, tc.phrases) {
			t.Errorf("parseText(%q) = %q %q, want %q %q", tc.in, got.words, got.phrases, tc.words, tc.phrases)
		}
	}
	if got := parseText(strings.Repeat("w ", 1000)); len(got.words) > maxWords {
		t.Errorf("parseText kept %d words, want at most %d", len(got.words), maxWords)
	}
}
