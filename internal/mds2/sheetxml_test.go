package mds2

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLayoutOf(t *testing.T) {
	sheet := `<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="2" hidden="1"><c r="A2" t="inlineStr"><is><t>AUTH-1</t></is></c></row>
<row><c r="B3"/><c><v>1</v></c></row>
<row r="7" hidden="true"><c r="XFD7"/></row>
<row r="9"><c r="AMJ9"><v>1</v></c></row>
<row r="10"><c r="AMK10"><v>1</v></c></row>
<row r="11"><c r="XFD11"><f>1+1</f></c></row>
<row r="12" hidden="1"/>
</sheetData><mergeCells count="2"><mergeCell ref="C2:C4"/><mergeCell ref="A9:B9"/></mergeCells></worksheet>`
	got := layoutOf(strings.NewReader(sheet), 11)
	want := sheetLayout{
		merges: []string{"C2:C4", "A9:B9"},
		hidden: map[int]bool{2: true, 7: true}, // row 12 is beyond maxRows
		wide:   map[int]bool{10: true, 11: true},
	}
	if diff := cmp.Diff(got, want, cmp.AllowUnexported(sheetLayout{})); diff != "" {
		t.Errorf("layout (-got +want):\n%s", diff)
	}
}

// FuzzLayoutOf: whatever the sheet XML, the layout stays within its bounds
// and every hidden or wide row is a row that is read.
func FuzzLayoutOf(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "small-form.xlsx")); err == nil {
		if zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err == nil {
			for _, zf := range zr.File {
				if strings.HasPrefix(zf.Name, "xl/worksheets/") {
					if rc, err := zf.Open(); err == nil {
						sheet, _ := io.ReadAll(rc)
						rc.Close()
						f.Add(sheet)
					}
				}
			}
		}
	}
	f.Add([]byte(`<worksheet><sheetData><row r="3" hidden="1"><c r="XFD3"><v>1</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B2"/></mergeCells></worksheet>`))
	const maxRows = 100
	f.Fuzz(func(t *testing.T, b []byte) {
		l := layoutOf(bytes.NewReader(b), maxRows)
		if len(l.merges) > maxMerges {
			t.Fatalf("%d merges kept, limit %d", len(l.merges), maxMerges)
		}
		for _, m := range []map[int]bool{l.hidden, l.wide} {
			for r := range m {
				if r < 1 || r > maxRows {
					t.Fatalf("row %d marked, want 1..%d", r, maxRows)
				}
			}
		}
	})
}
