package vectors

import (
	"errors"
	"testing"
)

func TestLoad(t *testing.T) {
	tb, err := Load()
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	if tb.Len() < 40000 || tb.Dims() != 100 {
		t.Fatalf("Load() = %d words of %d dims, want >= 40000 of 100", tb.Len(), tb.Dims())
	}
	for _, w := range []string{"malware", "hackers", "satellite", "encryption", "hospital"} {
		if tb.ID(w) < 0 {
			t.Errorf("ID(%q) = -1, want a word of the table", w)
		}
	}
}

func TestNearest(t *testing.T) {
	tb, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ word, near string }{
		{"malware", "viruses"},
		{"hackers", "intruders"},
		{"encryption", "cryptographic"},
		{"hospital", "hospitals"},
	}
	for _, tc := range tests {
		id := tb.ID(tc.word)
		nn := tb.Nearest(tb.Vector(id), 15, func(i int32) bool { return i != id })
		var got []string
		found := false
		for _, n := range nn {
			got = append(got, tb.Word(n.ID))
			found = found || tb.Word(n.ID) == tc.near
		}
		if !found {
			t.Errorf("Nearest(%q) = %v, want %q among them", tc.word, got, tc.near)
		}
	}
}

func TestParseCorrupt(t *testing.T) {
	good, err := Encode([]string{"a", "b"}, []uint32{0, 1}, [][]float32{{1, 0}, {0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse(good) = %v", err)
	}
	flipped := append([]byte(nil), good...)
	flipped[len(flipped)-1] ^= 1
	for name, b := range map[string][]byte{"empty": nil, "header": []byte("CMVEC2\n...."), "cut": good[:len(good)-3], "flipped": flipped} {
		if _, err := Parse(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Parse(%s) = %v, want ErrCorrupt", name, err)
		}
	}
}
