package crawler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Errors of the SEDIA client. They are wrapped with the request's context;
// check them with errors.Is.
var (
	ErrBodyTooLarge = errors.New("crawler: response body too large")
	ErrBadResponse  = errors.New("crawler: invalid search response") // truncated body, invalid JSON
	ErrTooManyPages = errors.New("crawler: listing exceeds the page limit")
)

// StatusError is an HTTP answer other than 200.
type StatusError struct {
	Code       int
	RetryAfter time.Duration // parsed Retry-After, 0 if none
	Body       string        // the start of the body, for the log
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("crawler: http status %d: %s", e.Code, e.Body)
}

// retryable reports whether a failed request is worth another attempt:
// network errors, 429, 5xx except 501, truncated or invalid bodies.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false // a cancelled crawl; the caller's deadline is checked apart
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Code == http.StatusTooManyRequests || (se.Code >= 500 && se.Code != http.StatusNotImplemented)
	}
	if errors.Is(err, ErrBodyTooLarge) {
		return false
	}
	return true // network error, truncated body, invalid JSON
}

// query builds the SEDIA bool/must query: types 1, 2 and 8; forthcoming,
// open and closed (so that a closing is noticed); the given programmes.
func query(programmes []string) map[string]any {
	must := []any{
		map[string]any{"terms": map[string]any{"type": []string{TypeTopic, TypeCallForProposals, TypeCascade}}},
		map[string]any{"terms": map[string]any{"status": []string{StatusCodeForthcoming, StatusCodeOpen, StatusCodeClosed}}},
	}
	if len(programmes) > 0 {
		must = append(must, map[string]any{"terms": map[string]any{"frameworkProgramme": programmes}})
	}
	return map[string]any{"bool": map[string]any{"must": must}}
}

// searchBody encodes the multipart body: query, languages and sort as file
// parts of type application/json (plain form fields make the API answer
// 500, a JSON body is silently ignored).
func searchBody(q map[string]any) (body []byte, contentType string, err error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	parts := []struct {
		name  string
		value any
	}{
		{"query", q},
		{"languages", []string{"en"}},
		{"sort", map[string]string{"field": "identifier", "order": "ASC"}},
	}
	for _, p := range parts {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="blob"`, p.name))
		h.Set("Content-Type", "application/json")
		pw, err := w.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		if err := json.NewEncoder(pw).Encode(p.value); err != nil {
			return nil, "", err
		}
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// pageURL is the search URL of one page.
func pageURL(base string, pageSize, pageNumber int) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("crawler: search url %q: %w", base, err)
	}
	q := u.Query()
	q.Set("apiKey", "SEDIA")
	q.Set("text", "***")
	q.Set("pageSize", strconv.Itoa(pageSize))
	q.Set("pageNumber", strconv.Itoa(pageNumber))
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// client fetches search pages politely: one shared http.Client, one rate
// limiter per host, retries with capped exponential backoff and jitter.
type client struct {
	cfg    Config
	http   *http.Client
	logger *slog.Logger

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

func newClient(cfg Config, logger *slog.Logger) *client {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{
			Timeout: cfg.Timeout,
			Transport: &http.Transport{
				Proxy:                 http.ProxyFromEnvironment,
				MaxIdleConnsPerHost:   2,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   10 * time.Second,
				ResponseHeaderTimeout: cfg.Timeout,
			},
		}
	}
	return &client{cfg: cfg, http: hc, logger: logger, limiters: map[string]*rate.Limiter{}}
}

func (c *client) limiter(host string) *rate.Limiter {
	c.mu.Lock()
	defer c.mu.Unlock()
	l, ok := c.limiters[host]
	if !ok {
		r := rate.Inf
		if c.cfg.RequestsPerSecond > 0 {
			r = rate.Limit(c.cfg.RequestsPerSecond)
		}
		l = rate.NewLimiter(r, 1)
		c.limiters[host] = l
	}
	return l
}

// fetchPage posts the search for one page, retrying what is worth it.
func (c *client) fetchPage(ctx context.Context, rawURL string, body []byte, contentType string) (*Page, error) {
	var lastErr error
	for attempt := 0; ; attempt++ {
		p, err := c.post(ctx, rawURL, body, contentType)
		if err == nil {
			return p, nil
		}
		lastErr = err
		if !retryable(err) || attempt >= c.cfg.Retries || ctx.Err() != nil {
			break
		}
		wait := c.backoff(attempt, err)
		c.logger.Warn("Search request failed, retrying",
			slog.String("url", rawURL), slog.Int("attempt", attempt+1),
			slog.Int64("wait_ms", wait.Milliseconds()), slog.Any("error", err))
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("crawler: fetch %s: %w", rawURL, err)
		}
	}
	return nil, fmt.Errorf("crawler: fetch %s: %w", rawURL, lastErr)
}

// backoff is the wait before retry attempt+1: Retry-After when the server
// sent one (capped at RetryAfterMax), else BackoffBase*2^attempt capped at
// BackoffMax, with up to 50% jitter.
func (c *client) backoff(attempt int, err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > 0 {
		return min(se.RetryAfter, c.cfg.RetryAfterMax)
	}
	d := c.cfg.BackoffBase << min(attempt, 20)
	if d <= 0 || d > c.cfg.BackoffMax {
		d = c.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}

func (c *client) post(ctx context.Context, rawURL string, body []byte, contentType string) (*Page, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if err := c.limiter(u.Host).Wait(ctx); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read body: %w", ErrBadResponse, err)
	}
	if int64(len(data)) > c.cfg.MaxBodyBytes {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrBodyTooLarge, c.cfg.MaxBodyBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{
			Code:       resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Body:       snippet(data),
		}
	}
	var p Page
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %d bytes: %w", ErrBadResponse, len(data), err)
	}
	if p.Results == nil && !bytes.Contains(data, []byte(`"results"`)) {
		return nil, fmt.Errorf("%w: no results field", ErrBadResponse)
	}
	return &p, nil
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or bad.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(min(n, 86400)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
