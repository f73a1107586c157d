// Package glossary carries French and Dutch text over to English, so that
// profiles, keywords and queries written by Belgian SMEs meet calls written in
// English. It holds a field glossary (cybersecurity, ICT, sectors, funding and
// business words) per language, matches it after normalization and stemming
// (Snowball French and Dutch), splits Dutch compounds into known parts and
// detects the language of short and long texts.
package glossary

import (
	"bufio"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed fr.tsv nl.tsv
var files embed.FS

// languages are the languages the glossary carries over to English.
var languages = []string{"fr", "nl"}

// Glossary is the compiled glossary of every language. It is safe for
// concurrent use.
type Glossary struct {
	langs   map[string]*language
	english map[string]bool // English words: the glossary's English side and English function words
	neutral map[string]bool // English words that French and Dutch texts use as they are
}

// language is the glossary of one language.
type language struct {
	code     string
	entries  []entry
	keys     map[string]int32   // stems of the content words, joined by ' ' -> entries[i]
	alts     map[string][]int32 // keys that several entries with different English share
	parts    map[string]int32   // a single word as written (folded, no hyphen) -> entries[i], for compound parts
	exact    map[string]int32   // a single word as written (with its accents, no hyphen) -> entries[i]
	maxWords int
	stop     map[string]bool // function words (folded): dropped
	joiners  map[string]bool // function words that may sit inside a phrase ("sécurité des réseaux")
	stems    stemCache
}

// stem returns the stem of the folded word w.
func (l *language) stem(w string) string { return l.stems.stem(l.code, w) }

// entry is one line of a glossary file.
type entry struct {
	source  string
	english string
	form    string // the words of the key as written: folded, without hyphens, joined by ' '
	loan    bool   // written as in English ("big data", "open source")
	line    int
}

// Load parses the embedded glossary files; a corrupt file is an error.
func Load() (*Glossary, error) { return LoadFS(files) }

// LoadFS parses the glossary files fr.tsv and nl.tsv of fsys.
func LoadFS(fsys fs.FS) (*Glossary, error) {
	g := &Glossary{
		langs:   make(map[string]*language, len(languages)),
		english: make(map[string]bool, 4096),
		neutral: make(map[string]bool, len(neutralWords)),
	}
	for _, w := range englishStopWords {
		g.english[w] = true
	}
	for _, w := range neutralWords {
		g.neutral[w] = true
	}
	for _, code := range languages {
		name := code + ".tsv"
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("glossary: %w", err)
		}
		l, err := parse(code, string(b))
		if err != nil {
			return nil, fmt.Errorf("glossary: %s: %w", name, err)
		}
		g.langs[code] = l
		for _, e := range l.entries {
			for _, w := range strings.FieldsFunc(e.english, notWordRune) {
				g.english[strings.ToLower(w)] = true
			}
		}
	}
	return g, nil
}

func notWordRune(r rune) bool { return !isWordRune(r) && r != '-' }

