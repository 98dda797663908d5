// Package report renders findings and services for people and machines:
// a terminal table, JSON (each engine's document carries its schema
// version), SARIF 2.1.0, CSV and a self-contained HTML page. Writers only
// render what they are given; nothing here may add patient data, and CSV
// cells are defused against spreadsheet formula injection because evidence
// can contain strings chosen by a scanned device.
package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Format is an output format name as given to --format.
type Format string

const (
	FormatTable    Format = "table"
	FormatJSON     Format = "json"
	FormatSARIF    Format = "sarif"
	FormatCSV      Format = "csv"
	FormatHTML     Format = "html"
	FormatMarkdown Format = "markdown"
)

// ParseFormat checks a --format value against the formats a command supports.
func ParseFormat(s string, allowed ...Format) (Format, error) {
	names := make([]string, len(allowed))
	for i, f := range allowed {
		if strings.EqualFold(s, string(f)) {
			return f, nil
		}
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(names, ", "))
}

// Tool identifies the producer in machine-readable outputs.
type Tool struct {
	Name    string // "pacsguard"
	Version string
	URI     string
}

// WriteJSON writes v as indented JSON with a trailing newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// SortFindings orders findings most severe first, then by check and location,
// so that every output format lists them the same way.
func SortFindings(fs []inventory.Finding) {
	slices.SortStableFunc(fs, func(a, b inventory.Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.CheckID, b.CheckID),
			cmp.Compare(a.Host, b.Host),
			cmp.Compare(a.Port, b.Port),
			cmp.Compare(a.Path, b.Path),
		)
	})
}

// CountBySeverity returns how many findings have each severity, indexed by Severity.
func CountBySeverity(fs []inventory.Finding) [inventory.SeverityCritical + 1]int {
	var n [inventory.SeverityCritical + 1]int
	for _, f := range fs {
		if f.Severity >= 0 && f.Severity <= inventory.SeverityCritical {
			n[f.Severity]++
		}
	}
	return n
}

// SeveritySummary is "2 critical, 1 high, 0 medium, 3 low, 1 info".
func SeveritySummary(fs []inventory.Finding) string {
	n := CountBySeverity(fs)
	parts := make([]string, 0, len(n))
	for s := inventory.SeverityCritical; s >= inventory.SeverityInfo; s-- {
		parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
	}
	return strings.Join(parts, ", ")
}

// evidenceText joins a finding's evidence into one line.
func evidenceText(f inventory.Finding) string {
	parts := make([]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		s := e.Observed
		if e.Probe != "" {
			s = e.Probe + ": " + s
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}
