package crawler

import (
	"fmt"
	"io"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"callmatch/funding"
)

// Titles given to text that no label or heading introduces.
const (
	untitledDescription = "Description"
	untitledConditions  = "Conditions"
	specificConditions  = "Specific conditions"
	otherConditions     = "Other conditions"
)

// Sections splits a topic description (the portal's descriptionByte) on its
// `topicdescriptionkind` labels ("Expected Outcome:", "Scope:",
// "Objective:", "Expected Impact:"...). Text before the first label becomes
// a "Description" section. The reader must yield UTF-8.
func Sections(r io.Reader) ([]funding.Section, error) {
	root, err := parseFragment(r)
	if err != nil {
		return nil, err
	}
	s := newSplitter(isDescriptionLabel, false)
	s.walk(root)
	return s.finish(func(bool) string { return untitledDescription }), nil
}

// Conditions splits the portal's topicConditions HTML on its headings
// ("1. Admissibility Conditions...", "2. Eligible Countries", "Additional
// documents:"...). A heading's section ends with the element that holds the
// heading; text that follows outside any heading (the portal's topic-specific
// conditions after the general ones) becomes "Specific conditions", text
// before the first heading "Conditions".
func Conditions(r io.Reader) ([]funding.Section, error) {
	root, err := parseFragment(r)
	if err != nil {
		return nil, err
	}
	s := newSplitter(isHeading, true)
	s.walk(root)
	return s.finish(func(afterHeading bool) string {
		switch {
		case !afterHeading:
			return untitledConditions
		case !s.sawTitle(specificConditions):
			return specificConditions
		}
		return otherConditions
	}), nil
}

// HTMLText returns the clean text of an HTML fragment: entities decoded,
// whitespace collapsed, one line per block, list items as "- item" lines,
// mojibake repaired.
func HTMLText(r io.Reader) (string, error) {
	root, err := parseFragment(r)
	if err != nil {
		return "", err
	}
	var t textBuilder
	t.node(root)
	return t.String(), nil
}

func htmlText(s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	t, _ := HTMLText(strings.NewReader(s)) // a string reader never fails
	return t
}

// parseFragment parses HTML as the content of a <body> after repairing
// mojibake, so both the text and the kept fragments are clean.
func parseFragment(r io.Reader) (*html.Node, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("crawler: read html: %w", err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(FixMojibake(string(b))))
	if err != nil {
		return nil, fmt.Errorf("crawler: parse html: %w", err)
	}
	body := doc.Find("body")
	if body.Length() == 0 {
		return doc.Nodes[0], nil
	}
	return body.Nodes[0], nil
}

// splitter cuts a parsed fragment into sections at label elements.
type splitter struct {
	isLabel func(*html.Node) bool
	// scoped: a section ends when the walk leaves the label's parent.
	scoped bool

	sections []sectionDraft
	cur      *sectionDraft
	titles   []string
}

type sectionDraft struct {
	title  string
	orphan bool
	scope  *html.Node
	html   strings.Builder
	text   textBuilder
}

func newSplitter(isLabel func(*html.Node) bool, scoped bool) *splitter {
	return &splitter{isLabel: isLabel, scoped: scoped}
}

func (s *splitter) current() *sectionDraft {
	if s.cur == nil {
		s.sections = append(s.sections, sectionDraft{orphan: true})
		s.cur = &s.sections[len(s.sections)-1]
	}
	return s.cur
}

func (s *splitter) start(title string, scope *html.Node) {
	s.titles = append(s.titles, title)
	s.sections = append(s.sections, sectionDraft{title: title, scope: scope})
	s.cur = &s.sections[len(s.sections)-1]
}

func (s *splitter) sawTitle(t string) bool {
	for _, x := range s.titles {
		if strings.EqualFold(x, t) {
			return true
		}
	}
	return false
}

func (s *splitter) walk(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		s.node(c)
	}
}

func (s *splitter) node(n *html.Node) {
	if n.Type == html.ElementNode && s.isLabel(n) {
		s.start(labelTitle(n), n.Parent)
		return
	}
	if n.Type == html.ElementNode && s.containsLabel(n) {
		cur := s.current()
		if isBlock(n) {
			cur.text.newline()
		}
		s.walk(n)
		if s.cur != nil && isBlock(n) {
			s.cur.text.newline()
		}
		if s.scoped && s.cur != nil && s.cur.scope == n {
			s.cur = nil // the heading's container ends here
		}
		return
	}
	if n.Type == html.CommentNode {
		return
	}
	cur := s.current()
	_ = html.Render(&cur.html, n) // writes to a strings.Builder never fail
	cur.text.node(n)
}

func (s *splitter) containsLabel(n *html.Node) bool {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (s.isLabel(c) || s.containsLabel(c)) {
			return true
		}
	}
	return false
}

// finish returns the non-empty sections; text outside any label gets the
// title orphanTitle gives, told whether a labelled section came before.
func (s *splitter) finish(orphanTitle func(afterHeading bool) string) []funding.Section {
	var out []funding.Section
	afterHeading := false
	for i := range s.sections {
		d := &s.sections[i]
		text := d.text.String()
		if !d.orphan {
			afterHeading = true
		}
		if text == "" {
			continue
		}
		title := d.title
		if d.orphan {
			title = orphanTitle(afterHeading)
		}
		out = append(out, funding.Section{Title: title, Text: text, HTML: strings.TrimSpace(d.html.String())})
	}
	return out
}

func isDescriptionLabel(n *html.Node) bool {
	return hasClass(n, "topicdescriptionkind")
}

func isHeading(n *html.Node) bool {
	switch n.DataAtom {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5:
		return true
	}
	return false
}

func hasClass(n *html.Node, class string) bool {
	for _, a := range n.Attr {
		if a.Key == "class" {
			for _, c := range strings.Fields(a.Val) {
				if c == class {
					return true
				}
			}
		}
	}
	return false
}

// labelTitle is the label's text without its trailing colon.
func labelTitle(n *html.Node) string {
	var t textBuilder
	t.node(n)
	title := strings.ReplaceAll(t.String(), "\n", " ")
	return strings.TrimSpace(strings.TrimRight(title, ": "))
}

func isBlock(n *html.Node) bool {
	switch n.DataAtom {
	case atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6,
		atom.Br, atom.Tr, atom.Table, atom.Thead, atom.Tbody, atom.Section, atom.Article, atom.Blockquote,
		atom.Dl, atom.Dt, atom.Dd, atom.Pre, atom.Hr, atom.Header, atom.Footer, atom.Figure, atom.Figcaption,
		atom.Caption, atom.Address, atom.Main, atom.Nav, atom.Aside:
		return true
	}
	return false
}

// textBuilder renders nodes as plain text: blocks on their own lines, table
// cells separated by " | ", list items prefixed with "- ".
type textBuilder struct {
	b strings.Builder
}

func (t *textBuilder) newline() { t.b.WriteByte('\n') }

func (t *textBuilder) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		t.b.WriteString(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Template, atom.Noscript:
			return
		case atom.Td, atom.Th:
			t.b.WriteString(" | ")
		}
	}
	block := n.Type == html.ElementNode && isBlock(n)
	if block {
		t.newline()
	}
	if n.DataAtom == atom.Li {
		t.b.WriteString("- ")
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		t.node(c)
	}
	if block {
		t.newline()
	}
}

// String is the clean text: each line whitespace-collapsed, empty lines and
// stray table separators dropped.
func (t *textBuilder) String() string {
	lines := strings.Split(t.b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		l = cleanLine(l)
		l = strings.TrimSpace(strings.Trim(l, "|"))
		if l == "" || l == "-" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
