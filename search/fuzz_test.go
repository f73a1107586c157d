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

// FuzzEditDistance: the bounded distance is symmetric, zero only for equal
// words, never over the limit plus one, and the distance of a word to
// itself with one letter dropped is one.
func FuzzEditDistance(f *testing.F) {
	f.Add("securty", "security", 2)
	f.Add("hydrogne", "hydrogen", 1)
	f.Add("", "abc", 0)
	f.Add("réseau", "\xff", 3)
	f.Fuzz(func(t *testing.T, a, b string, limit int) {
		limit = min(max(limit, 0), 5)
		ra, rb := []rune(a), []rune(b)
		if len(ra) > 60 || len(rb) > 60 {
			return
		}
		d := editDistance(ra, rb, limit)
		if d < 0 || d > limit+1 {
			t.Fatalf("editDistance(%q, %q, %d) = %d", a, b, limit, d)
		}
		if back := editDistance(rb, ra, limit); back != d {
			t.Fatalf("editDistance not symmetric: %q %q: %d and %d", a, b, d, back)
		}
		if (d == 0) != (string(ra) == string(rb)) {
			t.Fatalf("editDistance(%q, %q) = %d", a, b, d)
		}
		if len(ra) > 0 && limit >= 1 {
			if got := editDistance(ra, ra[1:], limit); got != 1 {
				t.Fatalf("editDistance(%q, %q) = %d, want 1", a, string(ra[1:]), got)
			}
		}
	})
}
