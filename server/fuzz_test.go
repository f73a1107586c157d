package server

import (
	"strings"
	"testing"

	"callmatch/funding"
)

// FuzzDecodeProfile: whatever the body, decoding never panics, and what it
// accepts is a valid, normalized profile (no header injection in the e-mail,
// only known domains).
func FuzzDecodeProfile(f *testing.F) {
	for _, seed := range []string{
		`{"name":"A","email":"a@b.example"}`,
		`{"name":"Flemish SOC","email":"x@soc.example.be","country":"be","size":"Small","keywords":["SOC"," MISP "],"domains":["threat-intelligence"],"budget_min":1,"budget_max":2,"trl":5}`,
		`{"name":"A","email":"a@b.example\r\nBcc: c@d.example"}`,
		`{"name":"<script>","email":"a@b.example","domains":["cooking"]}`,
		`{"name":1}`, `[]`, `null`, `{"name":"A","email":"a@b.example"}{}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var p funding.Profile
		if err := decodeProfile(body, &p); err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted an invalid profile: %v", err)
		}
		if strings.ContainsAny(p.Email, "\r\n") || p.Name == "" {
			t.Fatalf("accepted %q / %q", p.Email, p.Name)
		}
		for _, d := range p.Domains {
			if !funding.IsDomain(d) {
				t.Fatalf("accepted unknown domain %q", d)
			}
		}
	})
}
