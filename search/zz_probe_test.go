package search

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZSemOnly(t *testing.T) {
	b, _ := os.ReadFile("testdata/relevance.json")
	var set relevanceSet
	json.Unmarshal(b, &set)
	ix := realIndex(t)
	type variant struct {
		name  string
		score func(sq *semQuery, e *entry) float32
	}
	vs := []variant{
		{"best+whole", func(sq *semQuery, e *entry) float32 { s, _ := sq.score(e.vecs); return s }},
		{"best", func(sq *semQuery, e *entry) float32 { s, _ := sq.best(e.vecs); return s }},
		{"whole", func(sq *semQuery, e *entry) float32 { return sq.whole(e.vecs) }},
		{"head", func(sq *semQuery, e *entry) float32 {
			return sq.cos(dotQ(sq.v, e.vecs.parts[:100], e.vecs.scales[0]), e.vecs.pm[0], e.vecs.norm[0])
		}},
	}
	for _, v := range vs {
		groups := map[string]*figures{}
		run := func(kind, group, text string, want []string, keep func(*entry) bool) {
			sq := newSemQuery(embed(ix.vec, text), ix.centre)
			var rs []ranked
			if sq != nil {
				for _, e := range ix.calls {
					if e.vecs == nil || (keep != nil && !keep(e)) {
						continue
					}
					rs = append(rs, ranked{e, float64(v.score(sq, e))})
				}
			}
			sortRanked(rs)
			var got []string
			for _, r := range rs[:min(10, len(rs))] {
				got = append(got, r.e.id)
			}
			k := kind + " " + group
			if groups[k] == nil {
				groups[k] = &figures{}
			}
			groups[k].add(firstWanted(got, want))
		}
		for _, c := range set.Profiles {
			p := c.Profile
			text := p.Description + ". " + strings.Join(p.Keywords, ". ") + ". " + strings.Join(p.Keywords, ". ")
			run("match", relevanceGroup(c.Lang, c.Style), text, c.Want, profileFilter(&p, set.Now.Add(14*24*time.Hour)))
		}
		for _, c := range set.Queries {
			run("search", relevanceGroup(c.Lang, c.Style), c.Q, c.Want, nil)
		}
		for _, k := range []string{"match en-calls", "match en-business", "search en-calls", "search en-business"} {
			f := groups[k].mean()
			t.Logf("%-12s %-20s hit3 %.2f hit5 %.2f mrr %.2f", v.name, k, f.Hit3, f.Hit5, f.MRR)
		}
	}
}
