package glossary

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTokenize(t *testing.T) {
	text := "L'IA, d’abord : kmo's (R&D) 4.0 post-kwantum. Fin-"
	var got []string
	for _, tok := range tokenize(text, nil) {
		got = append(got, fmt.Sprintf("%s|%s|%v|%v|%c", text[tok.start:tok.end], tok.word, tok.elided, tok.brk, rune(tok.punct)))
	}
	want := []string{
		"IA|ia|true|true|\x00",
		"abord|abord|true|true|,",
		"kmo's|kmo|false|true|:",
		"R&D|r&d|false|true|\x00",
		"4.0|4.0|false|true|\x00",
		"post-kwantum|post-kwantum|false|false|\x00",
		"Fin|fin|false|true|.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tokenize(%q) (-want +got):\n%s", text, diff)
	}
}

func TestStem(t *testing.T) {
	tests := []struct {
		lang  string
		words []string // all one stem
	}{
		{"fr", []string{"securite", "securites"}},
		{"fr", []string{"securise", "securisee", "securisees", "securises"}},
		{"fr", []string{"reseau", "reseaux"}},
		{"fr", []string{"informatique", "informatiques"}},
		{"fr", []string{"artificiel", "artificielle", "artificiels", "artificielles"}},
		{"nl", []string{"aanval", "aanvallen"}},
		{"nl", []string{"bedrijf", "bedrijven", "bedrijfje", "bedrijfjes"}},
		{"nl", []string{"ziekenhuis", "ziekenhuizen"}},
		{"nl", []string{"virus", "virussen"}},
		{"nl", []string{"kmo", "kmos"}},
		{"nl", []string{"windturbine", "windturbines"}},
		{"nl", []string{"machine", "machines"}},
		{"nl", []string{"subsidie", "subsidies"}},
		{"nl", []string{"detectie", "detecties"}},
		{"nl", []string{"versleuteling", "versleutelingen"}},
		{"nl", []string{"veilig", "veilige"}},
		{"nl", []string{"slim", "slimme"}},
		{"nl", []string{"netwerk", "netwerken", "netwerkje"}},
	}
	for _, tc := range tests {
		want := stem(tc.lang, tc.words[0])
		for _, w := range tc.words[1:] {
			if got := stem(tc.lang, w); got != want {
				t.Errorf("stem(%q, %q) = %q, want %q (the stem of %q)", tc.lang, w, got, want, tc.words[0])
			}
		}
	}
}

// TestDutchTailShort feeds dutchTail every short word of a few letters: it
// must not cut past the word's beginning.
func TestDutchTailShort(t *testing.T) {
	letters := "abeisz"
	var words []string
	var gen func(prefix string, n int)
	gen = func(prefix string, n int) {
		if n == 0 {
			words = append(words, prefix)
			return
		}
		for i := range letters {
			gen(prefix+letters[i:i+1], n-1)
		}
	}
	for n := 1; n <= 6; n++ {
		gen("", n)
	}
	for _, w := range append(words, "bess", "bees", "ssss") {
		if got := dutchTail(w); len(got) == 0 || !strings.HasPrefix(w, got[:len(got)-1]) {
			t.Errorf("dutchTail(%q) = %q", w, got)
		}
		stem("nl", w)
	}
}

func TestFold(t *testing.T) {
	tests := map[string]string{
		"sécurité":    "securite",
		"cœur":        "coeur",
		"financiële":  "financiele",
		"d’intrusion": "d'intrusion",
		"plain":       "plain",
	}
	for in, want := range tests {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStemCacheBound(t *testing.T) {
	c := stemCache{m: make(map[string]string), max: 2}
	for _, w := range []string{"reseaux", "securites", "attaques", "reseaux"} {
		if got, want := c.stem("fr", w), stem("fr", w); got != want {
			t.Errorf("cache stem(%q) = %q, want %q", w, got, want)
		}
		if len(c.m) > 2 {
			t.Fatalf("cache holds %d stems, want at most 2", len(c.m))
		}
	}
}

// TestConcurrent runs Translate and Detect from several goroutines (run with
// -race) and checks they answer as one goroutine does.
func TestConcurrent(t *testing.T) {
	g := loadGlossary(t)
	texts := []string{
		"Nous développons la détection d'intrusion pour les hôpitaux.",
		"Wij bouwen inbraakdetectie voor ziekenhuisnetwerken.",
		"malware analysis for SMEs",
		"appels à projets cybersécurité",
	}
	want := make([]string, len(texts))
	for i, text := range texts {
		en, _ := g.Translate(text, "")
		want[i] = g.Detect(text) + ": " + en
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(texts))
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, text := range texts {
				en, _ := g.Translate(text, "")
				if got := g.Detect(text) + ": " + en; got != want[i] {
					errs <- fmt.Sprintf("%q -> %q, want %q", text, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
