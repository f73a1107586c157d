package glossary

import (
	"strings"
	"sync"
)

// Term is one word or phrase of the input carried over: Source as written in
// the input (original case and accents), English the glossary's English phrase.
type Term struct{ Source, English string }

// word is a content word of the input on its way to English.
type word struct {
	tok  token
	key  string // stem in the input's language, hyphens removed
	brk  bool   // a phrase cannot run from the previous word to this one
	stop bool   // a function word: inside phrases only, never in the output
}

type scratch struct {
	toks  []token
	words []word
	key   []byte
	hits  []uint8
	out   strings.Builder
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Translate carries text in lang ("fr" or "nl"; "" = Detect; "en" = returned
// unchanged) over to English: known phrases (longest match first) and words
// become their English words; unknown words are kept as written (names,
// English loanwords); French or Dutch function words are dropped. It returns
// the English text and the carried-over terms in input order. With lang "",
// a text that French and Dutch claim alike ("technologie") is carried over
// although Detect calls it English.
func (g *Glossary) Translate(text, lang string) (string, []Term) {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.toks = tokenize(text, s.toks[:0])
	if lang == "" {
		_, lang = g.detect(s)
	}
	l := g.langs[lang]
	if l == nil {
		return text, nil
	}

	s.words = l.phraseWords(s.toks, s.words[:0])

	var terms []Term
	out := &s.out
	out.Reset()
	out.Grow(len(text) + len(text)/4)
	ws := s.words
	for i := 0; i < len(ws); {
		n, e := l.longest(ws[i:], &s.key)
		if n == 1 && e >= 0 && g.neutral[ws[i].tok.word] && l.entries[e].form != dehyphen(ws[i].tok.word) {
			// An English word that only shares a stem with an entry:
			// "green" is not "grens".
			e = -1
		}
		if ws[i].stop && e < 0 {
			i++
			continue
		}
		if p := ws[i].tok.punct; p != 0 && out.Len() > 0 {
			out.WriteByte(p)
		}
		if e >= 0 {
			en := l.entries[e].english
			src := text[ws[i].tok.start:ws[i+n-1].tok.end]
			writeWord(out, en)
			if !strings.EqualFold(src, en) {
				terms = append(terms, Term{Source: src, English: en})
			}
			i += n
			continue
		}
		t := ws[i].tok
		src := text[t.start:t.end]
		if g.neutral[t.word] {
			writeWord(out, src)
		} else if en, ok := l.word(t.word, ws[i].key, g.splittable(t.word)); ok {
			writeWord(out, en)
			if !strings.EqualFold(src, en) {
				terms = append(terms, Term{Source: src, English: en})
			}
		} else if strings.IndexByte(t.word, '-') > 0 {
			g.hyphenParts(l, out, &terms, src)
		} else {
			writeWord(out, src)
		}
		i++
	}
	return strings.Clone(out.String()), terms
}

// phraseWords returns the words a phrase may cover: content words and the
// function words that are not joiners ("recherche et innovation"); joiners
// are dropped, and punctuation breaks phrases.
func (l *language) phraseWords(toks []token, words []word) []word {
	brk := true
	var punct byte
	for _, t := range toks {
		brk = brk || t.brk
		if punct == 0 || punct == ',' {
			if t.punct != 0 {
				punct = t.punct
			}
		}
		if l.joiners[t.word] {
			continue
		}
		w := word{tok: t, brk: brk, stop: l.stop[t.word]}
		if w.stop {
			w.key = t.word
		} else {
			w.key = l.stem(dehyphen(t.word))
			w.tok.punct = punct
			punct = 0
		}
		words = append(words, w)
		brk = false
	}
	return words
}

func writeWord(b *strings.Builder, w string) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(w)
}

// longest returns the length and entry of the longest glossary phrase at the
// start of ws, or -1.
func (l *language) longest(ws []word, buf *[]byte) (int, int32) {
	max := l.maxWords
	if max > len(ws) {
		max = len(ws)
	}
	for k := 1; k < max; k++ {
		if ws[k].brk {
			max = k
			break
		}
	}
	for n := max; n >= 1; n-- {
		if ws[n-1].stop {
			continue
		}
		if n == 1 {
			// A word written exactly as an entry beats a word that only
			// shares its stem ("intelligent" is not "intelligence"), and
			// its accents decide ("chiffré" is not "chiffre").
			if e, ok := l.exact[dehyphen(ws[0].tok.lower)]; ok {
				return 1, e
			}
			if e, ok := l.parts[dehyphen(ws[0].tok.word)]; ok {
				return 1, e
			}
		}
		b := (*buf)[:0]
		for j := 0; j < n; j++ {
			if j > 0 {
				b = append(b, ' ')
			}
			b = append(b, ws[j].key...)
		}
		*buf = b
		if e, ok := l.lookup(string(b), func() string { return wordsForm(ws[:n]) }); ok {
			return n, e
		}
	}
	return 0, -1
}

// wordsForm joins the folded words of ws as entry.form does.
func wordsForm(ws []word) string {
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(dehyphen(w.tok.word))
	}
	return b.String()
}

