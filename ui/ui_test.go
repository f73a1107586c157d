package ui

import (
	"regexp"
	"strings"
	"testing"

	"callmatch/locale"
)

type page struct{ lang string }

func (p page) Language() string { return p.lang }

func TestEngineNeedsEveryPage(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range locale.Languages {
		for _, name := range RequiredPages {
			if e.pages[lang][name] == nil {
				t.Errorf("%s: page %s not parsed", lang, name)
			}
		}
	}
	if err := e.Render(&strings.Builder{}, "no-such-page", page{"fr"}); err == nil {
		t.Error("rendering an unknown page did not fail")
	}
	if u := e.Asset("style.css"); !regexp.MustCompile(`^/static/style\.[0-9a-f]{12}\.css$`).MatchString(u) {
		t.Errorf("asset URL %q has no content hash", u)
	}
}
