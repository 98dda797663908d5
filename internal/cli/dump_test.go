package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

var updateDump = flag.Bool("update-dump", false, "rewrite the dump golden files under testdata/dump")

// Synthetic files written by internal/dicom's own writer (no patient data).
const dumpSamples = "../dicom/testdata"

func runDumpCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errOut,
		Now:    func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) },
		Getenv: func(string) string { return "" },
	}
	code = RunEnv(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

func dumpGolden(t *testing.T, name, got string) {
	t.Helper()
	checkGolden(t, *updateDump, "dump", name, got, "go test ./internal/cli -run Dump -update-dump")
}

func TestDumpListing(t *testing.T) {
	for _, name := range []string{"explicit_le.dcm", "implicit_le.dcm", "explicit_be.dcm", "deflated.dcm", "encapsulated.dcm", "defined_lengths.dcm", "pe_preamble.dcm", "raw_implicit.dcm", "charsets.dcm"} {
		t.Run(name, func(t *testing.T) {
			path := dumpSamples + "/" + name
			code, out, errOut := runDumpCLI(t, "dump", path)
			if code != ExitOK || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			if strings.Contains(out, "Synthetic^Test") || strings.Contains(out, "SYNTH-0001") || strings.Contains(out, "19700101") {
				t.Errorf("patient data in the listing without --show-phi:\n%s", out)
			}
			dumpGolden(t, strings.TrimSuffix(name, ".dcm")+".txt", out)
		})
	}
}

func TestDumpShowPHI(t *testing.T) {
	code, out, _ := runDumpCLI(t, "dump", "--show-phi", "--max-value", "0", dumpSamples+"/explicit_le.dcm")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"[Synthetic^Test]", "[SYNTH-0001]", "[19700101]", "[SYNTH-ID]"} {
		if !strings.Contains(out, want) {
			t.Errorf("--show-phi listing lacks %s", want)
		}
	}
}

