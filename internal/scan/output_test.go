package scan

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleDocument(t *testing.T) *Document {
	t.Helper()
	cat, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 29, 4, 0, 0, 0, time.UTC)
	f1 := cat.Finding("dicom.unknown-calling-ae", inventory.Evidence{Probe: "dicom", Observed: `association with called AE "PG1" and calling AE "PG2" accepted; granted: storage contexts accepted (the calling title was random)`, At: at})
	f1.Host, f1.Port = "10.0.0.5", 4242
	f2 := cat.Finding("dicom.no-tls", inventory.Evidence{Probe: "dicom", Observed: "DICOM answered in clear text and no scanned port of the host offered DICOM over TLS", At: at})
	f2.Host, f2.Port = "10.0.0.5", 4242
	return &Document{
		Schema: Schema, Tool: Tool{Name: "pacsguard", Version: "test"},
		Run: RunInfo{Mode: ModeSafe, Started: at, Finished: at.Add(1500 * time.Millisecond), Targets: []string{"10.0.0.5"}, DICOMPorts: []int{4242}, WebPorts: []int{8042}, Hosts: 1, Connections: 3},
		Services: []inventory.Service{{Host: "10.0.0.5", Port: 4242, Transport: "dicom", ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367",
			Product: "orthanc", Confidence: "product-only", Roles: []string{"archive", "storage", "query-retrieve"}}},
		Findings: []inventory.Finding{f1, f2},
		Skipped:  []Skipped{{Target: "10.0.0.7", Reason: "address is on the never-touch list"}},
		Diff:     &Diff{PreviousRun: 2, PreviousStarted: at.Add(-24 * time.Hour), NewFindings: []FindingRef{{CheckID: "dicom.no-tls", Location: "10.0.0.5:4242", Severity: "medium"}}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update and review the diff):\n%s", name, got)
	}
}

func TestGoldenOutputs(t *testing.T) {
	doc := sampleDocument(t)
	var table, js bytes.Buffer
	if err := WriteTable(&table, doc, true); err != nil {
		t.Fatal(err)
	}
	golden(t, "scan.table.golden", table.Bytes())
	if err := report.WriteJSON(&js, doc); err != nil {
		t.Fatal(err)
	}
	golden(t, "scan.json.golden", js.Bytes())
}
