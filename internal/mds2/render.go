package mds2

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pacsguard/pacsguard/internal/report"
)

// Format is an output format of the mds2 command.
type Format string

const (
	FormatTable    Format = "table"
	FormatMarkdown Format = "markdown"
	FormatJSON     Format = "json"
	FormatHTML     Format = "html"
)

// ParseFormat reads a --format value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "table", "terminal", "text":
		return FormatTable, nil
	case "markdown", "md":
		return FormatMarkdown, nil
	case "json":
		return FormatJSON, nil
	case "html":
		return FormatHTML, nil
	}
	return "", fmt.Errorf("unknown format %q (want terminal, markdown, json or html)", s)
}

// md escapes text from a spreadsheet for a Markdown table cell, so that a
// vendor's text cannot break the table, add links or inject HTML.
func md(s string) string {
	s = oneLine(s)
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "#", `\#`)
	return r.Replace(s)
}

func dash(s string) string {
	if s = oneLine(s); s == "" {
		return "-"
	}
	return s
}

func answerText(c Cell) string {
	s := c.Value.Label()
	if c.Note != "" {
		s += "*"
	}
	return s
}

// WriteComparison renders a comparison.
func WriteComparison(w io.Writer, c *Comparison, f Format) error {
	switch f {
	case FormatJSON:
		return report.WriteJSON(w, c)
	case FormatMarkdown:
		return comparisonMarkdown(w, c)
	case FormatHTML:
		return comparisonHTML.Execute(w, c)
	default:
		return comparisonTable(w, c)
	}
}

