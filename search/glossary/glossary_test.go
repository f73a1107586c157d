package glossary

import (
	"strings"
	"testing"
	"testing/fstest"
)

func loadGlossary(t testing.TB) *Glossary {
	t.Helper()
	g, err := Load()
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	return g
}

func TestLoadCounts(t *testing.T) {
	g := loadGlossary(t)
	for _, lang := range languages {
		if got := g.Len(lang); got < 700 {
			t.Errorf("Len(%q) = %d, want at least 700", lang, got)
		}
	}
	if got := g.Len("de"); got != 0 {
		t.Errorf("Len(%q) = %d, want 0", "de", got)
	}
}

func TestLoadFSErrors(t *testing.T) {
	good := "# comment\n\nsécurité\tsecurity\nappel à projets\tcall for proposals\n"
	goodNL := "beveiliging\tsecurity\n"
	tests := []struct {
		name   string
		fr, nl string
		want   string // in the error
	}{
		{"no tab", good + "sécurité security\n", goodNL, "fr.tsv: line 5: want source<TAB>english"},
		{"two tabs", good, goodNL + "a\tb\tc\n", "nl.tsv: line 2: want source<TAB>english"},
		{"empty English", good + "réseau\t \n", goodNL, "empty source or English"},
		{"empty source", good + "\tnetwork\n", goodNL, "empty source or English"},
		{"function words only", good + "de la\tof the\n", goodNL, "only function words"},
		{"same source, other English", good + "Sécurité\tsafety\n", goodNL, `"Sécurité" means "safety" here and "security" on line 3`},
		{"no entries", "# nothing\n", goodNL, "fr.tsv: no entries"},
		{"missing file", good, "", "nl.tsv"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"fr.tsv": {Data: []byte(tc.fr)}}
			if tc.nl != "" {
				fsys["nl.tsv"] = &fstest.MapFile{Data: []byte(tc.nl)}
			}
			g, err := LoadFS(fsys)
			if err == nil {
				t.Fatalf("LoadFS() = %v, nil; want an error with %q", g, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadFS() error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadFSGood(t *testing.T) {
	fsys := fstest.MapFS{
		"fr.tsv": {Data: []byte("sécurité\tsecurity\r\nsécurité\tsecurity\n  # indented comment\n")},
		"nl.tsv": {Data: []byte("beveiliging\tsecurity\n")},
	}
	g, err := LoadFS(fsys)
	if err != nil {
		t.Fatalf("LoadFS() error = %v", err)
	}
	if got := g.Len("fr"); got != 1 {
		t.Errorf("Len(fr) = %d, want 1 (a repeated line is one entry)", got)
	}
	if got, _ := g.Translate("Sécurités", "fr"); got != "security" {
		t.Errorf("Translate(Sécurités) = %q, want %q", got, "security")
	}
}

// TestEntries checks every line of the embedded files: it parses, its source
// is not listed twice with another English, and the source, given as input,
// carries over to the entry's own English (so no other entry that shares its
// stems takes it over).
func TestEntries(t *testing.T) {
	g := loadGlossary(t)
	for _, lang := range languages {
		l := g.langs[lang]
		seen := make(map[string]entry)
		for _, e := range l.entries {
			norm := strings.Join(strings.Fields(lowerString(e.source)), " ")
			if prev, ok := seen[norm]; ok && prev.english != e.english {
				t.Errorf("%s.tsv line %d: %q = %q, line %d: %q", lang, e.line, e.source, e.english, prev.line, prev.english)
			}
			seen[norm] = e
			if strings.TrimSpace(e.english) != e.english || strings.Contains(e.english, "  ") {
				t.Errorf("%s.tsv line %d: English %q has stray spaces", lang, e.line, e.english)
			}
			if len(tokenize(e.source, nil)) > 1 && !strings.Contains(e.form, " ") {
				t.Errorf("%s.tsv line %d: %q is one word once its function words are gone: it would take that word everywhere", lang, e.line, e.source)
			}
			got, terms := g.Translate(e.source, lang)
			if got != e.english {
				t.Errorf("%s.tsv line %d: Translate(%q) = %q, want %q", lang, e.line, e.source, got, e.english)
			}
			if len(terms) > 1 {
				t.Errorf("%s.tsv line %d: Translate(%q) terms = %v, want one", lang, e.line, e.source, terms)
			}
		}
	}
}
