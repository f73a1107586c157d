package glossary

import "strings"

// Detect says which language text is in: "en", "fr" or "nl". Each word votes
// for the languages whose function words or glossary hold it; English words
// that French and Dutch texts use as they are ("cloud", "data", "software")
// and words written alike in English and in a glossary ("innovation") do not
// vote. Ties, and texts with no vote at all, are English.
func (g *Glossary) Detect(text string) string {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.toks = tokenize(text, s.toks[:0])
	lang, _ := g.detect(s)
	return lang
}

// Votes on a token (bits of scratch.hits).
const (
	hitStop = 1 << iota // a function word in some language
	hitFr               // in the French glossary
	hitNl               // in the Dutch glossary
	skip                // votes for no language
)

// detect reads s.toks; it uses s.words and s.hits as scratch space. It
// returns the language of the text and the language to carry it over from:
// a text that French and Dutch claim alike, more than English does
// ("technologie", "industrie"), is English for Detect but is carried over as
// French, whose words are then the same as the Dutch ones.
func (g *Glossary) detect(s *scratch) (lang, carry string) {
	// Scores count half votes: a whole vote is 2.
	var en, fr, nl int
	s.hits = s.hits[:0]
	for _, t := range s.toks {
		var h uint8
		w := t.word
		if t.elided {
			fr += 2
		}
		f, n := spellingHints(t.lower)
		fr += f
		nl += n
		switch {
		case g.neutral[w]:
			h = skip
		case englishStop[w] || g.langs["fr"].stop[w] || g.langs["nl"].stop[w]:
			h = hitStop
			if englishStop[w] {
				en += 2
			}
			if g.langs["fr"].stop[w] {
				fr += 2
			}
			if g.langs["nl"].stop[w] {
				nl += 2
			}
		}
		s.hits = append(s.hits, h)
	}
	// Glossary words and phrases. A phrase is a vote of its own:
	// "jeune pousse", "slimme meters".
	for _, code := range languages {
		l := g.langs[code]
		bit, score := uint8(hitFr), &fr
		if code == "nl" {
			bit, score = hitNl, &nl
		}
		s.words = l.phraseWords(s.toks, s.words[:0])
		ws := s.words
		for i := 0; i < len(ws); {
			n, e := l.longest(ws[i:], &s.key)
			if e >= 0 && l.entries[e].loan {
				// Written alike in English ("big data", "solutions"): no vote.
				for _, w := range ws[i : i+n] {
					s.hits[w.tok.i] |= skip
				}
				i += n
				continue
			}
			if e < 0 {
				w := ws[i].tok
				if !ws[i].stop && s.hits[w.i] == 0 && !g.isEnglish(w.lower) {
					if _, ok := l.word(w.word, ws[i].key, g.splittable(w.word)); ok {
						s.hits[w.i] |= bit
					}
				}
				i++
				continue
			}
			if n > 1 {
				*score += 2
			}
			for _, w := range ws[i : i+n] {
				if s.hits[w.tok.i]&(hitStop|skip) == 0 {
					s.hits[w.tok.i] |= bit
				}
			}
			i += n
		}
	}
	for i, t := range s.toks {
		h := s.hits[i]
		if h&(hitStop|skip) != 0 {
			continue
		}
		isEn := g.isEnglish(t.lower)
		switch {
		case isEn && h == 0:
			en += 2
		case isEn:
			// "transport", "innovation", "detection": written alike, no vote.
		default:
			if h&hitFr != 0 {
				fr += 2
			}
			if h&hitNl != 0 {
				nl += 2
			}
		}
	}
	switch {
	case fr > en && fr > nl:
		return "fr", "fr"
	case nl > en && nl > fr:
		return "nl", "nl"
	case fr == nl && fr > en:
		return "en", "fr"
	}
	return "en", "en"
}

// isEnglish says whether w (lower case) is an English word the glossary knows,
// or the plural of one.
func (g *Glossary) isEnglish(w string) bool {
	if g.english[w] {
		return true
	}
	if strings.HasSuffix(w, "ies") && g.english[w[:len(w)-3]+"y"] {
		return true
	}
	if strings.HasSuffix(w, "es") && g.english[w[:len(w)-2]] {
		return true
	}
	return strings.HasSuffix(w, "s") && g.english[w[:len(w)-1]]
}

// spellingHints gives half votes for spelling: French accents and endings
// ("-ique", "-aire"); Dutch "ij", "aa", "uu", the diaeresis of "financiële"
// and endings that French writes otherwise ("detectie", "militair",
// "veiligheid", "elektrisch").
func spellingHints(w string) (fr, nl int) {
	if strings.ContainsAny(w, "éèêàâçùûôîœ") || hasSuffix(w, frenchEndings) {
		fr = 1
	}
	if strings.Contains(w, "ij") || strings.Contains(w, "aa") || strings.Contains(w, "uu") ||
		strings.ContainsAny(w, "ëï") || hasSuffix(w, dutchEndings) {
		nl = 1
	}
	return fr, nl
}

var (
	frenchEndings = []string{"ique", "iques", "aire", "aires", "euse", "euses", "eaux"}
	dutchEndings  = []string{"ctie", "cties", "atie", "aties", "itie", "ities", "ssie", "ssies",
		"iteit", "iteiten", "heid", "heden", "isch", "ische", "tair", "eair", "nair", "eel", "iele", "entie", "enties", "nsie", "nsies", "amma"}
)

// hasSuffix says whether w, of 6 letters or more, ends with one of ends.
func hasSuffix(w string, ends []string) bool {
	if len(w) < 6 {
		return false
	}
	for _, e := range ends {
		if strings.HasSuffix(w, e) {
			return true
		}
	}
	return false
}
