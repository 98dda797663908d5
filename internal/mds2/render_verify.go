package mds2

import (
	"fmt"
	"html/template"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/report"
)

// WriteVerification renders the result of verify.
func WriteVerification(w io.Writer, v *Verification, f Format) error {
	switch f {
	case FormatJSON:
		return report.WriteJSON(w, v)
	case FormatHTML:
		return verificationHTML.Execute(w, v)
	case FormatMarkdown:
		return verificationMarkdown(w, v)
	default:
		return verificationTable(w, v)
	}
}

func evidenceLine(f inventory.Finding) (claim, observed string) {
	for _, e := range f.Evidence {
		if e.Probe == "mds2" {
			claim = oneLine(e.Observed)
		} else if observed == "" {
			observed = oneLine(e.Probe + ": " + e.Observed)
		}
	}
	return claim, observed
}

func verificationTable(w io.Writer, v *Verification) error {
	fmt.Fprintf(w, "MDS2 claims of %s checked against %s (%s, started %s)\n\n",
		oneLine(v.Device.Name()), v.Host, fmt.Sprintf("scan run %d", v.Run.ID), v.Run.Started.UTC().Format("2006-01-02 15:04 UTC"))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tCLAIM\tANSWERS")
	for _, c := range v.Checked {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(c.Status), c.Claim, dash(strings.Join(c.Questions, ", ")))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(v.Contradictions) == 0 {
		_, err := fmt.Fprintln(w, "\nNo contradictions: nothing the scan observed contradicts the form.")
		return err
	}
	fmt.Fprintf(w, "\n%d contradictions:\n", len(v.Contradictions))
	for _, f := range v.Contradictions {
		claim, observed := evidenceLine(f)
		fmt.Fprintf(w, "\n%s  %s  %s\n  %s\n  claim:    %s\n  observed: %s\n  fix:      %s\n",
			strings.ToUpper(f.Severity.String()), f.CheckID, f.Location(), oneLine(f.Title), claim, observed, oneLine(f.Remediation))
	}
	return nil
}

func verificationMarkdown(w io.Writer, v *Verification) error {
	fmt.Fprintf(w, "# MDS2 claims of %s checked against %s\n\n", md(v.Device.Name()), md(v.Host))
	fmt.Fprintf(w, "Form %s (sheet %s); scan run %d (%s), started %s.\n\n", md(v.Source.Name), md(v.Source.Sheet), v.Run.ID, md(v.Run.Mode), v.Run.Started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintln(w, "| Status | Claim | Answers |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, c := range v.Checked {
		fmt.Fprintf(w, "| %s | %s | %s |\n", c.Status, md(c.Claim), md(dash(strings.Join(c.Questions, ", "))))
	}
	fmt.Fprintf(w, "\n## Contradictions (%d)\n", len(v.Contradictions))
	if len(v.Contradictions) == 0 {
		fmt.Fprintln(w, "\nNone: nothing the scan observed contradicts the form.")
	}
	for _, f := range v.Contradictions {
		claim, observed := evidenceLine(f)
		fmt.Fprintf(w, "\n### %s: %s\n\n- Check: `%s` at %s\n- Claim: %s\n- Observed: %s\n- Fix: %s\n- References: %s\n",
			strings.ToUpper(f.Severity.String()), md(f.Title), f.CheckID, md(f.Location()), md(claim), md(observed), md(f.Remediation), md(strings.Join(f.References, ", ")))
	}
	return nil
}

var verificationHTML = template.Must(template.New("verify").Funcs(template.FuncMap{
	"oneLine": oneLine,
	"upper":   strings.ToUpper,
	"join":    strings.Join,
	"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"claim":   func(f inventory.Finding) string { c, _ := evidenceLine(f); return c },
	"observed": func(f inventory.Finding) string {
		_, o := evidenceLine(f)
		return o
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>pacsguard: MDS2 verify {{.Host}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:80em;color:#222}
table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left;vertical-align:top}
.contradicted{color:#a40000;font-weight:bold}.consistent{color:#17692b}
.finding{background:#fde8e8;border-left:4px solid #a40000;padding:.5em 1em;margin:1em 0}</style></head>
<body><h1>MDS2 claims of {{oneLine .Device.Name}} checked against {{.Host}}</h1>
<p>Form {{.Source.Name}}; scan run {{.Run.ID}} ({{.Run.Mode}}), started {{time .Run.Started}}. Generated {{time .Generated}}.</p>
<table><tr><th>Status</th><th>Claim</th><th>Answers</th></tr>
{{range .Checked}}<tr><td class="{{.Status}}">{{.Status}}</td><td>{{.Claim}}</td><td>{{join .Questions ", "}}</td></tr>
{{end}}</table>
<h2>Contradictions ({{len .Contradictions}})</h2>
{{range .Contradictions}}<div class="finding"><strong>{{upper .Severity.String}}</strong> {{.Title}} <code>{{.CheckID}}</code> at {{.Location}}
<p>Claim: {{claim .}}</p><p>Observed: {{observed .}}</p><p>Fix: {{oneLine .Remediation}}</p><p><small>{{join .References ", "}}</small></p></div>
{{else}}<p>None: nothing the scan observed contradicts the form.</p>{{end}}
</body></html>
`))
