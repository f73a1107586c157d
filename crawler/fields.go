package crawler

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"callmatch/funding"
)

// targetTRL is the level the call text sets as its target (see
// ExtractTRL), read from the topic's own sections: the destination text
// speaks of other topics too.
func targetTRL(sections []funding.Section) *funding.TRL {
	var text []string
	for _, s := range sections {
		if s.Title != DestinationSection {
			text = append(text, s.Text)
		}
	}
	return ExtractTRL(strings.Join(text, "\n"))
}

// linkObject is one element of the JSON-in-string "links" metadata; the
// portal's field names vary, so every plausible one is read.
type linkObject map[string]any

func (l linkObject) first(keys ...string) string {
	for _, k := range keys {
		if s, ok := l[k].(string); ok && strings.TrimSpace(s) != "" {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// links reads the portal's links (Q&A, documents...): absolute http(s)
// addresses only, each once.
func (p *parser) links(s string) []funding.Link {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var list []linkObject
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		p.warn("links: malformed JSON: %v", err)
		return nil
	}
	var out []funding.Link
	seen := map[string]bool{}
	for _, l := range list {
		u := l.first("url", "link", "href", "fileUrl")
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || seen[u] {
			continue
		}
		seen[u] = true
		title := CleanText(l.first("title", "label", "linkTitle", "name", "description", "type"))
		if title == "" {
			title = u
		}
		out = append(out, funding.Link{Title: title, URL: u})
	}
	return out
}

// programmeName is the portal's name of a framework programme id; an id
// the portal's reference data does not give is named by the identifier's
// programme prefix ("PERICLES-2026-..." -> "PERICLES"), and failing that
// by the id itself, so that no call is left without a name.
func programmeName(id, identifier string) string {
	if n := ProgrammeName(id); n != "" {
		return n
	}
	prefix, _, _ := strings.Cut(identifier, "-")
	if len(prefix) >= 3 && strings.IndexFunc(prefix, func(r rune) bool { return r < 'A' || r > 'Z' }) < 0 {
		return prefix
	}
	if id != "" {
		return "EU programme " + id
	}
	return "EU programme"
}

// topicLineRe is an update line that starts with a topic identifier
// ("HORIZON-CL4-2025-04-DATA-03: Software Engineering for AI ...").
var topicLineRe = regexp.MustCompile(`^(?:Topic\s+)?([A-Z][A-Z0-9]*(?:-[A-Z0-9]+){3,})\b`)

// proposalsRe is "56 proposals submitted (indicative topic budget 15 EUR
// million)" and its variants ("1 234 proposals were submitted", "EUR 7.5 million").
var proposalsRe = regexp.MustCompile(`(?i)\b(\d{1,3}(?:[ ,.\x{a0}]\d{3})*|\d+)\s+(?:eligible\s+)?proposals?\s+(?:were\s+|have\s+been\s+)?(?:submitted|received)(?:[^(]*\(\s*indicative\s+(?:topic\s+)?budget\s*(?:EUR|€)?\s*(\d+(?:[.,]\d+)?)\s*(?:EUR|€)?\s*(million|M)?)?`)

// proposalCounts reads the proposal numbers that updates of a closed call
// publish per topic: a line naming the topic, then (on it or the next
// lines) "N proposals submitted (indicative topic budget B EUR million)".
// A topic counted in several updates keeps the latest.
func proposalCounts(updates []funding.Update) []funding.ProposalCount {
	byTopic := map[string]funding.ProposalCount{}
	for _, u := range updates {
		topic := ""
		for _, line := range strings.Split(u.Text, "\n") {
			line = strings.TrimSpace(line)
			if m := topicLineRe.FindStringSubmatch(line); m != nil {
				topic = m[1]
			}
			m := proposalsRe.FindStringSubmatch(line)
			if m == nil || topic == "" || strings.Contains(strings.ToLower(line), "total") {
				continue
			}
			n, err := strconv.Atoi(strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' {
					return r
				}
				return -1
			}, m[1]))
			if err != nil {
				continue
			}
			pc := funding.ProposalCount{TopicID: topic, Proposals: n, Date: u.Date}
			if m[2] != "" {
				f, err := strconv.ParseFloat(strings.ReplaceAll(m[2], ",", "."), 64)
				if err == nil {
					if m[3] != "" {
						f *= 1e6
					}
					pc.Budget = int64(f)
				}
			}
			if old, ok := byTopic[topic]; !ok || old.Date.Before(pc.Date) {
				byTopic[topic] = pc
			}
			topic = "" // one count per naming of the topic
		}
	}
	if len(byTopic) == 0 {
		return nil
	}
	out := make([]funding.ProposalCount, 0, len(byTopic))
	for _, pc := range byTopic {
		out = append(out, pc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TopicID < out[j].TopicID })
	return out
}

// deadlineHourRe is a call text's statement of its deadline and hour:
// "Deadline for submitting applications: 15 September 2026 – 17:00:00 CET
// (Brussels)", "Deadline for submission: 06/10/2026 – 17:00:00 CET",
// "November, 3 2026 17:00 (Brussels time)".
var deadlineHourRe = regexp.MustCompile(`(?i)deadline for submi\w*(?:\s+of\s+\w+|\s+applications)?\s*:\s*([0-9A-Za-z/,. ]{6,30}?)\s*(?:[–—-]|,|at)?\s*([0-2]?\d)[:.]([0-5]\d)(?::00)?\s*(?:h\s*)?(?:CET|CEST|\(?Brussels)`)

var statedDateLayouts = []string{"2 January 2006", "January 2 2006", "January, 2 2006", "January 2, 2006", "02/01/2006", "2/1/2006", "02.01.2006"}

// statedHours reads the deadline hours a call's text states, by day.
func statedHours(text string) map[string][2]int {
	var out map[string][2]int
	for _, m := range deadlineHourRe.FindAllStringSubmatch(text, -1) {
		day := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(m[1]), ",–-"))
		for _, l := range statedDateLayouts {
			t, err := time.Parse(l, day)
			if err != nil {
				continue
			}
			h, _ := strconv.Atoi(m[2])
			mi, _ := strconv.Atoi(m[3])
			if h > 23 {
				break
			}
			if out == nil {
				out = map[string][2]int{}
			}
			out[t.Format(time.DateOnly)] = [2]int{h, mi}
			break
		}
	}
	return out
}
