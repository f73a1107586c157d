package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"callmatch/store"
)

// TestJSONErrorsSpeakJSON sends bodies of the wrong shape: the answer names
// the field and the JSON types, never a Go type.
func TestJSONErrorsSpeakJSON(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct {
		body, want string
	}{
		{`[]`, "body: expected an object, got a list"},
		{`"x"`, "body: expected an object, got a string"},
		{`{"name":"A","email":"a@b.be","trl":"x"}`, "trl: expected a whole number in range, got a string"},
		{`{"name":"A","email":"a@b.be","trl":1.5}`, "trl: expected a whole number in range, got 1.5"},
		{`{"name":"A","email":"a@b.be","budget_min":1e40}`, "budget_min: expected a whole number in range, got 1e40"},
		{`{"name":"A","email":"a@b.be","keywords":"SOC"}`, "keywords: expected a list, got a string"},
		{`{"name":"A","email":"a@b.be","keywords":[1]}`, "keywords: expected a string, got a number"},
		{`{"name":["A"]}`, "name: expected a string, got a list"},
		{`{"name":{"a":1}}`, "name: expected a string, got an object"},
		{`{"name":true}`, "name: expected a string, got true or false"},
	} {
		var out struct{ Error string }
		code := do(t, s, http.MethodPost, "/api/v1/profiles", "", tc.body, &out)
		if code != http.StatusBadRequest || out.Error != tc.want {
			t.Errorf("POST %s = %d %q, want 400 %q", tc.body, code, out.Error, tc.want)
		}
		if strings.Contains(out.Error, "server.") || strings.Contains(out.Error, "int64") || strings.Contains(out.Error, "[]string") {
			t.Errorf("POST %s: error %q names a Go type", tc.body, out.Error)
		}
	}
}

// TestReadyzHidesErrorText: /readyz says what is down in plain words; the
// error text (addresses, paths, drivers' words) only reaches the log.
func TestReadyzHidesErrorText(t *testing.T) {
	f := sharedFixture(t)
	st, err := store.Open(t.Context(), "", t.TempDir(), discard)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	const secret = "dial tcp 10.1.2.3:5432: password authentication failed for user admin"
	s, err := New(Config{Now: func() time.Time { return testNow }}, Deps{Store: st, Index: f.index, Logger: logger,
		Cache: failingCache{err: errors.New(secret)}, Ready: func() error { return errors.New(secret) }})
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // the store is now down
	resp, err := s.App().Test(httptest.NewRequest(http.MethodGet, "/readyz", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body) //nolint:errcheck // a test read
	resp.Body.Close()
	body := raw.String()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /readyz with the store down = %d, want 503", resp.StatusCode)
	}
	for _, leak := range []string{"10.1.2.3", "password", "sql:", "closed"} {
		if strings.Contains(body, leak) {
			t.Errorf("/readyz shows %q: %s", leak, body)
		}
	}
	for _, want := range []string{"the database cannot be reached", "the cache cannot be reached", "the first crawl has not finished"} {
		if !strings.Contains(body, want) {
			t.Errorf("/readyz = %s, want it to say %q", body, want)
		}
	}
	if !strings.Contains(logs.String(), "closed") {
		t.Errorf("log lacks the store's error: %s", logs.String())
	}
}

// failingCache is a cache whose every operation fails with err.
type failingCache struct{ err error }

func (f failingCache) Get(context.Context, string) ([]byte, bool, error)        { return nil, false, f.err }
func (f failingCache) Set(context.Context, string, []byte, time.Duration) error { return f.err }
func (f failingCache) Ping(context.Context) error                               { return f.err }
func (f failingCache) Name() string                                             { return "failing" }
func (f failingCache) Close() error                                             { return nil }
