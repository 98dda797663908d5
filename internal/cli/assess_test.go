package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/assess"
	"github.com/pacsguard/pacsguard/internal/inventory"
	"github.com/pacsguard/pacsguard/internal/store"
)

var assessNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func assessEnv(stdin string, terminal bool) (*Env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		StdinIsTerminal: terminal,
		Now:             func() time.Time { return assessNow },
		Getenv:          func(string) string { return "" },
	}, &out, &errb
}

const fixtures = "../assess/testdata/"

func TestAssessAnswersFileFormats(t *testing.T) {
	for _, tc := range []struct {
		format, want string
	}{
		{"terminal", "pacsguard assess: Valley Community Hospital"},
		{"markdown", "# Cybersecurity assessment: Valley Community Hospital"},
		{"json", `"schema": "pacsguard.assess/v1"`},
		{"html", "<svg"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			env, out, errb := assessEnv("", false)
			code := RunEnv(context.Background(), env, []string{"assess", "--no-db", "--answers", fixtures + "medium-community-hospital.yaml", "--format", tc.format})
			if code != ExitOK {
				t.Fatalf("exit %d, stderr %s", code, errb)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q", tc.want)
			}
		})
	}
}

func TestAssessUsageErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("schema: pacsguard.assess.answers/v1\nanswers: {1.S.A: partial}\nextra: 1\n"), 0o644)
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("schema: pacsguard.assess.answers/v1\nanswers: {1.S.Z: partial}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no answers and no terminal", []string{"assess", "--no-db"}},
		{"bad format", []string{"assess", "--no-db", "--answers", fixtures + "small-imaging-centre.yaml", "--format", "pdf"}},
		{"unknown field", []string{"assess", "--no-db", "--answers", bad}},
		{"unknown sub-practice", []string{"assess", "--no-db", "--answers", typo}},
		{"missing file", []string{"assess", "--no-db", "--answers", filepath.Join(dir, "none.yaml")}},
		{"directory", []string{"assess", "--no-db", "--answers", dir}},
		{"save without db", []string{"assess", "--no-db", "--save", "x", "--answers", fixtures + "small-imaging-centre.yaml"}},
		{"compare without name", []string{"assess", "--db", filepath.Join(dir, "p.db"), "--compare-previous", "--answers", fixtures + "small-imaging-centre.yaml"}},
		{"resume unknown", []string{"assess", "--db", filepath.Join(dir, "p.db"), "--resume", "nope"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _, errb := assessEnv("", false)
			if code := RunEnv(context.Background(), env, tc.args); code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, errb)
			}
		})
	}
}

// A store holding a scan with DICOM without TLS and any-AE nodes changes
// the assessment as docs/assess.md says: 4.M.C and 6.M.B are capped at partial.
func TestAssessUsesStoreEvidence(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "p.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	run := inventory.Run{Kind: "scan", Mode: "safe", Started: assessNow.Add(-time.Hour), Finished: assessNow.Add(-time.Hour)}
	svcs := []inventory.Service{{Host: "10.1.1.5", Port: 104, Transport: inventory.TransportDICOM}}
	fs := []inventory.Finding{
		{CheckID: "dicom.no-tls", Severity: inventory.SeverityHigh, Host: "10.1.1.5", Port: 104},
		{CheckID: "dicom.any-called-ae", Severity: inventory.SeverityHigh, Host: "10.1.1.5", Port: 104},
	}
	if _, err := st.SaveRun(ctx, run, svcs, fs); err != nil {
		t.Fatal(err)
	}
	st.Close()

	env, out, errb := assessEnv("", false)
	code := RunEnv(ctx, env, []string{"assess", "--db", db, "--answers", fixtures + "medium-community-hospital.yaml", "--format", "json"})
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var r assess.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	got := map[string]assess.Grade{}
	for _, s := range r.SubPractices {
		got[s.ID] = s.Effective
	}
	for id, want := range map[string]assess.Grade{"4.M.C": assess.GradePartial, "6.M.B": assess.GradePartial, "9.M.E": assess.GradePartial, "1.M.B": assess.GradeFully} {
		if got[id] != want {
			t.Errorf("%s = %s, want %s", id, got[id], want)
		}
	}
	if len(r.Evidence) == 0 {
		t.Error("no evidence cited")
	}
}

