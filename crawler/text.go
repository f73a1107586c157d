package crawler

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"callmatch/funding"
)

// FixMojibake repairs text that was UTF-8 once and then read as Windows-1252
// (or Latin-1): "â€™" becomes "’", "Ã©" becomes "é", "ï»¿" becomes a BOM.
// It works on the encoding itself, not on a list of known strings: a run of
// characters is replaced only when their Windows-1252 bytes form one valid
// multi-byte UTF-8 sequence, which ordinary text practically never does.
// Text without such runs is returned unchanged.
func FixMojibake(s string) string {
	if !hasMojibakeLead(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	var seq [4]byte
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if lead, ok := cp1252Byte(r); ok && lead >= 0xC2 && lead <= 0xF4 {
			n := utf8SeqLen(lead)
			seq[0] = lead
			j, k := i+size, 1
			for ; k < n && j < len(s); k++ {
				c, csize := utf8.DecodeRuneInString(s[j:])
				cb, ok := cp1252Byte(c)
				if !ok || cb < 0x80 || cb > 0xBF {
					break
				}
				seq[k] = cb
				j += csize
			}
			if k == n {
				if fixed, fsize := utf8.DecodeRune(seq[:n]); fixed != utf8.RuneError && fsize == n {
					b.WriteRune(fixed)
					i = j
					continue
				}
			}
		}
		b.WriteString(s[i : i+size])
		i += size
	}
	return b.String()
}

// hasMojibakeLead reports whether s holds a character that could start a
// misread UTF-8 sequence (U+00C2..U+00F4): a cheap pre-check.
func hasMojibakeLead(s string) bool {
	for _, r := range s {
		if r >= 0xC2 && r <= 0xF4 {
			return true
		}
	}
	return false
}

// cp1252Byte returns the Windows-1252 byte that decodes to r. C1 control
// characters stand for the five bytes Windows-1252 leaves undefined (a
// lenient decoder maps 0x9D to U+009D), so they map to themselves.
func cp1252Byte(r rune) (byte, bool) {
	if r >= 0x80 && r <= 0x9F {
		return byte(r), true
	}
	return charmap.Windows1252.EncodeRune(r)
}

func utf8SeqLen(lead byte) int {
	switch {
	case lead >= 0xF0:
		return 4
	case lead >= 0xE0:
		return 3
	default:
		return 2
	}
}

// cleanLine collapses whitespace (no-break spaces included), drops
// zero-width characters and byte order marks, and trims.
func cleanLine(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u200b' || r == '\ufeff' || r == '\u200c' || r == '\u200d' || r == '\u00ad':
			continue
		case unicode.IsSpace(r) || r == '\u00a0' || r == '\u202f' || r == '\u2007':
			space = true
			continue
		case unicode.IsControl(r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// CleanText repairs mojibake and normalizes whitespace of plain text: each
// line is collapsed and trimmed, empty lines are dropped.
func CleanText(s string) string {
	s = FixMojibake(s)
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = cleanLine(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// trlRe finds a stated technology readiness level: "TRL 5-6", "TRL5",
// "TRLs 4 to 6", "TRL 4/5", "Technology Readiness Level 6",
// "technology readiness levels 5 to 7", "(TRL) 1-3",
// "Technical Readiness Level (TRL) 6".
var trlRe = regexp.MustCompile(`(?i)\b(?:TRLs?|(?:technology|technological|technical)\s+readiness\s+levels?(?:\s*\(TRLs?\))?)\s*(?:of\s+|at\s+)?([1-9])\b(?:\s*(?:-|–|—|to|/|and|or)\s*(?:TRL\s*)?([1-9])\b)?`)

// trlTargetRe marks a sentence that states the level a project must reach
// ("Activities are expected to achieve TRL 6-7 by the end of the project",
// "to reach up to Technical Readiness Level (TRL) 6"), rather than one that
// mentions a level in passing ("from cell prototypes (TRL 4-5) to ...").
var trlTargetRe = regexp.MustCompile(`(?i)\b(?:achiev\w*|reach\w*|attain\w*|target\w*|expected\s+to|by\s+the\s+end\s+of|at\s+the\s+end\s+of|up\s+to)\b`)

// ExtractTRL returns the technology readiness level range that text states
// as the target, with the sentence that states it, or nil: the first
// sentence that says what must be achieved or reached, else the first that
// names a level. All levels named in that sentence count ("start at TRL 4
// and achieve TRL 6" is 4-6).
func ExtractTRL(text string) *funding.TRL {
	var first *funding.TRL
	for _, line := range strings.Split(text, "\n") {
		for _, sentence := range splitSentences(line) {
			t := sentenceTRL(sentence)
			if t == nil {
				continue
			}
			if trlTargetRe.MatchString(sentence) {
				return t
			}
			if first == nil {
				first = t
			}
		}
	}
	return first
}

func sentenceTRL(sentence string) *funding.TRL {
	ms := trlRe.FindAllStringSubmatch(sentence, -1)
	if len(ms) == 0 {
		return nil
	}
	t := &funding.TRL{Min: 10, Max: 0, Sentence: sentence}
	for _, m := range ms {
		for _, g := range m[1:] {
			if g == "" {
				continue
			}
			n, _ := strconv.Atoi(g)
			t.Min = min(t.Min, n)
			t.Max = max(t.Max, n)
		}
	}
	return t
}

// splitSentences cuts a line after '.', '!' or '?' followed by a space and
// an upper-case letter, a digit or a footnote mark ("[1]"), which keeps
// "e.g. the" and "TRL 5.5" whole.
func splitSentences(line string) []string {
	var out []string
	start := 0
	rs := []rune(line)
	for i := 0; i < len(rs)-2; i++ {
		footnote := rs[i+2] == '[' && i+3 < len(rs) && unicode.IsDigit(rs[i+3]) // "... Annex B. [1] https://..."
		if (rs[i] == '.' || rs[i] == '!' || rs[i] == '?') && rs[i+1] == ' ' && (unicode.IsUpper(rs[i+2]) || unicode.IsDigit(rs[i+2]) || footnote) {
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 2
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}
