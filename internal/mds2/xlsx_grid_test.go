package mds2

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReadGridDropsWideRows: a cell in the sheet's last column (XFD) makes the
// spreadsheet library return a 16384-cell row; the grid must keep only
// MaxCols cells of it, or a small file of such rows pins gigabytes.
func TestReadGridDropsWideRows(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	const rows = 50
	for r := 1; r <= rows; r++ {
		for _, col := range []string{"A", "XFD"} {
			cell, err := excelize.JoinCellName(col, r)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue("Sheet1", cell, "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	lim := DefaultLimits()
	g, err := readGrid(wb, "Sheet1", sheetLayout{}, lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.rows) != rows {
		t.Fatalf("got %d rows, want %d", len(g.rows), rows)
	}
	for i, row := range g.rows {
		if cap(row) > lim.MaxCols {
			t.Fatalf("row %d keeps capacity %d, want at most %d", i+1, cap(row), lim.MaxCols)
		}
	}
}