func TestAssessInteractiveSaveResumeCompare(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "p.db")
	// Profile: name, providers, beds, assets, IT staff, accept size, tiers,
	// modalities, five yes/no; then stop after two answers.
	profile := "Tiny Imaging\n3\n0\n40\nnone\n\n1\n2\nCT, US\ny\nn\nn\ny\ny\n"
	env, _, errb := assessEnv(profile+"p: only the CT\n?\nf\nq\n", true)
	if code := RunEnv(ctx, env, []string{"assess", "--db", db, "--save", "main"}); code != ExitOK {
		t.Fatalf("first session: exit %d: %s", code, errb)
	}
	if !strings.Contains(errb.String(), "--resume main") {
		t.Errorf("no resume hint: %s", errb)
	}
	if strings.Contains(errb.String(), "[7.L.A]") || strings.Contains(errb.String(), ".M.") {
		t.Error("small organisation was asked a medium or large sub-practice")
	}

	// Resume: only the rest is asked; answer everything "l" (largely).
	env, out, errb := assessEnv(strings.Repeat("l\n", 30), true)
	if code := RunEnv(ctx, env, []string{"assess", "--db", db, "--resume", "main", "--save", "main", "--format", "json"}); code != ExitOK {
		t.Fatalf("resume: exit %d: %s", code, errb)
	}
	if strings.Contains(errb.String(), "[1.S.A]") || strings.Contains(errb.String(), "Press Enter to accept") {
		t.Error("resumed session asked an answered question or the profile again")
	}
	var r1 assess.Result
	if err := json.Unmarshal(out.Bytes(), &r1); err != nil {
		t.Fatal(err)
	}
	if r1.Organisation.Name != "Tiny Imaging" || r1.Size.Size != assess.SizeSmall || len(r1.Unanswered) != 0 {
		t.Fatalf("resumed result: org %q size %s unanswered %v", r1.Organisation.Name, r1.Size.Size, r1.Unanswered)
	}
	var notes string
	for _, s := range r1.SubPractices {
		if s.ID == "1.S.A" {
			notes = s.Notes
		}
	}
	if notes != "only the CT" {
		t.Errorf("1.S.A notes = %q", notes)
	}

	// Re-run later with an improved answers file and compare.
	dir := t.TempDir()
	better := filepath.Join(dir, "better.yaml")
	os.WriteFile(better, []byte("schema: pacsguard.assess.answers/v1\nanswers:\n  6.S.A: fully\n  8.S.A: fully\n"), 0o644)
	env, out, errb = assessEnv("", false)
	if code := RunEnv(ctx, env, []string{"assess", "--db", db, "--resume", "main", "--answers", better, "--save", "main", "--compare-previous", "--format", "json"}); code != ExitOK {
		t.Fatalf("re-run: exit %d: %s", code, errb)
	}
	var r2 assess.Result
	if err := json.Unmarshal(out.Bytes(), &r2); err != nil {
		t.Fatal(err)
	}
	if r2.Comparison == nil || r2.Comparison.OverallDelta == nil || *r2.Comparison.OverallDelta <= 0 {
		t.Fatalf("comparison = %+v", r2.Comparison)
	}
	if len(r2.Comparison.Improved) != 2 {
		t.Errorf("improved = %+v", r2.Comparison.Improved)
	}

	env, out, errb = assessEnv("", false)
	if code := RunEnv(ctx, env, []string{"assess", "--db", db, "--list"}); code != ExitOK {
		t.Fatalf("list: exit %d: %s", code, errb)
	}
	if got := strings.Count(out.String(), "main "); got != 2 || !strings.Contains(out.String(), "complete") {
		t.Errorf("--list printed %d saved runs of main:\n%s", got, out)
	}
}

func TestAssessCrosswalk(t *testing.T) {
	env, out, errb := assessEnv("", false)
	if code := RunEnv(context.Background(), env, []string{"assess", "--crosswalk", "--no-db"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if !strings.Contains(out.String(), `"unmapped_reason"`) {
		t.Error("crosswalk lists no unmapped reference")
	}
}

func TestAssessOutputFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	env, _, errb := assessEnv("", false)
	if code := RunEnv(context.Background(), env, []string{"assess", "--no-db", "--answers", fixtures + "large-health-system.json", "--format", "html", "--output", path}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(b, []byte("Lakeshore Health System")) {
		t.Errorf("report file: %v", err)
	}
}
