package glossary

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func FuzzTranslate(f *testing.F) {
	g, err := Load()
	if err != nil {
		f.Fatalf("Load() error = %v", err)
	}
	for _, s := range []string{
		"détection d'intrusion", "kmo's", "post-kwantumcryptografie", "l'", "'s", "-", "4.0.", "R&&D",
		"d’", "a-b-c-d-e", "aanvalsdetectiesysteemonderzoeksbeleid", "Ǆ", "\xff\xfe", "ᏚᎢᎵ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lang := g.Detect(text)
		if lang != "en" && lang != "fr" && lang != "nl" {
			t.Fatalf("Detect(%q) = %q", text, lang)
		}
		if got, terms := g.Translate(text, "en"); got != text || terms != nil {
			t.Fatalf("Translate(%q, en) = %q, %v; want it unchanged", text, got, terms)
		}
		for _, l := range []string{"fr", "nl", ""} {
			got, terms := g.Translate(text, l)
			if utf8.ValidString(text) && !utf8.ValidString(got) {
				t.Fatalf("Translate(%q, %q) = %q: not UTF-8", text, l, got)
			}
			for _, term := range terms {
				if !strings.Contains(text, term.Source) || term.English == "" {
					t.Fatalf("Translate(%q, %q) term %+v", text, l, term)
				}
			}
		}
	})
}

// TestLongInput checks that pathological input stays linear: a long run of
// known Dutch parts (every split point is a candidate) and a long text.
func TestLongInput(t *testing.T) {
	g := loadGlossary(t)
	inputs := []string{
		strings.Repeat("netwerkbeveiliging", 3),
		strings.Repeat("aanvals", 9) + "x",
		strings.Repeat("netwerk", 2000),
		strings.Repeat("sécurité des réseaux, ", 3000),
		strings.Repeat("kwantumveilige versleuteling voor kmo's ", 3000),
	}
	for _, text := range inputs {
		start := time.Now()
		g.Detect(text)
		g.Translate(text, "")
		g.Translate(text, "nl")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Translate of %d bytes took %v", len(text), d)
		}
	}
}
