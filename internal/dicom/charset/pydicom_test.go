package charset

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const pydicomData = "/usr/lib/python3/dist-packages/pydicom/data"

// TestAgainstPydicom decodes every text value of the DICOM files that
// Debian's python3-pydicom ships (its character-set samples from David
// Clunie's collection, and its test files) and compares with pydicom's own
// decoding, run through /usr/bin/python3.
func TestAgainstPydicom(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	files, _ := filepath.Glob(filepath.Join(pydicomData, "charset_files", "*.dcm"))
	more, _ := filepath.Glob(filepath.Join(pydicomData, "test_files", "*.dcm"))
	files = append(files, more...)
	if _, err := os.Stat("/usr/bin/python3"); err != nil || len(files) == 0 {
		if os.Getenv("PACSGUARD_REQUIRE_PEERS") == "1" {
			t.Fatal("python3-pydicom is not installed; run scripts/install-deps.sh")
		}
		t.Skip("python3-pydicom is not installed")
	}
	n, nonASCII := compareWithPython(t, append([]string{"testdata/pydicom_strings.py"}, files...))
	if n < 1000 || nonASCII < 20 {
		t.Errorf("compared %d values (%d with non-ASCII bytes); want at least 1000 and 20: is the pydicom data complete?", n, nonASCII)
	}
}

// TestSyntheticFromPydicom decodes random strings of every repertoire that
// pydicom's encoder wrote, escape sequences included, and expects the
// original strings back.
func TestSyntheticFromPydicom(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python3")
	}
	if _, err := os.Stat(filepath.Join(pydicomData, "..", "charset.py")); err != nil {
		if os.Getenv("PACSGUARD_REQUIRE_PEERS") == "1" {
			t.Fatal("python3-pydicom is not installed; run scripts/install-deps.sh")
		}
		t.Skip("python3-pydicom is not installed")
	}
	n, _ := compareWithPython(t, []string{"testdata/pydicom_synthetic.py", "60"})
	if n < 1000 {
		t.Errorf("compared %d values, want at least 1000", n)
	}
}

// compareWithPython runs a script that prints JSON lines {path, scs, vr,
// raw (base64), want} and checks that Decode gives want for each. It
// returns how many values it compared and how many had non-ASCII bytes.
func compareWithPython(t *testing.T, args []string) (n, nonASCII int) {
	t.Helper()
	cmd := exec.Command("/usr/bin/python3", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", args[0], err, stderr.Bytes())
	}
	type record struct {
		Path string
		SCS  []string
		VR   string
		Raw  string
		Want string
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(r.Raw)
		if err != nil {
			t.Fatal(err)
		}
		n++
		if !isPlainASCII(raw) {
			nonASCII++
		}
		d, _ := New(r.SCS)
		got, _ := d.Decode(raw, r.VR)
		if got != r.Want {
			t.Errorf("%s (%s, %q, % x): got %q, want %q", r.Path, r.VR, r.SCS, raw, got, r.Want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: compared %d values, %d with non-ASCII bytes", args[0], n, nonASCII)
	return n, nonASCII
}
