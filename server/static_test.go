package server

import (
	"strings"
	"testing"
)

func TestStaticAssetsUnderHashedNames(t *testing.T) {
	s := newTestServer(t, nil)
	home := fetch(t, s, "/")
	u := s.views.Asset("style.css")
	if !strings.Contains(home.body, `href="`+u+`"`) || u == "/static/style.css" {
		t.Fatalf("the page does not link the hashed stylesheet %q", u)
	}
	hashed := fetch(t, s, u)
	plain := fetch(t, s, "/static/style.css")
	if hashed.code != 200 || plain.code != 200 || hashed.body != plain.body || hashed.body == "" {
		t.Fatalf("hashed %d, plain %d, same content %v", hashed.code, plain.code, hashed.body == plain.body)
	}
	if cc := hashed.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("hashed name: Cache-Control %q", cc)
	}
	if ct := hashed.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("hashed name: Content-Type %q", ct)
	}
	if cc := plain.header.Get("Cache-Control"); strings.Contains(cc, "immutable") {
		t.Errorf("plain name: Cache-Control %q, want no immutable", cc)
	}
	old := fetch(t, s, "/static/style.0123456789ab.css")
	if old.code != 200 || old.body != plain.body || old.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("an older release's name: %d, Cache-Control %q", old.code, old.header.Get("Cache-Control"))
	}
	if a := fetch(t, s, "/static/nope.0123456789ab.css"); a.code != 404 {
		t.Errorf("unknown hashed name = %d, want 404", a.code)
	}
}
