package assess

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"
)

//go:embed report.html.tmpl
var htmlTemplate string

// chartRow is one bar of an inline SVG chart.
type chartRow struct {
	Label string
	Score string
	Y     int
	Width float64 // pixels, 0..chartWidth
	Fill  string
}

type chart struct {
	Title  string
	Height int
	Rows   []chartRow
}

const (
	chartWidth  = 360.0
	chartRowH   = 24
	chartLabelW = 340
)

// scoreColour picks a colour that reads without colour too (the number is
// always printed beside the bar).
func scoreColour(v *float64) string {
	switch {
	case v == nil:
		return "#bbbbbb"
	case *v >= 67:
		return "#2e7d32"
	case *v >= 34:
		return "#f9a825"
	default:
		return "#c62828"
	}
}

func makeChart(title string, gs []GroupScore, label func(GroupScore) string) chart {
	c := chart{Title: title, Height: len(gs)*chartRowH + 8}
	for i, g := range gs {
		w := 0.0
		if g.Score != nil {
			w = *g.Score / 100 * chartWidth
		}
		c.Rows = append(c.Rows, chartRow{Label: label(g), Score: strings.TrimSpace(fmtScore(g.Score)), Y: i*chartRowH + 4, Width: w, Fill: scoreColour(g.Score)})
	}
	return c
}

func writeHTML(w io.Writer, c *Content, r *Result) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"score":  func(v *float64) string { return strings.TrimSpace(fmtScore(v)) },
		"join":   strings.Join,
		"phase":  PhaseTitle,
		"ev":     evidenceLine,
		"change": fmtChange,
		"clean":  clean,
		"date":   func(r *Result) string { return r.Generated.Format("2006-01-02 15:04 UTC") },
		"labelX": func() int { return chartLabelW },
		"barX":   func() int { return chartLabelW + 4 },
		"numX":   func(wd float64) string { return fmt.Sprintf("%.0f", float64(chartLabelW)+8+wd) },
		"px":     func(f float64) string { return fmt.Sprintf("%.1f", f) },
		"totalW": func() int { return chartLabelW + int(chartWidth) + 60 },
	}).Parse(htmlTemplate)
	if err != nil {
		return err
	}
	data := map[string]any{
		"R":          r,
		"Org":        orgName(r),
		"Imaging":    imagingLine(r.Organisation),
		"Tier":       tierLine(r),
		"Summary":    summary(c, r),
		"Unverified": unverifiedNote(r),
		"Charts": []chart{
			makeChart("HICP practices", r.Practices, func(g GroupScore) string { return g.ID + ". " + g.Title }),
			makeChart("NIST CSF 2.0 functions", r.Functions, func(g GroupScore) string { return g.Title + " (" + g.ID + ")" }),
			makeChart("HHS performance goals", r.CPGSets, func(g GroupScore) string { return g.Title }),
			makeChart("HICP threats", r.Threats, func(g GroupScore) string { return g.Title }),
		},
		"Phases":     []Phase{Phase30, Phase90, PhaseYear},
		"Timeframes": c.HICP.Timeframes,
	}
	return t.Execute(w, data)
}
