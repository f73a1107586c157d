// Package ui holds callmatch's HTML templates and static assets, embedded in
// the binary, and the engine that renders them.
package ui

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

//go:embed templates static
var files embed.FS

// Static is the folder of static assets (CSS, a little JavaScript).
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// Engine renders pages: each page template is parsed together with the
// layout, at start, so a broken template fails the start, not a request.
type Engine struct {
	pages map[string]*template.Template
}

// New parses every page.
func New() (*Engine, error) {
	e := &Engine{pages: map[string]*template.Template{}}
	layouts, err := fs.Glob(files, "templates/layouts/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(path.Base(p), ".html")
		t := template.New(name).Funcs(Funcs())
		t, err = t.ParseFS(files, append([]string{p}, layouts...)...)
		if err != nil {
			return nil, fmt.Errorf("ui: parse %s: %w", p, err)
		}
		e.pages[name] = t
	}
	return e, nil
}

// Render writes page name with data, inside the layout.
func (e *Engine) Render(w io.Writer, name string, data any) error {
	t, ok := e.pages[name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// Funcs are the helpers templates may call.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"date": func(t *time.Time) string {
			if t == nil || t.IsZero() {
				return ""
			}
			return t.Format("2 Jan 2006")
		},
		"eur":  formatEUR,
		"join": strings.Join,
	}
}

// formatEUR writes an amount as "EUR 3.5 M" or "EUR 60,000".
func formatEUR(v int64) string {
	switch {
	case v <= 0:
		return ""
	case v >= 1_000_000:
		s := fmt.Sprintf("%.2f", float64(v)/1e6)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
		return "EUR " + s + " M"
	default:
		s := fmt.Sprintf("%d", v)
		var b strings.Builder
		for i, r := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		return "EUR " + b.String()
	}
}
