package mds2

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Limits bound what the reader accepts from an untrusted spreadsheet.
type Limits struct {
	MaxFileSize     int64 // bytes of the .xlsx file
	MaxEntries      int   // files in the zip archive
	MaxUncompressed int64 // declared uncompressed bytes of all entries together
	MaxRatio        int64 // uncompressed/compressed of any entry above 1 MiB
	MaxSheets       int   // worksheets examined
	MaxRows         int   // rows read per sheet
	MaxCols         int   // columns read per row
}

// DefaultLimits fit any real MDS2 form (a few hundred kilobytes) with a wide margin.
func DefaultLimits() Limits {
	return Limits{
		MaxFileSize:     20 << 20,
		MaxEntries:      1000,
		MaxUncompressed: 64 << 20,
		MaxRatio:        200,
		MaxSheets:       32,
		MaxRows:         5000,
		MaxCols:         64,
	}
}

// Errors a caller can tell apart with errors.Is. Each is wrapped with a
// one-line explanation that says how to fix the input.
var (
	ErrTooLarge = errors.New("file too large")
	ErrNotXLSX  = errors.New("not an .xlsx workbook")
	ErrZipBomb  = errors.New("zip archive expands too much")
	ErrNoForm   = errors.New("no MDS2 question table found")
	ErrBroken   = errors.New("workbook is damaged")
)

// minKnownIDs is how many catalogued question IDs a sheet must hold to be
// taken for an MDS2 form.
const minKnownIDs = 10

