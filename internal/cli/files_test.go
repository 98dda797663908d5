package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/filescan"
	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
	"github.com/pacsguard/pacsguard/internal/store"
)

var updateFiles = flag.Bool("update-files", false, "rewrite the files golden files under testdata/files")

// runFiles runs the CLI with a database in dir and a fixed clock.
func runFiles(t *testing.T, db string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errOut,
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Getenv: func(k string) string {
			if k == "PACSGUARD_DB" {
				return db
			}
			return ""
		},
	}
	code := RunEnv(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// variantTree writes every generated variant under a fresh directory.
func variantTree(t *testing.T) string {
	t.Helper()
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range ft.Variants() {
		dir := filepath.Join(root, fmt.Sprintf("v%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v.File), v.Data(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func filesGolden(t *testing.T, name, got string) {
	t.Helper()
	checkGolden(t, *updateFiles, "files", name, got, "go test ./internal/cli -run Files -update-files")
}

// goldenTree holds the small generated variants, written once by
// -update-files, so that the golden reports do not move when the codec's
// writer changes the bytes it produces.
const goldenTree = "testdata/files/tree"

func writeGoldenTree(t *testing.T) {
	t.Helper()
	if err := os.RemoveAll(goldenTree); err != nil {
		t.Fatal(err)
	}
	for i, v := range ft.Variants() {
		b := v.Data()
		if len(b) > 16<<10 {
			continue
		}
		dir := filepath.Join(goldenTree, fmt.Sprintf("v%02d", i))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, v.File), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var tablePadding = regexp.MustCompile(`  +`)

func TestFilesScanGoldenOutputs(t *testing.T) {
	if *updateFiles {
		writeGoldenTree(t)
	}
	root, err := filepath.Abs(goldenTree)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"json", "csv", "table"} {
		t.Run(format, func(t *testing.T) {
			code, out, errOut := runFiles(t, "", "files", "scan", "--no-db", "--format", format, root)
			if code != ExitFindings {
				t.Fatalf("exit %d, want %d; stderr %q", code, ExitFindings, errOut)
			}
			out = strings.ReplaceAll(out, root, "$ROOT")
			if format == "table" {
				// Column widths follow the length of the checkout's path;
				// compare the table with its padding folded.
				out = tablePadding.ReplaceAllString(out, "  ")
			}
			filesGolden(t, "scan."+format, out)
		})
	}
}

func TestFilesScanJSONDocument(t *testing.T) {
	root := variantTree(t)
	code, out, _ := runFiles(t, "", "files", "scan", "--no-db", "--format", "json", root)
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	var doc filesScanDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "pacsguard.files/v1" || doc.Summary.Files != int64(len(ft.Variants())) {
		t.Errorf("schema %q, files %d; want pacsguard.files/v1 and %d", doc.Schema, doc.Summary.Files, len(ft.Variants()))
	}
	// No patient data in any output: the synthetic name and ID never appear.
	for _, phi := range []string{"Synthetic^Test", "SYN-0001"} {
		if strings.Contains(out, phi) {
			t.Errorf("report contains patient data %q", phi)
		}
	}
}

func TestFilesScanSARIF(t *testing.T) {
	root := variantTree(t)
	code, out, _ := runFiles(t, "", "files", "scan", "--no-db", "--format", "sarif", root)
	if code != ExitFindings || !strings.Contains(out, `"files.pe-dicom"`) || !strings.Contains(out, `"2.1.0"`) {
		t.Errorf("exit %d; SARIF lacks the PE-DICOM rule or version:\n%.500s", code, out)
	}
}

func TestFilesScanCleanExitsZero(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.dcm"), ft.CleanFile(), 0o644)
	db := filepath.Join(t.TempDir(), "p.db")
	code, out, errOut := runFiles(t, db, "files", "scan", dir)
	if code != ExitOK || !strings.Contains(out, "No findings.") {
		t.Errorf("exit %d, out %q, stderr %q", code, out, errOut)
	}
}

func TestFilesUsageErrors(t *testing.T) {
	root := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"bad format", []string{"files", "scan", "--no-db", "--format", "xml", root}},
		{"missing path", []string{"files", "scan", "--no-db", filepath.Join(root, "nope")}},
		{"no path", []string{"files", "scan", "--no-db"}},
		{"sanitize inside the root", []string{"files", "scan", "--no-db", "--sanitize", filepath.Join(root, "clean"), root}},
		{"quarantine is the root", []string{"files", "scan", "--no-db", "--quarantine", root, root}},
		{"bad severity", []string{"files", "scan", "--no-db", "--quarantine-severity", "huge", root}},
		{"bad threshold", []string{"files", "verify", "--alarm-threshold", "0", root}},
		{"verify without baseline", []string{"files", "verify", root}},
		{"baseline of a file", []string{"files", "baseline", filepath.Join(root, "f")}},
		{"unknown subcommand", []string{"files", "sweep"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(filepath.Join(root, "f"), []byte("x"), 0o644)
			code, _, errOut := runFiles(t, filepath.Join(t.TempDir(), "p.db"), tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, ExitUsage, errOut)
			}
		})
	}
}

func sha(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFilesSanitizeQuarantineRestore(t *testing.T) {
	root := t.TempDir()
	bad := filepath.Join(root, "pedicom.dcm")
	clean := filepath.Join(root, "clean.dcm")
	os.WriteFile(bad, ft.PEDICOM(false), 0o644)
	os.WriteFile(clean, ft.CleanFile(), 0o644)
	badSum, cleanSum := sha(t, bad), sha(t, clean)
	out := t.TempDir()
	sanDir, qDir := filepath.Join(out, "clean"), filepath.Join(out, "q")

	code, _, errOut := runFiles(t, "", "files", "scan", "--no-db", "--sanitize", sanDir, root)
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if sha(t, bad) != badSum || sha(t, clean) != cleanSum {
		t.Fatal("--sanitize modified an original")
	}
	copyPath := filescan.MirrorPath(sanDir, bad)
	code, _, _ = runFiles(t, "", "files", "scan", "--no-db", copyPath)
	if code != ExitOK {
		t.Errorf("sanitized copy still has findings (exit %d)", code)
	}
	var rep struct {
		Schema string
		Files  []filescan.SanitizeRecord
	}
	b, err := os.ReadFile(filepath.Join(sanDir, "sanitize-report.json"))
	if err != nil || json.Unmarshal(b, &rep) != nil || len(rep.Files) != 1 || len(rep.Files[0].Changes) != 2 {
		t.Errorf("sanitize report %s (%v), want one file with two changes", b, err)
	}

	code, _, errOut = runFiles(t, "", "files", "scan", "--no-db", "--quarantine", qDir, root)
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("flagged file not moved: %v", err)
	}
	if sha(t, clean) != cleanSum {
		t.Error("clean file touched by --quarantine")
	}
	code, stdout, errOut := runFiles(t, "", "files", "restore", filepath.Join(qDir, "manifest.json"))
	if code != ExitOK || !strings.Contains(stdout, "restored "+bad) {
		t.Fatalf("restore exit %d, out %q, err %q", code, stdout, errOut)
	}
	if sha(t, bad) != badSum {
		t.Error("restored file differs from the original")
	}
}

func TestFilesBaselineVerifyRansomware(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	db := filepath.Join(t.TempDir(), "p.db")
	for i := range 10 {
		ds := ft.CleanDataSet()
		ds.Find(0x7FE00010).Value[0] = byte(i)
		os.WriteFile(filepath.Join(root, fmt.Sprintf("IM%d.dcm", i)), ft.WriteDICOM([128]byte{}, ds), 0o644)
	}
	code, out, errOut := runFiles(t, db, "files", "baseline", root)
	if code != ExitOK || !strings.Contains(out, "10 files (10 DICOM)") {
		t.Fatalf("baseline exit %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut = runFiles(t, db, "files", "verify", root)
	if code != ExitOK {
		t.Fatalf("verify of an unchanged tree: exit %d, %s", code, errOut)
	}
	// Ransomware: encrypt three files in place, rename them.
	for i := range 3 {
		p := filepath.Join(root, fmt.Sprintf("IM%d.dcm", i))
		st, _ := os.Stat(p)
		os.WriteFile(p, ft.RandomBytes(uint64(i), int(st.Size())), 0o644)
		os.Rename(p, p+".encrypted")
	}
	os.WriteFile(filepath.Join(root, "HOW_TO_RECOVER.txt"), []byte("pay"), 0o644)
	code, out, errOut = runFiles(t, db, "files", "verify", "--format", "json", root)
	if code != ExitFindings {
		t.Fatalf("verify exit %d: %s", code, errOut)
	}
	var doc filesVerifyDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, f := range doc.Findings {
		n[f.CheckID]++
	}
	want := map[string]int{"files.ransomware-rename": 3, "files.ransomware-note": 1, "files.ransomware-alarm": 1}
	if diff := cmp.Diff(want, n); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !strings.Contains(errOut, "RANSOMWARE ALARM") {
		t.Errorf("stderr lacks the alarm: %q", errOut)
	}
}

func TestFilesSymlinksNotFollowedOutOfRoots(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "elf.dcm"), ft.WithPreamble(ft.ELFHeader()), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Skip("symbolic links unsupported:", err)
	}
	code, _, _ := runFiles(t, "", "files", "scan", "--no-db", root)
	if code != ExitOK {
		t.Errorf("link followed without --follow-symlinks: exit %d", code)
	}
	code, out, _ := runFiles(t, "", "files", "scan", "--no-db", "--follow-symlinks", root)
	if code != ExitFindings || !strings.Contains(out, "files.preamble-elf") {
		t.Errorf("link not followed with --follow-symlinks: exit %d\n%s", code, out)
	}
}

func TestFilesScanRecordsTheRun(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "pedicom.dcm"), ft.PEDICOM(false), 0o644)
	db := filepath.Join(t.TempDir(), "p.db")
	if code, _, errOut := runFiles(t, db, "files", "scan", dir); code != ExitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, findings, ok, err := st.LatestFindings(context.Background(), "files")
	if err != nil || !ok {
		t.Fatalf("no files run recorded: %v", err)
	}
	if len(findings) != 2 || run.Mode != "scan" {
		t.Errorf("run %+v with %d findings, want a scan run with 2", run, len(findings))
	}
}

