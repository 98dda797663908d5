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

	"github.com/pacsguard/pacsguard/internal/lab"
)

func runScanCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: time.Now,
		Getenv: func(k string) string {
			if k == "HOME" {
				return t.TempDir()
			}
			return ""
		}}
	code := RunEnv(context.Background(), env, args)
	return code, out.String(), errb.String()
}

func TestScanUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"scan"},
		{"scan", "--intrusive=maybe", "127.0.0.1"},
		{"scan", "--discovery", "--intrusive", "127.0.0.1"},
		{"scan", "--dicom-ports", "0", "127.0.0.1"},
		{"scan", "--exclude", "10.0.0.999", "127.0.0.1"},
		{"scan", "--format", "xml", "127.0.0.1"},
		{"scan", "--no-db", "--diff", "127.0.0.1"},
		{"scan", "10.0.0.0/8"},
		{"scan", "--alt-source", "nope", "127.0.0.1"},
		{"scan", "--alt-source", "192.0.2.77", "127.0.0.1"}, // TEST-NET-1: not an address of this machine
		{"lab", "--config", "/nonexistent/lab.yaml"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, _, stderr := runScanCLI(t, args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, stderr)
			}
		})
	}
}

func TestScanLabJSONAndDiff(t *testing.T) {
	l, err := lab.Start(context.Background(), lab.Config{Schema: lab.Schema, Nodes: []lab.Node{
		{Name: "open", Role: "archive", AE: "OPEN", Unknown: []string{"all"}, Studies: 1},
		{Name: "web", Role: "web-viewer", Kind: "web", Web: &lab.Web{Studies: 1}},
	}}, lab.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Stop()
	var targets []string
	for _, n := range l.Nodes() {
		targets = append(targets, n.Addr)
	}
	db := filepath.Join(t.TempDir(), "pg.db")
	out := filepath.Join(t.TempDir(), "scan.json")
	code, _, stderr := runScanCLI(t, append([]string{"scan", "--db", db, "--rate", "1000", "--timeout", "1s", "--format", "json", "-o", out}, targets...)...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d (findings); stderr %s", code, ExitFindings, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schema string `json:"schema"`
		Run    struct {
			Mode string `json:"mode"`
		} `json:"run"`
		Services []struct {
			Transport string `json:"transport"`
		} `json:"services"`
		Findings []struct {
			CheckID string `json:"check_id"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "pacsguard.scan/v1" || doc.Run.Mode != "safe" || len(doc.Services) != 2 || len(doc.Findings) == 0 {
		t.Errorf("document: schema %q mode %q, %d services, %d findings", doc.Schema, doc.Run.Mode, len(doc.Services), len(doc.Findings))
	}
	code, stdout, _ := runScanCLI(t, append([]string{"scan", "--db", db, "--rate", "1000", "--timeout", "1s", "--diff"}, targets...)...)
	if code != ExitFindings || !strings.Contains(stdout, "Changes since scan 1") || !strings.Contains(stdout, "nothing changed") {
		t.Errorf("second scan with --diff: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runScanCLI(t, append([]string{"scan", "--db", db, "--rate", "1000", "--timeout", "1s", "--diff", "--intrusive"}, targets...)...)
	if !strings.Contains(stdout, "+ CRITICAL dicom.open-query") {
		t.Errorf("intrusive scan with --diff should show the new open-query finding:\n%s", stdout)
	}
	if !strings.Contains(stdout, "mode intrusive") {
		t.Errorf("the report must state the mode:\n%s", stdout)
	}
}

func TestDemo(t *testing.T) {
	html := filepath.Join(t.TempDir(), "demo.html")
	start := time.Now()
	code, stdout, stderr := runScanCLI(t, "demo", "-o", html)
	if code != ExitOK {
		t.Fatalf("demo exit %d; stderr %s", code, stderr)
	}
	if el := time.Since(start); el > 30*time.Second {
		t.Errorf("demo took %v", el)
	}
	for _, want := range []string{"open-archive", "mode intrusive+store", "dicom.open-query", "HTML report: " + html} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	for _, p := range []string{html, strings.TrimSuffix(html, ".html") + ".json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(bytes.ToUpper(b), []byte("LABPATIENT")) {
			t.Errorf("%s contains synthetic patient names", p)
		}
	}
	if strings.Contains(strings.ToUpper(stdout), "LABPATIENT") {
		t.Error("demo output contains synthetic patient names")
	}
}

func TestLabPrintsNodesUntilInterrupted(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "lab.json")
	os.WriteFile(cfg, []byte(`{"schema":"pacsguard.lab/v1","nodes":[{"name":"pacs","role":"archive","ae":"MYPACS","unknown":["echo"]}]}`), 0o600)
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Now: time.Now, Getenv: func(string) string { return "" }}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	code := RunEnv(ctx, env, []string{"lab", "--config", cfg})
	if code != ExitOK {
		t.Fatalf("exit %d; stderr %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "pacs") || !strings.Contains(lines[1], "archive") || !strings.Contains(lines[1], "MYPACS") || !strings.Contains(lines[1], "127.0.0.1:") {
		t.Errorf("lab output:\n%s", out.String())
	}
}

func TestScanNothingScannableIsAUsageError(t *testing.T) {
	// A public address without --allow-public is skipped before any packet;
	// exit 0 would tell a script the host was scanned and clean.
	code, _, errOut := runScanCLI(t, "scan", "--no-db", "192.0.2.10")
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitUsage, errOut)
	}
	if !strings.Contains(errOut, "nothing was scanned") || !strings.Contains(errOut, "--allow-public") {
		t.Errorf("stderr %q does not say why nothing was scanned and how to fix it", errOut)
	}
}
