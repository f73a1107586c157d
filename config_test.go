package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"callmatch/server"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadConfigDefaults(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 8080 || c.DataDir != "./data" || c.CrawlInterval != 6*time.Hour || c.BaseURL != "http://localhost:8080" {
		t.Errorf("defaults = %+v", c)
	}
	if strings.Join(c.PortalProgrammes, ",") != "43152860,43108390" {
		t.Errorf("PortalProgrammes = %v, want Digital Europe and Horizon Europe", c.PortalProgrammes)
	}
}

func TestLoadConfigTrustedProxies(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{"TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1,,::1 "}))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TrustedProxies, "|"); got != "10.0.0.0/8|127.0.0.1|::1" {
		t.Errorf("TrustedProxies = %q", got)
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"bad port", map[string]string{"PORT": "eighty"}, "PORT"},
		{"port out of range", map[string]string{"PORT": "70000"}, "PORT"},
		{"bad interval", map[string]string{"CRAWL_INTERVAL": "often"}, "CRAWL_INTERVAL"},
		{"tiny interval", map[string]string{"CRAWL_INTERVAL": "1s"}, "CRAWL_INTERVAL"},
		{"bad log format", map[string]string{"LOG_FORMAT": "xml"}, "LOG_FORMAT"},
		{"bad log level", map[string]string{"LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{"mysql", map[string]string{"DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"bad redis", map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{"bad base url", map[string]string{"BASE_URL": "ftp://x"}, "BASE_URL"},
		{"bad proxy", map[string]string{"TRUSTED_PROXIES": "10.0.0.1, lb.internal"}, "TRUSTED_PROXIES"},
		{"bad proxy range", map[string]string{"TRUSTED_PROXIES": "10.0.0.0/33"}, "TRUSTED_PROXIES"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(env(tc.env))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadConfig(%v) error = %v, want one naming %s", tc.env, err, tc.want)
			}
		})
	}
}

func TestConfigStringRedactsSecrets(t *testing.T) {
	c, err := LoadConfig(env(map[string]string{
		"DATABASE_URL": "postgres://u:hunter2@db/x", "SMTP_URL": "smtp://m:s3cret@mail:587", "REDIS_URL": "redis://:pw@r:6379/0",
	}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	for _, secret := range []string{"hunter2", "s3cret", ":pw@"} {
		if strings.Contains(s, secret) {
			t.Errorf("String() = %q leaks %q", s, secret)
		}
	}
}

func TestLoadConfigRateLimits(t *testing.T) {
	c, err := LoadConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits != server.DefaultRateLimits() {
		t.Errorf("Limits = %+v, want the defaults %+v", c.Limits, server.DefaultRateLimits())
	}
	if c.Limits.RegisterPerIP != (server.Rate{N: 10, Per: time.Hour}) {
		t.Errorf("RegisterPerIP = %v, want 10/1h", c.Limits.RegisterPerIP)
	}
	c, err = LoadConfig(env(map[string]string{"LIMIT_REGISTER_PER_IP": "200/1h", "LIMIT_REGISTER_PER_EMAIL": " 5 / h ", "LIMIT_SIGNIN_PER_EMAIL": "3/30m"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		got, want server.Rate
	}{
		{"LIMIT_REGISTER_PER_IP", c.Limits.RegisterPerIP, server.Rate{N: 200, Per: time.Hour}},
		{"LIMIT_REGISTER_PER_EMAIL", c.Limits.RegisterPerEmail, server.Rate{N: 5, Per: time.Hour}},
		{"LIMIT_SIGNIN_PER_EMAIL", c.Limits.SignInPerEmail, server.Rate{N: 3, Per: 30 * time.Minute}},
		{"LIMIT_SIGNIN_PER_IP (unset)", c.Limits.SignInPerIP, server.DefaultRateLimits().SignInPerIP},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	for _, bad := range []string{"ten/1h", "0/1h", "-3/1h", "10", "10/", "10/soon", "10/0s", "10/1000h"} {
		_, err := LoadConfig(env(map[string]string{"LIMIT_SUBSCRIBE_PER_IP": bad}))
		if err == nil || !strings.Contains(err.Error(), "LIMIT_SUBSCRIBE_PER_IP") {
			t.Errorf("LIMIT_SUBSCRIBE_PER_IP=%q: error = %v, want one naming the variable", bad, err)
		}
	}
}

// Every LIMIT_* variable is in README's configuration table with its
// default, as the server has it.
func TestReadmeDocumentsEveryRateLimit(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	defaults := server.DefaultRateLimits()
	for _, l := range server.RateLimitSettings(&defaults) {
		row := "| `" + l.Env + "` | `" + l.Rate.String() + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md lacks the row %q", row)
		}
	}
}
