package search

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseText: the search box's parser never panics, keeps within its
// bounds, and yields only valid text with no quote characters left in words
// of a phrase or in phrases.
func FuzzParseText(f *testing.F) {
	for _, seed := range []string{
		`post-quantum`, `"incident response" SOC`, `-:*/"`, `title:x* /re/ (a OR b)`, `"unbalanced`,
		`“curly” quotes`, strings.Repeat("a ", 300), "\xff\xfe", `""`, `" "`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := parseText(s)
		if len(p.words) > maxWords || len(p.phrases) > maxPhrases {
			t.Fatalf("parseText(%q): %d words, %d phrases: over the limits", s, len(p.words), len(p.phrases))
		}
		for _, ph := range p.phrases {
			if ph == "" || strings.ContainsAny(ph, "\"“”") {
				t.Fatalf("parseText(%q): phrase %q", s, ph)
			}
			if utf8.ValidString(s) && !utf8.ValidString(ph) {
				t.Fatalf("parseText(%q): invalid phrase %q", s, ph)
			}
		}
		for _, w := range p.words {
			if strings.TrimSpace(w) != w || w == "" {
				t.Fatalf("parseText(%q): word %q", s, w)
			}
		}
	})
}
