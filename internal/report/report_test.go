package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xeipuuv/gojsonschema"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

func sampleFindings() []inventory.Finding {
	at := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	return []inventory.Finding{
		{CheckID: "dicom.no-tls", Severity: inventory.SeverityMedium, Title: "DICOM offered in clear text", Host: "127.0.0.1", Port: 104,
			Evidence:    []inventory.Evidence{{Probe: "tlsprobe", Observed: "no TLS listener on 2762 or 104", At: at}},
			Remediation: "Enable DICOM TLS.", References: []string{"HICP:9.M.B", "CSF:PR.DS-02"}},
		{CheckID: "files.pe-dicom", Severity: inventory.SeverityCritical, Title: "PE-DICOM polyglot", Path: "/archive/a b/x.dcm",
			Evidence: []inventory.Evidence{{Probe: "preamble", Observed: "=cmd|' /C calc'!A0 e_lfanew points into (0009,1110)"}}},
		{CheckID: "vuln.CVE-2022-2119", Severity: inventory.SeverityHigh, Title: "DCMTK path traversal", Host: "::1", Port: 11112, Confidence: "inferred"},
		{CheckID: "http.no-auth", Severity: inventory.SeverityHigh, Title: "REST API\x1b[31m without login", Host: "127.0.0.2", Port: 8042},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file; run go test -update and review the diff\ngot:\n%s", name, got)
	}
}

func TestGoldenOutputs(t *testing.T) {
	cat := testCatalogue(t)
	tests := []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"findings.table", func(b *bytes.Buffer) error {
			return WriteFindingsTable(b, sampleFindings(), TableOptions{Verbose: true})
		}},
		{"findings.csv", func(b *bytes.Buffer) error { return WriteCSV(b, sampleFindings()) }},
		{"findings.sarif", func(b *bytes.Buffer) error {
			return WriteSARIF(b, Tool{Name: "pacsguard", Version: "test"}, sampleFindings(), cat)
		}},
		{"report.html", func(b *bytes.Buffer) error {
			return WriteHTML(b, HTMLDocument{Title: "pacsguard scan", Subtitle: "safe mode", Generated: time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC),
				Facts:    []Fact{{"Mode", "safe"}},
				Services: []inventory.Service{{Host: "127.0.0.1", Port: 104, Transport: "dicom", AETitles: []string{"<script>"}, Product: "dcmtk"}},
				Findings: sampleFindings()})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, b.Bytes())
		})
	}
}

func testCatalogue(t *testing.T) *check.Catalogue {
	t.Helper()
	cat, err := check.LoadFS(os.DirFS("testdata"), "catalogue")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSARIF(&b, Tool{Name: "pacsguard", Version: "test", URI: "https://example.org/pacsguard"}, sampleFindings(), testCatalogue(t)); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, b.Bytes())
	// An empty run must validate too.
	b.Reset()
	if err := WriteSARIF(&b, Tool{Name: "pacsguard"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, b.Bytes())
}

func validateSARIF(t *testing.T, doc []byte) {
	t.Helper()
	schema, err := os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors() {
		t.Errorf("SARIF does not validate: %s", e)
	}
}

func TestOutputsAreDefused(t *testing.T) {
	var csvOut, table, html bytes.Buffer
	if err := WriteCSV(&csvOut, sampleFindings()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(csvOut.String(), ",=cmd") || strings.Contains(csvOut.String(), "\"=cmd") {
		t.Error("CSV cell starts with a formula")
	}
	if err := WriteFindingsTable(&table, sampleFindings(), TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(table.String(), "\x1b") {
		t.Error("terminal escape passed through to the table")
	}
	if err := WriteHTML(&html, HTMLDocument{Services: []inventory.Service{{AETitles: []string{"<script>"}}}}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html.String(), "<script>") {
		t.Error("HTML not escaped")
	}
}

func TestParseFormat(t *testing.T) {
	if f, err := ParseFormat("JSON", FormatTable, FormatJSON); err != nil || f != FormatJSON {
		t.Errorf("ParseFormat(JSON) = %q, %v", f, err)
	}
	if _, err := ParseFormat("xml", FormatTable, FormatJSON); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestSARIFSchemaCatchesErrors(t *testing.T) {
	schema, err := os.ReadFile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"a","level":"fatal","message":{"text":"m"}}]}]}`
	res, err := gojsonschema.Validate(gojsonschema.NewBytesLoader(schema), gojsonschema.NewStringLoader(bad))
	if err != nil {
		t.Fatal(err)
	}
	if res.Valid() {
		t.Error("schema accepted level \"fatal\"; the validation test would prove nothing")
	}
}
