package search

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"callmatch/funding"
)

func someCalls(t *testing.T, n int) []funding.Call {
	t.Helper()
	calls := loadCalls(t)
	return calls[:n]
}

func TestRebuildWhileSearching(t *testing.T) {
	calls := someCalls(t, 200)
	ix, _, dir := openIndex(t, calls)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var searches atomic.Int64
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			texts := []string{"climate", "energy", `"research and innovation"`, ""}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				res, err := ix.Search(ctx, Query{Text: texts[i%len(texts)], Now: testNow})
				if err != nil || (texts[i%len(texts)] == "" && res.Total != uint64(len(calls))) {
					t.Errorf("Search during rebuild: total %d, error %v", res.Total, err)
				}
				if i%4 == 0 {
					if _, err := ix.Match(ctx, socProfile(), MatchOptions{Now: testNow}); err != nil {
						t.Errorf("Match during rebuild: %v", err)
					}
				}
				searches.Add(1)
			}
		}()
	}
	gen := ix.Generation()
	for i := 0; i < 3; i++ {
		if err := ix.Rebuild(ctx); err != nil {
			t.Fatalf("Rebuild: %v", err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if searches.Load() == 0 {
		t.Fatal("no search ran during the rebuilds")
	}
	if ix.Generation() <= gen {
		t.Errorf("Generation after rebuilds = %d, was %d", ix.Generation(), gen)
	}
	folders, _ := filepath.Glob(filepath.Join(dir, folderPrefix+"*"))
	if len(folders) != 1 {
		t.Errorf("index folders after rebuilds: %v, want exactly one", folders)
	}
	if n, err := ix.Count(); err != nil || n != uint64(len(calls)) {
		t.Errorf("Count = %d, %v; want %d", n, err, len(calls))
	}
}

func TestMappingVersionChangeRebuilds(t *testing.T) {
	calls := someCalls(t, 50)
	dir := t.TempDir()
	src := &fakeSource{calls: calls}
	ctx := context.Background()
	ix, err := Open(ctx, dir, src, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	m, err := readMeta(dir)
	if err != nil || m.Current == "" {
		t.Fatalf("meta = %+v, %v", m, err)
	}
	old := m.Current
	m.MappingVersion = mappingVersion - 1
	if err := writeMeta(dir, m); err != nil {
		t.Fatal(err)
	}
	ix, err = Open(ctx, dir, src, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	m2, _ := readMeta(dir)
	if m2.Current == old || m2.MappingVersion != mappingVersion {
		t.Errorf("after a mapping change meta = %+v, want a new folder with version %d", m2, mappingVersion)
	}
	if _, err := os.Stat(filepath.Join(dir, old)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old folder %s still there (%v)", old, err)
	}
	if n, _ := ix.Count(); n != uint64(len(calls)) {
		t.Errorf("Count = %d, want %d", n, len(calls))
	}
}

func TestSecondOpenFailsFast(t *testing.T) {
	calls := someCalls(t, 10)
	_, src, dir := openIndex(t, calls)
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		ix, err := Open(context.Background(), dir, src, discard(), WithLockTimeout(300*time.Millisecond))
		if err == nil {
			ix.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, ErrLocked) {
			t.Errorf("second Open error = %v, want ErrLocked", err)
		}
		if !strings.Contains(err.Error(), dir) {
			t.Errorf("error %q does not name the folder", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second Open hangs")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestOpenRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	leftover := filepath.Join(dir, folderPrefix+"123")
	if err := os.MkdirAll(filepath.Join(leftover, "store"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, metaFile+".tmp"), []byte("{"), 0o644)
	ix, err := Open(context.Background(), dir, &fakeSource{calls: someCalls(t, 5)}, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, p := range []string{leftover, filepath.Join(dir, metaFile+".tmp")} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("leftover %s still there", p)
		}
	}
}

func TestUpsertDeleteSyncAndGeneration(t *testing.T) {
	calls := someCalls(t, 30)
	ix, src, dir := openIndex(t, calls)
	ctx := context.Background()
	gen := ix.Generation()

	changed := calls[3]
	changed.Title = "Zyxwv quantum honeypots for lighthouses"
	changed.ContentHash = changed.Hash()
	if err := ix.Upsert(ctx, []funding.Call{changed}); err != nil {
		t.Fatal(err)
	}
	res := search(t, ix, Query{Text: "zyxwv honeypots"})
	if res.Total != 1 || res.Hits[0].ID != changed.ID || res.Hits[0].Title != changed.Title {
		t.Errorf("after Upsert: %+v", res)
	}
	if ix.Generation() <= gen {
		t.Errorf("Generation did not change on Upsert")
	}
	gen = ix.Generation()
	if err := ix.Delete(ctx, []string{calls[0].ID, "no-such-id"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := ix.Count(); n != uint64(len(calls)-1) {
		t.Errorf("Count after Delete = %d, want %d", n, len(calls)-1)
	}
	if ix.Generation() <= gen {
		t.Errorf("Generation did not change on Delete")
	}

	// Sync brings back what the source has: calls[0] again, calls[3] as it was, without calls[5].
	src.set(append(append([]funding.Call{}, calls[:5]...), calls[6:]...))
	n, err := ix.Sync(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("Sync changed %d calls, want 3", n)
	}
	if res := search(t, ix, Query{Text: "zyxwv"}); res.Total != 0 {
		t.Errorf("the source's title did not come back")
	}
	if n, _ := ix.Count(); n != uint64(len(calls)-1) {
		t.Errorf("Count after Sync = %d, want %d", n, len(calls)-1)
	}
	if n, err := ix.Sync(ctx); err != nil || n != 0 {
		t.Errorf("second Sync = %d, %v; want 0", n, err)
	}

	// The generation survives a restart (and moves on).
	gen = ix.Generation()
	ix.Close()
	ix2, err := Open(ctx, dir, src, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer ix2.Close()
	if ix2.Generation() <= gen {
		t.Errorf("Generation after reopen = %d, was %d", ix2.Generation(), gen)
	}
	if _, err := ix.Search(ctx, Query{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Search on a closed index: %v, want ErrClosed", err)
	}
}

func TestOpenSyncsStatusWithTime(t *testing.T) {
	calls := someCalls(t, 30)
	dir := t.TempDir()
	src := &fakeSource{calls: calls}
	ix, err := Open(context.Background(), dir, src, discard(), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	ix.Close()
	later := func() time.Time { return testNow.AddDate(1, 0, 0) }
	ix, err = Open(context.Background(), dir, src, discard(), WithClock(later))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	// Next deadlines moved: the calls were re-indexed, so a deadline sort is still right.
	res := search(t, ix, Query{Sort: SortDeadline, Now: later(), Size: 100})
	for _, h := range res.Hits {
		if h.Deadline != nil {
			t.Errorf("%s: a deadline after %v", h.ID, later())
		}
	}
}

func TestSourceErrorFailsOpen(t *testing.T) {
	_, err := Open(context.Background(), t.TempDir(), &fakeSource{err: errors.New("db down")}, discard())
	if err == nil || !strings.Contains(err.Error(), "db down") {
		t.Errorf("Open with a failing source: %v", err)
	}
}

// TestMappingDescribesCalls: the mapping is explicit (no dynamic fields,
// no _all, BM25), and the index answers term, numeric and date queries on
// its keyword, number and date fields by itself, as the calls say.
func TestMappingDescribesCalls(t *testing.T) {
	m := newMapping()
	if m.DefaultMapping.Dynamic || m.IndexDynamic || m.StoreDynamic || m.DocValuesDynamic || m.ScoringModel != "bm25" {
		t.Errorf("mapping not explicit: dynamic %v/%v/%v/%v, scoring %q", m.DefaultMapping.Dynamic, m.IndexDynamic, m.StoreDynamic, m.DocValuesDynamic, m.ScoringModel)
	}
	kinds := map[string]string{}
	for name, sub := range m.DefaultMapping.Properties {
		for _, f := range sub.Fields {
			if f.IncludeInAll {
				t.Errorf("field %s goes to _all", name)
			}
			kinds[name] = f.Type + "/" + f.Analyzer
		}
	}
	for _, f := range []string{fieldProgramme, fieldPortalStatus, fieldKind, fieldType, fieldCallID, fieldTag, fieldPriority} {
		if kinds[f] != "text/keyword" {
			t.Errorf("field %s = %q, want a keyword field", f, kinds[f])
		}
	}
	for f, want := range map[string]string{fieldBudgetMin: "number/", fieldBudgetMax: "number/", fieldDeadline: "datetime/", fieldOpeningDate: "datetime/",
		fieldTitle: "text/" + analyzerName, fieldScope: "text/" + analyzerName, fieldConditions: "text/" + analyzerName} {
		if kinds[f] != want {
			t.Errorf("field %s = %q, want %q", f, kinds[f], want)
		}
	}

	ix := realIndex(t)
	calls := loadCalls(t)
	count := func(q query.Query) uint64 {
		t.Helper()
		res, err := ix.alias.Search(bleve.NewSearchRequestOptions(q, 0, 0, false))
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	var digital, bigBudget, march uint64
	from, to := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range calls {
		if c.Programme == "DIGITAL" {
			digital++
		}
		if lo, _ := budgetRange(c.Budget); lo >= 5_000_000 {
			bigBudget++
		}
		if slices.ContainsFunc(c.Deadlines, func(d time.Time) bool { return !d.Before(from) && d.Before(to) }) {
			march++
		}
	}
	if digital == 0 || bigBudget == 0 || march == 0 {
		t.Fatalf("test data: %d DIGITAL, %d over 5 M, %d in March 2027", digital, bigBudget, march)
	}
	prog := bleve.NewTermQuery("DIGITAL")
	prog.SetField(fieldProgramme)
	lo := 5_000_000.0
	budget := bleve.NewNumericRangeQuery(&lo, nil)
	budget.SetField(fieldBudgetMin)
	dates := bleve.NewDateRangeQuery(from, to)
	dates.SetField(fieldDeadline)
	for name, c := range map[string]struct {
		q    query.Query
		want uint64
	}{"programme DIGITAL": {prog, digital}, "budget from 5 M": {budget, bigBudget}, "a deadline in March 2027": {dates, march}} {
		if got := count(c.q); got != c.want {
			t.Errorf("%s: the index finds %d calls, the calls say %d", name, got, c.want)
		}
	}
}
