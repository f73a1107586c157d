package match

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// answerMagic starts a stored answer: this format, then the offsets where
// each match ends in the JSON, then the JSON.
const answerMagic = "cm-answer-1\n"

// encodeAnswer is the stored form of an answer: its JSON, which any limit
// cuts after the match it ends on, preceded by where each match ends. The
// JSON is the contract's answer, "matches" last.
func encodeAnswer(l List) ([]byte, error) {
	head, err := json.Marshal(struct {
		ProfileID   string    `json:"profile_id"`
		GeneratedAt time.Time `json:"generated_at"`
		Cached      bool      `json:"cached"`
	}{l.ProfileID, l.GeneratedAt, l.Cached})
	if err != nil {
		return nil, err
	}
	body := append(head[:len(head)-1:len(head)-1], `,"matches":[`...)
	ends := make([]string, 0, len(l.Matches))
	for i, m := range l.Matches {
		if i > 0 {
			body = append(body, ',')
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, err
		}
		body = append(body, b...)
		ends = append(ends, strconv.Itoa(len(body)))
	}
	body = append(body, "]}"...)
	out := make([]byte, 0, len(answerMagic)+len(body)+8*len(ends)+1)
	out = append(out, answerMagic...)
	out = append(out, strings.Join(ends, ",")...)
	out = append(out, '\n')
	return append(out, body...), nil
}

// cutAnswer returns the JSON of a stored answer with its first limit
// matches, in a new slice unless it is the whole answer, which is a part of
// stored and must not be written to; false when stored is not in
// encodeAnswer's form.
func cutAnswer(stored []byte, limit int) ([]byte, bool) {
	head, tail, ok := cutParts(stored, limit)
	if !ok || tail == "" {
		return head, ok
	}
	out := make([]byte, 0, len(head)+len(tail))
	return append(append(out, head...), tail...), true
}

// cutParts is cutAnswer without the copy: the answer is head (a part of
// stored, shared and never written to) followed by tail.
func cutParts(stored []byte, limit int) (head []byte, tail string, ok bool) {
	rest, ok := bytes.CutPrefix(stored, []byte(answerMagic))
	if !ok {
		return nil, "", false
	}
	line, body, ok := bytes.Cut(rest, []byte{'\n'})
	if !ok {
		return nil, "", false
	}
	// The offsets, read up to the limit's.
	n, end := 0, 0
	for f := range bytes.SplitSeq(line, []byte{','}) {
		if len(line) == 0 {
			break
		}
		v, ok := atoi(f)
		if !ok || v > len(body) {
			return nil, "", false
		}
		n++
		if n == limit {
			end = v
		}
	}
	if limit >= n {
		return body, "", true // whole
	}
	if limit <= 0 {
		i := bytes.Index(body, []byte(`"matches":[`))
		if i < 0 {
			return nil, "", false
		}
		end = i + len(`"matches":[`)
	}
	return body[:end], "]}", true
}

// atoi reads a non-negative decimal number.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
