package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"callmatch/server"
)

// Config is callmatch's configuration, read once from the environment
// (12-factor). Every default lives here.
type Config struct {
	Port             int
	DataDir          string
	DatabaseURL      string // empty: SQLite file in DataDir
	RedisURL         string // empty: in-process cache
	BaseURL          string
	SMTPURL          string // empty: .eml files in DataDir/outbox
	PortalSearchURL  string
	PortalProgrammes []string
	CrawlInterval    time.Duration
	DigestInterval   time.Duration
	LogFormat        string // text | json
	LogLevel         slog.Level
	SecretKey        string   // signs unsubscribe and calendar tokens
	TrustedProxies   []string // reverse proxies whose X-Forwarded-For/-Proto are believed
	// Limits are the rate limits of registration, sign-in and the like:
	// server.DefaultRateLimits, each replaced by its LIMIT_* variable
	// (server.RateLimitSettings) when set.
	Limits server.RateLimits
}

const defaultPortalSearchURL = "https://api.tech.ec.europa.eu/search-api/prod/rest/search"

// LoadConfig reads the configuration through getenv (os.Getenv in main, a map in tests).
func LoadConfig(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		// Secrets may come from a file: X_FILE.
		if f := strings.TrimSpace(getenv(key + "_FILE")); f != "" {
			if b, err := os.ReadFile(f); err == nil {
				return strings.TrimSpace(string(b))
			}
		}
		return def
	}
	c := Config{
		DataDir:         get("DATA_DIR", "./data"),
		DatabaseURL:     get("DATABASE_URL", ""),
		RedisURL:        get("REDIS_URL", ""),
		SMTPURL:         get("SMTP_URL", ""),
		PortalSearchURL: get("PORTAL_SEARCH_URL", defaultPortalSearchURL),
		LogFormat:       strings.ToLower(get("LOG_FORMAT", "text")),
		SecretKey:       get("SECRET_KEY", ""),
	}
	var err error
	if c.Port, err = strconv.Atoi(get("PORT", "8080")); err != nil || c.Port <= 0 || c.Port > 65535 {
		return c, fmt.Errorf("config: PORT %q is not a port number", getenv("PORT"))
	}
	c.BaseURL = strings.TrimRight(get("BASE_URL", fmt.Sprintf("http://localhost:%d", c.Port)), "/")
	for _, p := range strings.Split(get("PORTAL_PROGRAMMES", "43152860,43108390"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.PortalProgrammes = append(c.PortalProgrammes, p)
		}
	}
	if c.CrawlInterval, err = time.ParseDuration(get("CRAWL_INTERVAL", "6h")); err != nil {
		return c, fmt.Errorf("config: CRAWL_INTERVAL: %w", err)
	}
	if c.DigestInterval, err = time.ParseDuration(get("DIGEST_INTERVAL", "5m")); err != nil {
		return c, fmt.Errorf("config: DIGEST_INTERVAL: %w", err)
	}
	if c.TrustedProxies, err = server.ParseTrustedProxies(get("TRUSTED_PROXIES", "")); err != nil {
		return c, fmt.Errorf("config: TRUSTED_PROXIES: %w", err)
	}
	c.Limits = server.DefaultRateLimits()
	for _, l := range server.RateLimitSettings(&c.Limits) {
		if v := get(l.Env, ""); v != "" {
			if *l.Rate, err = server.ParseRate(v); err != nil {
				return c, fmt.Errorf("config: %s: %w", l.Env, err)
			}
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("config: LOG_LEVEL: %w", err)
	}
	return c, c.Validate()
}

// Validate checks cross-field rules.
func (c Config) Validate() error {
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("config: LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	if c.CrawlInterval < time.Minute {
		return fmt.Errorf("config: CRAWL_INTERVAL %s is below one minute", c.CrawlInterval)
	}
	if c.DigestInterval < time.Second {
		return fmt.Errorf("config: DIGEST_INTERVAL %s is below one second", c.DigestInterval)
	}
	for _, raw := range []struct{ name, v string }{{"BASE_URL", c.BaseURL}, {"PORTAL_SEARCH_URL", c.PortalSearchURL}} {
		u, err := url.Parse(raw.v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: %s %q is not an http(s) URL", raw.name, raw.v)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("config: DATABASE_URL must be a postgres:// URL (leave it empty for SQLite)")
	}
	if c.RedisURL != "" && !strings.HasPrefix(c.RedisURL, "redis://") && !strings.HasPrefix(c.RedisURL, "rediss://") {
		return fmt.Errorf("config: REDIS_URL must be a redis:// or rediss:// URL")
	}
	if c.SMTPURL != "" && !strings.HasPrefix(c.SMTPURL, "smtp://") && !strings.HasPrefix(c.SMTPURL, "smtps://") {
		return fmt.Errorf("config: SMTP_URL must be an smtp:// or smtps:// URL")
	}
	return nil
}

// String shows the configuration with secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("port=%d data_dir=%s database=%s redis=%s smtp=%s base_url=%s portal=%s programmes=%s crawl_interval=%s trusted_proxies=%s",
		c.Port, c.DataDir, redactURL(c.DatabaseURL, "sqlite"), redactURL(c.RedisURL, "in-process"),
		redactURL(c.SMTPURL, "outbox"), c.BaseURL, c.PortalSearchURL, strings.Join(c.PortalProgrammes, ","), c.CrawlInterval, strings.Join(c.TrustedProxies, ","))
}

func redactURL(raw, empty string) string {
	if raw == "" {
		return empty
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid)"
	}
	return u.Redacted()
}
