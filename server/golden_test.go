package server

import (
	"bytes"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"callmatch/digest"
)

// golden compares got with testdata/name, or rewrites the file with -update
// (go test -run Golden -update ./server).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-want +got):\n%s", name, cmp.Diff(string(want), string(got)))
	}
}

// TestGoldenExports: the calendar feed and the CSV exports of one profile
// (and of one search), byte for byte, in English and French. The server has
// a store of its own, which no other test adds curations to.
func TestGoldenExports(t *testing.T) {
	fx, err := newFixture(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		fx.index.Close()
		fx.store.Close()
	})
	mailer, err := digest.NewOutboxMailer(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Now: func() time.Time { return testNow }, BaseURL: "http://callmatch.test", UnsubscribeKey: testUnsubscribeKey},
		Deps{Store: fx.store, Index: fx.index, Logger: discard, Mailer: mailer})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.bg.Wait)
	// A narrow profile: few matches, far apart, so that the files do not
	// depend on how the matcher orders near ties at the end of a long list.
	b := newClient(t, s)
	id := b.register(url.Values{
		"name": {"Quantum-safe BV"}, "email": {"golden@example.be"}, "country": {"BE"}, "size": {"small"},
		"description": {"Post-quantum cryptography."},
		"keywords":    {"post-quantum cryptography"},
	})
	b.get("/profiles/" + id)
	if a := b.post("/profiles/"+id+"/follow", url.Values{"call_id": {"HORIZON-CL3-2026-02-CS-ECCC-01"}}); a.code >= 400 {
		t.Fatalf("follow = %d", a.code)
	}
	secret, err := s.store.ProfileCalendarSecret(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	feed := "/profiles/" + id + "/deadlines.ics?token=" + s.keys.calendarToken(id, secret)
	for _, lang := range []string{"en", "fr"} {
		for name, path := range map[string]string{
			"deadlines." + lang + ".ics": feed + "&lang=" + lang,
			"matches." + lang + ".csv":   "/profiles/" + id + "/matches.csv?lang=" + lang,
		} {
			a := b.get(path)
			if a.code != 200 {
				t.Fatalf("GET %s = %d", path, a.code)
			}
			golden(t, name+".golden", []byte(a.body))
		}
	}
	a := b.get("/calls.csv?q=cybersecurity&programme=HORIZON")
	if a.code != 200 {
		t.Fatalf("GET /calls.csv = %d", a.code)
	}
	golden(t, "calls-horizon.csv.golden", []byte(a.body))
}

// TestGoldenDashboardCharts: the staff dashboard's two SVG charts, the
// supply and demand of the domains and the deadline timeline.
func TestGoldenDashboardCharts(t *testing.T) {
	rows := []gapRow{
		{Slug: "cryptology", Label: "Cryptology", Demand: 4, Supply: 12},
		{Slug: "post-quantum", Label: "Post-quantum cryptography", Demand: 2, Supply: 0},
		{Slug: "threat-intelligence", Label: "Threat intelligence & <sharing>", Demand: 0, Supply: 100},
		{Slug: "human-aspects", Label: "Human aspects", Demand: 7, Supply: 3},
	}
	gap := gapChart(rows, gapLabels{Title: "Supply and demand", Demand: "Profiles", Supply: "Calls", Gap: "gap", Capped: 100})
	golden(t, "dashboard-gap.svg.golden", []byte(gap))

	day := func(d int) time.Time { return testNow.AddDate(0, 0, d) }
	points := []timelinePoint{
		{ID: "DIGITAL-ECCC-2026-DEPLOY-CYBER-08", Title: "SOC & <CTI>", Programme: "DIGITAL", At: day(3), Label: "29 November 2026"},
		{ID: "HORIZON-CL3-2026-02-CS-ECCC-01", Title: "Post-quantum", Programme: "HORIZON", At: day(5), Label: "1 December 2026"},
		{ID: "HORIZON-CL3-2026-02-CS-ECCC-02", Title: "AI security", Programme: "HORIZON", At: day(6), Label: "2 December 2026"},
		{ID: "EuropeAid/186002/DD/ACT/MA", Title: "Other", Programme: "OTHER", At: day(90), Label: "24 February 2027"},
	}
	timeline := timelineChart(points, testNow, timelineDays, timelineLabels{Title: "Coming deadlines", Today: "today",
		Digital: "Digital Europe", Horizon: "Horizon Europe", Other: "Other programmes",
		Week: func(t time.Time) string { return t.Format("2 Jan") }})
	golden(t, "dashboard-timeline.svg.golden", []byte(timeline))
}
