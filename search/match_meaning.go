package search

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"

	"callmatch/funding"
	"callmatch/locale"
	"callmatch/search/glossary"
	"callmatch/search/vectors"
)

// The meaning side of matching. A profile's words seldom are a call's
// words: "border guards' phones check a traveller's passport data" is a
// call about "digital travel credentials". The profile's description and
// keywords make one vector; the calls that pass the hard filters are ranked
// by the cosine of their best passage with it (semantic.go), and that
// ranking is fused with the words' ranking by reciprocal rank. A call found
// by meaning only is shown when it is close enough (matchMeaningMin), with
// the reason a person can check: the profile's phrase and the call's
// sentence that are closest.
const (
	matchPool       = 20   // matches of each ranking fused, at least
	matchMeaningMin = 0.45 // the least meaning score of a call found by meaning only
	matchMeaningTop = 40   // calls found by meaning considered
	phraseMin       = 0.35 // the least cosine of a phrase and a sentence shown as a reason
	maxPhraseWords  = 7
)

// profileMeaning is a profile on the meaning side.
type profileMeaning struct {
	q       *semQuery
	phrases []meaningPhrase
	c       *centre
}

// meaningPhrase is a phrase of the profile as written, its English text
// when it was carried over, and its vector.
type meaningPhrase struct {
	text, english string
	v             []float32
}

// profileText is the English text of the profile's description and
// keywords (keywords twice: they say what matters).
func (ix *Index) profileMeaning(p *funding.Profile) *profileMeaning {
	var b strings.Builder
	desc, _ := ix.english(p.Description)
	b.WriteString(desc)
	var phrases []meaningPhrase
	for _, k := range p.Keywords {
		en, _ := ix.english(k)
		b.WriteString(". " + en + ". " + en)
		if v := embed(ix.vec, en); v != nil {
			phrases = append(phrases, meaningPhrase{text: k, english: en, v: v})
		}
	}
	q := newSemQuery(embed(ix.vec, b.String()), ix.centre)
	if q == nil {
		return nil
	}
	for _, ph := range descriptionPhrases(p.Description) {
		en, _ := ix.english(ph)
		if v := embed(ix.vec, en); v != nil {
			phrases = append(phrases, meaningPhrase{text: ph, english: en, v: v})
		}
	}
	return &profileMeaning{q: q, phrases: phrases, c: ix.centre}
}

// descriptionPhrases cuts a description into phrases of a few words: at
// punctuation, and long stretches into overlapping windows.
func descriptionPhrases(text string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return strings.ContainsRune(".,;:!?()[]\n•", r) }) {
		words := strings.FieldsFunc(part, unicode.IsSpace)
		if len(words) == 0 {
			continue
		}
		if len(words) <= maxPhraseWords {
			out = append(out, strings.Join(words, " "))
			continue
		}
		step := maxPhraseWords / 2
		for i := 0; i < len(words); i += step {
			out = append(out, strings.Join(words[i:min(len(words), i+maxPhraseWords)], " "))
			if i+maxPhraseWords >= len(words) {
				break
			}
		}
	}
	return out
}

