package server

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultRateLimits are the limits a server uses for what its Config
// leaves at zero (RateLimits.defaults holds the values: one place).
func DefaultRateLimits() RateLimits {
	var r RateLimits
	r.defaults()
	return r
}

// ParseRate reads a limit written "N/duration": "10/1h", "5/24h", "30/15m",
// or "10/h" for one hour.
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("%q is not N/duration (e.g. 10/1h)", s)
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 || count > 1_000_000 {
		return Rate{}, fmt.Errorf("%q: the count must be a whole number from 1 to 1000000", s)
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second || d > 30*24*time.Hour {
		return Rate{}, fmt.Errorf("%q: the period must be a duration from 1s to 720h", s)
	}
	return Rate{N: count, Per: d}, nil
}

// String writes r as ParseRate reads it.
func (r Rate) String() string {
	return strconv.Itoa(r.N) + "/" + shortDuration(r.Per)
}

func shortDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d >= time.Minute && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// RateLimitSettings are the rate limits the environment may set, by
// variable name, each pointing at its field of r.
func RateLimitSettings(r *RateLimits) []struct {
	Env  string
	Rate *Rate
} {
	return []struct {
		Env  string
		Rate *Rate
	}{
		{"LIMIT_REGISTER_PER_IP", &r.RegisterPerIP},
		{"LIMIT_REGISTER_PER_EMAIL", &r.RegisterPerEmail},
		{"LIMIT_SIGNIN_PER_IP", &r.SignInPerIP},
		{"LIMIT_SIGNIN_PER_EMAIL", &r.SignInPerEmail},
		{"LIMIT_LINK_USES_PER_IP", &r.TokenUsePerIP},
		{"LIMIT_SUBSCRIBE_PER_IP", &r.SubscribePerIP},
		{"LIMIT_SUBSCRIBE_PER_EMAIL", &r.SubscribePerEmail},
		{"LIMIT_CURATIONS_PER_STAFF", &r.CurationsPerKey},
		{"LIMIT_EDITS_PER_PROFILE", &r.EditsPerProfile},
		{"LIMIT_LOGIN_PER_IP", &r.LoginPerIP},
		{"LIMIT_LOGIN_PER_EMAIL_IP", &r.LoginPerEmailIP},
		{"LIMIT_LOGIN_PER_EMAIL", &r.LoginPerEmail},
	}
}
