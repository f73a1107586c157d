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
	return g.detect(s.toks)
}

func (g *Glossary) detect(toks []token) string {
	// Scores count half votes: a whole vote is 2.
	var en, fr, nl int
	frl, nll := g.langs["fr"], g.langs["nl"]
	for _, t := range toks {
		w := t.word
		if t.elided {
			fr += 2
		}
		if g.neutral[w] {
			continue
		}
		stopEn, stopFr, stopNl := englishStop[w], frl.stop[w], nll.stop[w]
		if stopEn || stopFr || stopNl {
			if stopEn {
				en += 2
			}
			if stopFr {
				fr += 2
			}
			if stopNl {
				nl += 2
			}
			continue
		}
		isEn := g.isEnglish(t.lower)
		_, inFr := frl.keys[stem("fr", dehyphen(w))]
		_, inNl := nll.keys[stem("nl", dehyphen(w))]
		if !inNl && !isEn && len(w) >= 2*minPart {
			_, inNl = nll.compound(dehyphen(w))
		}
		switch {
		case isEn && (inFr || inNl):
			// "transport", "innovation", "detection": no vote.
		case isEn:
			en += 2
		case inFr || inNl:
			if inFr {
				fr += 2
			}
			if inNl {
				nl += 2
			}
		default:
			f, n := spellingHints(t.lower)
			fr += f
			nl += n
		}
	}
	switch {
	case fr > en && fr > nl:
		return "fr"
	case nl > en && nl > fr:
		return "nl"
	}
	return "en"
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

// spellingHints gives half votes to words no table knows: French accents,
// Dutch "ij", "aa", "uu".
func spellingHints(w string) (fr, nl int) {
	if strings.ContainsAny(w, "éèêàâçùûôîœ") {
		fr = 1
	}
	if strings.Contains(w, "ij") || strings.Contains(w, "aa") || strings.Contains(w, "uu") {
		nl = 1
	}
	return fr, nl
}
