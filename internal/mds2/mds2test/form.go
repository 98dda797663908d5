// Package mds2test writes synthetic MDS2 spreadsheets in the HN 1-2019 layout
// for tests, with the variations real vendor forms show: reordered columns,
// hidden rows, merged cells, notes after answers, other spellings of Yes, No
// and N/A, an instructions sheet in front. Nothing here is a real vendor's
// form; question text is the project's own paraphrase.
package mds2test

import (
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"

	"github.com/pacsguard/pacsguard/internal/mds2"
)

// Row is one question row.
type Row struct {
	ID, Question, Answer, Note string
	Hidden                     bool
}

// Form describes a workbook to write.
type Form struct {
	Sheet string // name of the form sheet; "MDS2" when empty
	// Columns says what each column holds, left to right: "id", "question",
	// "answer", "note" or "" for a blank or unrelated column.
	Columns []string
	// Headers are the header row's texts, parallel to Columns; nil means
	// the 2019 form's usual headers, and NoHeader writes none.
	Headers  []string
	NoHeader bool
	// DeviceBlock rows are written above the table as label/value pairs.
	DeviceBlock [][2]string
	Rows        []Row
	// SheetsBefore are extra sheets placed before the form (instructions).
	SheetsBefore []string
	// Merges are extra merged ranges on the form sheet, e.g. {"C40", "C43"}.
	Merges [][2]string
	// BlankRowsEvery inserts an empty row after every n question rows.
	BlankRowsEvery int
}

var defaultHeaders = map[string]string{"id": "Question ID", "question": "Question", "answer": "Answer", "note": "Note #"}

// FirstRow is the spreadsheet row of the first question: after the title,
// the device block and the header.
func (f Form) FirstRow() int {
	if f.NoHeader {
		return len(f.DeviceBlock) + 2
	}
	return len(f.DeviceBlock) + 3
}

// Write writes the workbook as .xlsx.
func Write(w io.Writer, f Form) error {
	x, err := Build(f)
	if err != nil {
		return err
	}
	defer x.Close()
	_, err = x.WriteTo(w)
	return err
}

// WriteFile writes the workbook to path.
func WriteFile(path string, f Form) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Write(out, f); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Build returns the workbook for further changes by a test.
func Build(f Form) (*excelize.File, error) {
	x := excelize.NewFile()
	sheet := f.Sheet
	if sheet == "" {
		sheet = "MDS2"
	}
	if len(f.Columns) == 0 {
		f.Columns = []string{"id", "question", "answer", "note"}
	}
	first := "Sheet1"
	for i, s := range f.SheetsBefore {
		if i == 0 {
			if err := x.SetSheetName(first, s); err != nil {
				return nil, err
			}
			first = s
		} else if _, err := x.NewSheet(s); err != nil {
			return nil, err
		}
		if err := x.SetCellValue(s, "A1", "Instructions: answer every question with Yes, No or N/A."); err != nil {
			return nil, err
		}
	}
	if len(f.SheetsBefore) == 0 {
		if err := x.SetSheetName(first, sheet); err != nil {
			return nil, err
		}
	} else if _, err := x.NewSheet(sheet); err != nil {
		return nil, err
	}
	row := 1
	if err := x.SetCellValue(sheet, "A1", "Manufacturer Disclosure Statement for Medical Device Security -- MDS2"); err != nil {
		return nil, err
	}
	row++
	for _, kv := range f.DeviceBlock {
		if err := x.SetSheetRow(sheet, cell(1, row), &[]any{kv[0], kv[1]}); err != nil {
			return nil, err
		}
		row++
	}
	if !f.NoHeader {
		hdr := make([]any, len(f.Columns))
		for i, c := range f.Columns {
			if f.Headers != nil {
				hdr[i] = f.Headers[i]
			} else {
				hdr[i] = defaultHeaders[c]
			}
		}
		if err := x.SetSheetRow(sheet, cell(1, row), &hdr); err != nil {
			return nil, err
		}
		row++
	}
	for i, r := range f.Rows {
		vals := make([]any, len(f.Columns))
		for j, c := range f.Columns {
			switch c {
			case "id":
				vals[j] = r.ID
			case "question":
				vals[j] = r.Question
			case "answer":
				vals[j] = r.Answer
			case "note":
				vals[j] = r.Note
			default:
				vals[j] = ""
			}
		}
		if err := x.SetSheetRow(sheet, cell(1, row), &vals); err != nil {
			return nil, err
		}
		if r.Hidden {
			if err := x.SetRowVisible(sheet, row, false); err != nil {
				return nil, err
			}
		}
		row++
		if f.BlankRowsEvery > 0 && (i+1)%f.BlankRowsEvery == 0 {
			row++
		}
	}
	for _, m := range f.Merges {
		if err := x.MergeCell(sheet, m[0], m[1]); err != nil {
			return nil, err
		}
	}
	return x, nil
}

