package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// loadOpenAPI parses and validates the served description with a standard
// parser (kin-openapi, OpenAPI 3.1 with JSON Schema 2020-12).
func loadOpenAPI(t *testing.T, s *Server) *openapi3.T {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil)
	resp, err := s.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json = %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal(raw, openAPI) {
		t.Fatal("GET /api/v1/openapi.json does not serve server/openapi.json")
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

var fiberParam = regexp.MustCompile(`:(\w+)`)

// TestOpenAPIDescribesEveryRoute: every /api/v1 route of the app has its
// operation in the document, and the document describes no route the app
// does not have. A route added without a description fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s := newTestServer(t, nil)
	doc := loadOpenAPI(t, s)
	inApp := map[string]bool{}
	for _, r := range s.App().GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Method == http.MethodHead {
			continue
		}
		path := fiberParam.ReplaceAllString(r.Path, "{$1}")
		key := r.Method + " " + path
		if inApp[key] {
			continue // a limit and the handler, registered apart
		}
		inApp[key] = true
		item := doc.Paths.Value(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("route %s is not in server/openapi.json", key)
			continue
		}
		op := item.GetOperation(r.Method)
		if op.OperationID == "" || op.Summary == "" {
			t.Errorf("%s: no operationId or summary", key)
		}
		codes := op.Responses.Map()
		var ok, errs bool
		for code, resp := range codes {
			ok = ok || code[0] == '2'
			if code[0] == '4' || code[0] == '5' {
				errs = true
				if ct := resp.Value.Content.Get("application/json"); ct == nil || ct.Schema == nil || ct.Schema.Value.Properties["error"] == nil {
					t.Errorf("%s: answer %s is not the {\"error\"} object", key, code)
				}
			}
		}
		if !ok || (!errs && path != "/api/v1/openapi.json") {
			t.Errorf("%s: want a success answer and the error answers, have %v", key, slices.Sorted(func(yield func(string) bool) {
				for c := range codes {
					if !yield(c) {
						return
					}
				}
			}))
		}
	}
	if len(inApp) < 10 {
		t.Fatalf("only %d /api/v1 routes found in the app: %v", len(inApp), inApp)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !inApp[method+" "+path] {
				t.Errorf("server/openapi.json describes %s %s, which the app does not serve", method, path)
			}
		}
	}
}

// apiCase is a request whose real answer must be one the document allows.
type apiCase struct {
	name, method, path string
	token              *string // read when the case runs
	body               any
	want               int
}