// parse reads one glossary file: "source<TAB>english" per line, # comments.
func parse(code, text string) (*language, error) {
	l := &language{
		code:    code,
		keys:    make(map[string]int32, 2048),
		alts:    make(map[string][]int32),
		parts:   make(map[string]int32, 2048),
		exact:   make(map[string]int32, 2048),
		stop:    make(map[string]bool),
		joiners: make(map[string]bool),
		stems:   stemCache{m: make(map[string]string, 4096), max: maxCachedStems},
	}
	for _, w := range stopWords[code] {
		l.stop[w] = true
	}
	for _, w := range joinerWords[code] {
		l.stop[w] = true
		l.joiners[w] = true
	}
	bySource := make(map[string]int32)
	sc := bufio.NewScanner(strings.NewReader(text))
	n := 0
	var toks []token
	var key []byte
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		source, english, ok := strings.Cut(line, "\t")
		source, english = strings.TrimSpace(source), strings.TrimSpace(english)
		if !ok || strings.Contains(english, "\t") {
			return nil, fmt.Errorf("line %d: want source<TAB>english, got %q", n, line)
		}
		if source == "" || english == "" {
			return nil, fmt.Errorf("line %d: empty source or English in %q", n, line)
		}
		toks = tokenize(source, toks[:0])
		key = key[:0]
		var form []string
		words, content := 0, 0
		for _, t := range toks {
			if l.joiners[t.word] {
				continue
			}
			if len(form) > 0 {
				key = append(key, ' ')
			}
			if l.stop[t.word] {
				// Kept in the key: "recherche et innovation" needs its "et".
				key = append(key, t.word...)
			} else {
				key = append(key, l.stem(dehyphen(t.word))...)
				content++
			}
			form = append(form, dehyphen(t.word))
			words++
		}
		if content == 0 {
			return nil, fmt.Errorf("line %d: %q has only function words", n, source)
		}
		// Accents tell sources apart ("chiffre" figure, "chiffré" encrypted).
		norm := strings.Join(strings.Fields(lowerString(source)), " ")
		if i, dup := bySource[norm]; dup {
			if prev := l.entries[i]; prev.english != english {
				return nil, fmt.Errorf("line %d: %q means %q here and %q on line %d", n, source, english, prev.english, prev.line)
			}
			continue
		}
		idx := int32(len(l.entries))
		e := entry{source: source, english: english, form: strings.Join(form, " "), line: n}
		e.loan = e.form == dehyphen(fold(lowerString(english)))
		l.entries = append(l.entries, e)
		bySource[norm] = idx
		// Entries that share a stem ("programme", "programmation") are told
		// apart by the input's spelling: see lookup.
		if first, taken := l.keys[string(key)]; !taken {
			l.keys[string(key)] = idx
		} else if l.entries[first].english != english {
			if l.alts[string(key)] == nil {
				l.alts[string(key)] = []int32{first}
			}
			l.alts[string(key)] = append(l.alts[string(key)], idx)
		}
		if content == 1 && len(toks) == 1 {
			part := dehyphen(toks[0].word)
			if _, taken := l.parts[part]; !taken {
				l.parts[part] = idx
			}
			l.exact[dehyphen(toks[0].lower)] = idx
		}
		if words > l.maxWords {
			l.maxWords = words
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n, err)
	}
	if len(l.entries) == 0 {
		return nil, fmt.Errorf("no entries")
	}
	return l, nil
}

// lookup returns the entry of key. When several entries share the key, the
// one whose spelling shares the longest beginning with form wins
// ("programmes" is a "programme", not a "programmation"); on a tie, an entry
// that the input begins with ("pirates" is "pirate", not "pirater"), then the
// one closest in length ("veilige" is "veilig", not "veiligheid"), then the
// first.
func (l *language) lookup(key string, form func() string) (int32, bool) {
	e, ok := l.keys[key]
	if !ok {
		return 0, false
	}
	alts := l.alts[key]
	if alts == nil {
		return e, true
	}
	in := form()
	best, gap, whole := -1, 0, false
	for _, a := range alts {
		f := l.entries[a].form
		n, d := commonPrefix(in, f), len(f)-len(in)
		if d < 0 {
			d = -d
		}
		w := n == len(f) // the entry is the input's beginning: "pirate" in "pirates"
		if n > best || n == best && (w && !whole || w == whole && d < gap) {
			best, gap, whole, e = n, d, w, a
		}
	}
	return e, true
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// dehyphen removes the hyphens of a folded word: "cyber-attaque" and
// "cyberattaque" are one word.
func dehyphen(w string) string {
	if strings.IndexByte(w, '-') < 0 {
		return w
	}
	return strings.ReplaceAll(w, "-", "")
}

// Len returns the number of entries of lang's glossary.
func (g *Glossary) Len(lang string) int {
	if l := g.langs[lang]; l != nil {
		return len(l.entries)
	}
	return 0
}
