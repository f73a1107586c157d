package recorded_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"callmatch/crawler/recorded"
)

type response struct {
	TotalResults int `json:"totalResults"`
	PageNumber   int `json:"pageNumber"`
	PageSize     int `json:"pageSize"`
	Results      []struct {
		Reference string              `json:"reference"`
		Language  string              `json:"language"`
		Metadata  map[string][]string `json:"metadata"`
	} `json:"results"`
}

// multipartBody builds the parts; file=false sends plain form fields.
func multipartBody(t *testing.T, file bool, parts map[string]string) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		if !file {
			_ = w.WriteField(name, parts[name])
			continue
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="`+name+`"; filename="blob"`)
		h.Set("Content-Type", "application/json")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(pw, parts[name])
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

func search(t *testing.T, h http.Handler, query string, body io.Reader, contentType string) (int, response, http.Header) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/search-api/prod/rest/search?apiKey=SEDIA&text=***&"+query, body)
	req.Header.Set("Content-Type", contentType)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var r response
	if rec.Code == http.StatusOK {
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("response: %v", err)
		}
	}
	return rec.Code, r, rec.Header()
}

const (
	digitalQuery = `{"bool":{"must":[{"terms":{"type":["1","2","8"]}},{"terms":{"status":["31094501","31094502","31094503"]}},{"terms":{"frameworkProgramme":["43152860"]}}]}}`
	sortByID     = `{"field":"identifier","order":"ASC"}`
)

func TestFilteredPagedSorted(t *testing.T) {
	h := recorded.NewHandler(recorded.Options{})
	var ids []string
	total := 0
	for page := 1; page <= 3; page++ {
		body, ct := multipartBody(t, true, map[string]string{"query": digitalQuery, "languages": `["en"]`, "sort": sortByID})
		code, r, _ := search(t, h, "pageSize=7&pageNumber="+string(rune('0'+page)), body, ct)
		if code != http.StatusOK {
			t.Fatalf("page %d: status %d", page, code)
		}
		total = r.TotalResults
		for _, res := range r.Results {
			if res.Metadata["frameworkProgramme"][0] != "43152860" || res.Language != "en" {
				t.Errorf("%s: programme %v language %s", res.Reference, res.Metadata["frameworkProgramme"], res.Language)
			}
			ids = append(ids, res.Metadata["identifier"][0])
		}
	}
	if total != 15 || len(ids) != 15 {
		t.Errorf("total %d, listed %d; want the 15 Digital Europe topics", total, len(ids))
	}
	if !slices.IsSorted(ids) {
		t.Errorf("identifiers not sorted: %v", ids)
	}
}

func TestPlainFormFieldsFail(t *testing.T) {
	h := recorded.NewHandler(recorded.Options{})
	body, ct := multipartBody(t, false, map[string]string{"query": digitalQuery, "languages": `["en"]`})
	req := httptest.NewRequest(http.MethodPost, "/search?apiKey=SEDIA&text=***", body)
	req.Header.Set("Content-Type", ct)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"type":"throwable"`) {
		t.Errorf("plain fields: %d %s, want 500 throwable", rec.Code, rec.Body)
	}
}

func TestUnfilteredAndLanguages(t *testing.T) {
	h := recorded.NewHandler(recorded.Options{RawOnly: true})
	// A JSON body is silently ignored: everything comes back.
	code, r, _ := search(t, h, "pageSize=100&pageNumber=1", strings.NewReader(digitalQuery), "application/json")
	if code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	types := map[string]bool{}
	langs := map[string]bool{}
	for _, res := range r.Results {
		types[res.Metadata["type"][0]] = true
		langs[res.Language] = true
	}
	if !types["6"] || !langs["sv"] || !langs["cs"] || r.TotalResults != 16 {
		t.Errorf("unfiltered: total %d types %v languages %v, want the 16 raw rows with news and sv/cs", r.TotalResults, types, langs)
	}

	// A query without a languages part: language duplicates of DATA-03.
	q := `{"bool":{"must":[{"terms":{"identifier":["HORIZON-CL4-2025-04-DATA-03"]}},{"terms":{"type":["1"]}}]}}`
	body, ct := multipartBody(t, true, map[string]string{"query": q, "sort": sortByID})
	_, r, _ = search(t, h, "pageSize=10&pageNumber=1", body, ct)
	var got []string
	for _, res := range r.Results {
		got = append(got, res.Language)
	}
	slices.Sort(got)
	if diff := cmp.Diff([]string{"cs", "en", "sv"}, got); diff != "" {
		t.Errorf("languages without a languages part (-want +got):\n%s", diff)
	}
}

