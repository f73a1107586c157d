package ui

import (
	"strings"
	"testing"
)

func TestStaticFileReadsHashedNames(t *testing.T) {
	e, err := New()
	if err != nil {
		t.Fatal(err)
	}
	u := e.Asset("app.js")
	hashed := strings.TrimPrefix(u, "/static/")
	if hashed == "app.js" || !strings.HasPrefix(hashed, "app.") || !strings.HasSuffix(hashed, ".js") {
		t.Fatalf("Asset(app.js) = %q, want a hashed name", u)
	}
	if f, current, ok := e.StaticFile(hashed); f != "app.js" || !current || !ok {
		t.Errorf("StaticFile(%q) = %q, %v, %v", hashed, f, current, ok)
	}
	if f, current, ok := e.StaticFile("app.0123456789ab.js"); f != "app.js" || current || !ok {
		t.Errorf("an older hash: %q, %v, %v; want the file, not current", f, current, ok)
	}
	for _, p := range []string{"app.js", "nope.0123456789ab.js", "app.0123456789AB.js", "app.012345.js", "../ui.0123456789ab.go", ""} {
		if f, _, ok := e.StaticFile(p); ok {
			t.Errorf("StaticFile(%q) = %q, want not a hashed asset", p, f)
		}
	}
}
