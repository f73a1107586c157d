package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"callmatch/funding"
)

func testCall(id, title string) *funding.Call {
	d1 := time.Date(2027, 3, 12, 17, 0, 0, 0, time.UTC)
	return &funding.Call{
		ID:            id,
		Title:         title,
		CallID:        "DIGITAL-ECCC-2026-DEPLOY-CYBER-08",
		Programme:     funding.ProgrammeDigital,
		ProgrammeID:   funding.PortalIDDigital,
		ProgrammeName: "Digital Europe Programme",
		Kind:          funding.KindTopic,
		PortalStatus:  funding.StatusOpen,
		Status:        funding.StatusOpen,
		Deadlines:     []time.Time{d1},
		DeadlineModel: "single-stage",
		TypesOfAction: []string{"SME"},
		Budget:        funding.Budget{MinContribution: 100_000, MaxContribution: 60_000, Total: 5_000_000},
		Keywords:      []string{"cybersecurity", "SME"},
		Sections:      []funding.Section{{Title: "Scope", Text: "Support SMEs with security assessments."}},
		URL:           "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/" + id,
		SourceURL:     "https://api.tech.ec.europa.eu/search-api/prod/rest/search",
	}
}

func mustSave(t testing.TB, s *Store, c *funding.Call, now time.Time) (bool, []string) {
	t.Helper()
	created, changed, err := s.SaveCall(context.Background(), c, now)
	if err != nil {
		t.Fatalf("SaveCall(%s): %v", c.ID, err)
	}
	return created, changed
}

func mustGeneration(t testing.TB, s *Store) int64 {
	t.Helper()
	g, err := s.Generation(context.Background())
	if err != nil {
		t.Fatalf("Generation: %v", err)
	}
	return g
}

func TestSaveCallNewUnchangedChanged(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		c := testCall("DIGITAL-ECCC-2026-DEPLOY-CYBER-08-SME", "Support for SMEs")

		created, changed := mustSave(t, s, c, at(0))
		if !created || changed != nil {
			t.Fatalf("first SaveCall = %v, %v, want true, nil", created, changed)
		}
		if g := mustGeneration(t, s); g != 1 {
			t.Errorf("Generation after create = %d, want 1", g)
		}
		got, err := s.Call(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != c.Title || !got.ChangedAt.Equal(at(0)) || !got.CrawledAt.Equal(at(0)) || got.ContentHash != c.Hash() || got.GoneAt != nil {
			t.Errorf("Call = title %q changed %v crawled %v hash %q gone %v", got.Title, got.ChangedAt, got.CrawledAt, got.ContentHash, got.GoneAt)
		}
		if !slices.EqualFunc(got.Deadlines, c.Deadlines, time.Time.Equal) || got.Budget.Total != c.Budget.Total {
			t.Errorf("Call lost fields: %+v", got)
		}

		// Unchanged: no write at all.
		before := rowUpdatedAt(t, s, c.ID)
		same := testCall(c.ID, c.Title)
		created, changed = mustSave(t, s, same, at(time.Hour))
		if created || changed != nil {
			t.Fatalf("unchanged SaveCall = %v, %v, want false, nil", created, changed)
		}
		if g := mustGeneration(t, s); g != 1 {
			t.Errorf("Generation after unchanged save = %d, want 1", g)
		}
		got, _ = s.Call(ctx, c.ID)
		if !got.ChangedAt.Equal(at(0)) || !got.CrawledAt.Equal(at(0)) {
			t.Errorf("unchanged save moved changed_at %v / crawled_at %v", got.ChangedAt, got.CrawledAt)
		}
		if after := rowUpdatedAt(t, s, c.ID); after != before {
			t.Errorf("unchanged save wrote the row: updated_at %d -> %d", before, after)
		}

		// Changed: title and deadline.
		ch := testCall(c.ID, "Support for SMEs (amended)")
		ch.Deadlines = []time.Time{time.Date(2027, 4, 2, 17, 0, 0, 0, time.UTC)}
		created, changed = mustSave(t, s, ch, at(2*time.Hour))
		if created || !slices.Equal(changed, []string{"title", "deadlines"}) {
			t.Fatalf("changed SaveCall = %v, %v, want false, [title deadlines]", created, changed)
		}
		if g := mustGeneration(t, s); g != 2 {
			t.Errorf("Generation after change = %d, want 2", g)
		}
		got, _ = s.Call(ctx, c.ID)
		if got.Title != ch.Title || !got.ChangedAt.Equal(at(2*time.Hour)) || !ch.ChangedAt.Equal(at(2*time.Hour)) {
			t.Errorf("after change: title %q changed_at %v (arg %v)", got.Title, got.ChangedAt, ch.ChangedAt)
		}
		changes, err := s.CallChanges(ctx, c.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 {
			t.Fatalf("CallChanges = %d rows, want 1", len(changes))
		}
		cc := changes[0]
		if !slices.Equal(cc.Fields, []string{"title", "deadlines"}) || !cc.ChangedAt.Equal(at(2*time.Hour)) {
			t.Errorf("change = fields %v at %v", cc.Fields, cc.ChangedAt)
		}
		wantOld := map[string]string{"title": `"Support for SMEs"`, "deadlines": `["2027-03-12T17:00:00Z"]`, "deadline_model": `"single-stage"`}
		wantNew := map[string]string{"title": `"Support for SMEs (amended)"`, "deadlines": `["2027-04-02T17:00:00Z"]`, "deadline_model": `"single-stage"`}
		if d := rawDiff(cc.Old, wantOld); d != "" {
			t.Errorf("change.Old: %s", d)
		}
		if d := rawDiff(cc.New, wantNew); d != "" {
			t.Errorf("change.New: %s", d)
		}
		if later, _ := s.CallChanges(ctx, c.ID, at(3*time.Hour)); len(later) != 0 {
			t.Errorf("CallChanges(since later) = %d rows, want 0", len(later))
		}

		// A change that ChangedFields does not cover is still reported.
		lab := testCall(c.ID, ch.Title)
		lab.Deadlines = ch.Deadlines
		lab.ActionLabels = []string{"DIGITAL-SME Support Actions"}
		_, changed = mustSave(t, s, lab, at(3*time.Hour))
		if !slices.Equal(changed, []string{"action_labels"}) {
			t.Errorf("label change = %v, want [action_labels]", changed)
		}

		n, err := s.CallCount(ctx)
		if err != nil || n != 1 {
			t.Errorf("CallCount = %d, %v, want 1", n, err)
		}
		if _, err := s.Call(ctx, "nope"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Call(nope) error = %v, want ErrNotFound", err)
		}
	})
}

