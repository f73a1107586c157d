package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLocalPath(t *testing.T) {
	const fallback = "/profiles/x"
	for _, tc := range []struct {
		next, want string
	}{
		{"/calls/HORIZON-CL3-2027-02-CS-ECCC-01", "/calls/HORIZON-CL3-2027-02-CS-ECCC-01"},
		{"/profiles/x#m-DIGITAL-ECCC-2026-DEPLOY-CYBER-08", "/profiles/x#m-DIGITAL-ECCC-2026-DEPLOY-CYBER-08"},
		{"/?q=soc&status=open", "/?q=soc&status=open"},
		{"", fallback},
		{"//evil.example", fallback},
		{"///evil.example", fallback},
		{"/\\evil.example", fallback},
		{"\\/evil.example", fallback},
		{"/%5Cevil.example", fallback},
		{"/%5cevil.example", fallback},
		{"/%2F/evil.example", fallback},
		{"/%2f%2fevil.example", fallback},
		{"/%252F/evil.example", fallback},
		{"/\t/evil.example", fallback},
		{"/%09/evil.example", fallback},
		{"/\n/evil.example", fallback},
		{"/\r\n/evil.example", fallback},
		{"/%0a/evil.example", fallback},
		{"/%0D%0A/evil.example", fallback},
		{"/\x00/evil.example", fallback},
		{"/%00", fallback},
		{"/\u2028/evil.example", fallback},
		{"/\u00a0/evil.example", fallback},
		{"/../evil", fallback},
		{"/./x", fallback},
		{"/%2e%2e/evil", fallback},
		{"javascript:alert(1)", fallback},
		{"JavaScript:alert(1)", fallback},
		{"/javascript:alert(1)", "/javascript:alert(1)"}, // a path on this site
		{"https://evil.example/", fallback},
		{"http:/evil.example", fallback},
		{"evil.example", fallback},
		{"/%zz", fallback},
		{"/\xff", fallback},
		{"/" + strings.Repeat("a", 3000), fallback},
	} {
		if got := localPath(tc.next, fallback); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// TestFollowRedirectStaysOnSite sends the next values through the
// form: the Location is always on this site.
func TestFollowRedirectStaysOnSite(t *testing.T) {
	s, _ := pageServer(t)
	b := newClient(t, s)
	id := b.register(socForm("Redirect SME", "redirect@example.be"))
	const call = "HORIZON-CL3-2027-02-CS-ECCC-01"
	for _, next := range []string{"/\t/evil.example", "/\\evil.example", "/%5Cevil.example", "//evil.example", "/\n/evil.example", "javascript:alert(1)"} {
		b.get("/profiles/" + id)
		a := b.post("/profiles/"+id+"/follow", url.Values{"call_id": {call}, "next": {next}})
		loc := a.header.Get("Location")
		if a.code != http.StatusSeeOther || !strings.HasPrefix(loc, "/profiles/"+id+"?") {
			t.Errorf("follow with next=%q = %d to %q, want 303 to the profile", next, a.code, loc)
		}
	}
}
