package main

import (
	"bytes"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"callmatch/crawler/recorded"
	"callmatch/funding"
)

// TestCrawlCommandSaysWhenItHeldBack: `callmatch crawl` against a portal
// that answers empty after a good crawl succeeds, marks nothing gone and
// prints why.
func TestCrawlCommandSaysWhenItHeldBack(t *testing.T) {
	dir := t.TempDir()
	crawl := func(opts recorded.Options) string {
		t.Helper()
		portal := httptest.NewServer(recorded.NewHandler(opts))
		defer portal.Close()
		env := func(k string) string {
			return map[string]string{
				"DATA_DIR":          dir,
				"PORTAL_SEARCH_URL": portal.URL + "/search-api/prod/rest/search",
				"PORTAL_PROGRAMMES": funding.PortalIDDigital,
				"LOG_LEVEL":         "error",
			}[k]
		}
		var out bytes.Buffer
		if err := run(t.Context(), []string{"crawl"}, env, &out, io.Discard); err != nil {
			t.Fatalf("callmatch crawl: %v", err)
		}
		return out.String()
	}
	if out := crawl(recorded.Options{}); !strings.Contains(out, "15 new") || strings.Contains(out, "warning") {
		t.Fatalf("first crawl printed %q, want 15 new calls and no warning", out)
	}
	out := crawl(recorded.Options{Empty: true})
	if want := "crawl: warning: nothing marked gone: the portal listed no call while 15 are live; the next good crawl decides"; !strings.Contains(out, want) {
		t.Errorf("empty portal: printed %q, want %q", out, want)
	}
}