func TestFaults(t *testing.T) {
	h := recorded.NewHandler(recorded.Options{FailFirst: 1, ThrottleFirst: 1, RetryAfter: "3", TruncateFirst: 1})
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func() (*http.Response, []byte, error) {
		body, ct := multipartBody(t, true, map[string]string{"query": digitalQuery, "languages": `["en"]`, "sort": sortByID})
		resp, err := http.Post(srv.URL+"/search?apiKey=SEDIA&text=***&pageSize=5&pageNumber=1", ct, body)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}
	if resp, _, _ := post(); resp.StatusCode != 500 {
		t.Errorf("1st: %d, want 500", resp.StatusCode)
	}
	if resp, _, _ := post(); resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" {
		t.Errorf("2nd: %d Retry-After %q, want 429 and 3", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if _, b, err := post(); err == nil && json.Valid(b) {
		t.Errorf("3rd: a whole body, want it truncated")
	}
	if resp, b, err := post(); err != nil || resp.StatusCode != 200 || !json.Valid(b) {
		t.Errorf("4th: %v %v, want a whole answer", resp, err)
	}
	if h.Requests() != 4 {
		t.Errorf("Requests = %d, want 4", h.Requests())
	}
}

func TestDropAndMutate(t *testing.T) {
	base := recorded.NewHandler(recorded.Options{})
	ids := base.Identifiers("43152860")
	h := recorded.NewHandler(recorded.Options{
		Drop: []string{ids[0]},
		Mutate: func(r *recorded.Record) {
			if r.Identifier() == ids[1] {
				r.SetMetadata("title", "Changed")
			}
		},
	})
	body, ct := multipartBody(t, true, map[string]string{"query": digitalQuery, "languages": `["en"]`, "sort": sortByID})
	_, r, _ := search(t, h, "pageSize=100&pageNumber=1", body, ct)
	if r.TotalResults != len(ids)-1 {
		t.Errorf("total = %d, want %d", r.TotalResults, len(ids)-1)
	}
	for _, res := range r.Results {
		id := res.Metadata["identifier"][0]
		if id == ids[0] {
			t.Errorf("%s served, want it dropped", id)
		}
		if id == ids[1] && res.Metadata["title"][0] != "Changed" {
			t.Errorf("%s title %v, want Changed", id, res.Metadata["title"])
		}
	}
}

func TestCorpus(t *testing.T) {
	recs, err := recorded.Records()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 16+629 {
		t.Errorf("records = %d, want 16 raw rows and 629 topics", len(recs))
	}
	ids := recorded.ProgrammeIDs()
	for _, want := range []string{"43108390", "43152860", "44181033", "43252405"} {
		if !slices.Contains(ids, want) {
			t.Errorf("ProgrammeIDs() = %v, want %s in it", ids, want)
		}
	}
	h := recorded.NewHandler(recorded.Options{})
	if got := len(h.Identifiers(ids...)); got < 629 {
		t.Errorf("crawling every programme reaches %d identifiers, want all 629 topics and more", got)
	}
}

func TestGlitches(t *testing.T) {
	page := func(t *testing.T, h http.Handler, n int) response {
		t.Helper()
		body, ct := multipartBody(t, true, map[string]string{"query": digitalQuery, "languages": `["en"]`, "sort": sortByID})
		code, r, _ := search(t, h, "pageSize=5&pageNumber="+string(rune('0'+n)), body, ct)
		if code != http.StatusOK {
			t.Fatalf("page %d: status %d", n, code)
		}
		return r
	}
	refs := func(r response) []string {
		var out []string
		for _, res := range r.Results {
			out = append(out, res.Reference)
		}
		return out
	}
	faithful := recorded.NewHandler(recorded.Options{})
	p1, p2 := page(t, faithful, 1), page(t, faithful, 2)

	tests := []struct {
		name                 string
		opts                 recorded.Options
		wantTotal1, wantTot2 int
		wantPage2            []string
	}{
		{"empty", recorded.Options{Empty: true}, 0, 0, nil},
		{"repeated pages", recorded.Options{RepeatPages: true}, 15, 15, refs(p1)},
		{"lying total", recorded.Options{TotalSkew: -7}, 8, 8, refs(p2)},
		{"moving total", recorded.Options{TotalPerPage: 3}, 15, 18, refs(p2)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := recorded.NewHandler(tc.opts)
			r1, r2 := page(t, h, 1), page(t, h, 2)
			if r1.TotalResults != tc.wantTotal1 || r2.TotalResults != tc.wantTot2 {
				t.Errorf("totals = %d, %d, want %d, %d", r1.TotalResults, r2.TotalResults, tc.wantTotal1, tc.wantTot2)
			}
			if diff := cmp.Diff(tc.wantPage2, refs(r2)); diff != "" {
				t.Errorf("page 2 (-want +got):\n%s", diff)
			}
			if r2.Results == nil {
				t.Error("results is null, want an array (a valid answer)")
			}
		})
	}
}
