package scan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/report"
)

// WriteTable writes the terminal report: the mode line, the services, the
// findings and, when present, the diff.
func WriteTable(w io.Writer, doc *Document, verbose bool) error {
	return WriteTableOptions(w, doc, TableOptions{Verbose: verbose})
}

// TableOptions shape the terminal report.
type TableOptions struct {
	Verbose bool
	// SummariseAdvisories replaces the vuln.<ID> rows with one count line
	// per service (the demo's short report).
	SummariseAdvisories bool
}

// WriteTableOptions is WriteTable with options.
func WriteTableOptions(w io.Writer, doc *Document, opt TableOptions) error {
	verbose := opt.Verbose
	fmt.Fprintf(w, "pacsguard scan: mode %s, %d host(s) scanned, %d service(s), %d connection(s), %s\n\n",
		doc.Run.Mode, doc.Run.Hosts, len(doc.Services), doc.Run.Connections, doc.Run.Finished.Sub(doc.Run.Started).Round(1e6))
	if err := report.WriteServicesTable(w, doc.Services); err != nil {
		return err
	}
	fmt.Fprintln(w)
	findings := doc.Findings
	// Per service: advisories claimed, and info notes (version unknown,
	// components not observed) that claim nothing.
	advisories, notes := map[string]int{}, map[string]int{}
	if opt.SummariseAdvisories {
		findings = nil
		for _, f := range doc.Findings {
			if strings.HasPrefix(f.CheckID, "vuln.") {
				if f.Severity == inventory.SeverityInfo {
					notes[f.Location()]++
				} else {
					advisories[f.Location()]++
				}
				continue
			}
			findings = append(findings, f)
		}
	}
	if err := report.WriteFindingsTable(w, findings, report.TableOptions{Verbose: verbose}); err != nil {
		return err
	}
	if len(advisories)+len(notes) > 0 {
		locs := make([]string, 0, len(advisories)+len(notes))
		for l := range advisories {
			locs = append(locs, l)
		}
		for l := range notes {
			if _, dup := advisories[l]; !dup {
				locs = append(locs, l)
			}
		}
		sort.Strings(locs)
		fmt.Fprintln(w, "\nAdvisories matched to the fingerprinted versions (vuln.* findings, listed in the HTML and JSON reports):")
		for _, l := range locs {
			line := fmt.Sprintf("  %s: %d advisories", l, advisories[l])
			if n := notes[l]; n > 0 {
				line += fmt.Sprintf(" (+%d info: version unknown or components not observed)", n)
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, s := range doc.Skipped {
		fmt.Fprintf(w, "skipped %s: %s\n", s.Target, s.Reason)
	}
	for _, e := range doc.Errors {
		fmt.Fprintf(w, "error: %s\n", e)
	}
	if doc.Diff != nil {
		fmt.Fprintln(w)
		WriteDiff(w, doc.Diff)
	}
	return nil
}

// WriteDiff writes the changes since the previous scan.
func WriteDiff(w io.Writer, d *Diff) {
	fmt.Fprintf(w, "Changes since scan %d (%s):\n", d.PreviousRun, d.PreviousStarted.UTC().Format("2006-01-02 15:04 UTC"))
	if d.Empty() {
		fmt.Fprintln(w, "  nothing changed")
		return
	}
	for _, s := range d.Appeared {
		fmt.Fprintf(w, "  + service %s\n", s)
	}
	for _, s := range d.Disappeared {
		fmt.Fprintf(w, "  - service %s\n", s)
	}
	for _, c := range d.Changed {
		fmt.Fprintf(w, "  ~ service %s: %s\n", c.Service, strings.Join(c.Changes, "; "))
	}
	for _, f := range d.NewFindings {
		fmt.Fprintf(w, "  + %s %s at %s\n", strings.ToUpper(f.Severity), f.CheckID, f.Location)
	}
	for _, f := range d.Resolved {
		fmt.Fprintf(w, "  - %s %s at %s (resolved)\n", strings.ToUpper(f.Severity), f.CheckID, f.Location)
	}
	for _, f := range d.SeverityChanged {
		fmt.Fprintf(w, "  ~ %s at %s: %s → %s\n", f.CheckID, f.Location, f.Was, f.Severity)
	}
}

// HTMLDocument prepares the HTML report of a scan.
func HTMLDocument(doc *Document, title string) report.HTMLDocument {
	return report.HTMLDocument{
		Title:     title,
		Subtitle:  "Network scan of " + strings.Join(limit(doc.Run.Targets, 8), ", "),
		Generated: doc.Run.Finished,
		Facts: []report.Fact{
			{Label: "Mode", Value: doc.Run.Mode},
			{Label: "Hosts scanned", Value: fmt.Sprint(doc.Run.Hosts)},
			{Label: "Services", Value: fmt.Sprint(len(doc.Services))},
			{Label: "Duration", Value: doc.Run.Finished.Sub(doc.Run.Started).Round(1e6).String()},
		},
		Services: doc.Services,
		Findings: doc.Findings,
	}
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), fmt.Sprintf("… (%d more)", len(s)-n))
}