// TestOpenAPIAnswersMatch: the real answers of the main routes (search, a
// call, a profile's life, its matches, errors 400/401/403/404) have a
// status the operation lists and a body its schema accepts; the requests
// that succeed are valid requests of the document too.
func TestOpenAPIAnswersMatch(t *testing.T) {
	s := newTestServer(t, nil)
	doc := loadOpenAPI(t, s)
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	var id, token, confirmedID, confirmedToken string
	none := new(string)
	profile := belgianSOC()
	edited := belgianSOC()
	edited["keywords"] = []string{"penetration testing", "MISP"}
	edited["budget_max"] = 2_000_000
	pid := func() string { return id }
	cases := []apiCase{
		{"search", "GET", "/api/v1/calls?q=security&programme=HORIZON&size=5", none, nil, 200},
		{"search without words", "GET", "/api/v1/calls?deadline_within=90&sort=deadline", none, nil, 200},
		{"search, bad filter", "GET", "/api/v1/calls?status=maybe", none, nil, 400},
		{"search, bad window", "GET", "/api/v1/calls?deadline_within=14", none, nil, 400},
		{"a call", "GET", "/api/v1/calls/HORIZON-CL3-2026-02-CS-ECCC-01", none, nil, 200},
		{"unknown call", "GET", "/api/v1/calls/NOPE-1", none, nil, 404},
		{"the description", "GET", "/api/v1/openapi.json", none, nil, 200},
		{"create a profile", "POST", "/api/v1/profiles", none, profile, 201},
		{"create a bad profile", "POST", "/api/v1/profiles", none, map[string]any{"name": "X", "email": "not-an-address"}, 400},
		{"create, unknown field", "POST", "/api/v1/profiles", none, map[string]any{"name": "X", "email": "x@example.com", "colour": "red"}, 400},
		{"get the profile", "GET", "/api/v1/profiles/{id}", &token, nil, 200},
		{"get it without a token", "GET", "/api/v1/profiles/{id}", none, nil, 401},
		{"get it with another token", "GET", "/api/v1/profiles/{id}", &confirmedToken, nil, 403},
		{"get an unknown profile", "GET", "/api/v1/profiles/nosuchprofile", &token, nil, 404},
		{"update the profile", "PUT", "/api/v1/profiles/{id}", &token, edited, 200},
		{"update it badly", "PUT", "/api/v1/profiles/{id}", &token, map[string]any{"name": "X", "email": "x@example.com", "trl": 12}, 400},
		{"matches", "GET", "/api/v1/profiles/{id}/matches?limit=10", &token, nil, 200},
		{"matches, bad limit", "GET", "/api/v1/profiles/{id}/matches?limit=0", &token, nil, 400},
		{"matches without a token", "GET", "/api/v1/profiles/{id}/matches", none, nil, 401},
		{"subscribe", "POST", "/api/v1/subscriptions", &confirmedToken, nil, 202},
		{"subscribe without a token", "POST", "/api/v1/subscriptions", none, nil, 401},
		{"curation without a staff token", "POST", "/api/v1/curations", none, map[string]any{"call_id": "HORIZON-CL3-2026-02-CS-ECCC-01", "profile_id": "x", "action": "recommend"}, 401},
		{"new token", "POST", "/api/v1/profiles/{id}/token", &token, nil, 200},
		{"delete the profile", "DELETE", "/api/v1/profiles/{id}", &token, nil, 204},
		{"get the deleted profile", "GET", "/api/v1/profiles/{id}", &token, nil, 404},
	}
	c := createConfirmedProfile(t, s, map[string]any{"name": "Other SME", "email": "other@sme.example.be"})
	confirmedID, confirmedToken = c.ID, c.Token
	for _, tc := range cases {
		path := strings.ReplaceAll(tc.path, "{id}", pid())
		body := tc.body
		if strings.HasSuffix(path, "/subscriptions") {
			body = map[string]any{"email": "digest@sme.example.be", "profile_id": confirmedID, "frequency": "weekly", "weekday": "friday"}
		}
		var raw []byte
		if body != nil {
			raw, _ = json.Marshal(body)
		}
		newReq := func() *http.Request {
			req := httptest.NewRequest(tc.method, "http://callmatch.test"+path, bytes.NewReader(raw))
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			if *tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+*tc.token)
			}
			return req
		}
		resp, err := s.App().Test(newReq(), -1)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %s %s = %d %s, want %d", tc.name, tc.method, path, resp.StatusCode, truncate(string(answer)), tc.want)
			continue
		}
		if tc.name == "create a profile" {
			var cr created
			json.Unmarshal(answer, &cr) //nolint:errcheck // checked by the schema
			id, token = cr.ID, cr.Token
		}
		if tc.name == "new token" {
			var cr created
			json.Unmarshal(answer, &cr) //nolint:errcheck // checked by the schema
			token = cr.Token
		}
		req := newReq()
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: %s %s has no operation in the document: %v", tc.name, tc.method, path, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		if tc.want < 300 {
			if err := openapi3filter.ValidateRequest(t.Context(), in); err != nil {
				t.Errorf("%s: the request the app accepted is not valid in the document: %v", tc.name, err)
			}
		}
		validateAnswer(t, tc.name, route, in, resp.StatusCode, resp.Header, answer)
	}
}

// validateAnswer checks an answer against its operation: a status it lists
// (no default answer hides one) and a body its schema accepts.
func validateAnswer(t *testing.T, name string, route *routers.Route, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) {
	t.Helper()
	err := openapi3filter.ValidateResponse(t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	})
	if err != nil {
		t.Errorf("%s: answer %d does not match the document: %v\n%s", name, status, err, truncate(string(body)))
	}
}
