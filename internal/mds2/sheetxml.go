package mds2

import (
	"archive/zip"
	"encoding/xml"
	"io"
	"path"
	"strconv"
	"strings"
)

// sheetLayout is what the reader needs of a worksheet besides its cell
// values: merged ranges and hidden rows. It is read by streaming the sheet's
// XML part, never through excelize's GetMergeCells or GetRowVisible: those
// load the whole worksheet and pad every row with empty cells up to its last
// cell reference, so a 100 KB file whose rows end in column XFD costs
// gigabytes and minutes.
type sheetLayout struct {
	merges []string     // "A1:C3" references, at most maxMerges
	hidden map[int]bool // 1-based rows marked hidden, up to Limits.MaxRows
	// wide marks rows with a value beyond maxRowWidth. The library's row
	// iterator pads a row with an empty string per column up to its last
	// value, so such rows are skipped unread (and reported) instead.
	wide map[int]bool
}

// maxRowWidth is the furthest column a value may be in for its row to be
// read: far beyond any form's columns, near enough that padding is cheap.
const maxRowWidth = 1024

// sheetParts maps worksheet names to their parts in the archive, through
// xl/workbook.xml and its relationships. A sheet whose part cannot be found
// is left out: its rows are still read, without merges or hidden rows.
func sheetParts(zr *zip.Reader) map[string]*zip.File {
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[strings.ToLower(zf.Name)] = zf
	}
	// The archive was checked, and zip refuses to expand an entry past its
	// declared size; the decoder only streams.
	each := func(name string, fn func(xml.StartElement) bool) {
		zf := files[strings.ToLower(name)]
		if zf == nil {
			return
		}
		rc, err := zf.Open()
		if err != nil {
			return
		}
		defer rc.Close()
		eachStart(xml.NewDecoder(rc), fn)
	}
	targets := map[string]string{} // relationship ID → part name
	each("xl/_rels/workbook.xml.rels", func(e xml.StartElement) bool {
		if e.Name.Local == "Relationship" {
			id, target := attr(e, "Id"), attr(e, "Target")
			if strings.HasPrefix(target, "/") {
				target = strings.TrimPrefix(target, "/")
			} else {
				target = path.Join("xl", target)
			}
			targets[id] = path.Clean(target)
		}
		return len(targets) < 10000
	})
	out := map[string]*zip.File{}
	each("xl/workbook.xml", func(e xml.StartElement) bool {
		if e.Name.Local != "sheet" {
			return true
		}
		var rid string
		for _, a := range e.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" {
				rid = a.Value
			}
		}
		if zf := files[strings.ToLower(targets[rid])]; zf != nil {
			out[attr(e, "name")] = zf
		}
		return len(out) < 1000
	})
	return out
}

// readLayout streams one worksheet part for its merged ranges and hidden
// rows. A part that does not parse gives what was read before the error:
// excelize has read the cells already, and a missing merge only leaves an
// answer unread, which is reported, never guessed.
func readLayout(zf *zip.File, maxRows int) sheetLayout {
	if zf == nil {
		return sheetLayout{hidden: map[int]bool{}, wide: map[int]bool{}}
	}
	rc, err := zf.Open()
	if err != nil {
		return sheetLayout{hidden: map[int]bool{}, wide: map[int]bool{}}
	}
	defer rc.Close()
	return layoutOf(rc, maxRows)
}

// layoutOf reads a worksheet's XML from r (see readLayout).
func layoutOf(r io.Reader, maxRows int) sheetLayout {
	l := sheetLayout{hidden: map[int]bool{}, wide: map[int]bool{}}
	row, col := 0, 0
	eachStart(xml.NewDecoder(r), func(e xml.StartElement) bool {
		switch e.Name.Local {
		case "row":
			if n, err := strconv.Atoi(attr(e, "r")); err == nil && n > 0 {
				row = n
			} else {
				row++
			}
			col = 0
			if h, err := strconv.ParseBool(attr(e, "hidden")); err == nil && h && row <= maxRows {
				l.hidden[row] = true
			}
		case "c":
			if c := columnOf(attr(e, "r")); c > 0 {
				col = c
			} else {
				col++
			}
		case "v", "is", "f":
			// A cell outside any row (row 0) belongs to no row that is read.
			if col > maxRowWidth && row >= 1 && row <= maxRows {
				l.wide[row] = true
			}
		case "mergeCell":
			if ref := attr(e, "ref"); ref != "" && len(ref) <= 32 {
				l.merges = append(l.merges, ref)
			}
			return len(l.merges) < maxMerges
		}
		return true
	})
	return l
}

// columnOf returns the 1-based column of a cell reference such as "XFD12",
// or 0 when there is none.
func columnOf(ref string) int {
	col := 0
	for i := 0; i < len(ref) && i < 3; i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a') + 1
	}
	return col
}

// eachStart calls fn for every start element until fn returns false or the
// document ends or fails to parse.
func eachStart(dec *xml.Decoder, fn func(xml.StartElement) bool) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if e, ok := tok.(xml.StartElement); ok && !fn(e) {
			return
		}
	}
}

// attr returns the value of an unprefixed attribute.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
