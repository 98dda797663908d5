package filescan

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/dicom"
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

type variant struct {
	name string
	file string // file name (name-based checks look at it)
	data func(t testing.TB) []byte
	want []string
}

func variants() []variant {
	bigZip := append(zipBytes(), bytes.Repeat([]byte{0}, 100<<10)...)
	fat := []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07")
	return []variant{
		{"clean", "clean.dcm", cleanFile, nil},
		{"tiff preamble", "tiff.dcm", func(t testing.TB) []byte { return withPreamble(t, []byte("II*\x00\x08\x00\x00\x00")) }, nil},
		{"PE header in the preamble only", "pe-pre.dcm", func(t testing.TB) []byte {
			p := dosHeader(0x40)
			copy(p[0x40:], peHeader()[:0x40])
			return writeDICOM(t, p, cleanDataSet())
		}, []string{"files.preamble-pe-header"}},
		{"MZ without PE header", "mz.dcm", func(t testing.TB) []byte { return writeDICOM(t, dosHeader(0), cleanDataSet()) }, []string{"files.preamble-pe"}},
		{"PE-DICOM", "pedicom.dcm", func(t testing.TB) []byte { return peDICOM(t, false) },
			[]string{"files.payload-in-private-element", "files.pe-dicom"}},
		{"PE-DICOM with the preamble zeroed in transit", "pedicom-stored.dcm", func(t testing.TB) []byte { return peDICOM(t, true) },
			[]string{"files.payload-in-private-element"}},
		{"ELF preamble", "elf.dcm", func(t testing.TB) []byte { return withPreamble(t, elfHeader()) }, []string{"files.preamble-elf"}},
		{"Mach-O thin preamble", "macho.dcm", func(t testing.TB) []byte { return withPreamble(t, []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01")) }, []string{"files.preamble-macho"}},
		{"Mach-O fat preamble", "fat.dcm", func(t testing.TB) []byte { return withPreamble(t, fat) }, []string{"files.preamble-macho"}},
		{"script preamble", "sh.dcm", func(t testing.TB) []byte { return withPreamble(t, []byte("#!/bin/sh\necho hi\nexit 0\n")) }, []string{"files.preamble-script"}},
		{"ZIP preamble", "zip.dcm", func(t testing.TB) []byte { return withPreamble(t, zipBytes()) }, []string{"files.preamble-archive"}},
		{"PDF preamble", "pdf.dcm", func(t testing.TB) []byte { return withPreamble(t, []byte("%PDF-1.4\n")) }, []string{"files.preamble-pdf"}},
		{"junk preamble", "junk.dcm", func(t testing.TB) []byte { return withPreamble(t, []byte("written by some tool")) }, []string{"files.preamble-unknown"}},
		{"ELF in a private UN element", "elf-un.dcm", func(t testing.TB) []byte { return withPrivate(t, dicom.VRUN, elfHeader()) }, []string{"files.payload-in-private-element"}},
		{"Mach-O fat in a private element", "fat-ob.dcm", func(t testing.TB) []byte { return withPrivate(t, dicom.VROB, fat) }, []string{"files.payload-in-private-element"}},
		{"script in a private element", "sh-ob.dcm", func(t testing.TB) []byte { return withPrivate(t, dicom.VROB, []byte("#!/usr/bin/python3\nprint(1)\n")) }, []string{"files.payload-in-private-element"}},
		{"large ZIP in a private element (sampled, not loaded)", "zip-ob.dcm", func(t testing.TB) []byte { return withPrivate(t, dicom.VROB, bigZip) }, []string{"files.payload-in-private-element"}},
		{"PDF with JavaScript", "js.dcm", func(t testing.TB) []byte {
			return withDocument(t, "application/pdf", pdfWith("/Type /Action /S /JavaScript /JS (app.alert(1))", 10))
		}, []string{"files.pdf-active-content"}},
		{"PDF with hex-escaped names", "js-hex.dcm", func(t testing.TB) []byte {
			return withDocument(t, "application/pdf", pdfWith("/S /J#61vaScript /O#70enAction 1 0 R", 10))
		}, []string{"files.pdf-active-content"}},
		{"large PDF with OpenAction at the end (streamed)", "pdf-big.dcm", func(t testing.TB) []byte {
			return withDocument(t, "application/pdf", pdfWith("/OpenAction 5 0 R /Launch 6 0 R", 300<<10))
		}, []string{"files.pdf-active-content"}},
		{"clean PDF", "pdf-clean.dcm", func(t testing.TB) []byte { return withDocument(t, "application/pdf", pdfWith("/Producer (x)", 10)) }, nil},
		{"HTML with script", "html.dcm", func(t testing.TB) []byte {
			return withDocument(t, "text/html", []byte("<!DOCTYPE html><html><body><img src=x onerror=alert(1)><script>alert(1)</script></body></html>"))
		}, []string{"files.html-script"}},
		{"XML with an external entity", "xxe.dcm", func(t testing.TB) []byte {
			return withDocument(t, "text/xml", []byte(`<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ClinicalDocument>&xxe;</ClinicalDocument>`))
		}, []string{"files.xml-external-entity"}},
		{"trailing junk", "trail.dcm", func(t testing.TB) []byte { return append(cleanFile(t), []byte("\x00\x00\x00\x00hidden data here")...) }, []string{"files.trailing-data"}},
		{"trailing ELF", "trail-elf.dcm", func(t testing.TB) []byte { return append(cleanFile(t), elfHeader()...) }, []string{"files.trailing-payload"}},
		{"truncated", "trunc.dcm", func(t testing.TB) []byte { b := cleanFile(t); return b[:len(b)-100] }, []string{"files.truncated"}},
		{"over-long length", "long.dcm", func(t testing.TB) []byte {
			return appendRaw(t, append(explicitHeader(dicom.NewTag(0x7FE1, 0x1001), "OB", 0x7ffffff0), "payload!"...))
		}, []string{"files.length-beyond-end"}},
		{"undefined length where illegal", "undef.dcm", func(t testing.TB) []byte {
			raw := explicitHeader(dicom.NewTag(0x7FE1, 0x1001), "UT", 0xffffffff)
			raw = append(raw, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0)
			return appendRaw(t, raw)
		}, []string{"files.malformed"}},
		{"DICOMDIR escaping the media", "DICOMDIR", func(t testing.TB) []byte {
			return dicomdirWith(t, `IMAGES\IM0001`, `..\..\ETC\PASSWD`, `C:\WINDOWS\SYSTEM32\X`, `\ROOT\FILE`)
		}, []string{"files.dicomdir-path-escape"}},
		{"clean DICOMDIR", "DICOMDIR", func(t testing.TB) []byte { return dicomdirWith(t, `IMAGES\IM0001`, `IMAGES\IM0002`) }, nil},
		{"text named .dcm", "notes.dcm", func(t testing.TB) []byte { return []byte("this is not an image\n") }, []string{"files.not-dicom"}},
		{"encrypted bytes named .dcm", "enc.dcm", func(t testing.TB) []byte { return randomBytes(1, 8192) }, []string{"files.not-dicom"}},
		{"executable named .dcm", "setup.dcm", func(t testing.TB) []byte { h := dosHeader(0x40); return append(h[:], peHeader()...) }, []string{"files.disguised-executable"}},
		{"text not named like DICOM", "notes.txt", func(t testing.TB) []byte { return []byte("hello\n") }, nil},
		{"ransom note", "HOW_TO_DECRYPT_FILES.txt", func(t testing.TB) []byte { return []byte("pay us\n") }, []string{"files.ransomware-note"}},
		{"ransomware extension", "IM0001.dcm.locked", func(t testing.TB) []byte { return randomBytes(2, 4096) }, []string{"files.ransomware-extension"}},
		{"plain README on media", "README.TXT", func(t testing.TB) []byte { return []byte("Viewer instructions\n") }, nil},
	}
}

// TestVariantsDetected proves every generated variant gives exactly its
// check IDs, from a file on disk as the sweep reads it.
func TestVariantsDetected(t *testing.T) {
	s := testScanner(t)
	dir := t.TempDir()
	for _, v := range variants() {
		t.Run(v.name, func(t *testing.T) {
			sub := filepath.Join(dir, filepath.FromSlash(v.name))
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(sub, v.file)
			if err := os.WriteFile(path, v.data(t), 0o644); err != nil {
				t.Fatal(err)
			}
			res := s.ScanFile(path)
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			got := checkIDs(res.Findings)
			if diff := cmp.Diff(v.want, got); diff != "" {
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
	b := peDICOM(t, false)
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
	if res.Plan == nil || !res.Plan.ZeroPreamble || len(res.Plan.Remove) != 1 || res.Plan.Remove[0].Tag != tagPrivatePayload9 || res.Plan.Blocked != "" {
		t.Errorf("clean plan = %+v, want preamble zeroed and (0009,1110) removed", res.Plan)
	}
}
