package report

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// HTMLDocument is a self-contained HTML report: no scripts, fonts or images
// from elsewhere, so it can be mailed or opened on an isolated network.
type HTMLDocument struct {
	Title     string
	Subtitle  string
	Generated time.Time
	// Facts are label/value lines shown under the title (mode, targets, duration).
	Facts    []Fact
	Services []inventory.Service
	Findings []inventory.Finding
}

// Fact is one label and value.
type Fact struct{ Label, Value string }

//go:embed html.tmpl
var htmlTemplateText string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"sev":      func(s inventory.Severity) string { return s.String() },
	"evidence": evidenceText,
	"join":     strings.Join,
	"upper":    strings.ToUpper,
	"time":     func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
}).Parse(htmlTemplateText))

type severityBar struct {
	Name         string
	Count        int
	Y, Width, TY int
}

// WriteHTML renders the document.
func WriteHTML(w io.Writer, doc HTMLDocument) error {
	fs := append([]inventory.Finding(nil), doc.Findings...)
	SortFindings(fs)
	counts := CountBySeverity(fs)
	max := 1
	for _, n := range counts {
		if n > max {
			max = n
		}
	}
	var bars []severityBar
	for i, s := 0, inventory.SeverityCritical; s >= inventory.SeverityInfo; i, s = i+1, s-1 {
		bars = append(bars, severityBar{Name: s.String(), Count: counts[s], Y: i * 26, TY: i*26 + 15, Width: 8 + counts[s]*300/max})
	}
	return htmlTemplate.Execute(w, struct {
		HTMLDocument
		Findings []inventory.Finding
		Bars     []severityBar
		Summary  string
	}{doc, fs, bars, SeveritySummary(fs)})
}