func comparisonTable(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "MDS2 comparison for %s (--equipment %s)\n%s\n\n", c.Equipment.Title, c.Equipment.Type, oneLine(c.Equipment.Why))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tDEVICE\tDOCUMENT DATE\tSCORE\tRED FLAGS\tUNREADABLE")
	for i, d := range c.Devices {
		fmt.Fprintf(tw, "[%d]\t%s\t%s\t%d/100\t%d\t%d\n", i+1, oneLine(d.Device.Name()), dash(d.Device.DocumentDate), d.Score, len(d.RedFlags), len(d.Problems))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nRED FLAGS (whatever the weights)")
	for i, d := range c.Devices {
		if len(d.RedFlags) == 0 {
			fmt.Fprintf(w, "[%d] none\n", i+1)
			continue
		}
		for _, rf := range d.RedFlags {
			fmt.Fprintf(w, "[%d] !! %s: %s (%s)\n", i+1, rf.Title, oneLine(rf.Detail), strings.Join(rf.Questions, ", "))
		}
	}
	fmt.Fprintln(w, "\nCONTROLS (heaviest first; * = the answer has a note)")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	hdr := "ID\tWEIGHT\tGOOD"
	for i := range c.Devices {
		hdr += fmt.Sprintf("\t[%d]", i+1)
	}
	fmt.Fprintln(tw, hdr+"\tCONTROL")
	for _, r := range c.Controls {
		line := fmt.Sprintf("%s\t%d\t%s", r.ID, r.Weight, r.Good.Label())
		for _, a := range r.Answers {
			mark := ""
			if a.Credit == CreditNone {
				mark = " x"
			}
			line += "\t" + answerText(a) + mark
		}
		fmt.Fprintln(tw, line+"\t"+r.Label)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nx = earns no credit. Weights and their reasons: pacsguard mds2 compare --format markdown.")
	return err
}

func comparisonMarkdown(w io.Writer, c *Comparison) error {
	fmt.Fprintf(w, "# MDS2 comparison: %s\n\n", md(c.Equipment.Title))
	fmt.Fprintf(w, "Weights for `%s`: %s\n\n", c.Equipment.Type, md(c.Equipment.Why))
	fmt.Fprintf(w, "Generated %s by pacsguard from MDS2 forms (ANSI/NEMA HN 1-2019).\n\n", c.Generated.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(w, "| # | Device | Document date | Score | Red flags | Unreadable answers |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|")
	for i, d := range c.Devices {
		fmt.Fprintf(w, "| %d | %s | %s | %d/100 | %d | %d |\n", i+1, md(d.Device.Name()), md(dash(d.Device.DocumentDate)), d.Score, len(d.RedFlags), len(d.Problems))
	}
	fmt.Fprintln(w, "\n## Red flags\n\nRed flags stand out whatever the weights.")
	for i, d := range c.Devices {
		fmt.Fprintf(w, "\n### [%d] %s\n\n", i+1, md(d.Device.Name()))
		if len(d.RedFlags) == 0 {
			fmt.Fprintln(w, "None.")
			continue
		}
		for _, rf := range d.RedFlags {
			fmt.Fprintf(w, "- **%s**: %s (%s; %s)\n", md(rf.Title), md(rf.Detail), md(strings.Join(rf.Questions, ", ")), md(strings.Join(rf.References, ", ")))
		}
	}
	fmt.Fprintln(w, "\n## Controls\n\nHeaviest first. A struck answer earns no credit; N/A is left out where the capability does not exist.")
	fmt.Fprintln(w)
	hdr, sep := "| ID | Control | Weight | Good |", "|---|---|---:|---|"
	for i := range c.Devices {
		hdr += fmt.Sprintf(" [%d] |", i+1)
		sep += "---|"
	}
	fmt.Fprintln(w, hdr+" Why this weight |")
	fmt.Fprintln(w, sep+"---|")
	for _, r := range c.Controls {
		line := fmt.Sprintf("| %s | %s | %d | %s |", r.ID, md(r.Label), r.Weight, r.Good.Label())
		for _, a := range r.Answers {
			t := md(answerText(a))
			if a.Credit == CreditNone {
				t = "~~" + t + "~~"
			}
			line += " " + t + " |"
		}
		why := r.Reason
		if r.Adjusted != "" {
			why = fmt.Sprintf("%s (base weight %d) %s", r.Adjusted, r.BaseWeight, r.Reason)
		}
		fmt.Fprintln(w, line+" "+md(why)+" |")
	}
	notes := false
	for i, d := range c.Devices {
		for _, r := range c.Controls {
			if a := r.Answers[i]; a.Note != "" {
				if !notes {
					fmt.Fprintln(w, "\n## Notes given with answers")
					notes = true
				}
				fmt.Fprintf(w, "\n- [%d] %s %s: %s", i+1, md(d.Device.Name()), r.ID, md(a.Note))
			}
		}
	}
	if notes {
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintln(w, "\n---\nScores weigh the vendor's answers, not the device itself: check them with `pacsguard mds2 verify` once the device is installed.")
	return err
}

//go:embed compare.html.tmpl
var comparisonHTMLText string

var comparisonHTML = template.Must(template.New("compare").Funcs(template.FuncMap{
	"add1":    func(i int) int { return i + 1 },
	"join":    strings.Join,
	"oneLine": oneLine,
	"answer":  answerText,
	"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"scoreClass": func(s int) string {
		switch {
		case s >= 75:
			return "good"
		case s >= 50:
			return "fair"
		default:
			return "poor"
		}
	},
}).Parse(comparisonHTMLText))

// WriteProfiles renders imported profiles: identity, answer counts and every
// problem per question.
func WriteProfiles(w io.Writer, cat *Catalogue, ps []*Profile, f Format) error {
	switch f {
	case FormatJSON:
		return report.WriteJSON(w, struct {
			Schema   string     `json:"schema"`
			Kind     string     `json:"kind"`
			Profiles []*Profile `json:"profiles"`
		}{Schema, "import", ps})
	case FormatHTML:
		views := make([]profileView, len(ps))
		for i, p := range ps {
			views[i] = profileView{p, answerRows(cat, p)}
		}
		return profilesHTML.Execute(w, views)
	}
	for i, p := range ps {
		if i > 0 {
			fmt.Fprintln(w)
		}
		yes, no, na, unreadable, missing := p.Counts()
		if f == FormatMarkdown {
			fmt.Fprintf(w, "## %s\n\n- Key: `%s`\n- Source: %s (sheet %s, sha256 %s)\n- Document: %s, %s\n- Answers: %d Yes, %d No, %d N/A, %d unreadable, %d without answer\n",
				md(p.Device.Name()), p.Device.Key(), md(p.Source.Name), md(p.Source.Sheet), p.Source.SHA256[:min(12, len(p.Source.SHA256))], md(dash(p.Device.DocumentID)), md(dash(p.Device.DocumentDate)), yes, no, na, unreadable, missing)
			for _, pr := range p.Problems {
				fmt.Fprintf(w, "- Problem: %s\n", md(pr.String()))
			}
			fmt.Fprintln(w, "\n| ID | Question | Answer | Note |\n|---|---|---|---|")
			for _, r := range answerRows(cat, p) {
				fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.ID, md(r.Label), r.Answer, md(r.Note))
			}
			continue
		}
		fmt.Fprintf(w, "%s\n  key:      %s\n  source:   %s (sheet %q)\n  document: %s, %s\n  answers:  %d Yes, %d No, %d N/A, %d unreadable, %d without answer\n",
			oneLine(p.Device.Name()), p.Device.Key(), oneLine(p.Source.Name), oneLine(p.Source.Sheet), dash(p.Device.DocumentID), dash(p.Device.DocumentDate), yes, no, na, unreadable, missing)
		if len(p.Unknown) > 0 {
			fmt.Fprintf(w, "  extra IDs not in the HN 1-2019 catalogue: %s\n", strings.Join(p.Unknown, ", "))
		}
		if len(p.Problems) > 0 {
			fmt.Fprintf(w, "  could not read %d:\n", len(p.Problems))
			for _, pr := range p.Problems {
				fmt.Fprintf(w, "    %s\n", oneLine(pr.String()))
			}
		}
	}
	return nil
}

// AnswerRow is one answer for display, in form order.
type AnswerRow struct {
	ID, Section, Label, Answer, Note string
	Value                            Value
}

type profileView struct {
	*Profile
	Rows []AnswerRow
}

// answerRows lists a profile's answers in the form's order: catalogued
// questions first, then vendor extras.
func answerRows(cat *Catalogue, p *Profile) []AnswerRow {
	ids := make([]string, 0, len(p.Answers))
	for id := range p.Answers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		oi, oj := cat.Order(ids[i]), cat.Order(ids[j])
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	rows := make([]AnswerRow, 0, len(ids))
	for _, id := range ids {
		a := p.Answers[id]
		label := oneLine(clip(a.Question, 200))
		if q, ok := cat.Question(id); ok {
			label = q.Label
		}
		answer, note := a.Value.Label(), a.Note
		switch a.Value {
		case ValueText:
			answer, note = "", a.Text
		case ValueUnreadable:
			note = a.Text
		}
		if a.NoteRef != "" {
			note = strings.TrimSpace(note + " [note " + a.NoteRef + "]")
		}
		rows = append(rows, AnswerRow{ID: id, Section: cat.SectionTitle(SectionOf(id)), Label: label, Answer: answer, Note: oneLine(clip(note, 300)), Value: a.Value})
	}
	return rows
}

var profilesHTML = template.Must(template.New("profiles").Funcs(template.FuncMap{"oneLine": oneLine}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pacsguard: MDS2 import</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}td,th{border-bottom:1px solid #ddd;padding:.2em .6em;text-align:left}</style></head>
<body><h1>MDS2 forms read</h1>
{{range .}}<h2>{{oneLine .Device.Name}}</h2>
<p>Key <code>{{.Device.Key}}</code>, from {{.Source.Name}} (sheet {{.Source.Sheet}}), document {{.Device.DocumentID}} dated {{.Device.DocumentDate}}.</p>
{{if .Problems}}<table><tr><th>Question</th><th>Row</th><th>Could not read</th></tr>
{{range .Problems}}<tr><td>{{.QuestionID}}</td><td>{{.Row}}</td><td>{{oneLine .Reason}}</td></tr>
{{end}}</table>{{else}}<p>Every question was read.</p>{{end}}
<table><tr><th>ID</th><th>Section</th><th>Question</th><th>Answer</th><th>Note</th></tr>
{{range .Rows}}<tr><td>{{.ID}}</td><td>{{.Section}}</td><td>{{.Label}}</td><td>{{.Answer}}</td><td>{{.Note}}</td></tr>
{{end}}</table>
{{end}}</body></html>
`))
