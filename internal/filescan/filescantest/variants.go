package filescantest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

// Variant is one generated file and the checks it must trigger.
type Variant struct {
	Name string
	File string // file name (name-based checks look at it)
	Data func() []byte
	Want []string // check IDs, sorted
}

// Variants lists every malicious, damaged and clean variant.
func Variants() []Variant {
	bigZip := append(ZIPBytes(), bytes.Repeat([]byte{0}, 100<<10)...)
	fat := []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02\x01\x00\x00\x07")
	return []Variant{
		{"clean", "clean.dcm", CleanFile, nil},
		{"tiff preamble", "tiff.dcm", func() []byte { return WithPreamble([]byte("II*\x00\x08\x00\x00\x00")) }, nil},
		{"PE header in the preamble only", "pe-pre.dcm", func() []byte {
			p := DOSHeader(0x40)
			copy(p[0x40:], PEHeader()[:0x40])
			return WriteDICOM(p, CleanDataSet())
		}, []string{"files.preamble-pe-header"}},
		{"MZ without PE header", "mz.dcm", func() []byte { return WriteDICOM(DOSHeader(0), CleanDataSet()) }, []string{"files.preamble-pe"}},
		{"PE-DICOM", "pedicom.dcm", func() []byte { return PEDICOM(false) },
			[]string{"files.payload-in-private-element", "files.pe-dicom"}},
		{"PE-DICOM with the preamble zeroed in transit", "pedicom-stored.dcm", func() []byte { return PEDICOM(true) },
			[]string{"files.payload-in-private-element"}},
		{"ELF preamble", "elf.dcm", func() []byte { return WithPreamble(ELFHeader()) }, []string{"files.preamble-elf"}},
		{"Mach-O thin preamble", "macho.dcm", func() []byte { return WithPreamble([]byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01")) }, []string{"files.preamble-macho"}},
		{"Mach-O fat preamble", "fat.dcm", func() []byte { return WithPreamble(fat) }, []string{"files.preamble-macho"}},
		{"script preamble", "sh.dcm", func() []byte { return WithPreamble([]byte("#!/bin/sh\necho hi\nexit 0\n")) }, []string{"files.preamble-script"}},
		{"ZIP preamble", "zip.dcm", func() []byte { return WithPreamble(ZIPBytes()) }, []string{"files.preamble-archive"}},
		{"PDF preamble", "pdf.dcm", func() []byte { return WithPreamble([]byte("%PDF-1.4\n")) }, []string{"files.preamble-pdf"}},
		{"junk preamble", "junk.dcm", func() []byte { return WithPreamble([]byte("written by some tool")) }, []string{"files.preamble-unknown"}},
		{"ELF in a private UN element", "elf-un.dcm", func() []byte { return WithPrivate(dicom.VRUN, ELFHeader()) }, []string{"files.payload-in-private-element"}},
		{"Mach-O fat in a private element", "fat-ob.dcm", func() []byte { return WithPrivate(dicom.VROB, fat) }, []string{"files.payload-in-private-element"}},
		{"script in a private element", "sh-ob.dcm", func() []byte { return WithPrivate(dicom.VROB, []byte("#!/usr/bin/python3\nprint(1)\n")) }, []string{"files.payload-in-private-element"}},
		{"ELF in a private element inside a sequence item", "elf-nested.dcm", func() []byte { return WithNestedPrivate(ELFHeader()) }, []string{"files.payload-in-private-element"}},
		{"deflated with an ELF preamble", "elf-deflated.dcm", func() []byte {
			var p [128]byte
			copy(p[:], ELFHeader())
			return Deflated(p)
		}, []string{"files.preamble-elf"}},
		{"large ZIP in a private element (sampled, not loaded)", "zip-ob.dcm", func() []byte { return WithPrivate(dicom.VROB, bigZip) }, []string{"files.payload-in-private-element"}},
		{"PDF with JavaScript", "js.dcm", func() []byte {
			return WithDocument("application/pdf", PDFWith("/Type /Action /S /JavaScript /JS (app.alert(1))", 10))
		}, []string{"files.pdf-active-content"}},
		{"PDF with hex-escaped names", "js-hex.dcm", func() []byte {
			return WithDocument("application/pdf", PDFWith("/S /J#61vaScript /O#70enAction 1 0 R", 10))
		}, []string{"files.pdf-active-content"}},
		{"large PDF with OpenAction at the end (streamed)", "pdf-big.dcm", func() []byte {
			return WithDocument("application/pdf", PDFWith("/OpenAction 5 0 R /Launch 6 0 R", 300<<10))
		}, []string{"files.pdf-active-content"}},
		{"PDF with JavaScript in a compressed object stream", "js-objstm.dcm", func() []byte {
			return WithDocument("application/pdf", PDFWithObjectStream("/S /JavaScript /JS (app.alert(1))"))
		}, []string{"files.pdf-active-content"}},
		{"clean PDF", "pdf-clean.dcm", func() []byte { return WithDocument("application/pdf", PDFWith("/Producer (x)", 10)) }, nil},
		{"HTML with script", "html.dcm", func() []byte {
			return WithDocument("text/html", []byte("<!DOCTYPE html><html><body><img src=x onerror=alert(1)><script>alert(1)</script></body></html>"))
		}, []string{"files.html-script"}},
		{"XML with an external entity", "xxe.dcm", func() []byte {
			return WithDocument("text/xml", []byte(`<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><ClinicalDocument>&xxe;</ClinicalDocument>`))
		}, []string{"files.xml-external-entity"}},
		{"trailing junk", "trail.dcm", func() []byte { return append(CleanFile(), []byte("\x00\x00\x00\x00hidden data here")...) }, []string{"files.trailing-data"}},
		{"trailing ELF", "trail-elf.dcm", func() []byte { return append(CleanFile(), ELFHeader()...) }, []string{"files.trailing-payload"}},
		{"truncated", "trunc.dcm", func() []byte { b := CleanFile(); return b[:len(b)-100] }, []string{"files.truncated"}},
		{"truncated inside the meta information", "trunc-meta.dcm", func() []byte { return CleanFile()[:150] }, []string{"files.truncated"}},
		{"over-long length", "long.dcm", func() []byte {
			return AppendRaw(append(ExplicitHeader(dicom.NewTag(0x7FE1, 0x1001), "OB", 0x7ffffff0), "payload!"...))
		}, []string{"files.length-beyond-end"}},
		{"undefined length where illegal", "undef.dcm", func() []byte {
			raw := ExplicitHeader(dicom.NewTag(0x7FE1, 0x1001), "UT", 0xffffffff)
			raw = append(raw, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0)
			return AppendRaw(raw)
		}, []string{"files.malformed"}},
		{"DICOMDIR escaping the media", "DICOMDIR", func() []byte {
			return DICOMDIRWith(`IMAGES\IM0001`, `..\..\ETC\PASSWD`, `C:\WINDOWS\SYSTEM32\X`, `\ROOT\FILE`)
		}, []string{"files.dicomdir-path-escape"}},
		{"clean DICOMDIR", "DICOMDIR", func() []byte { return DICOMDIRWith(`IMAGES\IM0001`, `IMAGES\IM0002`) }, nil},
		{"text named .dcm", "notes.dcm", func() []byte { return []byte("this is not an image\n") }, []string{"files.not-dicom"}},
		{"encrypted bytes named .dcm", "enc.dcm", func() []byte { return RandomBytes(1, 8192) }, []string{"files.not-dicom"}},
		{"executable named .dcm", "setup.dcm", func() []byte { h := DOSHeader(0x40); return append(h[:], PEHeader()...) }, []string{"files.disguised-executable"}},
		{"text not named like DICOM", "notes.txt", func() []byte { return []byte("hello\n") }, nil},
		{"ransom note", "HOW_TO_DECRYPT_FILES.txt", func() []byte { return []byte("pay us\n") }, []string{"files.ransomware-note"}},
		{"ransomware extension", "IM0001.dcm.locked", func() []byte { return RandomBytes(2, 4096) }, []string{"files.ransomware-extension"}},
		{"plain README on media", "README.TXT", func() []byte { return []byte("Viewer instructions\n") }, nil},
	}
}

// WriteVariants writes copies of every variant that must trigger a check
// under dir (one sub-directory per copy) and returns how many files it wrote.
func WriteVariants(dir string, copies int) (int, error) {
	n := 0
	for c := range copies {
		sub := filepath.Join(dir, fmt.Sprintf("injected-%03d", c))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			return n, err
		}
		for i, v := range Variants() {
			if len(v.Want) == 0 {
				continue
			}
			name := fmt.Sprintf("%02d-%s", i, v.File)
			if v.File == "DICOMDIR" {
				name = filepath.Join(fmt.Sprintf("media%02d", i), "DICOMDIR")
				os.MkdirAll(filepath.Join(sub, filepath.Dir(name)), 0o755)
			}
			if err := os.WriteFile(filepath.Join(sub, name), v.Data(), 0o644); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}