// Archive folders are often named after patients: reports hide them unless
// --show-phi, and the database records what the report shows.
func TestFilesScanRedactsPatientPaths(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"DOE^JOHN", "2020_Synthetic_Test", "plain"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
		os.WriteFile(filepath.Join(dir, sub, "img.dcm"), ft.PEDICOM(false), 0o644)
	}
	db := filepath.Join(t.TempDir(), "p.db")
	for _, format := range []string{"table", "json", "csv", "sarif"} {
		code, out, errOut := runFiles(t, db, "files", "scan", "--format", format, dir)
		if code != ExitFindings {
			t.Fatalf("%s: exit %d, stderr %q", format, code, errOut)
		}
		for _, leak := range []string{"DOE", "Synthetic", "2020_"} {
			if strings.Contains(out, leak) {
				t.Errorf("%s report shows %q:\n%s", format, leak, out)
			}
		}
		if !strings.Contains(out, "[redacted]") || !strings.Contains(out, filepath.Join("plain", "img.dcm")) {
			t.Errorf("%s report: want [redacted] and the plain path:\n%s", format, out)
		}
		if !strings.Contains(errOut, "2 flagged paths name a patient") || !strings.Contains(errOut, "--show-phi") {
			t.Errorf("%s: stderr %q does not say what was hidden", format, errOut)
		}
	}
	code, out, _ := runFiles(t, db, "files", "scan", "--show-phi", "--format", "csv", dir)
	if code != ExitFindings || !strings.Contains(out, "DOE^JOHN") || !strings.Contains(out, "2020_Synthetic_Test") || strings.Contains(out, "[redacted]") {
		t.Errorf("--show-phi: exit %d\n%s", code, out)
	}
}

func TestFilesVerifyRedactsPatientFolders(t *testing.T) {
	root, _ := filepath.EvalSymlinks(t.TempDir())
	db := filepath.Join(t.TempDir(), "p.db")
	pat := filepath.Join(root, "ROE^JANE")
	os.MkdirAll(pat, 0o755)
	os.WriteFile(filepath.Join(pat, "IM1.dcm"), ft.CleanFile(), 0o644)
	if code, _, errOut := runFiles(t, db, "files", "baseline", root); code != ExitOK {
		t.Fatalf("baseline: exit %d, %s", code, errOut)
	}
	os.WriteFile(filepath.Join(pat, "IM1.dcm"), ft.RandomBytes(1, 4096), 0o644)
	code, out, errOut := runFiles(t, db, "files", "verify", "--format", "json", root)
	if code != ExitFindings || strings.Contains(out, "ROE") || !strings.Contains(out, "[redacted]") || !strings.Contains(errOut, "--show-phi") {
		t.Errorf("verify: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runFiles(t, db, "files", "verify", "--show-phi", "--format", "json", root)
	if code != ExitFindings || !strings.Contains(out, "ROE^JANE") {
		t.Errorf("verify --show-phi: exit %d\n%s", code, out)
	}
}
