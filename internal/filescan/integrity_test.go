package filescan

import (
	"context"
	"fmt"
	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// archive writes n clean synthetic images under dir/SERIES.
func archive(t *testing.T, dir string, n int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "SERIES"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ds := ft.CleanDataSet()
		px := ds.Find(0x7FE00010)
		px.Value[0] = byte(i) // every file different
		if err := os.WriteFile(filepath.Join(dir, "SERIES", fmt.Sprintf("IM%04d.dcm", i)), ft.WriteDICOM([128]byte{}, ds), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func baselineOf(t *testing.T, root string) []Fingerprint {
	t.Helper()
	var fps []Fingerprint
	_, err := FingerprintTree(context.Background(), root, WalkOptions{}, func(fp Fingerprint, err error) {
		if err != nil {
			t.Fatal(err)
		}
		fps = append(fps, fp)
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(fps, func(i, j int) bool { return fps[i].Path < fps[j].Path })
	return fps
}

func feed(fps []Fingerprint) func(func(Fingerprint) error) error {
	return func(fn func(Fingerprint) error) error {
		for _, fp := range fps {
			if err := fn(fp); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestVerifyReportsEveryChangeAndRaisesTheAlarm(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	archive(t, root, 10)
	base := baselineOf(t, root)
	for _, fp := range base {
		if !fp.IsDICOM {
			t.Fatalf("%s not DICOM at baseline", fp.Path)
		}
	}
	p := func(name string) string { return filepath.Join(root, "SERIES", name) }
	size := func(name string) int64 {
		st, err := os.Stat(p(name))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Encrypt in place (same size, random bytes).
	must(os.WriteFile(p("IM0000.dcm"), ft.RandomBytes(10, int(size("IM0000.dcm"))), 0o644))
	// Encrypt and rename with a known extension.
	must(os.WriteFile(p("IM0001.dcm"), ft.RandomBytes(11, int(size("IM0001.dcm"))), 0o644))
	must(os.Rename(p("IM0001.dcm"), p("IM0001.dcm.locked")))
	// Rename with an unknown extension, same size.
	must(os.Rename(p("IM0002.dcm"), p("IM0002.dcm.x7k2q")))
	// Delete.
	must(os.Remove(p("IM0003.dcm")))
	// Modify (still DICOM).
	b, err := os.ReadFile(p("IM0004.dcm"))
	must(err)
	b[len(b)-1] ^= 0xff
	must(os.WriteFile(p("IM0004.dcm"), b, 0o644))
	// Overwrite with text: no longer DICOM, not encrypted.
	must(os.WriteFile(p("IM0005.dcm"), []byte("overwritten by mistake\n"), 0o644))
	// New files: an image and two ransom notes.
	must(os.WriteFile(p("IM0100.dcm"), ft.CleanFile(), 0o644))
	must(os.WriteFile(filepath.Join(root, "README_TO_RESTORE.html"), []byte("<html>pay</html>"), 0o644))
	must(os.WriteFile(p("readme.txt"), []byte("pay"), 0o644))

	cat := testScanner(t).cat
	findings, sum, err := Verify(context.Background(), cat, root, root, feed(base), VerifyOptions{AlarmThreshold: 0.2})
	must(err)
	got := map[string][]string{}
	for _, f := range findings {
		rel, _ := filepath.Rel(root, f.Path)
		got[f.CheckID] = append(got[f.CheckID], filepath.ToSlash(rel))
	}
	want := map[string][]string{
		"files.ransomware-encrypted": {"SERIES/IM0000.dcm"},
		"files.ransomware-rename":    {"SERIES/IM0001.dcm.locked", "SERIES/IM0002.dcm.x7k2q"},
		"files.integrity-missing":    {"SERIES/IM0003.dcm"},
		"files.integrity-modified":   {"SERIES/IM0004.dcm"},
		"files.integrity-not-dicom":  {"SERIES/IM0005.dcm"},
		"files.integrity-new":        {"SERIES/IM0100.dcm"},
		"files.ransomware-note":      {"README_TO_RESTORE.html", "SERIES/readme.txt"},
		"files.ransomware-alarm":     {"."},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings by check (-want +got):\n%s", diff)
	}
	wantSum := VerifySummary{Baselined: 10, Current: 12, Unchanged: 4, Modified: 3, Missing: 1, New: 3, Renamed: 2,
		NotDICOM: 1, Encrypted: 1, Notes: 2, ChangedShare: 0.6, Alarm: true}
	if diff := cmp.Diff(wantSum, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}

	// Above the share that changed, no alarm.
	findings, sum, err = Verify(context.Background(), cat, root, root, feed(base), VerifyOptions{AlarmThreshold: 0.7})
	must(err)
	for _, f := range findings {
		if f.CheckID == "files.ransomware-alarm" {
			t.Errorf("alarm raised at threshold 70%% with %.0f%% changed", 100*sum.ChangedShare)
		}
	}
}

func TestVerifyUnchangedArchiveIsQuiet(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	archive(t, root, 5)
	base := baselineOf(t, root)
	findings, sum, err := Verify(context.Background(), testScanner(t).cat, root, filepath.Join(root, "SERIES"), feed(base), VerifyOptions{AlarmThreshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 0 || sum.Unchanged != 5 {
		t.Errorf("findings %v, summary %+v; want none and 5 unchanged", findings, sum)
	}
}

// Ransomware that encrypts only the first KiBs of each file (intermittent
// encryption) destroys the header; the rest still looks like pixel data.
func TestVerifyIntermittentEncryption(t *testing.T) {
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ds := ft.CleanDataSet()
	px := ds.Find(0x7FE00010)
	px.Value = make([]byte, 1<<20)
	for i := range px.Value {
		px.Value[i] = byte(i / 4096) // smooth image: low entropy
	}
	px.Length = uint32(len(px.Value))
	p := filepath.Join(root, "big.dcm")
	if err := os.WriteFile(p, ft.WriteDICOM([128]byte{}, ds), 0o644); err != nil {
		t.Fatal(err)
	}
	base := baselineOf(t, root)
	fh, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteAt(ft.RandomBytes(9, 4096), 0)
	fh.Close()
	findings, _, err := Verify(context.Background(), testScanner(t).cat, root, root, feed(base), VerifyOptions{AlarmThreshold: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if got := checkIDs(findings); !cmp.Equal(got, []string{"files.ransomware-alarm", "files.ransomware-encrypted"}) {
		t.Errorf("check IDs %v, want the encryption and the alarm", got)
	}
}