func rowUpdatedAt(t testing.TB, s *Store, id string) int64 {
	t.Helper()
	var v int64
	if err := s.db.QueryRowContext(context.Background(), `SELECT updated_at FROM calls WHERE id = $1`, id).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func rawDiff(got map[string]json.RawMessage, want map[string]string) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d keys %v, want %d %v", len(got), got, len(want), want)
	}
	for k, w := range want {
		if string(got[k]) != w {
			return fmt.Sprintf("[%s] = %s, want %s", k, got[k], w)
		}
	}
	return ""
}

func TestMarkGoneAndBack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		a := testCall("A", "a")
		b := testCall("B", "b")
		h := testCall("H", "horizon")
		h.Programme, h.ProgrammeID = funding.ProgrammeHorizon, funding.PortalIDHorizon
		for _, c := range []*funding.Call{a, b, h} {
			mustSave(t, s, c, at(0))
		}
		g0 := mustGeneration(t, s)

		n, err := s.MarkGone(ctx, []string{funding.PortalIDDigital}, []string{"A"}, at(time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("MarkGone = %d, %v, want 1", n, err)
		}
		if g := mustGeneration(t, s); g != g0+1 {
			t.Errorf("Generation after MarkGone = %d, want %d", g, g0+1)
		}
		got, _ := s.Call(ctx, "B")
		if got.GoneAt == nil || !got.GoneAt.Equal(at(time.Hour)) {
			t.Errorf("B.GoneAt = %v, want %v", got.GoneAt, at(time.Hour))
		}
		if got, _ := s.Call(ctx, "H"); got.GoneAt != nil {
			t.Errorf("Horizon call marked gone by a Digital crawl")
		}
		// Already gone: not marked again, nothing written.
		n, err = s.MarkGone(ctx, []string{funding.ProgrammeDigital}, []string{"A"}, at(2*time.Hour))
		if err != nil || n != 0 {
			t.Fatalf("second MarkGone = %d, %v, want 0", n, err)
		}
		if g := mustGeneration(t, s); g != g0+1 {
			t.Errorf("Generation after no-op MarkGone = %d, want %d", g, g0+1)
		}

		// Seen again with the same content: back, gone_at cleared, ChangedAt kept.
		created, changed := mustSave(t, s, testCall("B", "b"), at(3*time.Hour))
		if created || !slices.Equal(changed, []string{FieldGone}) {
			t.Fatalf("SaveCall(back) = %v, %v, want false, [gone_at]", created, changed)
		}
		got, _ = s.Call(ctx, "B")
		if got.GoneAt != nil || !got.ChangedAt.Equal(at(0)) {
			t.Errorf("back: GoneAt %v ChangedAt %v, want nil, %v", got.GoneAt, got.ChangedAt, at(0))
		}
		changes, err := s.CallChanges(ctx, "B", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 2 || !slices.Equal(changes[0].Fields, []string{FieldGone}) || !slices.Equal(changes[1].Fields, []string{FieldGone}) {
			t.Fatalf("B changes = %+v, want gone then back", changes)
		}
		if string(changes[0].Old[FieldGone]) != "null" || string(changes[1].New[FieldGone]) != "null" {
			t.Errorf("gone/back values: %s -> %s, %s -> %s", changes[0].Old[FieldGone], changes[0].New[FieldGone], changes[1].Old[FieldGone], changes[1].New[FieldGone])
		}

		since, err := s.CallsChangedSince(ctx, at(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(since) != 1 || since[0].ID != "B" {
			t.Errorf("CallsChangedSince = %d calls, want [B]", len(since))
		}
		all, err := s.ChangesSince(ctx, at(0))
		if err != nil || len(all) != 2 {
			t.Errorf("ChangesSince = %d, %v, want 2", len(all), err)
		}
	})
}

func TestMarkGoneManySeen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const total = 5_100
		var seen []string
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			for i := range total {
				c := testCall(fmt.Sprintf("C-%05d", i), "t")
				c.ContentHash = c.Hash()
				c.CrawledAt, c.ChangedAt = at(0), at(0)
				if err := upsertCall(ctx, tx, c, at(0)); err != nil {
					return err
				}
				if i < 5_000 {
					seen = append(seen, c.ID)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.MarkGone(ctx, []string{funding.PortalIDDigital}, seen, at(time.Hour))
		if err != nil || n != total-5_000 {
			t.Fatalf("MarkGone = %d, %v, want %d", n, err, total-5_000)
		}
		calls, err := s.Calls(ctx)
		if err != nil || len(calls) != total {
			t.Fatalf("Calls = %d, %v", len(calls), err)
		}
		for i, c := range calls {
			if gone := c.GoneAt != nil; gone != (i >= 5_000) {
				t.Fatalf("%s gone = %v", c.ID, gone)
			}
		}
	})
}

func TestSaveCallConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		const writers = 16

		// Different content from every writer: one creates, each other one
		// changes what the previous one wrote. Nothing is lost.
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			creates int
			changes int
		)
		for i := range writers {
			wg.Go(func() {
				created, changed, err := s.SaveCall(ctx, testCall("X", fmt.Sprintf("v%02d", i)), at(time.Duration(i)*time.Second))
				if err != nil {
					t.Errorf("SaveCall: %v", err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if created {
					creates++
				}
				if slices.Equal(changed, []string{"title"}) {
					changes++
				}
			})
		}
		wg.Wait()
		if creates != 1 || changes != writers-1 {
			t.Errorf("creates %d changes %d, want 1 and %d", creates, changes, writers-1)
		}
		if g := mustGeneration(t, s); g != writers {
			t.Errorf("Generation = %d, want %d", g, writers)
		}
		rows, err := s.CallChanges(ctx, "X", time.Time{})
		if err != nil || len(rows) != writers-1 {
			t.Fatalf("CallChanges = %d, %v, want %d", len(rows), err, writers-1)
		}
		// In commit order, each change starts from what the previous one wrote,
		// and the stored call is what the last one wrote.
		slices.SortFunc(rows, func(a, b funding.CallChange) int { return int(a.ID - b.ID) })
		for i := 1; i < len(rows); i++ {
			if o, n := string(rows[i].Old["title"]), string(rows[i-1].New["title"]); o != n {
				t.Errorf("change %d starts from title %s, previous change wrote %s", i, o, n)
			}
		}
		got, _ := s.Call(ctx, "X")
		if last := string(rows[len(rows)-1].New["title"]); last != fmt.Sprintf("%q", got.Title) {
			t.Errorf("stored title %q, last change wrote %s", got.Title, last)
		}

		// Same content from every writer: one write, the rest see it unchanged.
		creates = 0
		for range writers {
			wg.Go(func() {
				created, changed, err := s.SaveCall(ctx, testCall("Y", "same"), at(0))
				if err != nil {
					t.Errorf("SaveCall: %v", err)
					return
				}
				if changed != nil {
					t.Errorf("SaveCall(same) changed = %v", changed)
				}
				if created {
					mu.Lock()
					creates++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if creates != 1 {
			t.Errorf("creates = %d, want 1", creates)
		}
		if g := mustGeneration(t, s); g != writers+1 {
			t.Errorf("Generation = %d, want %d", g, writers+1)
		}
	})
}

func TestCallsByIDKeepsTheOrderAsked(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
		for _, id := range []string{"A-1", "B-2", "C-3"} {
			mustSave(t, s, testCall(id, "Call "+id), now)
		}
		got, err := s.CallsByID(ctx, []string{"C-3", "MISSING", "A-1", "C-3"})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		if want := []string{"C-3", "A-1"}; !slices.Equal(ids, want) {
			t.Errorf("CallsByID = %v, want %v", ids, want)
		}
		if got[0].Title != "Call C-3" || len(got[0].Deadlines) != 1 {
			t.Errorf("CallsByID read %+v, want the whole call", got[0])
		}
		if none, err := s.CallsByID(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("CallsByID(nil) = %v, %v; want none", none, err)
		}
	})
}