// word carries over one folded word that no phrase took: by its stem, or
// for Dutch as a compound of known parts.
func (l *language) word(w, key string, split bool) (string, bool) {
	if e, ok := l.lookup(key, func() string { return dehyphen(w) }); ok {
		return l.entries[e].english, true
	}
	if stem := l.verbStem(w); stem != "" {
		if e, ok := l.keys[stem]; ok && !strings.Contains(l.entries[e].form, " ") {
			// A verb form: the infinitive's entry if the stem has one.
			for _, a := range l.alts[stem] {
				if l.infinitive(l.entries[a].form) {
					e = a
					break
				}
			}
			return l.entries[e].english, true
		}
	}
	if split && l.code == "nl" {
		return l.compound(dehyphen(w))
	}
	return "", false
}

// infinitive says whether the word w looks like an infinitive.
func (l *language) infinitive(w string) bool {
	if l.code == "nl" {
		return strings.HasSuffix(w, "en")
	}
	return strings.HasSuffix(w, "er") || strings.HasSuffix(w, "ir") || strings.HasSuffix(w, "re")
}

// verbStem returns the key of the infinitive of w when w is a verb form
// that the Snowball stemmers leave apart from it ("vérifient", "développons",
// "bouwt", "ontwikkelt") and the glossary has that key, or "". It is only
// tried for words no entry takes as they are.
func (l *language) verbStem(w string) string {
	if len(w) < 5 || len(w) > maxWordLen {
		return ""
	}
	var base string
	var ends []string
	switch l.code {
	case "fr":
		for _, end := range []string{"ent", "ons", "ez"} {
			if strings.HasSuffix(w, end) && len(w)-len(end) >= 4 {
				base, ends = w[:len(w)-len(end)], []string{"er", "ir", "re", "oir"}
				break
			}
		}
	case "nl":
		if w[len(w)-1] == 't' && !isVowel(w[len(w)-2]) {
			base, ends = w[:len(w)-1], []string{"en"}
		}
	}
	if base == "" {
		return ""
	}
	for _, end := range ends {
		if k := l.stem(base + end); l.hasKey(k) {
			return k
		}
	}
	return ""
}

func (l *language) hasKey(k string) bool {
	_, ok := l.keys[k]
	return ok
}

// hyphenParts carries over the parts of an unknown hyphenated word one by one
// ("anti-hameçonnage" -> "anti phishing"); a word none of whose parts is
// known stays whole ("Saint-Gilles").
func (g *Glossary) hyphenParts(l *language, out *strings.Builder, terms *[]Term, src string) {
	parts := strings.FieldsFunc(src, isHyphen)
	ens := make([]string, len(parts))
	known := false
	for i, part := range parts {
		w := fold(lowerString(part))
		if en, ok := l.word(w, l.stem(w), g.splittable(w)); ok && !l.stop[w] {
			ens[i], known = en, true
		}
	}
	if !known {
		writeWord(out, src)
		return
	}
	for i, part := range parts {
		switch {
		case ens[i] != "":
			writeWord(out, ens[i])
			if !strings.EqualFold(part, ens[i]) {
				*terms = append(*terms, Term{Source: part, English: ens[i]})
			}
		case !l.stop[fold(lowerString(part))]:
			writeWord(out, part)
		}
	}
}

// splittable says whether w may be a compound: English words ("database",
// "software") are not.
func (g *Glossary) splittable(w string) bool { return !g.english[w] && !g.neutral[w] }

// Dutch compounds join their parts directly or with a linking s, e or en
// ("beveiligingsonderzoek", "ziektekosten", "pannenkoek").
var linkers = []string{"s", "en", "e", ""}

const (
	minPart     = 3
	maxParts    = 4
	maxCompound = 64 // longer "words" are not split
)

// compound splits a Dutch word into known parts, longest first part first,
// backtracking when the rest does not split: "inbraakdetectie" -> inbraak +
// detectie -> "intrusion detection". Dutch puts the head last, as English does
// in its noun phrases, so the English words keep the Dutch order.
func (l *language) compound(w string) (string, bool) {
	if len(w) < 2*minPart || len(w) > maxCompound {
		return "", false
	}
	var idx [maxParts]int32
	var failed [maxCompound]uint8
	n, ok := l.split(w, 0, idx[:0], &failed)
	if !ok {
		return "", false
	}
	var b strings.Builder
	for i, e := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.entries[e].english)
	}
	return b.String(), true
}

// split splits w[at:] into known parts after the parts found before it.
// failed[at] has bit d set when w[at:] did not split after d parts, so each
// (position, depth) is tried once.
func (l *language) split(w string, at int, parts []int32, failed *[maxCompound]uint8) ([]int32, bool) {
	rest := w[at:]
	depth := len(parts)
	if failed[at]&(1<<depth) != 0 {
		return nil, false
	}
	// The last part may carry an inflection: find it by its stem.
	if depth > 0 && len(rest) >= minPart {
		if e, ok := l.lookup(l.stem(rest), func() string { return rest }); ok && !strings.Contains(l.entries[e].form, " ") {
			return append(parts, e), true
		}
	}
	if depth < maxParts-1 {
		for end := len(rest) - minPart; end >= minPart; end-- {
			e, ok := l.parts[rest[:end]]
			if !ok {
				continue
			}
			for _, link := range linkers {
				next := rest[end:]
				if !strings.HasPrefix(next, link) || len(next)-len(link) < minPart {
					continue
				}
				if got, ok := l.split(w, at+end+len(link), append(parts, e), failed); ok {
					return got, true
				}
			}
		}
	}
	failed[at] |= 1 << depth
	return nil, false
}