// centredCos is the cosine of a-c and b-c.
func centredCos(a, b []float32, c *centre) float32 {
	var ab, ac, bc, aa, bb float32
	for i := range a {
		ab += a[i] * b[i]
		ac += a[i] * c.m[i]
		bc += b[i] * c.m[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	num := ab - ac - bc + c.mm
	na := aa - 2*ac + c.mm
	nb := bb - 2*bc + c.mm
	if na <= 0 || nb <= 0 {
		return 0
	}
	return num / float32(math.Sqrt(float64(na*nb)))
}

// meaningReason finds the profile phrase and the call sentence closest to
// each other in the call's best part (text, from field); ok is false when
// none is close enough to show.
func (pm *profileMeaning) meaningReason(t *vectors.Table, field, text string) (funding.Reason, bool) {
	var best funding.Reason
	bestScore := float32(phraseMin)
	for _, sent := range sentences(text) {
		sv := embed(t, sent)
		if sv == nil {
			continue
		}
		for _, ph := range pm.phrases {
			if s := centredCos(ph.v, sv, pm.c); s > bestScore {
				bestScore = s
				best = funding.Reason{Kind: funding.ReasonMeaning, Term: ph.text, Field: fieldReason(field), Passage: clip(sent, 0, 0)}
				if !strings.EqualFold(ph.english, ph.text) {
					best.Concept = ph.english
				}
			}
		}
	}
	if best.Kind == "" {
		return best, false
	}
	best.Text = locale.English().Reason(best)
	return best, true
}

// fieldReason is the name of an index field in Reason.Field.
func fieldReason(field string) string {
	for _, f := range matchFields {
		if f.name == field {
			return f.reason
		}
	}
	return field
}

// byMeaningMatches ranks the admitted calls by meaning, best first: at
// most matchMeaningTop. The caller holds ix.mu (read).
func (ix *Index) byMeaningMatches(pm *profileMeaning, p *funding.Profile, now, horizon time.Time) []semCandidate {
	var out []semCandidate
	for _, r := range ix.byMeaning(pm.q, profileFilter(p, horizon), semPool) {
		if len(out) >= matchMeaningTop {
			break
		}
		c, ok := admit(r.e, p, now, horizon)
		if !ok {
			continue
		}
		_, part := pm.q.score(r.e.vecs)
		out = append(out, semCandidate{candidate: c, meaning: r.score, part: part})
	}
	return out
}

// semCandidate is an admitted call with its meaning score and best part.
type semCandidate struct {
	candidate
	meaning float64
	part    int
}

// explainMeaning makes matches of calls found by meaning: it reads their
// best parts and names the closest phrase and sentence. The caller holds
// ix.mu (read).
func (ix *Index) explainMeaning(ctx context.Context, pm *profileMeaning, cands []semCandidate, p *funding.Profile, now time.Time) (map[string]funding.Match, error) {
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]string, len(cands))
	for i, c := range cands {
		ids[i] = c.e.id
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(ids), len(ids), 0, false)
	for _, f := range matchFields {
		req.Fields = append(req.Fields, f.name)
	}
	res, err := ix.alias.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: match: %w", err)
	}
	byID := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	out := map[string]funding.Match{}
	for _, c := range cands {
		h := byID[c.e.id]
		if h == nil || c.part < 0 {
			continue
		}
		ref := c.e.vecs.refs[c.part]
		text := partText(h.Fields[ref.field], ref)
		r, ok := pm.meaningReason(ix.vec, ref.field, text)
		if !ok {
			continue
		}
		e := c.e
		m := funding.Match{
			CallID: e.id, Title: e.title, Programme: e.programme, Status: e.dates().StatusAt(now),
			Score: c.meaning, Deadline: c.next, BudgetMin: e.budgetMin, BudgetMax: e.budgetMax, URL: e.url,
			Eligibility: c.checks,
		}
		if c.next != nil {
			m.DaysLeft = int(c.next.Sub(now) / (24 * time.Hour))
		}
		m.Reasons = append([]funding.Reason{r}, otherReasons(e, p, m, now)...)
		out[e.id] = m
	}
	return out, nil
}

// partText is the text of a part of a call from its stored field.
func partText(v any, ref partRef) string {
	text := storedText(v, int(ref.arr))
	if ref.field == fieldTitle {
		return text
	}
	if int(ref.end) > len(text) || ref.start >= ref.end {
		return ""
	}
	return text[ref.start:ref.end]
}

// english carries text over to English when it is French or Dutch
// (detected); English text comes back as it is.
func (ix *Index) english(text string) (string, []glossary.Term) {
	if strings.TrimSpace(text) == "" {
		return text, nil
	}
	lang := ix.gl.Detect(text)
	if lang == "en" {
		return text, nil
	}
	return ix.gl.Translate(text, lang)
}

// sourceOf maps the English words of carried-over terms back to the
// words the profile wrote: a reason names the profile's own word.
type sourceOf map[string]glossary.Term

func newSourceOf(terms []glossary.Term) sourceOf {
	if len(terms) == 0 {
		return nil
	}
	m := sourceOf{}
	for _, t := range terms {
		m[strings.ToLower(t.English)] = t
		for _, w := range strings.Fields(strings.ToLower(t.English)) {
			if _, ok := m[w]; !ok {
				m[w] = t
			}
		}
	}
	return m
}

// term returns the profile's word for an English word or phrase, and
// the English it was carried over as ("" when it was written so).
func (s sourceOf) term(english string) (string, string) {
	if t, ok := s[strings.ToLower(english)]; ok && !strings.EqualFold(t.Source, english) {
		return t.Source, t.English
	}
	return english, ""
}
