package cli

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/store"
)

func TestInventory(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	code, out, _ := runFiles(t, db, "inventory")
	if code != ExitOK || !strings.Contains(out, "No nodes recorded yet") {
		t.Fatalf("empty database: exit %d, %q", code, out)
	}
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st.SaveRun(ctx, inventory.Run{Kind: "scan", Started: t0, Finished: t0},
		[]inventory.Service{{Host: "10.0.0.2", Port: 104, Transport: "dicom", Product: "dcmtk", Version: "3.6.7"}, {Host: "10.0.0.10", Port: 4242, Transport: "dicom"}},
		[]inventory.Finding{{CheckID: "dicom.any-called-ae", Severity: inventory.SeverityHigh, Host: "10.0.0.2", Port: 104}})
	t1 := t0.Add(time.Hour)
	st.SaveRun(ctx, inventory.Run{Kind: "scan", Started: t1, Finished: t1}, []inventory.Service{{Host: "10.0.0.10", Port: 4242, Transport: "dicom"}}, nil)
	st.Close()

	code, out, errOut := runFiles(t, db, "inventory")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"10.0.0.2 ", "104/dicom", "dcmtk 3.6.7", "1 high", "2026-03-01 10:00 *", "10.0.0.10", "4242/dicom", "2 nodes; * 1 not seen by the newest scan"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "10.0.0.2 ") > strings.Index(out, "10.0.0.10") {
		t.Errorf("hosts not in address order:\n%s", out)
	}
	code, out, _ = runFiles(t, db, "inventory", "--format", "csv")
	if code != ExitOK || !strings.HasPrefix(out, "host,first_seen,last_seen,scans,in_latest_scan,") || !strings.Contains(out, "10.0.0.2,2026-03-01T10:00:00Z,2026-03-01T10:00:00Z,1,false,104/dicom,dcmtk 3.6.7,0,1,0,0,0") {
		t.Errorf("csv: exit %d\n%s", code, out)
	}
	code, out, _ = runFiles(t, db, "inventory", "--format", "json")
	var doc struct {
		Schema string       `json:"schema"`
		Nodes  []store.Node `json:"nodes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); code != ExitOK || err != nil || doc.Schema != InventorySchema || len(doc.Nodes) != 2 || !doc.Nodes[1].InLatestScan {
		t.Errorf("json: exit %d, %v\n%s", code, err, out)
	}
	if code, _, errOut := runFiles(t, db, "inventory", "--format", "xml"); code != ExitUsage || !strings.Contains(errOut, "table, json or csv") {
		t.Errorf("--format xml: exit %d, %q", code, errOut)
	}
}
