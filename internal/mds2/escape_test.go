package mds2_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"github.com/pacsguard/pacsguard/internal/mds2"
	"github.com/pacsguard/pacsguard/internal/mds2/mds2test"
)

// rewritePart rewrites one part of an .xlsx archive.
func rewritePart(t *testing.T, data []byte, part string, edit func(string) string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	found := false
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var body bytes.Buffer
		body.ReadFrom(rc)
		rc.Close()
		b := body.Bytes()
		if f.Name == part {
			b, found = []byte(edit(string(b))), true
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
	if !found {
		t.Fatalf("no part %s", part)
	}
	return buf.Bytes()
}

// TestVendorTextCannotEscape: OOXML stores control characters as _x001B_,
// which the spreadsheet library decodes; neither they nor bidirectional
// overrides (U+202E) may reach a terminal, Markdown or HTML report.
func TestVendorTextCannotEscape(t *testing.T) {
	m := model(t)
	d := mds2test.Fixtures()["ct-weak"]
	d.Manufacturer = "Borealis_x001B_]8;;http://evil_x0007_ Medical\u202e"
	d.Answers["PAUT-5"] = "No - _x001B_[2J service password is fixed \u2066x\u2069"
	data := formBytes(t, mds2test.Standard(m.Catalogue, d, mds2test.Good(m)))
	if !bytes.Contains(data, []byte("_x001B_")) {
		// The writer may have escaped the underscore; write it raw.
		data = rewritePart(t, data, "xl/sharedStrings.xml", func(s string) string {
			return strings.ReplaceAll(s, "_x005F_x001B_", "_x001B_")
		})
	}
	p, err := mds2.Read(data, "evil.xlsx", m.Catalogue, mds2.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	e, ok := m.Weights.For("ct")
	if !ok {
		t.Fatal("no equipment ct")
	}
	c := mds2.Compare(m, e, []*mds2.Profile{p}, testNow)
	for _, f := range []mds2.Format{mds2.FormatTable, mds2.FormatMarkdown, mds2.FormatHTML} {
		var buf bytes.Buffer
		if err := mds2.WriteComparison(&buf, c, f); err != nil {
			t.Fatal(err)
		}
		if err := mds2.WriteProfiles(&buf, m.Catalogue, []*mds2.Profile{p}, f); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u2066"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s output contains %q", f, bad)
			}
		}
	}
}
