package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/match"
	"callmatch/search"
	"callmatch/store"
)

// testNow is the fixed "today" of the tests: the recorded topics were
// harvested in August 2026, and many of their deadlines fall after it.
var testNow = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// fixture is a store filled by a real crawl of the recorded portal and an
// index built from it, shared by the tests of this package (they only add
// their own profiles to it).
type fixture struct {
	dir   string
	store *store.Store
	index *search.Index
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func sharedFixture(t testing.TB) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		dir, err := os.MkdirTemp("", "callmatch-server-test-")
		if err != nil {
			fixErr = err
			return
		}
		fix, fixErr = newFixture(dir)
	})
	if fixErr != nil {
		t.Fatalf("fixture: %v", fixErr)
	}
	return fix
}

func newFixture(dir string) (*fixture, error) {
	ctx := context.Background()
	st, err := store.Open(ctx, "", dir, discard)
	if err != nil {
		return nil, err
	}
	portal := httptest.NewServer(recorded.NewHandler(recorded.Options{}))
	defer portal.Close()
	c := crawler.New(crawler.Config{
		SearchURL:         portal.URL + "/search-api/prod/rest/search",
		Programmes:        recorded.ProgrammeIDs(),
		RequestsPerSecond: -1,
		Now:               func() time.Time { return testNow },
		SpoolDir:          dir,
	}, st, discard)
	if _, err := c.Run(ctx, nil); err != nil {
		return nil, err
	}
	ix, err := search.Open(ctx, filepath.Join(dir, "index"), st, discard)
	if err != nil {
		return nil, err
	}
	return &fixture{dir: dir, store: st, index: ix}, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fix != nil {
		fix.index.Close()
		fix.store.Close()
		os.RemoveAll(fix.dir)
	}
	os.Exit(code)
}

func newTestServer(t testing.TB, cache match.Cache) *Server {
	t.Helper()
	f := sharedFixture(t)
	s, err := New(Config{Now: func() time.Time { return testNow }}, Deps{Store: f.store, Index: f.index, Cache: cache, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// do sends a request through the app and decodes a JSON answer into out (when not nil).
func do(t testing.TB, s *Server, method, path, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: status %d, body %q is not JSON: %v", method, path, resp.StatusCode, truncate(string(raw)), err)
		}
	}
	return resp.StatusCode
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// belgianSOC is the profile of the issue: a Belgian SME doing SOC work.
func belgianSOC() map[string]any {
	return map[string]any{
		"name": "Flemish SOC BV", "email": "hello@soc.example.be", "country": "BE", "size": "small",
		"description": "We run a 24/7 SOC for SMEs and share threat intelligence with MISP.",
		"keywords":    []string{"SOC", "threat intelligence sharing", "MISP", "incident response"},
		"domains":     []string{"incident-handling-forensics", "threat-intelligence"},
	}
}

type created struct {
	ID    string `json:"id"`
	Token string `json:"token"`
	Error string `json:"error"`
}

func createProfile(t testing.TB, s *Server, body map[string]any) created {
	t.Helper()
	var c created
	if code := do(t, s, http.MethodPost, "/api/v1/profiles", "", body, &c); code != http.StatusCreated {
		t.Fatalf("POST /api/v1/profiles = %d (%s), want 201", code, c.Error)
	}
	return c
}

// createConfirmedProfile is createProfile for a profile whose owner has
// followed the link e-mailed to its address: ConfirmProfile stands for that
// here (TestPendingProfiles follows the link itself).
func createConfirmedProfile(t testing.TB, s *Server, body map[string]any) created {
	t.Helper()
	c := createProfile(t, s, body)
	if err := s.store.ConfirmProfile(t.Context(), c.ID); err != nil {
		t.Fatal(err)
	}
	return c
}

// listen serves s on a loopback port for tests that need real HTTP.
func listen(t testing.TB, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.App().Listener(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { s.App().Shutdown() })
	return "http://" + ln.Addr().String()
}
