package search

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// phrase is a piece of text as the English analyzer of the index sees it:
// its stems, with "" where a stop word left a gap.
type phrase struct {
	text  string
	terms []string
}

// key identifies the analyzed form ("secur oper centr").
func (p phrase) key() string { return strings.Join(p.stems(), " ") }

// stems returns the terms without the gaps.
func (p phrase) stems() []string {
	out := make([]string, 0, len(p.terms))
	for _, t := range p.terms {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// multi returns the phrase in the shape of a bleve multi-phrase query.
func (p phrase) multi() [][]string {
	out := make([][]string, len(p.terms))
	for i, t := range p.terms {
		if t != "" {
			out[i] = []string{t}
		}
	}
	return out
}

// analyze runs text through a; gaps left by removed stop words inside the
// phrase are kept as "" so that phrase queries keep the distances.
func analyze(a analysis.Analyzer, text string) phrase {
	p := phrase{text: text}
	first := 0
	for _, tok := range a.Analyze([]byte(text)) {
		if first == 0 {
			first = tok.Position
		}
		i := tok.Position - first
		for len(p.terms) <= i {
			p.terms = append(p.terms, "")
		}
		if p.terms[i] == "" {
			p.terms[i] = string(tok.Term)
		}
	}
	return p
}

// abbreviations that end with a dot without ending the sentence.
var abbreviations = map[string]bool{
	"e.g": true, "i.e": true, "etc": true, "art": true, "no": true, "vs": true, "cf": true,
	"incl": true, "approx": true, "dr": true, "mr": true, "ms": true, "st": true, "fig": true,
	"ca": true, "eg": true, "ie": true, "nr": true, "p": true, "pp": true, "para": true,
}

// sentenceBounds returns the [start, end) byte spans of the sentences of text.
func sentenceBounds(text string) [][2]int {
	var out [][2]int
	start := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '\n' {
			out = appendSpan(out, text, start, i)
			start = i + 1
			continue
		}
		if c != '.' && c != '!' && c != '?' && c != ';' {
			continue
		}
		j := i + 1
		for j < len(text) && text[j] == ' ' {
			j++
		}
		if j == len(text) {
			break
		}
		if j == i+1 && c != ';' { // "e.g" or "3.5": no space, no boundary
			continue
		}
		r, _ := utf8.DecodeRuneInString(text[j:])
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && !strings.ContainsRune("\"'“‘(•▪-–", r) {
			continue
		}
		if c == '.' && isAbbreviation(text[start:i]) {
			continue
		}
		out = appendSpan(out, text, start, i+1)
		start = j
	}
	return appendSpan(out, text, start, len(text))
}

func appendSpan(out [][2]int, text string, start, end int) [][2]int {
	for start < end && text[start] == ' ' {
		start++
	}
	for end > start && text[end-1] == ' ' {
		end--
	}
	if end > start {
		out = append(out, [2]int{start, end})
	}
	return out
}

func isAbbreviation(before string) bool {
	k := strings.LastIndexAny(before, " (")
	w := strings.ToLower(before[k+1:])
	if len(w) == 1 && w[0] >= 'a' && w[0] <= 'z' {
		return true // an initial
	}
	return abbreviations[w]
}

// sentences splits text into sentences.
func sentences(text string) []string {
	spans := sentenceBounds(text)
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s[0]:s[1]]
	}
	return out
}

// maxPassage is the longest passage a reason quotes, in bytes.
const maxPassage = 320

// sentenceAt returns the sentence of text that holds the byte range
// [start, end), shortened around that range when it is very long.
func sentenceAt(text string, start, end int) string {
	for _, s := range sentenceBounds(text) {
		if start >= s[0] && start < s[1] {
			return clip(text[s[0]:s[1]], start-s[0], min(end, s[1])-s[0])
		}
	}
	return ""
}

// clip shortens s to about maxPassage bytes around [start, end), on word bounds.
func clip(s string, start, end int) string {
	if len(s) <= maxPassage {
		return s
	}
	from := max(0, start-maxPassage/2)
	to := min(len(s), max(end, from+maxPassage))
	if to-from > maxPassage {
		from = max(0, to-maxPassage)
	}
	for from > 0 && s[from-1] != ' ' {
		from--
	}
	for to < len(s) && s[to] != ' ' {
		to++
	}
	out := strings.TrimSpace(s[from:to])
	if from > 0 {
		out = "…" + out
	}
	if to < len(s) {
		out += "…"
	}
	return out
}