// ReadFile reads an MDS2 spreadsheet from disk.
func ReadFile(path string, cat *Catalogue, lim Limits) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrNotXLSX)
	}
	if st.Size() > lim.MaxFileSize {
		return nil, fmt.Errorf("%s: %w: %d bytes, the limit is %d (an MDS2 form is far smaller; check the file)", path, ErrTooLarge, st.Size(), lim.MaxFileSize)
	}
	// Read at most one byte past the limit in case the file grew.
	b, err := io.ReadAll(io.LimitReader(f, lim.MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	return Read(b, filepath.Base(path), cat, lim)
}

// Read reads an MDS2 spreadsheet held in memory; name is used in messages.
func Read(b []byte, name string, cat *Catalogue, lim Limits) (p *Profile, err error) {
	if int64(len(b)) > lim.MaxFileSize {
		return nil, fmt.Errorf("%s: %w: more than %d bytes (an MDS2 form is far smaller; check the file)", name, ErrTooLarge, lim.MaxFileSize)
	}
	if err := checkZip(b, lim); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	// excelize is a large parser of a hostile format: a panic in it must not
	// take down an import of several files.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%s: %w: the spreadsheet library failed on it (%v); open and re-save it as .xlsx", name, ErrBroken, r)
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(b), excelize.Options{
		UnzipSizeLimit: lim.MaxUncompressed,
		// Equal limits keep every part in memory (bounded above) rather than
		// in temporary files.
		UnzipXMLSizeLimit: lim.MaxUncompressed,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v; open and re-save it as .xlsx", name, ErrBroken, err)
	}
	defer f.Close()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil { // checkZip opened it already
		return nil, fmt.Errorf("%s: %w: %v", name, ErrNotXLSX, err)
	}
	parts := sheetParts(zr)
	layout := func(sheet string) sheetLayout { return readLayout(parts[sheet], lim.MaxRows) }
	sum := sha256.Sum256(b)
	p, err = readWorkbook(f, layout, cat, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	p.Source.Name = name
	p.Source.SHA256 = hex.EncodeToString(sum[:])
	if p.Device.Manufacturer == "" && p.Device.Model == "" {
		p.Device.Model = strings.TrimSuffix(name, filepath.Ext(name))
	}
	return p, nil
}

// checkZip looks at the central directory before excelize does, so that a zip
// bomb or a file that is not a workbook is refused with a clear message.
func checkZip(b []byte, lim Limits) error {
	if bytes.HasPrefix(b, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return fmt.Errorf("%w: it is a legacy .xls or password-protected workbook; save it as an unprotected Excel Workbook (.xlsx)", ErrNotXLSX)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return fmt.Errorf("%w: not a zip archive (%v); save the form as Excel Workbook (.xlsx)", ErrNotXLSX, err)
	}
	if len(zr.File) > lim.MaxEntries {
		return fmt.Errorf("%w: %d archive entries, the limit is %d", ErrZipBomb, len(zr.File), lim.MaxEntries)
	}
	var total uint64
	hasWorkbook := false
	for _, zf := range zr.File {
		size := zf.UncompressedSize64
		if size > uint64(lim.MaxUncompressed) {
			return fmt.Errorf("%w: entry %q declares %d bytes, the limit is %d", ErrZipBomb, clip(zf.Name, 80), size, lim.MaxUncompressed)
		}
		total += size
		if total > uint64(lim.MaxUncompressed) {
			return fmt.Errorf("%w: entries declare more than %d bytes in total", ErrZipBomb, lim.MaxUncompressed)
		}
		if size > 1<<20 && size/max(zf.CompressedSize64, 1) > uint64(lim.MaxRatio) {
			return fmt.Errorf("%w: entry %q compresses %d:1, the limit is %d:1", ErrZipBomb, clip(zf.Name, 80), size/max(zf.CompressedSize64, 1), lim.MaxRatio)
		}
		if strings.EqualFold(zf.Name, "xl/workbook.xml") {
			hasWorkbook = true
		}
	}
	if !hasWorkbook {
		return fmt.Errorf("%w: a zip archive without xl/workbook.xml; save the form as Excel Workbook (.xlsx)", ErrNotXLSX)
	}
	return nil
}

// sheetGrid is one worksheet read into memory, bounded by Limits.
type sheetGrid struct {
	name   string
	rows   [][]string
	extra  int          // rows beyond MaxRows that were not read
	wide   int          // rows with a value beyond maxRowWidth, not read
	hidden map[int]bool // 1-based rows marked hidden
}

func (g *sheetGrid) cell(r, c int) string {
	if r < 0 || r >= len(g.rows) || c < 0 || c >= len(g.rows[r]) {
		return ""
	}
	return g.rows[r][c]
}

func readGrid(f *excelize.File, sheet string, layout sheetLayout, lim Limits) (*sheetGrid, error) {
	// The row iterator, unlike GetRows, lets reading stop at MaxRows
	// instead of materialising a sheet of millions of empty rows.
	it, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	g := &sheetGrid{name: sheet, hidden: layout.hidden}
	for it.Next() {
		if len(g.rows) >= lim.MaxRows {
			g.extra++
			continue
		}
		if layout.wide[len(g.rows)+1] {
			// Not asking for the row's cells skips it cheaply.
			g.wide++
			g.rows = append(g.rows, nil)
			continue
		}
		row, err := it.Columns()
		if err != nil {
			return nil, err
		}
		if len(row) > lim.MaxCols {
			// Copy rather than reslice: one cell in column XFD makes the
			// library return 16384 cells, and a reslice would keep them
			// all alive (a 5000-row sheet of such rows pins over 1 GiB).
			kept := make([]string, lim.MaxCols)
			copy(kept, row)
			row = kept
		}
		for j := range row {
			row[j] = cleanCell(row[j])
		}
		g.rows = append(g.rows, row)
	}
	if err := it.Error(); err != nil {
		return nil, err
	}
	// Trailing empty rows carry nothing.
	for len(g.rows) > 0 && len(g.rows[len(g.rows)-1]) == 0 {
		g.rows = g.rows[:len(g.rows)-1]
	}
	// A merged range holds its value in the top-left cell only; vendors merge
	// an answer over several rows ("N/A" for a whole sub-section) or a note
	// over several columns. Copy the value into every cell of the range,
	// within a budget so that many huge ranges cannot make this quadratic.
	// Values come from the grid already read: asking excelize for each
	// range's value costs a lookup per range, and ranges are unbounded.
	// The ranges come from readLayout (see sheetLayout for why not from
	// excelize).
	budget := lim.MaxRows * lim.MaxCols
	for i, m := range layout.merges {
		if i >= maxMerges {
			break
		}
		start, end, ok := strings.Cut(m, ":")
		if !ok {
			continue
		}
		c1, r1, err1 := excelize.CellNameToCoordinates(start)
		c2, r2, err2 := excelize.CellNameToCoordinates(end)
		if err1 != nil || err2 != nil || c2 < c1 || r2 < r1 {
			continue
		}
		v := g.cell(r1-1, c1-1)
		if v == "" {
			continue
		}
		for r := r1 - 1; r < r2 && r < len(g.rows) && budget > 0; r++ {
			for c := c1 - 1; c < c2 && c < lim.MaxCols && budget > 0; c++ {
				budget--
				for len(g.rows[r]) <= c {
					g.rows[r] = append(g.rows[r], "")
				}
				if g.rows[r][c] == "" {
					g.rows[r][c] = v
				}
			}
		}
	}
	return g, nil
}

// maxMerges bounds the merged ranges applied per sheet; a form has a few
// dozen.
const maxMerges = 10000

// cleanCell trims a cell, drops invalid UTF-8 and caps its length.
func cleanCell(s string) string {
	s = strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
	s = strings.ReplaceAll(s, "\u00a0", " ")
	return clip(s, maxAnswerLength)
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// columns says where the parts of a question row are.
type columns struct {
	id, question, answer, note int
}

func readWorkbook(f *excelize.File, layout func(sheet string) sheetLayout, cat *Catalogue, lim Limits) (*Profile, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no worksheets", ErrNoForm)
	}
	if len(sheets) > lim.MaxSheets {
		sheets = sheets[:lim.MaxSheets]
	}
	type candidate struct {
		grid    *sheetGrid
		col, n  int
		visible bool
	}
	var cands []candidate
	var firstErr error
	for _, s := range sheets {
		g, err := readGrid(f, s, layout(s), lim)
		if err != nil {
			// A damaged sheet that is not the form does not matter; if no
			// sheet can be read, the error says why.
			if firstErr == nil {
				firstErr = fmt.Errorf("sheet %q: %v", clip(oneLine(s), 60), err)
			}
			continue
		}
		col, n := idColumn(g, cat)
		if n < minKnownIDs {
			continue
		}
		visible, err := f.GetSheetVisible(s)
		cands = append(cands, candidate{g, col, n, err != nil || visible})
	}
	if len(cands) == 0 && firstErr != nil {
		return nil, fmt.Errorf("%w: %v; open and re-save it as .xlsx", ErrBroken, firstErr)
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("%w: no worksheet holds MDS2 question IDs such as AUTH-1 or TXCF-2 (is this an HN 1-2019 form?)", ErrNoForm)
	}
	// A visible sheet beats a hidden one (vendors hide old copies of the
	// form); then the one with most question IDs; then a name like "MDS2".
	better := func(a, b candidate) bool {
		if a.visible != b.visible {
			return a.visible
		}
		if a.n != b.n {
			return a.n > b.n
		}
		return strings.Contains(strings.ToUpper(a.grid.name), "MDS") && !strings.Contains(strings.ToUpper(b.grid.name), "MDS")
	}
	bi := 0
	for i := range cands {
		if better(cands[i], cands[bi]) {
			bi = i
		}
	}
	best, bestCol := cands[bi].grid, cands[bi].col
	p := &Profile{Source: Source{Sheet: best.name}, Answers: map[string]Answer{}}
	cols := findColumns(best, cat, bestCol)
	if cols.answer < 0 {
		return nil, fmt.Errorf("%w: sheet %q has question IDs but no column of Yes/No/N/A answers", ErrNoForm, best.name)
	}
	for i, c := range cands {
		if i != bi {
			p.Problems = append(p.Problems, Problem{Reason: fmt.Sprintf("sheet %q also holds %d question IDs; only sheet %q was read", clip(oneLine(c.grid.name), 60), c.n, clip(oneLine(best.name), 60))})
		}
	}
	if best.extra > 0 {
		p.Problems = append(p.Problems, Problem{Reason: fmt.Sprintf("sheet has %d rows beyond the %d read; they were ignored", best.extra, lim.MaxRows)})
	}
	if best.wide > 0 {
		p.Problems = append(p.Problems, Problem{Reason: fmt.Sprintf("sheet has %d rows with values beyond column %d; they were not read", best.wide, maxRowWidth)})
	}
	readAnswers(f, best, cat, cols, p)
	readDevice(best, cat, cols, p)
	if p.Device.Manufacturer == "" && p.Device.Model == "" {
		p.Problems = append(p.Problems, Problem{QuestionID: "DOC-1", Reason: "no manufacturer or model found (DOC-1, DOC-3 or a header block); the device is named after the file"})
	}
	for _, q := range cat.Questions {
		if _, ok := p.Answers[q.ID]; !ok && q.Kind != KindHeading && q.IsVerified() {
			p.Problems = append(p.Problems, Problem{QuestionID: q.ID, Reason: "question not found in the form"})
		}
	}
	sortProblems(cat, p.Problems)
	return p, nil
}

// maxIDColumn bounds where the ID column is looked for; forms keep it among
// the first few columns.
const maxIDColumn = 16

// idColumn finds the column holding most catalogued question IDs.
func idColumn(g *sheetGrid, cat *Catalogue) (col, count int) {
	counts := map[int]int{}
	for _, row := range g.rows {
		for c, v := range row {
			if c >= maxIDColumn {
				break
			}
			if id, _, ok := cat.CellID(v); ok {
				if _, known := cat.Question(id); known {
					counts[c]++
				}
			}
		}
	}
	col = -1
	for c, n := range counts {
		if n > count || (n == count && c < col) {
			col, count = c, n
		}
	}
	return col, count
}

// headerKind classifies a header cell by its text.
func headerKind(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	switch {
	case s == "", len(s) > 40: // instructions ("Answer every question...") are not headers
		return ""
	case strings.Contains(s, "note"), strings.Contains(s, "comment"), strings.Contains(s, "explanation"), strings.Contains(s, "remark"), s == "details":
		return "note"
	case strings.Contains(s, "answer"), strings.Contains(s, "response"), strings.Contains(s, "yes/no"), strings.Contains(s, "yes, no"), s == "yes / no / n/a":
		return "answer"
	case strings.Contains(s, "question") && !names(s, "id", "#", "number", "no."):
		return "question"
	}
	return ""
}

// names reports whether any of the words is a word of s.
func names(s string, words ...string) bool {
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '/' || r == '(' || r == ')' }) {
		for _, w := range words {
			if f == w {
				return true
			}
		}
	}
	return strings.Contains(s, "#")
}

