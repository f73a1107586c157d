package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// Static assets are linked under content-hashed names (style.3f2a1b9c0d1e.css):
// a name that changes with the content can be cached for a year, and a
// release that changes a file changes its name. The plain name keeps working.

// assetHashLen is the length of the hash in a file name (hex digits).
const assetHashLen = 12

// hashedName puts hash before the extension of name: app.js -> app.<hash>.js.
func hashedName(name, hash string) string {
	ext := path.Ext(name)
	return strings.TrimSuffix(name, ext) + "." + hash + ext
}

// loadAssets hashes the static files: file -> URL of its hashed name, and
// hashed name -> file.
func loadAssets() (urls, names map[string]string, err error) {
	urls, names = map[string]string{}, map[string]string{}
	err = fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		hashed := hashedName(name, hex.EncodeToString(sum[:])[:assetHashLen])
		urls[name] = "/static/" + hashed
		names[hashed] = name
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("ui: static: %w", err)
	}
	return urls, names, nil
}

// StaticFile reads a path under /static/ written with a content hash
// (app.<12 hex digits>.js) and returns the file it names, and whether the
// hash is the file's current one (an older release's name still gets the
// file, but must not be cached for long). ok is false for any other path.
func (e *Engine) StaticFile(p string) (file string, current, ok bool) {
	if f, found := e.hashed[p]; found {
		return f, true, true
	}
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext)
	dot := strings.LastIndexByte(stem, '.')
	if dot < 0 || len(stem)-dot-1 != assetHashLen {
		return "", false, false
	}
	for _, r := range stem[dot+1:] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false, false
		}
	}
	file = stem[:dot] + ext
	if _, known := e.assets[file]; !known {
		return "", false, false
	}
	return file, false, true
}
