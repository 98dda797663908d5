// Package filescantest is the project's own generator of malicious DICOM
// variants, for the tests of pacsguard files and its benchmark.
package filescantest

// The project's own generator of malicious variants. Every variant starts
// from one clean synthetic image written by the codec's writer; the
// polyglots follow the published PE-DICOM construction (CVE-2019-11687:
// DOS header in the preamble, PE header in a private element that e_lfanew
// points at). Nothing here is executable: the headers carry no code.

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"math/rand/v2"
	"strconv"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

const (
	testSOPClass = "1.2.840.10008.5.1.4.1.1.7" // Secondary Capture
	testUIDRoot  = dicom.UIDRoot + ".77."
)

var (
	TagPrivateCreator9 = dicom.NewTag(0x0009, 0x0011)
	TagPrivatePayload9 = dicom.NewTag(0x0009, 0x1110)
)

// CleanDataSet is a small synthetic image (no real patient data).
func CleanDataSet(extra ...*dicom.Element) *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, testSOPClass))
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, testUIDRoot+"1"))
	ds.Set(dicom.NewString(0x00080060, dicom.VRCS, "OT"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, "Synthetic^Test"))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, "SYN-0001"))
	ds.Set(dicom.NewUint16(0x00280002, 1))
	ds.Set(dicom.NewString(0x00280004, dicom.VRCS, "MONOCHROME2"))
	ds.Set(dicom.NewUint16(0x00280010, 16))
	ds.Set(dicom.NewUint16(0x00280011, 16))
	ds.Set(dicom.NewUint16(0x00280100, 16))
	ds.Set(dicom.NewUint16(0x00280101, 12))
	ds.Set(dicom.NewUint16(0x00280102, 11))
	ds.Set(dicom.NewUint16(0x00280103, 0))
	px := make([]byte, 16*16*2)
	for i := range px {
		px[i] = byte(i * 7)
	}
	ds.Set(dicom.NewBytes(dicom.TagPixelData, dicom.VROW, px))
	for _, e := range extra {
		ds.Set(e)
	}
	return ds
}

// WriteDICOM encodes a Part 10 file with the given preamble.
func WriteDICOM(preamble [128]byte, ds *dicom.DataSet) []byte {
	f := &dicom.File{
		Preamble:       preamble,
		Meta:           dicom.NewFileMeta(testSOPClass, testUIDRoot+"1", dicom.ExplicitVRLittleEndian),
		DataSet:        ds,
		TransferSyntax: dicom.ExplicitVRLittleEndian,
	}
	var b bytes.Buffer
	must(dicom.WriteFile(&b, f))
	return b.Bytes()
}

func CleanFile() []byte { return WriteDICOM([128]byte{}, CleanDataSet()) }

func preambleOf(b []byte) [128]byte {
	var p [128]byte
	copy(p[:], b)
	return p
}

// DOSHeader is a 64-byte DOS header with e_lfanew set, followed by the
// usual stub text (as linkers write it), cut to fit the preamble.
func DOSHeader(lfanew uint32) [128]byte {
	var p [128]byte
	copy(p[:], "MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")
	binary.LittleEndian.PutUint32(p[60:], lfanew)
	copy(p[64:], "\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21This program cannot be run in DOS mode.\r\r\n$")
	return p
}

// PEHeader is "PE\0\0", an i386 COFF header, a PE32 optional header and one
// section header: the part of a PE that PE-DICOM moves into an element.
func PEHeader() []byte {
	var b bytes.Buffer
	b.WriteString("PE\x00\x00")
	coff := make([]byte, 20)
	binary.LittleEndian.PutUint16(coff[0:], 0x014c) // i386
	binary.LittleEndian.PutUint16(coff[2:], 1)      // one section
	binary.LittleEndian.PutUint16(coff[16:], 224)   // SizeOfOptionalHeader
	binary.LittleEndian.PutUint16(coff[18:], 0x0102)
	b.Write(coff)
	opt := make([]byte, 224)
	binary.LittleEndian.PutUint16(opt[0:], 0x010b) // PE32
	binary.LittleEndian.PutUint32(opt[32:], 0x200) // SectionAlignment
	binary.LittleEndian.PutUint32(opt[36:], 0x200) // FileAlignment
	b.Write(opt)
	sec := make([]byte, 40)
	copy(sec, ".text")
	b.Write(sec)
	return b.Bytes()
}

func ELFHeader() []byte {
	// A 64-bit x86-64 executable header and one PT_LOAD program header
	// right after it: 120 bytes, which fit in the preamble (ELF-DICOM).
	h := make([]byte, 120)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2)    // ET_EXEC
	binary.LittleEndian.PutUint16(h[18:], 0x3e) // x86-64
	binary.LittleEndian.PutUint32(h[20:], 1)    // EV_CURRENT
	binary.LittleEndian.PutUint64(h[32:], 64)   // e_phoff
	binary.LittleEndian.PutUint16(h[52:], 64)   // e_ehsize
	binary.LittleEndian.PutUint16(h[54:], 56)   // e_phentsize
	binary.LittleEndian.PutUint16(h[56:], 1)    // e_phnum
	binary.LittleEndian.PutUint32(h[64:], 1)    // PT_LOAD
	binary.LittleEndian.PutUint32(h[68:], 5)    // R+X
	return h
}

func ZIPBytes() []byte {
	// A local file header of an empty stored file named "a".
	return []byte("PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00a")
}

