// Package ui holds callmatch's HTML templates and static assets, embedded
// in the binary, and the engine that renders them in each language of
// package locale (which holds the messages and formats).
package ui

import (
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"callmatch/funding"
	"callmatch/locale"
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

// Localized is what page data implements to choose the language it is
// rendered in; data that does not is rendered in DefaultLanguage.
type Localized interface {
	Language() string
}

// Engine renders pages: every page is parsed with the layout and the
// partials, once per language, at start, so a broken template or a
// missing page fails the start, not a request. It has the methods of
// fiber.Views without importing fiber.
type Engine struct {
	pages  map[string]map[string]*template.Template // lang -> page -> template
	trs    map[string]locale.Printer
	assets map[string]string // file -> URL with a content hash
	hashed map[string]string // hashed name -> file (assets.go)
}

// RequiredPages must exist; New fails without them.
var RequiredPages = []string{"error", "search", "call", "profile_form", "matches", "profile_delete", "profile_token",
	"signin", "signin_sent", "signin_confirm", "staff_login", "staff_dashboard", "staff_profiles", "staff_curations",
	"subscription_confirm", "unsubscribe"}

// New parses every page in every language.
func New() (*Engine, error) {
	e := &Engine{pages: map[string]map[string]*template.Template{}, trs: map[string]locale.Printer{}}
	var err error
	if e.assets, e.hashed, err = loadAssets(); err != nil {
		return nil, err
	}
	shared, err := fs.Glob(files, "templates/layouts/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(files, "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	shared = append(shared, partials...)
	pages, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	for _, lang := range locale.Languages {
		tr := locale.For(lang)
		e.trs[lang] = tr
		e.pages[lang] = map[string]*template.Template{}
		for _, p := range pages {
			name := strings.TrimSuffix(path.Base(p), ".html")
			t := template.New(name).Funcs(e.funcs(tr))
			// The page comes last: its "title" and "content" replace the
			// layout's default blocks.
			t, err = t.ParseFS(files, append(append([]string{}, shared...), p)...)
			if err != nil {
				return nil, fmt.Errorf("ui: parse %s: %w", p, err)
			}
			e.pages[lang][name] = t
		}
	}
	for _, name := range RequiredPages {
		if e.pages[locale.Default][name] == nil {
			return nil, fmt.Errorf("ui: page %q is missing", name)
		}
	}
	return e, nil
}

// Load is part of fiber.Views: everything is parsed in New.
func (e *Engine) Load() error { return nil }

// Render writes page name with data, inside the layout, in the language
// data names (see Localized).
func (e *Engine) Render(w io.Writer, name string, data any, _ ...string) error {
	lang := locale.Default
	if l, ok := data.(Localized); ok && locale.IsLanguage(l.Language()) {
		lang = l.Language()
	}
	t, ok := e.pages[lang][name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	return t.ExecuteTemplate(w, "layout", data)
}

// T formats message key in lang, for text made outside templates (e-mails,
// exports, flash messages).
func (e *Engine) T(lang, key string, args ...any) string {
	tr, ok := e.trs[lang]
	if !ok {
		tr = e.trs[locale.Default]
	}
	return tr.T(key, args...)
}

// N is T for a plural message (key.one / key.other) with count n.
func (e *Engine) N(lang, key string, n int, args ...any) string {
	tr, ok := e.trs[lang]
	if !ok {
		tr = e.trs[locale.Default]
	}
	return tr.N(key, n, args...)
}

// Date formats a day in lang.
func (e *Engine) Date(lang string, t time.Time) string {
	tr, ok := e.trs[lang]
	if !ok {
		tr = e.trs[locale.Default]
	}
	return tr.Date(t)
}

// Domain names a domain slug in lang.
func (e *Engine) Domain(lang, slug string) string {
	tr, ok := e.trs[lang]
	if !ok {
		tr = e.trs[locale.Default]
	}
	return tr.Domain(slug)
}

// Asset returns the URL of a static file with its content hash, so that it
// can be cached for long and still change with a release.
func (e *Engine) Asset(name string) string {
	if u, ok := e.assets[name]; ok {
		return u
	}
	return "/static/" + name
}

func toInt(v any) int {
	switch n := v.(type) {
	case int:
		return n
	case int64:
		return int(n)
	case uint64:
		return int(n)
	case int32:
		return int(n)
	case uint:
		return int(n)
	}
	return 0
}

func timeOf(v any) time.Time {
	switch t := v.(type) {
	case time.Time:
		return t
	case *time.Time:
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}

// funcs are the helpers templates may call, bound to one language.
func (e *Engine) funcs(tr locale.Printer) template.FuncMap {
	return template.FuncMap{
		"t": tr.T,
		"tn": func(key string, n any, args ...any) string {
			return tr.N(key, toInt(n), args...)
		},
		"lang":     tr.Language,
		"date":     func(v any) string { return tr.Date(timeOf(v)) },
		"datetime": func(v any) string { return tr.DateTime(timeOf(v)) },
		"isodate": func(v any) string {
			if t := timeOf(v); !t.IsZero() {
				return t.In(locale.Brussels).Format("2006-01-02")
			}
			return ""
		},
		"daysleft": func(v any, now time.Time) string {
			if t := timeOf(v); !t.IsZero() {
				return tr.DaysLeft(t, now)
			}
			return ""
		},
		// callpath is a call's page, its identifier escaped as one path
		// segment: EuropeAid/186002/DD/ACT/MA -> /calls/EuropeAid%2F186002%2FDD%2FACT%2FMA.
		"callpath":    func(id string) string { return "/calls/" + url.PathEscape(id) },
		"eur":         tr.Amount,
		"budget":      tr.Budget,
		"status":      tr.Status,
		"programme":   tr.Programme,
		"domain":      tr.Domain,
		"size":        tr.Size,
		"action":      tr.Action,
		"kind":        tr.Kind,
		"reason":      tr.ReasonLead,
		"eligibility": tr.Eligibility,
		"asset":       e.Asset,
		"join":        strings.Join,
		"has": func(list []string, v string) bool {
			for _, x := range list {
				if x == v {
					return true
				}
			}
			return false
		},
		"domains":   func() []funding.Domain { return funding.Domains },
		"sizes":     func() []string { return funding.Sizes },
		"languages": func() []string { return locale.Languages },
		"add":       func(a, b int) int { return a + b },
		"percent": func(v float64) int {
			return int(v + 0.5)
		},
	}
}
