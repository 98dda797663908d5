package filescan

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
)

// seedFiles adds the generated variants and the codec's synthetic test files.
func seedFiles(f *testing.F) {
	for _, v := range ft.Variants() {
		if b := v.Data(); len(b) < 64<<10 {
			f.Add(b)
		}
	}
	paths, _ := filepath.Glob("../dicom/testdata/*.dcm")
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
}

// FuzzScan: hostile bytes never crash the scan; every finding is
// catalogued and located; a clean plan stays inside the file.
func FuzzScan(f *testing.F) {
	seedFiles(f)
	s := testScanner(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		res := s.ScanReader(bytes.NewReader(b), int64(len(b)), "fuzz.dcm")
		for _, fd := range res.Findings {
			if _, ok := s.cat.Get(fd.CheckID); !ok {
				t.Errorf("uncatalogued check %s", fd.CheckID)
			}
			if fd.Path != "fuzz.dcm" || len(fd.Evidence) == 0 {
				t.Errorf("finding %s without path or evidence", fd.CheckID)
			}
		}
		if p := res.Plan; p != nil && p.Blocked == "" && p.Reencode == "" {
			last := int64(0)
			for _, r := range p.Remove {
				if r.Start < last || r.End < r.Start || r.End > int64(len(b)) {
					t.Errorf("removal %+v overlaps or leaves the file (%d bytes)", r, len(b))
				}
				last = r.End
			}
			if p.TruncateAt > int64(len(b)) {
				t.Errorf("truncation at %d beyond %d bytes", p.TruncateAt, len(b))
			}
		}
	})
}

// FuzzScanDocument: what the document scan finds does not depend on where
// its windows fall.
func FuzzScanDocument(f *testing.F) {
	f.Add(ft.PDFWith("/OpenAction 1 0 R /J#61vaScript", 3000))
	f.Add([]byte(`<html><body onload=x()><script>a</script></body></html>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY % e SYSTEM "http://x/">]><a/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		whole, err := scanDocument(bytes.NewReader(b), 0, int64(len(b)), 1<<20, docChunk)
		if err != nil {
			t.Fatal(err)
		}
		small, err := scanDocument(bytes.NewReader(b), 0, int64(len(b)), 1<<20, 1024)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(whole, small); diff != "" {
			t.Errorf("windows of 1 KiB find something else (-64 KiB +1 KiB):\n%s", diff)
		}
	})
}

// FuzzFileIDEscapes: a Referenced File ID that passes stays inside the
// media root once its components are joined into a path.
func FuzzFileIDEscapes(f *testing.F) {
	for _, s := range []string{`IMAGES\IM1`, `..\X`, `\ROOT`, `C:\X`, `A\..\..\B`, `A/../../B`, `~\X`, `A\B\C`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts := rawComponents([]byte(s))
		joined := strings.Join(parts, "/")
		if fileIDEscapes(parts) == "" && joined != "" && strings.Trim(joined, "/") != "" && !filepath.IsLocal(joined) {
			t.Errorf("%q passes but %q leaves the root", s, joined)
		}
	})
}