// findColumns locates the answer, question and note columns: by header text
// when the sheet has a header row, else by content (the column where most
// question rows hold a Yes/No/N/A).
func findColumns(g *sheetGrid, cat *Catalogue, idCol int) columns {
	cols := columns{id: idCol, question: -1, answer: -1, note: -1}
	for _, row := range g.rows {
		if _, _, isID := cat.CellID(cellAt(row, idCol)); isID {
			continue
		}
		var found columns = columns{question: -1, answer: -1, note: -1}
		for c, v := range row {
			if c == idCol {
				continue
			}
			switch headerKind(v) {
			case "answer":
				if found.answer < 0 {
					found.answer = c
				}
			case "question":
				if found.question < 0 {
					found.question = c
				}
			case "note":
				if found.note < 0 {
					found.note = c
				}
			}
		}
		if found.answer >= 0 {
			cols.answer, cols.question, cols.note = found.answer, found.question, found.note
			break
		}
	}
	// Trust the header only if its column really holds answers: a stray
	// "Response" cell above the table must not hide the real column.
	if best := bestAnswerColumn(g, cat, idCol); cols.answer < 0 ||
		(best >= 0 && best != cols.answer && answerCount(g, cat, idCol, best) > 2*answerCount(g, cat, idCol, cols.answer)) {
		cols.answer = best
	}
	if cols.question < 0 {
		cols.question = longestTextColumn(g, cat, idCol, cols.answer)
	}
	return cols
}

