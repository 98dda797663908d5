package cli

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/mds2"
	"github.com/pacsguard/pacsguard/internal/mds2/mds2test"
	"github.com/pacsguard/pacsguard/internal/store"
)

var mds2Now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func mds2Env(t *testing.T, db string) (*Env, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Now:    func() time.Time { return mds2Now },
		Getenv: func(k string) string { return map[string]string{"PACSGUARD_DB": db}[k] },
	}, &out, &errb
}

// mds2Forms writes the fixture forms into dir and returns their paths by name.
func mds2Forms(t *testing.T, dir string) map[string]string {
	t.Helper()
	m, err := mds2.LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for name, d := range mds2test.Fixtures() {
		p := filepath.Join(dir, name+".xlsx")
		if err := mds2test.WriteFile(p, mds2test.Standard(m.Catalogue, d, mds2test.Good(m))); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

func runMds2(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	env, out, errb := mds2Env(t, db)
	code := RunEnv(context.Background(), env, append([]string{"mds2"}, args...))
	return code, out.String(), errb.String()
}

func TestMds2ImportListCompare(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	forms := mds2Forms(t, dir)

	code, out, errs := runMds2(t, db, "import", forms["ct-strong"], forms["ct-weak"])
	if code != ExitOK {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	for _, want := range []string{"acme-imaging/ct-9000/2.1", "borealis-medical/scanline-7/4.0", "Stored 2 profile(s)"} {
		if !strings.Contains(out, want) {
			t.Errorf("import output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = runMds2(t, db, "list")
	if code != ExitOK || !strings.Contains(out, "borealis-medical/scanline-7/4.0") {
		t.Errorf("list exit %d:\n%s", code, out)
	}

	code, out, errs = runMds2(t, db, "compare", "acme-imaging/ct-9000", "borealis-medical/scanline-7/4.0", "--equipment", "ct", "--format", "json")
	if code != ExitOK {
		t.Fatalf("compare exit %d: %s", code, errs)
	}
	var doc struct {
		Schema  string `json:"schema"`
		Devices []struct {
			Key      string `json:"key"`
			Device   struct{ Manufacturer, Model string }
			Score    *int `json:"score"`
			RedFlags []struct {
				ID string `json:"id"`
			} `json:"red_flags"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "pacsguard.mds2/v1" || len(doc.Devices) != 2 {
		t.Fatalf("schema %q, %d devices", doc.Schema, len(doc.Devices))
	}
	for _, d := range doc.Devices {
		if d.Score == nil || *d.Score < 0 || *d.Score > 100 || d.RedFlags == nil || d.Device.Manufacturer == "" {
			t.Errorf("device %s: score %v, red flags %v", d.Key, d.Score, d.RedFlags)
		}
	}
	if len(doc.Devices[0].RedFlags) != 0 || len(doc.Devices[1].RedFlags) != 7 {
		t.Errorf("red flags %d and %d, want 0 and 7", len(doc.Devices[0].RedFlags), len(doc.Devices[1].RedFlags))
	}
	// Re-import replaces, it does not duplicate.
	runMds2(t, db, "import", forms["ct-strong"])
	_, out, _ = runMds2(t, db, "list", "--format", "json")
	if n := strings.Count(out, `"key"`); n != 2 {
		t.Errorf("%d stored profiles after re-import, want 2", n)
	}
}

func TestMds2CompareFilesFormats(t *testing.T) {
	dir := t.TempDir()
	forms := mds2Forms(t, dir)
	for _, tc := range []struct{ format, want string }{
		{"terminal", "RED FLAGS"},
		{"markdown", "# MDS2 comparison: Ultrasound"},
		{"json", `"schema": "pacsguard.mds2/v1"`},
		{"html", "<!DOCTYPE html>"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			outFile := filepath.Join(dir, "cmp."+tc.format)
			code, _, errs := runMds2(t, "", "compare", forms["us-strong"], forms["us-weak"], "--equipment", "ultrasound", "--no-db", "--format", tc.format, "--output", outFile)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, errs)
			}
			b, err := os.ReadFile(outFile)
			if err != nil || !strings.Contains(string(b), tc.want) {
				t.Errorf("%s lacks %q (%v)", outFile, tc.want, err)
			}
		})
	}
}

func TestMds2UsageErrors(t *testing.T) {
	dir := t.TempDir()
	forms := mds2Forms(t, dir)
	notZip := filepath.Join(dir, "form.xlsx")
	os.WriteFile(notZip, []byte("Question ID;Answer\nAUTH-1;Yes\n"), 0o644)
	bomb := filepath.Join(dir, "bomb.xlsx")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte("<x/>"))
	w, _ = zw.Create("xl/worksheets/sheet1.xml")
	w.Write(make([]byte, 16<<20))
	zw.Close()
	os.WriteFile(bomb, buf.Bytes(), 0o644)

	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"not a zip", []string{"import", "--no-db", notZip}, ExitUsage},
		{"zip bomb", []string{"import", "--no-db", bomb}, ExitUsage},
		{"missing file", []string{"import", "--no-db", filepath.Join(dir, "nope.xlsx")}, ExitUsage},
		{"some unreadable", []string{"import", "--no-db", forms["ct-strong"], bomb}, ExitFindings},
		{"no equipment", []string{"compare", "--no-db", forms["ct-strong"]}, ExitUsage},
		{"unknown equipment", []string{"compare", "--no-db", forms["ct-strong"], "--equipment", "toaster"}, ExitUsage},
		{"unknown device without db", []string{"compare", "--no-db", "acme/ct", "--equipment", "ct"}, ExitUsage},
		{"bad format", []string{"compare", "--no-db", forms["ct-strong"], "--equipment", "ct", "--format", "pdf"}, ExitUsage},
		{"rfp without equipment", []string{"rfp"}, ExitUsage},
		{"verify without host", []string{"verify", forms["ct-strong"]}, ExitUsage},
		{"unknown sub-command", []string{"frobnicate"}, ExitUsage},
		{"list format it cannot write", []string{"list", "--db", filepath.Join(dir, "l.db"), "--format", "html"}, ExitUsage},
		{"list unknown format", []string{"list", "--db", filepath.Join(dir, "l.db"), "--format", "jsno"}, ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runMds2(t, filepath.Join(dir, "p.db"), tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d; stderr %s", code, tc.want, errs)
			}
			if tc.name == "zip bomb" && (!strings.Contains(errs, "expands too much") || strings.Count(errs, "\n") > 2) {
				t.Errorf("zip bomb error not one clear line: %q", errs)
			}
		})
	}
}

func TestMds2RFP(t *testing.T) {
	code, out, errs := runMds2(t, "", "rfp", "--equipment", "pet-ct")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"# Security requirements for the purchase of: PET/CT scanner", "HICP 9.L.C", "Model Contract-Language for Medtech Cybersecurity", "three years"} {
		if !strings.Contains(out, want) {
			t.Errorf("rfp lacks %q", want)
		}
	}
}

func TestMds2Verify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	forms := mds2Forms(t, dir)
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	_, err = st.SaveRun(ctx, inventory.Run{Kind: "scan", Mode: "safe", Started: at, Finished: at},
		[]inventory.Service{{Host: "10.1.2.3", Port: 104, Transport: "dicom"}},
		[]inventory.Finding{{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Title: "DICOM without TLS", Host: "10.1.2.3", Port: 104}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runMds2(t, db, "import", forms["ct-strong"]); code != ExitOK {
		t.Fatalf("import exit %d: %s", code, errs)
	}
	code, out, errs := runMds2(t, db, "verify", "acme-imaging/ct-9000", "--host", "10.1.2.3", "--format", "json")
	if code != ExitFindings {
		t.Fatalf("verify exit %d, want 1: %s", code, errs)
	}
	var v struct {
		Schema         string              `json:"schema"`
		Contradictions []inventory.Finding `json:"contradictions"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range v.Contradictions {
		ids = append(ids, f.CheckID)
	}
	if diff := cmp.Diff(ids, []string{"mds2.claim-transport-encryption"}); diff != "" {
		t.Errorf("contradictions (-got +want):\n%s", diff)
	}
	code, out, _ = runMds2(t, db, "verify", "acme-imaging/ct-9000", "--host", "10.1.2.3", "--format", "sarif")
	if code != ExitFindings || !strings.Contains(out, `"ruleId": "mds2.claim-transport-encryption"`) {
		t.Errorf("sarif: exit %d\n%s", code, out)
	}
	// A host no scan has seen is the caller's mistake.
	if code, _, _ := runMds2(t, db, "verify", forms["ct-strong"], "--host", "10.9.9.9"); code != ExitUsage {
		t.Errorf("unseen host: exit %d, want 2", code)
	}
	// The verification is recorded for other engines to cite.
	st, _ = store.Open(ctx, db)
	defer st.Close()
	runs, err := st.Runs(ctx, "mds2-verify", 5)
	if err != nil || len(runs) != 2 {
		t.Errorf("mds2-verify runs: %v %v", runs, err)
	}
}

func TestMds2ImportJSONAndStrict(t *testing.T) {
	dir := t.TempDir()
	m, err := mds2.LoadModel()
	if err != nil {
		t.Fatal(err)
	}
	d := mds2test.Fixtures()["ct-strong"]
	d.Answers = map[string]string{"AUTH-1": "Optional"}
	path := filepath.Join(dir, "odd.xlsx")
	if err := mds2test.WriteFile(path, mds2test.Standard(m.Catalogue, d, mds2test.Good(m))); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runMds2(t, "", "import", "--no-db", "--format", "json", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Schema   string          `json:"schema"`
		Profiles []*mds2.Profile `json:"profiles"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "pacsguard.mds2/v1" || len(doc.Profiles) != 1 || doc.Profiles[0].Value("AUTH-1") != mds2.ValueUnreadable {
		t.Errorf("schema %q, %d profiles", doc.Schema, len(doc.Profiles))
	}
	if code, _, _ := runMds2(t, "", "import", "--no-db", "--strict", path); code != ExitFindings {
		t.Errorf("--strict exit %d, want 1", code)
	}
	db := filepath.Join(dir, "p.db")
	if code, _, errs := runMds2(t, db, "compare", "nobody/nothing", "--equipment", "ct"); code != ExitUsage || !strings.Contains(errs, "no such file or stored device") {
		t.Errorf("unknown device: exit %d, %s", code, errs)
	}
	if code, out, _ := runMds2(t, db, "list"); code != ExitOK || !strings.Contains(out, "No MDS2 profiles stored") {
		t.Errorf("empty list: exit %d, %s", code, out)
	}
}
