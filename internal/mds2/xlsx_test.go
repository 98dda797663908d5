package mds2_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/mds2"
	"github.com/pacsguard/pacsguard/internal/mds2/mds2test"
)

var update = flag.Bool("update", false, "rewrite golden files and generated testdata")

func catalogue(t testing.TB) *mds2.Catalogue {
	t.Helper()
	cat, err := mds2.LoadCatalogue()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func formBytes(t testing.TB, f mds2test.Form) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := mds2test.Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var acme = mds2test.Device{Manufacturer: "Acme Imaging", Model: "CT-9000", Version: "2.1", Date: "2026-03-20"}

func TestReadStandardForm(t *testing.T) {
	cat := catalogue(t)
	p, err := mds2.Read(formBytes(t, mds2test.Standard(cat, acme, mds2test.AllYes)), "acme.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := mds2.Device{Manufacturer: "Acme Imaging", Model: "CT-9000", Version: "2.1", Description: "Synthetic test device", DocumentID: "MDS2-CT-9000", DocumentDate: "2026-03-20"}
	if diff := cmp.Diff(p.Device, want); diff != "" {
		t.Errorf("device (-got +want):\n%s", diff)
	}
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
	yes, no, na, unreadable, missing := p.Counts()
	if yes != 231 || no+na+unreadable+missing != 0 {
		t.Errorf("counts yes=%d no=%d na=%d unreadable=%d missing=%d", yes, no, na, unreadable, missing)
	}
	if got := p.Device.Key(); got != "acme-imaging/ct-9000/2.1" {
		t.Errorf("key = %q", got)
	}
}

// TestReadVendorVariations feeds the reader the layouts real forms show; each
// must yield the same answers as the clean form.
func TestReadVendorVariations(t *testing.T) {
	cat := catalogue(t)
	d := acme
	d.Answers = map[string]string{
		"AUTH-1":   "Y",
		"TXCF-2":   "yes.",
		"PAUT-8":   "NO",
		"RMOT-1":   "Yes - see note 3",
		"SBOM-1":   "Not applicable",
		"MLDP-2.1": "n/a",
		"STCF-1":   "No (optional encryption module)",
		"CSUP-4.1": "N/A",
		"CSUP-4.2": "", "CSUP-4.3": "", "CSUP-4.4": "", // merged with CSUP-4.1 below
	}
	base := mds2test.Standard(cat, d, mds2test.AllYes)
	want := map[string]mds2.Value{
		"AUTH-1": mds2.ValueYes, "TXCF-2": mds2.ValueYes, "PAUT-8": mds2.ValueNo, "RMOT-1": mds2.ValueYes,
		"SBOM-1": mds2.ValueNA, "MLDP-2.1": mds2.ValueNA, "STCF-1": mds2.ValueNo,
		"CSUP-4.1": mds2.ValueNA, "CSUP-4.2": mds2.ValueNA, "CSUP-4.3": mds2.ValueNA, "CSUP-4.4": mds2.ValueNA,
		"SAHD-15": mds2.ValueYes, "CONN-7": mds2.ValueYes,
	}
	rowOf := func(f mds2test.Form, id string) int {
		for i, r := range f.Rows {
			if r.ID == id {
				return f.FirstRow() + i
			}
		}
		t.Fatalf("no row %s", id)
		return 0
	}
	col := func(f mds2test.Form, what string) string {
		for i, c := range f.Columns {
			if c == what {
				return string(rune('A' + i))
			}
		}
		return "C"
	}
	variants := map[string]func(f mds2test.Form) mds2test.Form{
		"clean": func(f mds2test.Form) mds2test.Form { return f },
		"reordered columns": func(f mds2test.Form) mds2test.Form {
			f.Columns = []string{"note", "answer", "", "question", "id"}
			return f
		},
		"vendor headers": func(f mds2test.Form) mds2test.Form {
			f.Columns = []string{"id", "question", "", "answer", "note"}
			f.Headers = []string{"#", "Question (provide details)", "IEC TR 80001-2-2", "Manufacturer Response", "Explanation"}
			return f
		},
		"no header row": func(f mds2test.Form) mds2test.Form {
			f.NoHeader = true
			f.DeviceBlock = nil
			f.Columns = []string{"id", "question", "answer", "note"}
			return f
		},
		"hidden rows and blank rows": func(f mds2test.Form) mds2test.Form {
			rows := append([]mds2test.Row(nil), f.Rows...)
			for i := range rows {
				if i%7 == 0 {
					rows[i].Hidden = true
				}
			}
			f.Rows = rows
			f.BlankRowsEvery = 10
			return f
		},
		"instructions sheet first": func(f mds2test.Form) mds2test.Form {
			f.SheetsBefore = []string{"Instructions", "Revision history"}
			f.Sheet = "Form"
			return f
		},
		"lower-case and misspelt IDs": func(f mds2test.Form) mds2test.Form {
			rows := append([]mds2test.Row(nil), f.Rows...)
			for i := range rows {
				switch rows[i].ID {
				case "SAHD-15":
					rows[i].ID = "SHAD-15"
				case "CONN-7":
					rows[i].ID = "conn-7"
				case "AUTH-1":
					rows[i].ID = "AUTH 1"
				}
			}
			f.Rows = rows
			return f
		},
	}
	for name, vary := range variants {
		t.Run(name, func(t *testing.T) {
			f := vary(base)
			ac := col(f, "answer")
			if name != "hidden rows and blank rows" {
				f.Merges = [][2]string{{ac + itoa(rowOf(f, "CSUP-4.1")), ac + itoa(rowOf(f, "CSUP-4.4"))}}
			} else {
				// Blank rows shift row numbers; merge by hand is covered by other cases.
				f.Rows = fillMerged(f.Rows)
			}
			p, err := mds2.Read(formBytes(t, f), "v.xlsx", cat, mds2.DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]mds2.Value{}
			for id := range want {
				got[id] = p.Value(id)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("answers (-got +want):\n%s", diff)
			}
			if len(p.Problems) != 0 {
				t.Errorf("problems: %v", p.Problems)
			}
			if p.Answers["RMOT-1"].Note != "see note 3" {
				t.Errorf("RMOT-1 note = %q", p.Answers["RMOT-1"].Note)
			}
			if p.Device.Manufacturer != "Acme Imaging" || p.Device.Model != "CT-9000" {
				t.Errorf("device = %+v", p.Device)
			}
			if name == "hidden rows and blank rows" {
				// Row numbers must survive the blank rows: each answer is
				// marked hidden exactly when its row was hidden.
				for _, r := range f.Rows {
					if a, ok := p.Answers[r.ID]; ok && a.Hidden != r.Hidden {
						t.Errorf("%s (row %d) hidden=%v, want %v", r.ID, a.Row, a.Hidden, r.Hidden)
					}
				}
			}
		})
	}
}

func fillMerged(rows []mds2test.Row) []mds2test.Row {
	out := append([]mds2test.Row(nil), rows...)
	for i := range out {
		if strings.HasPrefix(out[i].ID, "CSUP-4.") {
			out[i].Answer = "N/A"
		}
	}
	return out
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestReadStrict: what cannot be read is reported per question, never guessed.
func TestReadStrict(t *testing.T) {
	cat := catalogue(t)
	d := acme
	d.Answers = map[string]string{
		"AUTH-1": "Optional",
		"TXCF-2": "Yes/No",
		"PAUT-8": "",
		"SBOM-1": "\x01\x02garbage\x7f",
		"MLDP-4": "TBD",
	}
	f := mds2test.Standard(cat, d, mds2test.AllYes)
	// A second, conflicting answer to RMOT-1 further down, and a vendor extra row.
	f.Rows = append(f.Rows, mds2test.Row{ID: "RMOT-1", Answer: "No"}, mds2test.Row{ID: "RMOT-9", Answer: "Yes"})
	// Drop a question entirely.
	var rows []mds2test.Row
	for _, r := range f.Rows {
		if r.ID != "EMRG-1" {
			rows = append(rows, r)
		}
	}
	f.Rows = rows
	p, err := mds2.Read(formBytes(t, f), "strict.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]mds2.Value{}
	for _, id := range []string{"AUTH-1", "TXCF-2", "PAUT-8", "SBOM-1", "MLDP-4", "RMOT-1", "EMRG-1", "RMOT-9"} {
		got[id] = p.Value(id)
	}
	want := map[string]mds2.Value{
		"AUTH-1": mds2.ValueUnreadable, "TXCF-2": mds2.ValueUnreadable, "PAUT-8": mds2.ValueMissing,
		"SBOM-1": mds2.ValueUnreadable, "MLDP-4": mds2.ValueUnreadable, "RMOT-1": mds2.ValueUnreadable,
		"EMRG-1": mds2.ValueMissing, "RMOT-9": mds2.ValueYes,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("answers (-got +want):\n%s", diff)
	}
	var ids []string
	for _, pr := range p.Problems {
		ids = append(ids, pr.QuestionID)
	}
	wantIDs := []string{"AUTH-1", "EMRG-1", "MLDP-4", "PAUT-8", "SBOM-1", "TXCF-2", "RMOT-1"}
	if diff := cmp.Diff(ids, wantIDs); diff != "" {
		t.Errorf("problem IDs in form order (-got +want):\n%s\n%v", diff, p.Problems)
	}
	if diff := cmp.Diff(p.Unknown, []string{"RMOT-9"}); diff != "" {
		t.Errorf("unknown IDs (-got +want):\n%s", diff)
	}
}

func zipOf(t *testing.T, entries map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadBrokenFiles(t *testing.T) {
	cat := catalogue(t)
	good := formBytes(t, mds2test.Standard(cat, acme, mds2test.AllYes))
	small := mds2.DefaultLimits()
	small.MaxFileSize = 1000
	fewEntries := mds2.DefaultLimits()
	fewEntries.MaxEntries = 3
	noForm := formBytes(t, mds2test.Form{Sheet: "Summary", Rows: []mds2test.Row{{ID: "Hello", Answer: "Yes"}}})
	garbage := mds2test.Standard(cat, acme, func(mds2.Question) string { return "\x00\x1b[31mRED\x1b[0m" })
	tests := []struct {
		name string
		data []byte
		lim  mds2.Limits
		want error
	}{
		{"not a zip", []byte("Question ID,Answer\nAUTH-1,Yes\n"), mds2.DefaultLimits(), mds2.ErrNotXLSX},
		{"legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), mds2.DefaultLimits(), mds2.ErrNotXLSX},
		{"zip without workbook", zipOf(t, map[string][]byte{"hello.txt": []byte("hi")}), mds2.DefaultLimits(), mds2.ErrNotXLSX},
		{"zip bomb entry", zipOf(t, map[string][]byte{"xl/workbook.xml": []byte("<x/>"), "xl/worksheets/sheet1.xml": make([]byte, 8<<20)}), mds2.DefaultLimits(), mds2.ErrZipBomb},
		{"too many entries", good, fewEntries, mds2.ErrZipBomb},
		{"file too large", good, small, mds2.ErrTooLarge},
		{"truncated", good[:len(good)/2], mds2.DefaultLimits(), mds2.ErrNotXLSX},
		{"damaged workbook xml", zipOf(t, map[string][]byte{"[Content_Types].xml": []byte("<"), "xl/workbook.xml": []byte("<<<")}), mds2.DefaultLimits(), nil},
		{"no form sheet", noForm, mds2.DefaultLimits(), mds2.ErrNoForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := mds2.Read(tt.data, "bad.xlsx", cat, tt.lim)
			if err == nil {
				t.Fatal("no error")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	t.Run("garbage cells", func(t *testing.T) {
		p, err := mds2.Read(formBytes(t, garbage), "garbage.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if p.Value("AUTH-1") != mds2.ValueUnreadable {
			t.Errorf("AUTH-1 = %v", p.Value("AUTH-1"))
		}
		for _, pr := range p.Problems {
			if strings.ContainsAny(pr.Reason, "\x00\x1b") {
				t.Fatalf("control characters in problem %q", pr.Reason)
			}
		}
	})
}

// TestReadFileLimit checks the size is refused before the file is read.
func TestReadFileLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.xlsx")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	lim := mds2.DefaultLimits()
	lim.MaxFileSize = 100
	if _, err := mds2.ReadFile(path, catalogue(t), lim); !errors.Is(err, mds2.ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

// FuzzRead feeds the sheet reader arbitrary bytes seeded with a small form.
// Beyond not panicking, anything it accepts must hold only catalogued-style
// IDs with values from the documented set, and a problem for every
// unreadable answer.
func FuzzRead(f *testing.F) {
	cat := catalogue(f)
	seed := filepath.Join("testdata", "small-form.xlsx")
	if *update {
		d := acme
		d.Answers = map[string]string{"AUTH-1": "Y - see note", "TXCF-2": "Maybe"}
		form := mds2test.Standard(cat, d, func(mds2.Question) string { return "No" })
		form.Rows = form.Rows[:40]
		if err := os.WriteFile(seed, formBytes(f, form), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	b, err := os.ReadFile(seed)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("PK\x03\x04"))
	lim := mds2.DefaultLimits()
	lim.MaxFileSize = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := mds2.Read(data, "fuzz.xlsx", cat, lim)
		if err != nil {
			if p != nil {
				t.Fatal("profile and error")
			}
			return
		}
		problems := map[string]bool{}
		for _, pr := range p.Problems {
			problems[pr.QuestionID] = true
		}
		for id, a := range p.Answers {
			if c, ok := cat.CanonicalID(id); !ok || c != id {
				t.Fatalf("answer under non-canonical ID %q", id)
			}
			switch a.Value {
			case mds2.ValueYes, mds2.ValueNo, mds2.ValueNA, mds2.ValueText, mds2.ValueMissing:
			case mds2.ValueUnreadable:
				if !problems[id] {
					t.Fatalf("%s unreadable without a problem", id)
				}
			default:
				t.Fatalf("%s has value %q", id, a.Value)
			}
		}
	})
}

// TestReadFormQuirks covers layouts seen in real filled forms: the ID and the
// question in one cell, "See note" answers, a hidden older copy of the form,
// and a form without identity rows.
func TestReadFormQuirks(t *testing.T) {
	cat := catalogue(t)
	t.Run("ID and question in one cell", func(t *testing.T) {
		f := mds2test.Standard(cat, acme, mds2test.AllYes)
		rows := append([]mds2test.Row(nil), f.Rows...)
		for i := range rows {
			rows[i].ID = rows[i].ID + ": " + rows[i].Question
			rows[i].Question = ""
		}
		f.Rows = rows
		f.Columns = []string{"id", "answer", "note"}
		p, err := mds2.Read(formBytes(t, f), "q.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if p.Value("TXCF-2") != mds2.ValueYes || p.Device.Manufacturer != "Acme Imaging" || len(p.Problems) != 0 {
			t.Errorf("TXCF-2=%v device=%+v problems=%v", p.Value("TXCF-2"), p.Device, p.Problems)
		}
		if q := p.Answers["TXCF-2"].Question; !strings.HasPrefix(q, "PII encrypted") {
			t.Errorf("question text %q", q)
		}
	})
	t.Run("see note", func(t *testing.T) {
		d := acme
		d.Answers = map[string]string{"AUTH-1": "See Note 4"}
		p, err := mds2.Read(formBytes(t, mds2test.Standard(cat, d, mds2test.AllYes)), "n.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if p.Value("AUTH-1") != mds2.ValueUnreadable || len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Reason, "points to a note") {
			t.Errorf("AUTH-1=%v problems=%v", p.Value("AUTH-1"), p.Problems)
		}
	})
	t.Run("hidden older copy", func(t *testing.T) {
		old := acme
		old.Answers = map[string]string{"SBOM-1": "No"}
		x, err := mds2test.Build(mds2test.Standard(cat, acme, mds2test.AllYes))
		if err != nil {
			t.Fatal(err)
		}
		// A hidden sheet holding an older, longer copy of the form.
		if _, err := x.NewSheet("Old"); err != nil {
			t.Fatal(err)
		}
		for i, r := range mds2test.Rows(cat, old, func(mds2.Question) string { return "No" }) {
			x.SetSheetRow("Old", "A"+strconv.Itoa(i+1), &[]any{r.ID, r.Question, r.Answer})
			x.SetSheetRow("Old", "A"+strconv.Itoa(i+300), &[]any{r.ID + ".9", r.Question, r.Answer})
		}
		if err := x.SetSheetVisible("Old", false); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		p, err := mds2.Read(buf.Bytes(), "h.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if p.Source.Sheet != "MDS2" || p.Value("SBOM-1") != mds2.ValueYes {
			t.Errorf("read sheet %q, SBOM-1=%v", p.Source.Sheet, p.Value("SBOM-1"))
		}
		if len(p.Problems) != 1 || !strings.Contains(p.Problems[0].Reason, `sheet "Old" also holds`) {
			t.Errorf("problems %v", p.Problems)
		}
	})
	t.Run("no identity", func(t *testing.T) {
		f := mds2test.Standard(cat, mds2test.Device{}, mds2test.AllYes)
		f.DeviceBlock = nil
		p, err := mds2.Read(formBytes(t, f), "vendor-x.xlsx", cat, mds2.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		if p.Device.Model != "vendor-x" || p.Device.Key() != "unknown/vendor-x" {
			t.Errorf("device %+v key %s", p.Device, p.Device.Key())
		}
		found := false
		for _, pr := range p.Problems {
			found = found || strings.Contains(pr.Reason, "no manufacturer or model")
		}
		if !found {
			t.Errorf("problems %v", p.Problems)
		}
	})
}

func TestReadRowLimit(t *testing.T) {
	cat := catalogue(t)
	lim := mds2.DefaultLimits()
	lim.MaxRows = 100
	p, err := mds2.Read(formBytes(t, mds2test.Standard(cat, acme, mds2test.AllYes)), "l.xlsx", cat, lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Problems) == 0 || !strings.Contains(p.Problems[0].Reason, "rows beyond the 100 read") {
		t.Fatalf("first problem %v", p.Problems[:min(1, len(p.Problems))])
	}
	if p.Value("RMOT-1") != mds2.ValueMissing {
		t.Errorf("RMOT-1 beyond the limit = %v", p.Value("RMOT-1"))
	}
}

func BenchmarkReadForm(b *testing.B) {
	cat := catalogue(b)
	data := formBytes(b, mds2test.Standard(cat, acme, mds2test.AllYes))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := mds2.Read(data, "b.xlsx", cat, mds2.DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadFilledFormAnswers uses answer spellings copied in kind (not in
// content) from a real vendor-filled HN 1-2019 form.
func TestReadFilledFormAnswers(t *testing.T) {
	cat := catalogue(t)
	d := acme
	d.Answers = map[string]string{
		"PAUT-4":   "N/A: No default accounts",
		"RDMP-4":   "No: No end-of-life components",
		"MPII-2.9": `Yes,"PACS, NAS"`,
		"MPII-1":   "Yes,optional",
		"CONN-1":   "____",
		"CONN-1.1": "____",
		"PAUT-1":   "Yes, Optional",
		"DOC-8":    "Yes, the manufacturer discloses vulnerabilities directly to affected customers.)",
		"SAHD-6":   "Yes,All accounts are disabled at delivery",
		"MLDP-2.5": "No,",
	}
	f := mds2test.Standard(cat, d, mds2test.AllYes)
	for i := range f.Rows {
		if f.Rows[i].ID == "SAHD-15" {
			f.Rows[i].ID = "SHAD-15"
		}
	}
	p, err := mds2.Read(formBytes(t, f), "filled.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		V    mds2.Value
		Note string
	}
	want := map[string]got{
		"PAUT-4":   {mds2.ValueNA, "No default accounts"},
		"RDMP-4":   {mds2.ValueNo, "No end-of-life components"},
		"MPII-2.9": {mds2.ValueYes, `"PACS, NAS"`},
		"MPII-1":   {mds2.ValueYes, "optional"},
		"PAUT-1":   {mds2.ValueYes, "Optional"},
		"DOC-8":    {mds2.ValueYes, "the manufacturer discloses vulnerabilities directly to affected customers.)"},
		"SAHD-6":   {mds2.ValueYes, "All accounts are disabled at delivery"},
		"MLDP-2.5": {mds2.ValueNo, ""},
		"SAHD-15":  {mds2.ValueYes, ""},
	}
	g := map[string]got{}
	for id := range want {
		g[id] = got{p.Value(id), p.Answers[id].Note}
	}
	if diff := cmp.Diff(g, want); diff != "" {
		t.Errorf("answers (-got +want):\n%s", diff)
	}
	if len(p.Problems) != 0 {
		t.Errorf("problems: %v", p.Problems)
	}
}

// rewriteSheet rewrites the first worksheet of an xlsx with edit.
func rewriteSheet(t *testing.T, data []byte, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(rc)
		rc.Close()
		b := body.Bytes()
		if f.Name == "xl/worksheets/sheet1.xml" {
			b = []byte(edit(string(b)))
		}
		w, err := zw.Create(f.Name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadHostileLayout: a valid workbook built to make the reader work hard
// (thousands of sheet-wide merged ranges, a row at the bottom of the sheet)
// is read within its budgets.
func TestReadHostileLayout(t *testing.T) {
	cat := catalogue(t)
	base := formBytes(t, mds2test.Standard(cat, acme, mds2test.AllYes))
	data := rewriteSheet(t, base, func(s string) string {
		var merges strings.Builder
		n := 20000
		merges.WriteString(`<mergeCells count="` + strconv.Itoa(n) + `">`)
		for i := 0; i < n; i++ {
			merges.WriteString(`<mergeCell ref="A1:XFD1048576"/>`)
		}
		merges.WriteString(`</mergeCells>`)
		far := `<row r="1048000"><c r="A1048000" t="inlineStr"><is><t>AUTH-1</t></is></c><c r="C1048000" t="inlineStr"><is><t>No</t></is></c></row>`
		s = strings.Replace(s, "</sheetData>", far+"</sheetData>"+merges.String(), 1)
		return s
	})
	start := time.Now()
	p, err := mds2.Read(data, "hostile.xlsx", cat, mds2.DefaultLimits())
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("read took %v", elapsed)
	}
	if err != nil {
		t.Logf("refused: %v", err)
		return // refusing it is fine too
	}
	t.Logf("read: %d problems, first %v", len(p.Problems), p.Problems[:min(2, len(p.Problems))])
	if p.Value("AUTH-1") == mds2.ValueNo {
		t.Errorf("row beyond the row limit was read")
	}
}

// TestReadMisleadingHeader: instructions and a stray "Response" cell above
// the table must not be taken for the answer column's header.
func TestReadMisleadingHeader(t *testing.T) {
	cat := catalogue(t)
	f := mds2test.Standard(cat, acme, mds2test.AllYes)
	f.DeviceBlock = append(f.DeviceBlock,
		[2]string{"", "Answer every question with Yes, No or N/A and give details in the notes column."},
		[2]string{"Vendor", "Acme Imaging"},
	)
	f.Columns = []string{"id", "question", "answer", "note"}
	f.Headers = []string{"ID", "Response", "Yes/No", "Note"} // "Response" over the question column
	p, err := mds2.Read(formBytes(t, f), "m.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.Value("TXCF-2") != mds2.ValueYes || len(p.Problems) != 0 {
		t.Errorf("TXCF-2=%v problems=%v", p.Value("TXCF-2"), p.Problems[:min(3, len(p.Problems))])
	}
}

// TestReadRowsEndingInLastColumn: every row of a real form ends in an empty
// cell in column XFD. The spreadsheet library's whole-sheet functions (merged
// cells, row visibility) would pad each row to 16384 cells, gigabytes for a
// small file; the reader streams the sheet instead and reads the form.
func TestReadRowsEndingInLastColumn(t *testing.T) {
	cat := catalogue(t)
	f := mds2test.Standard(cat, acme, mds2test.AllYes)
	f.Merges = [][2]string{{"C" + strconv.Itoa(f.FirstRow()+1), "C" + strconv.Itoa(f.FirstRow()+2)}}
	base := formBytes(t, f)
	row := regexp.MustCompile(`<row r="(\d+)"([^>]*)>(.*?)</row>`)
	data := rewriteSheet(t, base, func(s string) string {
		return row.ReplaceAllString(s, `<row r="$1"$2>$3<c r="XFD$1"/></row>`)
	})
	if bytes.Equal(data, base) {
		t.Fatal("the sheet was not rewritten")
	}
	p, err := mds2.Read(data, "wide.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.Value("AUTH-1") != mds2.ValueYes {
		t.Errorf("AUTH-1 = %v, want Yes", p.Value("AUTH-1"))
	}

	// A value in column XFD makes the row iterator pad the row with 16384
	// strings: such a row is skipped, and said to be.
	auth := ""
	for i, r := range f.Rows {
		if r.ID == "AUTH-1" {
			auth = strconv.Itoa(f.FirstRow() + i)
		}
	}
	data = rewriteSheet(t, base, func(s string) string {
		return row.ReplaceAllStringFunc(s, func(r string) string {
			if !strings.HasPrefix(r, `<row r="`+auth+`"`) {
				return r
			}
			return strings.TrimSuffix(r, "</row>") + `<c r="XFD` + auth + `" t="inlineStr"><is><t>x</t></is></c></row>`
		})
	})
	p, err = mds2.Read(data, "wide.xlsx", cat, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if p.Value("AUTH-1") != mds2.ValueMissing {
		t.Errorf("AUTH-1 in a row reaching column XFD = %v, want missing", p.Value("AUTH-1"))
	}
	found := false
	for _, pr := range p.Problems {
		found = found || strings.Contains(pr.Reason, "beyond column 1024")
	}
	if !found {
		t.Errorf("no problem reports the skipped row: %v", p.Problems)
	}
}