// TestDumpCharsets: text is decoded from the file's character set, an item
// may switch to another, and a value that does not decode is an anomaly.
func TestDumpCharsets(t *testing.T) {
	code, out, _ := runDumpCLI(t, "dump", "--show-phi", dumpSamples+"/charsets.dcm")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"[Straße Geräte]", "[Cœur ❤]", "[Müller^Zoë]", "charset-decode at offset"} {
		if !strings.Contains(out, want) {
			t.Errorf("listing lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runDumpCLI(t, "dump", "--json", "--show-phi", dumpSamples+"/charsets.dcm")
	if !strings.Contains(out, `"Alphabetic":"Müller^Zoë"`) || !strings.Contains(out, `"charset-decode"`) {
		t.Errorf("JSON lacks the decoded name or the anomaly:\n%s", out)
	}
}

func TestDumpJSON(t *testing.T) {
	code, out, errOut := runDumpCLI(t, "dump", "--json", dumpSamples+"/explicit_le.dcm", dumpSamples+"/defined_lengths.dcm")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var files []struct {
		Schema    string                     `json:"schema"`
		Dataset   map[string]json.RawMessage `json:"dataset"`
		Anomalies []struct{ Kind string }    `json:"anomalies"`
	}
	if err := json.Unmarshal([]byte(out), &files); err != nil {
		t.Fatalf("invalid JSON: %v\n%s", err, out)
	}
	if len(files) != 2 || files[0].Schema != DumpSchema {
		t.Fatalf("got %d files, schema %q", len(files), files[0].Schema)
	}
	if got := string(files[0].Dataset["00100010"]); got != `{"vr":"PN"}` {
		t.Errorf("redacted PatientName = %s", got)
	}
	if got := string(files[0].Dataset["00280010"]); got != `{"vr":"US","Value":[2]}` {
		t.Errorf("Rows = %s", got)
	}
	if len(files[1].Anomalies) == 0 {
		t.Error("anomalies of defined_lengths.dcm missing")
	}
	dumpGolden(t, "explicit_le.json", out)

	_, out, _ = runDumpCLI(t, "dump", "--json", "--show-phi", dumpSamples+"/explicit_le.dcm")
	if !strings.Contains(out, `"00100010":{"vr":"PN","Value":[{"Alphabetic":"Synthetic^Test"}]}`) {
		t.Errorf("--show-phi JSON lacks the PN in the JSON model:\n%s", out)
	}
}

func TestDumpFailures(t *testing.T) {
	dir := t.TempDir()
	notDICOM := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notDICOM, []byte("just some text, no DICOM here"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runDumpCLI(t, "dump", filepath.Join(dir, "missing.dcm"), dir, notDICOM, dumpSamples+"/explicit_le.dcm")
	if code != ExitFindings {
		t.Errorf("exit code %d, want %d", code, ExitFindings)
	}
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(lines) != 4 {
		t.Fatalf("stderr has %d lines, want one per failed file and a summary:\n%s", len(lines), errOut)
	}
	for i, want := range []string{"no such file", "is a directory", "not a DICOM file", "3 of 4 files"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("stderr line %d = %q, want it to say %q", i+1, lines[i], want)
		}
	}
	if !strings.Contains(out, "(0008,0060) CS [OT]") {
		t.Errorf("the readable file was not dumped:\n%s", out)
	}
}

// TestDumpEscapesTerminalControls: a value holding an ANSI escape sequence
// or a bidi override is shown escaped, never sent raw to the terminal.
func TestDumpEscapesTerminalControls(t *testing.T) {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSpecificCharacterSet, dicom.VRCS, "ISO_IR 192"))
	ds.Set(dicom.NewString(0x00080070, dicom.VRLO, "evil\x1b[2J\u202egnp.exe"))
	f := &dicom.File{Meta: dicom.NewFileMeta("1.2.3", "1.2.3.4", dicom.ExplicitVRLittleEndian), DataSet: ds, TransferSyntax: dicom.ExplicitVRLittleEndian}
	var b bytes.Buffer
	if err := dicom.WriteFile(&b, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "evil.dcm")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := runDumpCLI(t, "dump", path)
	if strings.ContainsAny(out, "\x1b\u202e") {
		t.Errorf("control characters reached the output:\n%q", out)
	}
	if !strings.Contains(out, `evil\u001b[2J\u202egnp.exe`) {
		t.Errorf("escaped value missing:\n%s", out)
	}
}

func TestDumpUsage(t *testing.T) {
	for _, args := range [][]string{{"dump"}, {"dump", "--max-value", "-1", "x.dcm"}, {"dump", "--bogus", "x.dcm"}} {
		if code, _, _ := runDumpCLI(t, args...); code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, ExitUsage)
		}
	}
}

// TestDumpPydicomSamples dumps every DICOM file Debian's python3-pydicom
// ships, in both formats: the JSON must parse, nothing may fail but the
// files that are not DICOM, and no control character may reach the output.
func TestDumpPydicomSamples(t *testing.T) {
	paths, _ := filepath.Glob("/usr/lib/python3/dist-packages/pydicom/data/*/*.dcm")
	if len(paths) < 90 {
		if os.Getenv("PACSGUARD_REQUIRE_PEERS") == "1" {
			t.Fatalf("pydicom samples missing (%d found; run scripts/install-deps.sh)", len(paths))
		}
		t.Skipf("pydicom samples missing (%d found)", len(paths))
	}
	code, out, errOut := runDumpCLI(t, append([]string{"dump", "--show-phi"}, paths...)...)
	// no_meta.dcm starts with a stray byte: neither dcmdump nor we read it.
	if code != ExitFindings || strings.Count(errOut, "\n") != 2 || !strings.Contains(errOut, "no_meta.dcm: not a DICOM file") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, r := range out {
		if r != '\n' && unsafeRune(r) {
			t.Fatalf("control character %U in the listing", r)
		}
	}
	_, out, _ = runDumpCLI(t, append([]string{"dump", "--json"}, paths...)...)
	var files []map[string]any
	if err := json.Unmarshal([]byte(out), &files); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if len(files) != len(paths)-1 {
		t.Errorf("%d files in the JSON, want %d", len(files), len(paths)-1)
	}
}