// PEDICOM builds the full PE-DICOM layout: DOS header in the preamble,
// the PE header in private element (0009,1110) with its private creator,
// and e_lfanew fixed up to point at the element's value.
func PEDICOM(zeroPreamble bool) []byte {
	ds := CleanDataSet(
		dicom.NewString(TagPrivateCreator9, dicom.VRLO, "PACSGUARD TEST"),
		dicom.NewBytes(TagPrivatePayload9, dicom.VROB, PEHeader()),
	)
	b := WriteDICOM(DOSHeader(0), ds)
	f, err := dicom.Read(bytes.NewReader(b), int64(len(b)), dicom.ReadOptions{})
	must(err)
	e := f.DataSet.Find(TagPrivatePayload9)
	binary.LittleEndian.PutUint32(b[60:], uint32(e.ValueOffset))
	if zeroPreamble {
		clear(b[:128])
	}
	return b
}

func WithPreamble(p []byte) []byte {
	var pre [128]byte
	copy(pre[:], p)
	return WriteDICOM(pre, CleanDataSet())
}

func WithPrivate(vr dicom.VR, payload []byte) []byte {
	return WriteDICOM([128]byte{}, CleanDataSet(
		dicom.NewString(dicom.NewTag(0x0011, 0x0010), dicom.VRLO, "PACSGUARD TEST"),
		dicom.NewBytes(dicom.NewTag(0x0011, 0x1001), vr, payload),
	))
}

func WithDocument(mime string, doc []byte) []byte {
	return WriteDICOM([128]byte{}, CleanDataSet(
		dicom.NewString(dicom.NewTag(0x0042, 0x0012), dicom.VRLO, mime),
		dicom.NewBytes(dicom.NewTag(0x0042, 0x0011), dicom.VROB, doc),
	))
}

// PDFWith is a minimal PDF whose catalog has the given extra entries;
// padding makes it larger than the scanner loads at once.
func PDFWith(entries string, padding int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Length " + strconv.Itoa(padding) + " >>\nstream\n")
	b.Write(bytes.Repeat([]byte("0 0 m 1 1 l S\n")[:1], padding))
	b.WriteString("\nendstream\nendobj\n")
	b.WriteString("4 0 obj\n<< " + entries + " >>\nendobj\n%%EOF\n")
	return b.Bytes()
}

func RandomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func DICOMDIRWith(ids ...string) []byte {
	var items []*dicom.DataSet
	for _, id := range ids {
		it := &dicom.DataSet{}
		it.Set(dicom.NewString(0x00041430, dicom.VRCS, "IMAGE"))
		it.Set(dicom.NewString(0x00041500, dicom.VRCS, id))
		items = append(items, it)
	}
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00041130, dicom.VRCS, "TESTMEDIA"))
	ds.Set(dicom.NewSequence(0x00041220, items...))
	f := &dicom.File{
		Meta:           dicom.NewFileMeta("1.2.840.10008.1.3.10", testUIDRoot+"2", dicom.ExplicitVRLittleEndian),
		DataSet:        ds,
		TransferSyntax: dicom.ExplicitVRLittleEndian,
	}
	var b bytes.Buffer
	must(dicom.WriteFile(&b, f))
	return b.Bytes()
}

// AppendRaw adds hand-made element bytes after a clean data set (they sort
// after pixel data by tag, so the file stays in order).
func AppendRaw(raw []byte) []byte {
	return append(CleanFile(), raw...)
}

func ExplicitHeader(tag dicom.Tag, vr string, length uint32) []byte {
	b := make([]byte, 12)
	binary.LittleEndian.PutUint16(b[0:], tag.Group())
	binary.LittleEndian.PutUint16(b[2:], tag.Element())
	copy(b[4:], vr)
	binary.LittleEndian.PutUint32(b[8:], length)
	return b
}

// must stops the generator on an encoder error: the inputs are fixed, so
// an error is a bug in the generator or the codec, not a test outcome.
func must(err error) {
	if err != nil {
		panic("filescantest: " + err.Error())
	}
}

// PDFWithObjectStream is a PDF whose action dictionary sits in a
// FlateDecode object stream (PDF 1.5), invisible to a plain byte scan.
func PDFWithObjectStream(action string) []byte {
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte("5 0 << " + action + " >>"))
	zw.Close()
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length " + strconv.Itoa(z.Len()) + " >>\nstream\n")
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n%%EOF\n")
	return b.Bytes()
}

// WithNestedPrivate puts payload in a private element inside an item of a
// standard sequence (Referenced Series Sequence), where no byte range can
// be cut without rewriting the lengths around it.
func WithNestedPrivate(payload []byte) []byte {
	item := &dicom.DataSet{}
	item.Set(dicom.NewString(dicom.NewTag(0x0009, 0x0010), dicom.VRLO, "PACSGUARD TEST"))
	item.Set(dicom.NewBytes(dicom.NewTag(0x0009, 0x1001), dicom.VROB, payload))
	return WriteDICOM([128]byte{}, CleanDataSet(dicom.NewSequence(dicom.NewTag(0x0008, 0x1115), item)))
}

// Deflated writes the clean image in Deflated Explicit VR Little Endian
// with the given preamble.
func Deflated(preamble [128]byte) []byte {
	f := &dicom.File{
		Preamble:       preamble,
		Meta:           dicom.NewFileMeta(testSOPClass, testUIDRoot+"3", dicom.DeflatedExplicitVRLittleEndian),
		DataSet:        CleanDataSet(),
		TransferSyntax: dicom.DeflatedExplicitVRLittleEndian,
	}
	var b bytes.Buffer
	must(dicom.WriteFile(&b, f))
	return b.Bytes()
}
