package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// TableOptions shapes the terminal table.
type TableOptions struct {
	// Verbose adds evidence and remediation under each finding.
	Verbose bool
	// Width truncates the title column; 0 means no truncation.
	TitleWidth int
}

// WriteFindingsTable writes findings as an aligned table, most severe first,
// followed by a one-line summary. An empty list prints "No findings."
func WriteFindingsTable(w io.Writer, findings []inventory.Finding, opt TableOptions) error {
	if len(findings) == 0 {
		_, err := fmt.Fprintln(w, "No findings.")
		return err
	}
	fs := append([]inventory.Finding(nil), findings...)
	SortFindings(fs)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tCHECK\tLOCATION\tTITLE")
	for _, f := range fs {
		title := f.Title
		if opt.TitleWidth > 0 && len(title) > opt.TitleWidth {
			title = title[:opt.TitleWidth-1] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", strings.ToUpper(f.Severity.String()), f.CheckID, f.Location(), oneLine(title))
		if opt.Verbose {
			if ev := evidenceText(f); ev != "" {
				fmt.Fprintf(tw, "\t\tevidence:\t%s\n", oneLine(ev))
			}
			if f.Remediation != "" {
				fmt.Fprintf(tw, "\t\tfix:\t%s\n", oneLine(f.Remediation))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d findings: %s\n", len(fs), SeveritySummary(fs))
	return err
}

// WriteServicesTable lists services with what was learned about each.
func WriteServicesTable(w io.Writer, services []inventory.Service) error {
	if len(services) == 0 {
		_, err := fmt.Fprintln(w, "No services found.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tPORT\tTRANSPORT\tAE TITLES\tPRODUCT\tVERSION\tCONFIDENCE\tROLES")
	for _, s := range services {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Host, s.Port, s.Transport,
			dash(strings.Join(s.AETitles, ",")), dash(s.Product), dash(s.Version), dash(s.Confidence), dash(strings.Join(s.Roles, ",")))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return oneLine(s)
}

// oneLine removes control characters a device could use to forge table rows
// or terminal escapes.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

func portString(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}
