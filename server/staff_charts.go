package server

import (
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"
	"time"

	"callmatch/funding"
)

// The dashboard's pictures are SVG drawn here, with presentation attributes
// only (no style attributes, which the Content-Security-Policy forbids) and
// every text escaped.

type gapRow struct {
	Slug, Label    string
	Demand, Supply int
}

type gapLabels struct {
	Title, Demand, Supply, Gap string
	Capped                     int // a supply of this many or more is shown as "N+"
}

// gapChart draws, per domain, how many profiles ask for it (left bars)
// against how many open or forthcoming calls serve it (right bars). A domain
// asked for and served by no call is marked as a gap.
func gapChart(rows []gapRow, l gapLabels) template.HTML {
	const (
		rowH   = 24
		top    = 34
		labelW = 310
		barW   = 230
		gapX   = 40
		width  = labelW + 2*barW + gapX + 50
	)
	height := top + rowH*len(rows) + 10
	maxD, maxS := 1, 1
	for _, r := range rows {
		maxD, maxS = max(maxD, r.Demand), max(maxS, r.Supply)
	}
	esc := html.EscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="gap-svg-title" font-family="system-ui,sans-serif" font-size="13">`,
		width, height, width, height)
	fmt.Fprintf(&b, `<title id="gap-svg-title">%s</title>`, esc(l.Title))
	x1 := labelW
	x2 := labelW + barW + gapX
	fmt.Fprintf(&b, `<text x="%d" y="16" font-weight="600" fill="#003399">%s</text>`, x1, esc(l.Demand))
	fmt.Fprintf(&b, `<text x="%d" y="16" font-weight="600" fill="#8a6d00">%s</text>`, x2, esc(l.Supply))
	for i, r := range rows {
		y := top + i*rowH
		gap := r.Demand > 0 && r.Supply == 0
		fill := "#1b1f24"
		if gap {
			fill = "#b42318"
		}
		if i%2 == 0 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%d" height="%d" fill="#f4f6f9"/>`, y-2, width, rowH)
		}
		fmt.Fprintf(&b, `<g class="row" data-domain="%s" data-demand="%d" data-supply="%d">`, esc(r.Slug), r.Demand, r.Supply)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="%s">%s</text>`, labelW-10, y+14, fill, esc(r.Label))
		wd := r.Demand * barW / maxD
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" rx="2" fill="#003399"><title>%s: %d</title></rect>`, x1, y+2, wd, esc(r.Label), r.Demand)
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#1b1f24">%d</text>`, x1+wd+4, y+14, r.Demand)
		ws := r.Supply * barW / maxS
		supply := fmt.Sprint(r.Supply)
		if l.Capped > 0 && r.Supply >= l.Capped {
			supply += "+"
		}
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="16" rx="2" fill="#ffcc00"><title>%s: %s</title></rect>`, x2, y+2, ws, esc(r.Label), supply)
		label := supply
		if gap {
			label += " · " + l.Gap
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" fill="%s">%s</text>`, x2+ws+4, y+14, fill, esc(label))
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above, every text escaped
}

type timelinePoint struct {
	ID, Title, Programme string
	At                   time.Time
	Label                string // the date, in the visitor's language
}

type timelineLabels struct {
	Title, Today, Digital, Horizon, Other string
	Week                                  func(time.Time) string
}

// timelineChart puts the coming deadlines on a line of days: one dot per
// call, stacked when they fall in the same week, coloured by programme and
// linked to the call's page.
func timelineChart(points []timelinePoint, now time.Time, days int, l timelineLabels) template.HTML {
	const (
		left, right = 20, 20
		width       = 900
		axisY       = 60
		dot         = 9
	)
	span := float64(width - left - right)
	xOf := func(t time.Time) float64 {
		d := t.Sub(now).Hours() / 24
		return float64(left) + span*d/float64(days)
	}
	sort.Slice(points, func(i, j int) bool { return points[i].At.Before(points[j].At) })
	stack := map[int]int{}
	maxStack := 0
	type placed struct {
		p    timelinePoint
		x, y float64
	}
	var dots []placed
	for _, p := range points {
		week := int(p.At.Sub(now).Hours() / 24 / 7)
		n := stack[week]
		stack[week]++
		maxStack = max(maxStack, n+1)
		x := xOf(p.At)
		dots = append(dots, placed{p, x, float64(axisY + 14 + n*(2*dot-2))})
	}
	height := axisY + 24 + maxStack*(2*dot-2) + 30
	esc := html.EscapeString
	color := func(programme string) string {
		switch programme {
		case funding.ProgrammeDigital:
			return "#0b7a75"
		case funding.ProgrammeHorizon:
			return "#003399"
		}
		return "#8a6d00"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="tl-svg-title" font-family="system-ui,sans-serif" font-size="12">`,
		width, height, width, height)
	fmt.Fprintf(&b, `<title id="tl-svg-title">%s</title>`, esc(l.Title))
	// Legend.
	for i, lg := range []struct{ label, prog string }{{l.Digital, funding.ProgrammeDigital}, {l.Horizon, funding.ProgrammeHorizon}, {l.Other, funding.ProgrammeOther}} {
		x := left + i*190
		fmt.Fprintf(&b, `<circle cx="%d" cy="14" r="6" fill="%s"/><text x="%d" y="18">%s</text>`, x+6, color(lg.prog), x+16, esc(lg.label))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#5a6270" stroke-width="2"/>`, left, axisY, width-right, axisY)
	for w := 0; w*7 <= days; w++ {
		t := now.Add(time.Duration(w*7*24) * time.Hour)
		x := xOf(t)
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#5a6270"/>`, x, axisY-5, x, axisY+5)
		if w%2 == 0 {
			label := l.Today
			if w > 0 {
				label = l.Week(t)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#5a6270">%s</text>`, x, axisY-10, esc(label))
		}
	}
	for _, d := range dots {
		fmt.Fprintf(&b, `<a href="%s"><circle cx="%.1f" cy="%.1f" r="%d" fill="%s" stroke="#fff" stroke-width="1.5"><title>%s – %s – %s</title></circle></a>`,
			esc(callPath(d.p.ID)), d.x, d.y, dot-1, color(d.p.Programme), esc(d.p.Label), esc(d.p.ID), esc(d.p.Title))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above, every text escaped
}
