package filescan

import (
	"bytes"
	"encoding/binary"
	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

func testScanner(t testing.TB) *Scanner {
	t.Helper()
	cat, err := check.Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewScanner(cat, Options{})
}

func checkIDs(fs []inventory.Finding) []string {
	var ids []string
	for _, f := range fs {
		if !slices.Contains(ids, f.CheckID) {
			ids = append(ids, f.CheckID)
		}
	}
	slices.Sort(ids)
	return ids
}

// TestVariantsDetected proves every generated variant gives exactly its
// check IDs, from a file on disk as the sweep reads it.
func TestVariantsDetected(t *testing.T) {
	s := testScanner(t)
	dir := t.TempDir()
	for _, v := range ft.Variants() {
		t.Run(v.Name, func(t *testing.T) {
			sub := filepath.Join(dir, filepath.FromSlash(v.Name))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sub, v.File)
			if err := os.WriteFile(path, v.Data(), 0o644); err != nil {
				t.Fatal(err)
			}
			res := s.ScanFile(path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			got := checkIDs(res.Findings)
			if diff := cmp.Diff(v.Want, got); diff != "" {
				for _, f := range res.Findings {
					t.Logf("%s: %+v", f.CheckID, f.Evidence)
				}
				t.Errorf("check IDs (-want +got):\n%s", diff)
			}
			for _, f := range res.Findings {
				if f.Path != path || f.Title == "" || f.Remediation == "" {
					t.Errorf("finding %s lacks path, title or remediation: %+v", f.CheckID, f)
				}
			}
		})
	}
}

func TestPEDICOMNamesTheElement(t *testing.T) {
	s := testScanner(t)
	b := ft.PEDICOM(false)
	res := s.ScanReader(bytes.NewReader(b), int64(len(b)), "pedicom.dcm")
	var found bool
	for _, f := range res.Findings {
		if f.CheckID == "files.pe-dicom" {
			found = true
			if got, want := f.Evidence[0].Data, "tag=(0009,1110)"; !bytes.Contains([]byte(got), []byte(want)) {
				t.Errorf("evidence data %q does not name %s", got, want)
			}
		}
	}
	if !found {
		t.Fatal("no files.pe-dicom finding")
	}
	if res.Plan == nil || !res.Plan.ZeroPreamble || len(res.Plan.Remove) != 1 || res.Plan.Remove[0].Tag != ft.TagPrivatePayload9 || res.Plan.Blocked != "" {
		t.Errorf("clean plan = %+v, want preamble zeroed and (0009,1110) removed", res.Plan)
	}
}

func TestELFDICOMProgramHeaders(t *testing.T) {
	s := testScanner(t)
	b := ft.WithPreamble(ft.ELFHeader())
	res := s.ScanReader(bytes.NewReader(b), int64(len(b)), "elf.dcm")
	if len(res.Findings) != 1 || !strings.Contains(res.Findings[0].Evidence[0].Observed, "1 program headers at offset 64, inside the preamble") {
		t.Errorf("findings %+v; want the program headers located in the preamble", res.Findings)
	}
}

// TestLargeValuesAreSampledNotLoaded scans a sparse 1 GiB private element
// that starts with an ELF header: the payload is found and the scan
// allocates a small fraction of the value.
func TestLargeValuesAreSampledNotLoaded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.dcm")
	head := ft.WithPrivate("OB", ft.ELFHeader())
	// Re-declare the private value as 1 GiB: the file is extended sparsely.
	const big = 1 << 30
	i := bytes.Index(head, ft.ELFHeader())
	binary.LittleEndian.PutUint32(head[i-4:], big)
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	fh.Write(head[:i+len(ft.ELFHeader())])
	if err := fh.Truncate(int64(i) + big); err != nil {
		t.Skip("no sparse files here:", err)
	}
	fh.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := testScanner(t).ScanFile(p)
	runtime.ReadMemStats(&after)
	if got := checkIDs(res.Findings); !slices.Contains(got, "files.payload-in-private-element") {
		t.Errorf("check IDs %v, want the payload found", got)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("the scan allocated %d bytes for a 1 GiB value", alloc)
	}
}

func TestConformanceFindingsOnlyWhenAsked(t *testing.T) {
	// An element after pixel data that sorts before it: out of order.
	raw := append([]byte{0x10, 0x00, 0x30, 0x00, 'D', 'A', 8, 0}, "20000101"...)
	b := ft.AppendRaw(raw)
	cat := testScanner(t).cat
	for _, tc := range []struct {
		conformance bool
		want        []string
	}{{false, nil}, {true, []string{"files.nonconformant"}}} {
		res := NewScanner(cat, Options{Conformance: tc.conformance}).ScanReader(bytes.NewReader(b), int64(len(b)), "x.dcm")
		if diff := cmp.Diff(tc.want, checkIDs(res.Findings)); diff != "" {
			t.Errorf("conformance=%v (-want +got):\n%s", tc.conformance, diff)
		}
	}
}
