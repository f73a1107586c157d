package server

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestClientIP(t *testing.T) {
	local := []string{"0.0.0.0"} // app.Test's peer
	for _, tc := range []struct {
		name    string
		trusted []string
		xff     []string
		want    string
	}{
		{"no proxy trusted: the peer, whatever the header says", nil, []string{"203.0.113.5"}, "0.0.0.0"},
		{"trusted peer, no header", local, nil, "0.0.0.0"},
		{"trusted peer, one hop", local, []string{"203.0.113.5"}, "203.0.113.5"},
		{"what the client put on the left is ignored", local, []string{"198.51.100.1, 203.0.113.5"}, "203.0.113.5"},
		{"a chain of trusted proxies", append(local, "10.0.0.0/8"), []string{"198.51.100.1, 203.0.113.5 , 10.1.2.3"}, "203.0.113.5"},
		{"several header lines", append(local, "10.0.0.0/8"), []string{"203.0.113.5", "10.1.2.3"}, "203.0.113.5"},
		{"garbage stops the walk at the last proxy", append(local, "10.0.0.0/8"), []string{"203.0.113.5, junk, 10.1.2.3"}, "10.1.2.3"},
		{"IPv6 client: its /64", local, []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"},
		{"IPv6 neighbour: the same /64", local, []string{"2001:db8:1:2:ffff::9"}, "2001:db8:1:2::/64"},
		{"IPv4-mapped client", local, []string{"::ffff:203.0.113.5"}, "203.0.113.5"},
		{"every hop trusted: the left-most", append(local, "10.0.0.0/8"), []string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proxies, err := newTrustedProxies(tc.trusted)
			if err != nil {
				t.Fatal(err)
			}
			s := &Server{proxies: proxies}
			app := fiber.New()
			app.Get("/", func(c *fiber.Ctx) error { return c.SendString(s.clientIP(c)) })
			req := httptest.NewRequest("GET", "/", nil)
			for _, v := range tc.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			resp, err := app.Test(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			if string(got) != tc.want {
				t.Errorf("client IP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	if got, err := ParseTrustedProxies(" 10.0.0.0/8, ::1 ,"); err != nil || len(got) != 2 {
		t.Errorf("ParseTrustedProxies = %v, %v", got, err)
	}
	for _, bad := range []string{"lb.internal", "10.0.0.0/40", "300.1.1.1"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
}