func cell(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		panic(fmt.Sprintf("mds2test: bad cell %d,%d", col, row))
	}
	return name
}

// Device is a synthetic device: identity and the answers that differ from
// the baseline of Standard.
type Device struct {
	Manufacturer, Model, Version, Date string
	Answers                            map[string]string
}

// Rows lists every catalogued question with the device's answers. Questions
// without an answer in d.Answers get base(question), and DOC text rows get
// the identity.
func Rows(cat *mds2.Catalogue, d Device, base func(mds2.Question) string) []Row {
	var rows []Row
	for _, q := range cat.Questions {
		if !q.IsVerified() {
			continue
		}
		a, ok := d.Answers[q.ID]
		if !ok {
			switch q.ID {
			case "DOC-1":
				a = d.Manufacturer
			case "DOC-2":
				a = "Synthetic test device"
			case "DOC-3":
				a = d.Model
			case "DOC-4":
				a = "MDS2-" + d.Model
			case "DOC-5":
				a = "security@example.invalid"
			case "DOC-6":
				a = "Sends images to PACS over DICOM"
			case "DOC-7":
				a = d.Date
			default:
				if q.Kind == mds2.KindHeading {
					a = ""
				} else {
					a = base(q)
				}
			}
		}
		rows = append(rows, Row{ID: q.ID, Question: q.Label + "?", Answer: a})
	}
	return rows
}

// Standard is a clean 2019-layout form for the device: ID, question, answer,
// note columns; the version in the header block.
func Standard(cat *mds2.Catalogue, d Device, base func(mds2.Question) string) Form {
	return Form{
		DeviceBlock: [][2]string{{"Software Version:", d.Version}},
		Rows:        Rows(cat, d, base),
	}
}

// AllYes answers every question Yes.
func AllYes(mds2.Question) string { return "Yes" }

// Good answers every scored control of the model the way that earns credit,
// and every other question Yes.
func Good(m *mds2.Model) func(mds2.Question) string {
	good := map[string]string{}
	for _, c := range m.Weights.Controls {
		good[c.ID] = c.Good.Label()
	}
	return func(q mds2.Question) string {
		if g, ok := good[q.ID]; ok {
			return g
		}
		return "Yes"
	}
}

// Fixtures are synthetic devices used by tests across packages: a strong and
// a weak CT, and two portable ultrasound devices.
func Fixtures() map[string]Device {
	return map[string]Device{
		"ct-strong": {Manufacturer: "Acme Imaging", Model: "CT-9000", Version: "2.1", Date: "2026-03-20", Answers: map[string]string{
			"CSUP-2":   "Yes - Windows 10 IoT Enterprise LTSC 2021",
			"RMOT-1":   "Yes - see note 3",
			"RMOT-1.1": "Yes",
			"PAUT-8":   "Yes, for service and remote logins",
			"NAUT-3":   "No",
			"AUDT-5.2": "N/A",
		}},
		"ct-weak": {Manufacturer: "Borealis Medical", Model: "Scanline 7", Version: "4.0", Date: "03/01/2025", Answers: map[string]string{
			"CSUP-2":   "Yes - Windows 7 Embedded console",
			"CSUP-2.2": "Yes",
			"CSUP-2.4": "No",
			"SBOM-1":   "No",
			"PAUT-5":   "No - service password is fixed",
			"RMOT-1":   "Yes",
			"RMOT-1.1": "No",
			"PAUT-8":   "No",
			"MLDP-2":   "No",
			"MLDP-4":   "No",
			"TXCF-2":   "No",
			"CONN-7":   "Yes, HTTPS only",
			"RDMP-3":   "No",
			"RDMP-4":   "No",
			"NAUT-3":   "No",
		}},
		"us-strong": {Manufacturer: "Sonique", Model: "Pocket U5", Version: "5.2", Date: "2026-06-01", Answers: map[string]string{
			"MPII-3.6": "Yes - Wi-Fi (WPA2-Enterprise)",
			"MPII-3.3": "No",
			"PAUT-12":  "Yes",
			"RMOT-1":   "No",
		}},
		"us-weak": {Manufacturer: "Handheld Health", Model: "EchoLite", Version: "1.0", Date: "2024-11-15", Answers: map[string]string{
			"STCF-1":   "No",
			"STCF-1.2": "N/A",
			"MPII-3.6": "Yes",
			"MPII-3.3": "Yes - USB export",
			"PLOK-4":   "No",
			"ALOF-1":   "No",
			"PAUT-8":   "No",
			"PAUT-12":  "No",
			"SBOM-1":   "Yes",
			"RMOT-1":   "No",
			"CSUP-2":   "Yes - Android 9",
		}},
	}
}
