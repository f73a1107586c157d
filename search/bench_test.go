package search

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"callmatch/funding"
	"callmatch/search/glossary"
	"callmatch/search/vectors"
)

// tenThousandCalls makes 10,000 calls from the real ones: the originals and
// varied copies (ids, titles, deadlines, budgets), so that statuses and
// ranges spread as in a real corpus.
func tenThousandCalls(tb testing.TB) []funding.Call { return manyCalls(tb, 10_000) }

// manyCalls makes n calls from the real ones (see tenThousandCalls).
// Past the first copies, a copy also takes a section from another call,
// so that texts do not simply repeat.
func manyCalls(tb testing.TB, n int) []funding.Call {
	real := loadCalls(tb)
	variants := []string{"pilot", "phase 2", "scale-up", "for regions", "2028", "SME track", "Western Balkans", "coordination"}
	out := make([]funding.Call, 0, n)
	for i := 0; len(out) < n; i++ {
		c := real[i%len(real)]
		if i >= len(real) {
			v := i / len(real)
			c.ID = fmt.Sprintf("%s-V%02d", c.ID, v)
			c.Title = c.Title + " (" + variants[v%len(variants)] + ")"
			shift := time.Duration((i*37)%730-300) * 24 * time.Hour
			c.Deadlines = slices.Clone(c.Deadlines)
			for j := range c.Deadlines {
				c.Deadlines[j] = c.Deadlines[j].Add(shift)
			}
			factor := []float64{0.5, 0.75, 1, 1.5, 2}[i%5]
			c.Budget.MinContribution = int64(float64(c.Budget.MinContribution) * factor)
			c.Budget.MaxContribution = int64(float64(c.Budget.MaxContribution) * factor)
			if v >= 16 { // beyond the first 10,000: mixed texts
				other := real[(i*7+v)%len(real)]
				if len(other.Sections) > 0 {
					c.Sections = append(slices.Clone(c.Sections), other.Sections[v%len(other.Sections)])
				}
			}
		}
		c.ContentHash = fmt.Sprintf("bench-%d", i)
		out = append(out, c)
	}
	return out
}

var (
	benchOnce sync.Once
	benchIx   *Index
	benchErr  error
)