func cellAt(row []string, c int) string {
	if c < 0 || c >= len(row) {
		return ""
	}
	return row[c]
}

// answerCount counts the question rows whose cell in col reads as an answer.
func answerCount(g *sheetGrid, cat *Catalogue, idCol, col int) int {
	n := 0
	for _, row := range g.rows {
		if _, _, ok := cat.CellID(cellAt(row, idCol)); !ok {
			continue
		}
		if _, _, ok := NormalizeAnswer(cellAt(row, col)); ok {
			n++
		}
	}
	return n
}

func bestAnswerColumn(g *sheetGrid, cat *Catalogue, idCol int) int {
	counts := map[int]int{}
	for _, row := range g.rows {
		if _, _, ok := cat.CellID(cellAt(row, idCol)); !ok {
			continue
		}
		for c, v := range row {
			if c == idCol {
				continue
			}
			if _, _, ok := NormalizeAnswer(v); ok && len(v) < 200 {
				counts[c]++
			}
		}
	}
	best, n := -1, 0
	for c, k := range counts {
		if k > n || (k == n && c < best) {
			best, n = c, k
		}
	}
	return best
}

func longestTextColumn(g *sheetGrid, cat *Catalogue, idCol, answerCol int) int {
	total := map[int]int{}
	for _, row := range g.rows {
		if _, _, ok := cat.CellID(cellAt(row, idCol)); !ok {
			continue
		}
		for c, v := range row {
			if c != idCol && c != answerCol {
				total[c] += len(v)
			}
		}
	}
	best, n := -1, 0
	for c, k := range total {
		if k > n || (k == n && c < best) {
			best, n = c, k
		}
	}
	return best
}

