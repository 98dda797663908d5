package filescan

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	ft "github.com/pacsguard/pacsguard/internal/filescan/filescantest"
)

func TestIdentify(t *testing.T) {
	mzPE := ft.DOSHeader(0x40)
	copy(mzPE[0x40:], ft.PEHeader())
	mzBare := make([]byte, 128)
	copy(mzBare, "MZ")
	for _, tc := range []struct {
		name string
		in   []byte
		want Kind
	}{
		{"PE via e_lfanew", mzPE[:], KindPE},
		{"MZ with DOS stub only", func() []byte { p := ft.DOSHeader(0); return p[:] }(), KindPE},
		{"MZ alone is pixel data", mzBare, KindNone},
		{"PE header", ft.PEHeader(), KindPEHead},
		{"PE signature with unknown machine", []byte("PE\x00\x00\x34\x12\x00\x00"), KindNone},
		{"ELF", ft.ELFHeader(), KindELF},
		{"ELF with bad class", []byte("\x7fELF\x07\x01"), KindNone},
		{"Mach-O 64 LE", []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"), KindMachO},
		{"Mach-O 32 BE", []byte("\xfe\xed\xfa\xce\x00\x00\x00\x07"), KindMachO},
		{"fat", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"), KindMachFat},
		{"fat 64", []byte("\xca\xfe\xba\xbf\x00\x00\x00\x01"), KindMachFat},
		{"Java class", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x34"), KindJava},
		{"script", []byte("#!/bin/sh\n"), KindScript},
		{"hash without bang path", []byte("#!x"), KindNone},
		{"ZIP", ft.ZIPBytes(), KindZIP},
		{"empty ZIP", []byte("PK\x05\x06\x00\x00"), KindZIP},
		{"RAR", []byte("Rar!\x1a\x07\x00"), KindRAR},
		{"7z", []byte("7z\xbc\xaf\x27\x1c\x00\x04"), Kind7Z},
		{"gzip", []byte("\x1f\x8b\x08\x00"), KindGzip},
		{"CAB", []byte("MSCF\x00\x00\x00\x00"), KindCAB},
		{"OLE", []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), KindOLE},
		{"PDF", []byte("%PDF-1.7\n"), KindPDF},
		{"JPEG fragment", []byte("\xff\xd8\xff\xe0\x00\x10JFIF"), KindNone},
		{"JPEG 2000 codestream", []byte("\xff\x4f\xff\x51\x00\x2f"), KindNone},
		{"zeros", make([]byte, 64), KindNone},
		{"short", []byte("MZ"), KindNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Identify(tc.in); got != tc.want {
				t.Errorf("Identify = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestScanDocument(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		want DocContent
	}{
		{"PDF names are whole tokens", "%PDF-1.4\n<< /JSX 1 /JavaScriptX 2 /AAA 3 /Launcher 4 >>", DocContent{Format: "pdf"}},
		{"PDF active names", "%PDF-1.4\n<</AA<</O 1 0 R>>/Launch/EmbeddedFile>>", DocContent{Format: "pdf", PDFActive: []string{"AA", "EmbeddedFile", "Launch"}}},
		{"junk before the PDF header", "garbage\n%PDF-1.4 /JS", DocContent{Format: "pdf", PDFActive: []string{"JS"}}},
		{"plain HTML", "<html><body><p>report</p></body></html>", DocContent{Format: "html"}},
		{"HTML event handler", "<html><body><div class=a onmouseover = 'x'>", DocContent{Format: "html", Script: []string{"event handler attribute"}}},
		{"CDA XML without entities", `<?xml version="1.0"?><ClinicalDocument><title>x</title></ClinicalDocument>`, DocContent{Format: "xml"}},
		{"internal entity is fine", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`, DocContent{Format: "xml"}},
		{"public entity", `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY b PUBLIC "-//x" "http://x">]><a/>`, DocContent{Format: "xml", ExternalEntities: []string{"ENTITY PUBLIC"}}},
		{"text", "Findings: normal study.\n", DocContent{Format: "text"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ScanDocument(bytes.NewReader([]byte(tc.doc)), 0, int64(len(tc.doc)), 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			tc.want.Scanned = int64(len(tc.doc))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		path            string
		dicom, note     bool
		noteBroad       bool
		ransomExtension string
	}{
		{path: "a/IM0001.dcm", dicom: true},
		{path: "a/IM0001.DCM", dicom: true},
		{path: "DICOMDIR", dicom: true},
		{path: "x.dicom", dicom: true},
		{path: "x.dcm.locked", ransomExtension: ".locked"},
		{path: "x.WNCRY", ransomExtension: ".wncry"},
		{path: "README.TXT", noteBroad: true},
		{path: "HOW_TO_DECRYPT.html", note: true, noteBroad: true},
		{path: "_readme.txt", note: true, noteBroad: true},
		{path: "RECOVER-FILES.txt", note: true, noteBroad: true},
		{path: "decrypt.exe"},
		{path: "notes.txt"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got := []any{LooksLikeDICOMName(tc.path), IsRansomNote(tc.path, false), IsRansomNote(tc.path, true), RansomExtension(tc.path)}
			want := []any{tc.dicom, tc.note, tc.noteBroad, tc.ransomExtension}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("[dicom note broad ext] (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEntropy(t *testing.T) {
	if got := Entropy(bytes.Repeat([]byte{7}, 1000)); got != 0 {
		t.Errorf("constant bytes: %v, want 0", got)
	}
	all := make([]byte, 256*16)
	for i := range all {
		all[i] = byte(i)
	}
	if got := Entropy(all); got != 8 {
		t.Errorf("uniform bytes: %v, want 8", got)
	}
	if got := Entropy(ft.RandomBytes(3, 1<<16)); got < 7.99 {
		t.Errorf("random bytes: %v, want about 8", got)
	}
	if got := Entropy(ft.CleanFile()[:512]); got > 6 {
		t.Errorf("DICOM header: %v, want well below 8", got)
	}
}
