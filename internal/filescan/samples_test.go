package filescan

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// requirePeer skips, or fails under PACSGUARD_REQUIRE_PEERS=1, when a
// Debian package the test needs is absent.
func requirePeer(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("PACSGUARD_REQUIRE_PEERS") == "1" {
		t.Fatalf("%s is missing (scripts/install-deps.sh installs it)", what)
	}
	t.Skipf("%s is missing", what)
}

func pydicomSamples(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", "python3-pydicom").Output()
	if err != nil {
		requirePeer(t, "python3-pydicom")
	}
	var files []string
	dcm := 0
	for _, p := range strings.Split(string(out), "\n") {
		// Every file of the data directory, .dcm or not (the DICOMDIR test
		// trees have files without extension).
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() || !strings.Contains(p, "/pydicom/data/") {
			continue
		}
		files = append(files, p)
		if strings.HasSuffix(p, ".dcm") {
			dcm++
		}
	}
	if dcm == 0 {
		requirePeer(t, "python3-pydicom's sample files")
	}
	// The other DICOM files Debian ships (test-peers.md §5.1), when installed.
	for _, p := range []string{"/usr/share/doc/libgdcm3.0/examples/00191113.dcm", "/usr/share/doc/dicom3tools/examples/0051.dcm"} {
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		}
	}
	return files
}

// genuineAnomalies are the findings the clean files Debian's python3-pydicom
// ships really deserve, by file name, each with the reason it is right.
var genuineAnomalies = map[string]struct {
	ids    []string
	reason string
}{
	"MR_small_padded.dcm": {[]string{"files.malformed"},
		"its pixel data holds 8320 bytes where Rows, Columns and Bits Allocated declare 8192 (padded on purpose by pydicom's tests)"},
	"MR_truncated.dcm": {[]string{"files.truncated"},
		"pydicom cut it short on purpose: pixel data declares 8192 bytes and 8130 are there"},
	"badVR.dcm": {[]string{"files.malformed"},
		"Number of Frames is not an integer string (the file crashes dciodvfy: test-peers.md §5.2)"},
	"image_dfl.dcm": {[]string{"files.trailing-data"},
		"8 bytes follow the end of its deflate stream"},
	"no_meta.dcm": {[]string{"files.not-dicom"},
		"a raw data set with a stray byte before its first element; dcmdump rejects it too (tag (0820,0500) larger than the file)"},
	"DICOMDIR-nooffset": {[]string{"files.length-beyond-end"},
		"its last directory record's item length (248) runs 24 bytes past the defined length of the Directory Record Sequence"},
	"rtplan_truncated.dcm": {[]string{"files.length-beyond-end", "files.truncated"},
		"pydicom cut it short on purpose inside nested sequences: item lengths now run past their sequences"},
}

// TestPydicomSamplesAreClean sweeps every file of pydicom's data directory
// (94 .dcm files, DICOMDIR trees, palettes, charsets) and accepts no finding but
// the genuine anomalies listed above.
func TestPydicomSamplesAreClean(t *testing.T) {
	s := testScanner(t)
	files := pydicomSamples(t)
	t.Logf("%d files", len(files))
	for _, path := range files {
		res := s.ScanFile(path)
		if res.Err != nil {
			t.Errorf("%s: %v", path, res.Err)
			continue
		}
		got := checkIDs(res.Findings)
		want := genuineAnomalies[filepath.Base(path)].ids
		if !slices.Equal(got, want) {
			var ev []string
			for _, f := range res.Findings {
				for _, e := range f.Evidence {
					ev = append(ev, f.CheckID+": "+e.Observed)
				}
			}
			t.Errorf("%s: check IDs %v, want %v\n  %s", filepath.Base(path), got, want, strings.Join(ev, "\n  "))
		}
	}
}
