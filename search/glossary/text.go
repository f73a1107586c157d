package glossary

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/french"
)

// token is one word of the input.
type token struct {
	i          int    // index in the tokens of the input
	start, end int    // bytes of the word in the input, as written (after an elision)
	word       string // lower case, accents folded, elision and 's removed
	lower      string // lower case with its accents, for Detect
	elided     bool   // the word began with a French elision (l', d', qu'...)
	brk        bool   // a phrase cannot run from the previous word to this one
	punct      byte   // punctuation written before this word, kept in the output
}

// elisions are the French words that lose their vowel before another word.
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true,
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == '‘' || r == 'ʼ' }

func isHyphen(r rune) bool { return r == '-' || r == '‐' || r == '‑' }

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// tokenize cuts text into words. A word is a run of letters and digits with
// single hyphens or apostrophes inside; a French elision (l', d', qu'...) is
// cut off the word and a trailing 's (Dutch plural of abbreviations, English
// possessive) is dropped. Punctuation and symbols between words break phrases.
func tokenize(text string, toks []token) []token {
	brk := true
	var punct byte
	i := 0
	for i < len(text) {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			switch {
			case r == '.' || r == '!' || r == '?' || r == ';' || r == ':':
				punct, brk = byte(r), true
			case r == ',':
				if punct == 0 {
					punct = ','
				}
				brk = true
			case unicode.IsSpace(r):
			default:
				brk = true
			}
			i += n
			continue
		}
		start := i
		end := i + n
		i = end
		for i < len(text) {
			r, n := utf8.DecodeRuneInString(text[i:])
			if isWordRune(r) {
				i += n
				end = i
				continue
			}
			if isHyphen(r) || isApostrophe(r) || r == '&' || (r == '.' && unicode.IsDigit(lastRune(text[:i]))) {
				if r2, _ := utf8.DecodeRuneInString(text[i+n:]); i+n < len(text) && isWordRune(r2) && (r != '.' || unicode.IsDigit(r2)) {
					i += n
					continue
				}
			}
			break
		}
		t := makeToken(text, start, end, brk, punct)
		t.i = len(toks)
		toks = append(toks, t)
		brk, punct = false, 0
	}
	return toks
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func makeToken(text string, start, end int, brk bool, punct byte) token {
	t := token{start: start, end: end, brk: brk, punct: punct}
	lower := lowerString(text[start:end])
	// French elision: "l'authentification" -> "authentification".
	if k := strings.IndexFunc(lower, isApostrophe); k > 0 {
		if elisions[lower[:k]] {
			_, n := utf8.DecodeRuneInString(lower[k:])
			lower = lower[k+n:]
			t.elided = true
			if j := strings.IndexFunc(text[start:end], isApostrophe); j >= 0 {
				_, n := utf8.DecodeRuneInString(text[start+j:])
				t.start = start + j + n
			}
		}
	}
	// Trailing 's or 't: "kmo's" -> "kmo".
	if k := strings.LastIndexFunc(lower, isApostrophe); k > 0 {
		_, n := utf8.DecodeRuneInString(lower[k:])
		if rest := lower[k+n:]; rest == "s" || rest == "t" {
			lower = lower[:k]
		}
	}
	t.lower = lower
	t.word = fold(lower)
	return t
}

// lowerString lower-cases s, allocating only when it changes.
func lowerString(s string) string {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return strings.ToLower(s)
		}
	}
	return s
}

// fold removes accents from lower-case s and writes apostrophes and hyphens
// as ' and -: "sécurité" -> "securite", "cœur" -> "coeur".
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case isApostrophe(r):
			b.WriteByte('\'')
		case isHyphen(r):
			b.WriteByte('-')
		default:
			if f, ok := folds[r]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

var folds = map[rune]string{
	'à': "a", 'â': "a", 'ä': "a", 'á': "a", 'ã': "a", 'å': "a",
	'ç': "c",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e",
	'î': "i", 'ï': "i", 'í': "i", 'ì': "i",
	'ô': "o", 'ö': "o", 'ó': "o", 'ò': "o", 'õ': "o",
	'ù': "u", 'û': "u", 'ü': "u", 'ú': "u",
	'ÿ': "y", 'ý': "y", 'ñ': "n",
	'œ': "oe", 'æ': "ae", 'ß': "ss",
}

// stemCache keeps the stems of the words seen, so that a query stems each
// word once per language in the common case. It is bounded: when full, it
// starts over.
type stemCache struct {
	mu  sync.RWMutex
	m   map[string]string
	max int
}

const maxCachedStems = 1 << 16

// stem returns the stem of the folded word w in lang, from the cache if it
// can.
func (c *stemCache) stem(lang, w string) string {
	c.mu.RLock()
	s, ok := c.m[w]
	c.mu.RUnlock()
	if ok {
		return s
	}
	s = stem(lang, w)
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[strings.Clone(w)] = s
	c.mu.Unlock()
	return s
}

// maxWordLen bounds the words that are stemmed: longer runs of letters are
// not words.
const maxWordLen = 64

// stem returns the stem of a folded word in lang ("fr" or "nl").
func stem(lang, w string) string {
	if len(w) < 3 || len(w) > maxWordLen {
		return w
	}
	switch lang {
	case "fr":
		// Feminine past participles lose their accent in fold:
		// "sécurisée(s)" -> "securisee(s)" -> "securise".
		if strings.HasSuffix(w, "ees") {
			w = w[:len(w)-2]
		} else if strings.HasSuffix(w, "ee") {
			w = w[:len(w)-1]
		}
		env := snowballstem.NewEnv(w)
		french.Stem(env)
		return env.Current()
	case "nl":
		w = undiminish(w)
		env := snowballstem.NewEnv(w)
		dutch.Stem(env)
		return dutchTail(env.Current())
	}
	return w
}

// undiminish drops a Dutch diminutive ending: "bedrijfje(s)" -> "bedrijf".
func undiminish(w string) string {
	if strings.HasSuffix(w, "jes") {
		w = w[:len(w)-1]
	}
	switch {
	case len(w) > 7 && strings.HasSuffix(w, "etje"):
		return w[:len(w)-4]
	case len(w) > 6 && strings.HasSuffix(w, "tje"):
		return w[:len(w)-3]
	case len(w) > 5 && strings.HasSuffix(w, "je"):
		return w[:len(w)-2]
	}
	return w
}

// dutchTail evens out what the Snowball Dutch stemmer leaves different between
// the forms of one word: "aanvall" (aanvallen) -> "aanval", "bedrijv"
// (bedrijven) -> "bedrijf", "ziekenhuiz" -> "ziekenhuis", "detecties" -> "detectie".
func dutchTail(s string) string {
	n := len(s)
	if n < 4 {
		return s
	}
	switch last := s[n-1]; {
	case last == 'v':
		return s[:n-1] + "f"
	case last == 'z':
		return s[:n-1] + "s"
	case last == s[n-2] && !isVowel(last):
		s, n = s[:n-1], n-1
	}
	// A plural -s after a vowel: "detecties", "kmos"; not "ziekenhuis".
	// Without it, "windturbines" loses its e as "windturbine" does.
	if n >= 4 && s[n-1] == 's' && isVowel(s[n-2]) && (s[n-2] == 'e' && s[n-3] == 'i' || !isVowel(s[n-3])) {
		s, n = s[:n-1], n-1
		if s[n-1] == 'e' && !isVowel(s[n-2]) {
			s, n = s[:n-1], n-1
			if n >= 3 && s[n-1] == s[n-2] && !isVowel(s[n-1]) {
				s = s[:n-1]
			}
		}
	}
	return s
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}
