package report

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/pacsguard/pacsguard/internal/inventory"
)

// WriteCSV writes one row per finding with a header row.
func WriteCSV(w io.Writer, findings []inventory.Finding) error {
	fs := append([]inventory.Finding(nil), findings...)
	SortFindings(fs)
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"severity", "check_id", "host", "port", "path", "title", "evidence", "remediation", "references", "confidence"}); err != nil {
		return err
	}
	for _, f := range fs {
		row := []string{f.Severity.String(), f.CheckID, f.Host, portString(f.Port), f.Path, f.Title,
			evidenceText(f), f.Remediation, strings.Join(f.References, " "), f.Confidence}
		for i := range row {
			row[i] = defuse(oneLine(row[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps spreadsheet programs from evaluating a cell as a formula
// (OWASP "CSV injection"): text from a scanned device may start with =, +, -, @.
func defuse(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