func readAnswers(f *excelize.File, g *sheetGrid, cat *Catalogue, cols columns, p *Profile) {
	unknown := map[string]bool{}
	for r, row := range g.rows {
		id, inlineQuestion, ok := cat.CellID(cellAt(row, cols.id))
		if !ok {
			continue
		}
		q, known := cat.Question(id)
		if !known {
			if !cat.KnownSection(SectionOf(id)) {
				continue // text that merely looks like an ID
			}
			q = Question{ID: id, Kind: KindYesNo, Section: SectionOf(id)}
			if !unknown[id] {
				unknown[id] = true
				p.Unknown = append(p.Unknown, id)
			}
		}
		a := Answer{Row: r + 1, Question: clip(cellAt(row, cols.question), 500), NoteRef: clip(cellAt(row, cols.note), 500)}
		if a.Question == "" {
			a.Question = clip(inlineQuestion, 500)
		}
		if g.hidden[r+1] {
			a.Hidden = true
		}
		raw := cellAt(row, cols.answer)
		switch {
		case q.Kind == KindHeading:
			if v, note, ok := NormalizeAnswer(raw); ok {
				a.Value, a.Note = v, note
			} else {
				continue
			}
		case q.Kind == KindText:
			if raw == "" {
				a.Value = ValueMissing
			} else {
				a.Value, a.Text = ValueText, raw
			}
		case raw == "":
			a.Value = ValueMissing
			p.Problems = append(p.Problems, Problem{QuestionID: id, Row: r + 1, Reason: "no answer given"})
		default:
			if v, note, ok := NormalizeAnswer(raw); ok {
				a.Value, a.Note = v, note
			} else {
				a.Value, a.Text = ValueUnreadable, raw
				reason := fmt.Sprintf("answer %q is not Yes, No or N/A", clip(oneLine(raw), 80))
				if lower := strings.ToLower(raw); strings.HasPrefix(lower, "no ") && !strings.HasPrefix(lower, "no -") {
					reason = fmt.Sprintf("answer %q reads as a sentence about the device, not as Yes, No or N/A", clip(oneLine(raw), 80))
				} else if strings.HasPrefix(lower, "see note") {
					reason = fmt.Sprintf("answer %q points to a note instead of Yes, No or N/A; read the note in the form", clip(oneLine(raw), 80))
				}
				p.Problems = append(p.Problems, Problem{QuestionID: id, Row: r + 1, Reason: reason})
			}
		}
		if prev, dup := p.Answers[id]; dup {
			if prev.Value == a.Value || a.Value == ValueMissing {
				continue
			}
			if prev.Value == ValueMissing {
				p.Answers[id] = a
				continue
			}
			prev.Value, prev.Text = ValueUnreadable, prev.Text+" | "+raw
			p.Answers[id] = prev
			p.Problems = append(p.Problems, Problem{QuestionID: id, Row: r + 1, Reason: fmt.Sprintf("answered twice with different answers (rows %d and %d)", prev.Row, r+1)})
			continue
		}
		p.Answers[id] = a
	}
}