func benchIndex(b *testing.B) *Index {
	calls := tenThousandCalls(b)
	benchOnce.Do(func() {
		// CALLMATCH_BENCH_INDEX keeps the index in a folder between runs
		// (profiling by hand); by default each run builds its own.
		dir := os.Getenv("CALLMATCH_BENCH_INDEX")
		if dir == "" {
			var err error
			if dir, err = os.MkdirTemp("", "callmatch-bench-"); err != nil {
				benchErr = err
				return
			}
		}
		benchIx, benchErr = Open(context.Background(), dir, &fakeSource{calls: calls}, discard(), WithClock(clock))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIx
}

// BenchmarkIndex10k builds an index of 10,000 calls from scratch (Open of
// an empty folder: batches of 500, then the swap in).
func BenchmarkIndex10k(b *testing.B) {
	calls := tenThousandCalls(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		ix, err := Open(context.Background(), dir, &fakeSource{calls: calls}, discard(), WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if n, _ := ix.Count(); n != 10_000 {
			b.Fatalf("Count = %d", n)
		}
		ix.Close()
		b.StartTimer()
	}
}

// benchQueries is a mix of what people type and click.
var benchQueries = []Query{
	{Text: "cybersecurity"},
	{Text: "post-quantum cryptography", OpenNow: true},
	{Text: `"incident response"`},
	{Text: "artificial intelligence health", Programmes: []string{"HORIZON"}},
	{Text: "hydrogen storage", Statuses: []string{"open", "forthcoming"}, Sort: SortDeadline},
	{Text: "climate adaptation regions", BudgetMin: 2_000_000, BudgetMax: 8_000_000},
	{Text: "quantom"},
	{Text: "SME innovation", TypesOfAction: []string{"IA"}},
	{OpenNow: true, Sort: SortDeadline},
	{Programmes: []string{"DIGITAL"}, Sort: SortBudget},
	{Text: "security of critical infrastructure", Page: 3},
	{Text: "data spaces cloud edge"},
}

func reportLatencies(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	ms := func(q float64) float64 {
		return float64(d[min(len(d)-1, int(q*float64(len(d))))].Microseconds()) / 1000
	}
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func BenchmarkSearch(b *testing.B) {
	ix := benchIndex(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := benchQueries[i%len(benchQueries)]
		q.Now = testNow
		start := time.Now()
		if _, err := ix.Search(ctx, q); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

var benchProfiles = []*funding.Profile{
	socProfile(),
	{Name: "pentest", Country: "BE", Size: "micro", Keywords: []string{"pentesting", "phishing drills", "red teaming"},
		Domains: []string{"human-aspects", "security-measurements"}, BudgetMax: 5_000_000},
	{Name: "pqc", Country: "NL", Size: "small", Keywords: []string{"PQC", "HSM", "crypto-agility"},
		Domains: []string{"post-quantum", "cryptology"}, Programmes: []string{"HORIZON", "DIGITAL"},
		Description: "We build post-quantum VPN gateways and key management for banks and public administrations."},
	{Name: "ot", Country: "DE", Size: "medium", Keywords: []string{"OT security", "SCADA", "IoT security", "digital twins"},
		Domains: []string{"critical-infrastructure", "network-distributed-systems"}, TypesOfAction: []string{"IA", "RIA"}, TRL: 6},
}

// BenchmarkMatch measures uncached matching of a profile against 10,000 calls.
func BenchmarkMatch(b *testing.B) {
	ix := benchIndex(b)
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := ix.Match(ctx, benchProfiles[i%len(benchProfiles)], MatchOptions{Now: testNow}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatencies(b, lat)
}

// BenchmarkMeaningMemory reports what the meaning side adds to the memory
// of a server: the word vectors and the glossaries (heap after loading
// them, measured in a fresh process: go test -run '^$' -bench MeaningMemory
// -benchtime 1x ./search), and the vectors of 10,000 calls.
func BenchmarkMeaningMemory(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	t, err := vectors.Load() // the first load of the process: run this benchmark alone
	if err != nil {
		b.Fatal(err)
	}
	g, err := glossary.Load()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(t)
	runtime.KeepAlive(g)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "table-MB")

	ix := benchIndex(b)
	var n int
	for _, e := range ix.calls {
		if v := e.vecs; v != nil {
			n += len(v.doc) + 4*len(v.dc) + len(v.parts) + 4*(len(v.scales)+len(v.pm)+len(v.norm)) + 16*len(v.refs)
		}
	}
	ix.mu.RLock()
	n += 4 * len(ix.vecEntries().whole)
	ix.mu.RUnlock()
	b.ReportMetric(float64(n)/(1<<20), "calls-MB")
}

// BenchmarkByMeaning ranks 10,000 calls by meaning for a query (the
// first, whole-vector pass over every call and the passages of the best).
func BenchmarkByMeaning(b *testing.B) {
	ix := benchIndex(b)
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sq := newSemQuery(embed(ix.vec, "protecting satellites from hackers"), ix.centre)
	if sq == nil {
		b.Fatal("no vector")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(ix.byMeaning(sq, nil, semPool)) == 0 {
			b.Fatal("nothing")
		}
	}
}

// BenchmarkScale100k measures what grows with the corpus on 100,000 calls
// (every programme of the EU, about ten times the 10,000 of the other
// benchmarks): the index build, searches (the texts of
// BenchmarkSearchVsPostgres), uncached matches (benchProfiles) and the
// memory of the process (Go heap in use and resident set after a GC).
// It takes minutes; run it alone:
//
//	go test -run '^$' -bench Scale100k -benchtime 1x -timeout 60m ./search
func BenchmarkScale100k(b *testing.B) {
	calls := manyCalls(b, 100_000)
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ix, err := Open(ctx, b.TempDir(), &fakeSource{calls: calls}, discard(), WithClock(clock))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "index-s")
		var lat []time.Duration
		for j := 0; j < 10*len(pgBenchTexts); j++ {
			t0 := time.Now()
			if _, err := ix.Search(ctx, Query{Text: pgBenchTexts[j%len(pgBenchTexts)], Now: testNow}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "search-p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "search-p99-ms")
		lat = lat[:0]
		for j := 0; j < 10*len(benchProfiles); j++ {
			t0 := time.Now()
			if _, err := ix.Match(ctx, benchProfiles[j%len(benchProfiles)], MatchOptions{Now: testNow}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "match-p50-ms")
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MB")
		b.ReportMetric(residentMB(), "rss-MB")
		ix.Close()
	}
}

// residentMB is the resident set of the process (Linux), 0 elsewhere.
func residentMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
