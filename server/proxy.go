package server

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// trustedProxies are the addresses of the reverse proxies and load
// balancers in front of the server: requests from them may say who the
// client is (X-Forwarded-For) and how it connected (X-Forwarded-Proto).
// Everyone else's forwarding headers are ignored.
type trustedProxies []netip.Prefix

// ParseTrustedProxies reads a comma-separated list of IP addresses and
// CIDR ranges ("10.0.0.0/8, 127.0.0.1").
func ParseTrustedProxies(list string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(list, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		if _, err := parsePrefix(f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an IP address or CIDR range", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func newTrustedProxies(list []string) (trustedProxies, error) {
	var t trustedProxies
	for _, s := range list {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("server: trusted proxies: %w", err)
		}
		t = append(t, p)
	}
	return t, nil
}

func (t trustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the address per-IP rate limits count: the TCP peer, unless
// the peer is a trusted proxy; then the right-most address of
// X-Forwarded-For that is not a trusted proxy (the left part of the header
// is whatever the client sent, so it is never believed). An IPv6 client
// counts by its /64: one line or host gets a whole /64, and counting its
// single addresses would count nothing.
func (s *Server) clientIP(c *fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok {
		return c.Context().RemoteIP().String()
	}
	if !s.proxies.trusts(peer) {
		return countedAddr(peer)
	}
	client := peer.Unmap()
	var hops []string
	for _, h := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(h), ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // garbage: stop at the last proxy that vouched for something
		}
		client = a.Unmap()
		if !s.proxies.trusts(client) {
			break
		}
	}
	return countedAddr(client)
}

// countedAddr is an IPv4 address as is, an IPv6 one as its /64.
func countedAddr(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		p, err := a.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return a.String()
}