// headerLabels maps the header block's labels to device fields.
var headerLabels = []struct {
	field  string
	labels []string
}{
	{"manufacturer", []string{"manufacturer name", "manufacturer", "vendor"}},
	{"model", []string{"device model", "model number", "model", "product name", "product"}},
	{"version", []string{"software version", "software release", "device version", "sw version", "firmware version", "version", "release"}},
	{"docid", []string{"document id", "document number"}},
	{"date", []string{"document release date", "document date", "release date", "date"}},
	{"eos", []string{"end of support date", "end-of-support date", "end of support", "end-of-support", "end of life", "end-of-life", "eos date", "eol date"}},
}

// readDevice fills the device identity from DOC rows, then from a header
// block of "Label: value" cells above or beside the table.
func readDevice(g *sheetGrid, cat *Catalogue, cols columns, p *Profile) {
	text := func(id string) string {
		if a, ok := p.Answers[id]; ok && a.Value == ValueText {
			return oneLine(a.Text)
		}
		return ""
	}
	d := Device{
		Manufacturer: text("DOC-1"),
		Description:  text("DOC-2"),
		Model:        text("DOC-3"),
		DocumentID:   text("DOC-4"),
		DocumentDate: text("DOC-7"),
	}
	for _, row := range g.rows {
		if _, _, isID := cat.CellID(cellAt(row, cols.id)); isID {
			continue
		}
		for c := 0; c < len(row); c++ {
			label := strings.ToLower(strings.TrimRight(strings.TrimSpace(row[c]), ":"))
			if label == "" || len(label) > 40 {
				continue
			}
			value := ""
			// "Manufacturer: Acme" in one cell, or the value in the next filled cell.
			if i := strings.IndexByte(row[c], ':'); i > 0 && i < len(row[c])-1 {
				label = strings.ToLower(strings.TrimSpace(row[c][:i]))
				value = strings.TrimSpace(row[c][i+1:])
			} else {
				for k := c + 1; k < len(row) && k <= c+3; k++ {
					if row[k] != "" {
						value = row[k]
						break
					}
				}
			}
			if value == "" {
				continue
			}
			setHeader(&d, label, oneLine(clip(value, 200)))
		}
	}
	d.DocumentDate = normalDate(d.DocumentDate)
	d.EndOfSupport = normalDate(d.EndOfSupport)
	p.Device = d
}

func setHeader(d *Device, label, value string) {
	for _, h := range headerLabels {
		for _, l := range h.labels {
			if label != l {
				continue
			}
			var dst *string
			switch h.field {
			case "manufacturer":
				dst = &d.Manufacturer
			case "model":
				dst = &d.Model
			case "version":
				dst = &d.Version
			case "docid":
				dst = &d.DocumentID
			case "date":
				dst = &d.DocumentDate
			case "eos":
				dst = &d.EndOfSupport
			}
			if *dst == "" {
				*dst = value
			}
			return
		}
	}
}

var dateLayouts = []string{"2006-01-02", "2006/01/02", "01/02/2006", "1/2/2006", "01-02-06", "1-2-06", "02.01.2006", "2.1.2006", "January 2, 2006", "Jan 2, 2006", "2 January 2006", "2006-01-02T15:04:05Z07:00", "2006-01"}

// normalDate turns the date spellings found in forms into YYYY-MM-DD, and
// Excel serial day numbers into dates; anything else stays as written.
func normalDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format("2006-01-02")
		}
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 20000 && n < 80000 {
		if t, err := excelize.ExcelDateToTime(n, false); err == nil {
			return t.Format("2006-01-02")
		}
	}
	return s
}

// ParseDate reads a date the way normalDate writes it.
func ParseDate(s string) (time.Time, bool) {
	t, err := time.Parse("2006-01-02", normalDate(s))
	return t, err == nil
}

// oneLine removes control characters and bidirectional overrides and folds
// whitespace, so that text chosen by a vendor cannot forge table rows or
// terminal escapes, nor make a report read differently from what it says.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
