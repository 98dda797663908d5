package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// metaOnly is a Part 10 prefix (zero preamble, DICM, group 0002) for ts.
func metaOnly(t *testing.T, ts string) []byte {
	t.Helper()
	full := writePart10(t, &DataSet{}, ts, nil)
	body, err := EncodeDataSet(&DataSet{}, ts)
	if err != nil {
		t.Fatal(err)
	}
	return full[:len(full)-len(body)]
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// rawHeader is an explicit VR LE header with a 4-byte length (long VRs).
func rawLongHeader(tag Tag, vr string, length uint32) []byte {
	b := binary.LittleEndian.AppendUint16(nil, tag.Group())
	b = binary.LittleEndian.AppendUint16(b, tag.Element())
	b = append(b, vr...)
	b = append(b, 0, 0)
	return append(b, le32(length)...)
}

func itemHeader(length uint32) []byte { return append(le32(0xE000FFFE), le32(length)...) }

var (
	itemDelim = append(le32(0xE00DFFFE), 0, 0, 0, 0)
	seqDelim  = append(le32(0xE0DDFFFE), 0, 0, 0, 0)
)

func kinds(as []Anomaly) []AnomalyKind {
	var k []AnomalyKind
	for _, a := range as {
		k = append(k, a.Kind)
	}
	return k
}

func TestAnomalies(t *testing.T) {
	lei := metaOnly(t, ExplicitVRLittleEndian)
	deep := lei
	for range 40 {
		deep = append(deep, rawLongHeader(0x00081140, "SQ", UndefinedLength)...)
		deep = append(deep, itemHeader(UndefinedLength)...)
	}
	var bomb bytes.Buffer
	zw, _ := flate.NewWriter(&bomb, flate.BestCompression)
	zw.Write(rawElement(0x00080060, "CS", []byte("OT")))
	zw.Write(rawLongHeader(0x00091001, "OB", 24<<20))
	zw.Write(make([]byte, 24<<20))
	zw.Close()
	// Meta information by hand: implicit VR, without group length, with a
	// wrong one.
	tsEl := rawElement(TagTransferSyntaxUID, "UI", []byte(ExplicitVRLittleEndian+"\x00"))
	implicitTS := concat(le32(0x00100002), le32(20), []byte(ExplicitVRLittleEndian+"\x00"))
	prefix := concat(make([]byte, 128), []byte("DICM"))
	modality := rawElement(0x00080060, "CS", []byte("OT"))
	tests := []struct {
		name string
		in   []byte
		opts ReadOptions
		want []AnomalyKind
	}{
		{"meta in implicit VR", concat(prefix, le32(0x00000002), le32(4), le32(28), implicitTS, modality), ReadOptions{}, []AnomalyKind{AnomalyMetaNotExplicitLE}},
		{"meta without group length", concat(prefix, tsEl, modality), ReadOptions{}, []AnomalyKind{AnomalyMissingGroupLength}},
		{"meta with wrong group length", concat(prefix, rawElement(TagFileMetaGroupLength, "UL", le32(99)), tsEl, modality), ReadOptions{}, []AnomalyKind{AnomalyWrongGroupLength}},
		{"DICM without preamble", concat([]byte("DICM"), rawElement(TagFileMetaGroupLength, "UL", le32(28)), tsEl, modality), ReadOptions{}, []AnomalyKind{AnomalyMissingPreamble}},
		{"ELF preamble", concat([]byte("\x7fELF"), metaOnly(t, ExplicitVRLittleEndian)[4:], modality), ReadOptions{}, []AnomalyKind{AnomalyNonZeroPreamble}},
		{"explicit data set where the syntax says implicit", concat(metaOnly(t, ImplicitVRLittleEndian), modality), ReadOptions{}, []AnomalyKind{AnomalySyntaxMismatch}},
		{"odd length and trailing junk", mustRead(t, "defined_lengths.dcm"), ReadOptions{}, []AnomalyKind{AnomalyOddLength, AnomalyTrailingData}},
		{"PE preamble", mustRead(t, "pe_preamble.dcm"), ReadOptions{}, []AnomalyKind{AnomalyNonZeroPreamble}},
		{"truncated", mustRead(t, "truncated.dcm"), ReadOptions{}, []AnomalyKind{AnomalyTruncated}},
		{"out of order and duplicate", concat(lei,
			rawElement(0x00100020, "LO", []byte("ID")),
			rawElement(0x00080060, "CS", []byte("OT")),
			rawElement(0x00080060, "CS", []byte("OT")),
		), ReadOptions{}, []AnomalyKind{AnomalyOutOfOrder, AnomalyDuplicate}},
		{"unknown VR", concat(lei, rawLongHeader(0x00091001, "ZZ", 2), []byte("ab")), ReadOptions{}, []AnomalyKind{AnomalyUnknownVR}},
		{"VR differs from dictionary", concat(lei, rawElement(TagPatientName, "LO", []byte("X^Y "))), ReadOptions{}, []AnomalyKind{AnomalyVRMismatch}},
		{"undefined length on UT", concat(lei, rawLongHeader(0x0040A160, "UT", UndefinedLength), itemHeader(0), seqDelim), ReadOptions{}, []AnomalyKind{AnomalyIllegalUndefinedLength}},
		{"item longer than its sequence", concat(lei, rawLongHeader(0x00081140, "SQ", 18), itemHeader(100), rawElement(0x00080060, "CS", []byte("OT"))), ReadOptions{}, []AnomalyKind{AnomalyLengthBeyondEnd}},
		{"sequence without delimiter", concat(lei, rawLongHeader(0x00081140, "SQ", UndefinedLength), itemHeader(UndefinedLength), rawElement(0x00080060, "CS", []byte("OT"))), ReadOptions{}, []AnomalyKind{AnomalyMissingDelimiter, AnomalyMissingDelimiter}},
		{"stray delimiter", concat(lei, rawElement(0x00080060, "CS", []byte("OT")), itemDelim), ReadOptions{}, []AnomalyKind{AnomalyStrayDelimiter}},
		{"nesting too deep", deep, ReadOptions{}, []AnomalyKind{AnomalyLimit}},
		{"too many elements", concat(lei, rawElement(0x00080060, "CS", []byte("OT")), rawElement(0x00080070, "LO", []byte("AB")), rawElement(0x00080080, "LO", []byte("AB"))), ReadOptions{MaxElements: 9}, []AnomalyKind{AnomalyLimit}},
		{"decompression bomb", concat(metaOnly(t, DeflatedExplicitVRLittleEndian), bomb.Bytes()), ReadOptions{}, []AnomalyKind{AnomalyLimit}},
		{"fragment runs past the end", concat(metaOnly(t, "1.2.840.10008.1.2.4.50"), rawLongHeader(TagPixelData, "OB", UndefinedLength), itemHeader(0), itemHeader(1000), []byte{1, 2}), ReadOptions{}, []AnomalyKind{AnomalyTruncated}},
		{"unknown transfer syntax", metaOnly(t, "1.2.3.4"), ReadOptions{}, []AnomalyKind{AnomalyUnknownTransferSyntax}},
		{"payload after the pixel data", concat(lei, rawElement(TagPixelData, "OW", []byte{1, 2, 3, 4}), []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff")), ReadOptions{}, []AnomalyKind{AnomalyTrailingData}},
		{"bytes after the deflate stream", concat(mustRead(t, "deflated.dcm"), []byte("MZpayload")), ReadOptions{}, []AnomalyKind{AnomalyTrailingData}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Read(bytes.NewReader(tt.in), int64(len(tt.in)), tt.opts)
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			got := kinds(f.Anomalies)
			// What a bomb inflates to before the cap is garbage: only the
			// first anomaly matters there.
			if tt.name == "decompression bomb" && len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("anomalies (-want +got):\n%s\n%v", diff, f.Anomalies)
			}
			for _, a := range f.Anomalies {
				if a.Offset < 0 || a.Offset > int64(len(tt.in))+64<<20 {
					t.Errorf("anomaly offset %d out of range", a.Offset)
				}
			}
			// Strict mode turns the first anomaly into a classified error.
			tt.opts.Strict = true
			_, err = Read(bytes.NewReader(tt.in), int64(len(tt.in)), tt.opts)
			var ae *AnomalyError
			if !errors.As(err, &ae) {
				t.Fatalf("strict Read error = %v, want an *AnomalyError", err)
			}
			if ae.Anomaly.Kind != tt.want[0] {
				t.Errorf("strict error kind = %s, want %s", ae.Anomaly.Kind, tt.want[0])
			}
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrLimit) {
				t.Errorf("strict error %v is not classified", err)
			}
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNotDICOM(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("hello"), []byte("%PDF-1.7 this is no DICOM file at all"), bytes.Repeat([]byte{0xFF}, 300)} {
		if _, err := Read(bytes.NewReader(in), int64(len(in)), ReadOptions{}); !errors.Is(err, ErrNotDICOM) {
			t.Errorf("Read(%q) error = %v, want ErrNotDICOM", in, err)
		}
	}
	if _, err := ReadFile(t.TempDir(), ReadOptions{}); !errors.Is(err, ErrNotDICOM) || !errors.Is(err, ErrIsDirectory) {
		t.Errorf("ReadFile(dir) error = %v, want ErrNotDICOM and ErrIsDirectory", err)
	}
	// Devices are not files: an endless one must not be read for ever.
	for _, dev := range []string{"/dev/zero", "/dev/null"} {
		if _, err := os.Stat(dev); err != nil {
			continue
		}
		if _, err := ReadFile(dev, ReadOptions{}); !errors.Is(err, ErrNotDICOM) {
			t.Errorf("ReadFile(%s) error = %v, want ErrNotDICOM", dev, err)
		}
	}
	// Small and large files read through the same path as Read.
	for _, name := range []string{"explicit_le.dcm", "deflated.dcm"} {
		b := mustRead(t, name)
		big := append(append([]byte{}, b...), make([]byte, 3*firstChunk)...) // trailing zeros
		for _, in := range [][]byte{b, big} {
			path := filepath.Join(t.TempDir(), name)
			if err := os.WriteFile(path, in, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := ReadFile(path, ReadOptions{})
			if err != nil {
				t.Fatalf("ReadFile(%s, %d bytes): %v", name, len(in), err)
			}
			g, _ := Read(bytes.NewReader(in), int64(len(in)), ReadOptions{})
			if diff := cmp.Diff(canonical(g.DataSet), canonical(f.DataSet)); diff != "" {
				t.Errorf("ReadFile and Read differ on %s (%d bytes):\n%s", name, len(in), diff)
			}
			if !cmp.Equal(kinds(f.Anomalies), kinds(g.Anomalies)) {
				t.Errorf("anomalies differ: %v / %v", f.Anomalies, g.Anomalies)
			}
		}
	}
}

func TestRawDataSetDetection(t *testing.T) {
	for _, ts := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian} {
		t.Run(ts, func(t *testing.T) {
			b, err := EncodeDataSet(syntheticDataSet(), ts)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Read(bytes.NewReader(b), int64(len(b)), ReadOptions{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if f.TransferSyntax != ts || f.HasPreamble || f.Meta != nil {
				t.Errorf("got ts %s, preamble %v, meta %v", f.TransferSyntax, f.HasPreamble, f.Meta)
			}
			if got, _ := f.DataSet.String(TagSOPInstanceUID); got != testSOPInstance {
				t.Errorf("SOP Instance UID = %q", got)
			}
		})
	}
}

func TestReadDataSetCommand(t *testing.T) {
	ds, anomalies, err := ReadDataSet(mustRead(t, "command_echo.bin"), ImplicitVRLittleEndian, ReadOptions{Strict: true})
	if err != nil {
		t.Fatalf("ReadDataSet: %v (%v)", err, anomalies)
	}
	if got, ok := ds.Uint16(0x00000100); !ok || got != 0x0030 {
		t.Errorf("CommandField = %#x, %v; want 0x0030", got, ok)
	}
	if got, _ := ds.String(0x00000002); got != "1.2.840.10008.1.1" {
		t.Errorf("AffectedSOPClassUID = %q", got)
	}
}

// TestVREncoding checks the explicit VR header size of every VR and that
// item tags carry no VR.
func TestVREncoding(t *testing.T) {
	long := map[VR]bool{VROB: true, VROD: true, VROF: true, VROL: true, VROV: true, VROW: true, VRSQ: true, VRSV: true, VRUC: true, VRUN: true, VRUR: true, VRUT: true, VRUV: true}
	all := []VR{VRAE, VRAS, VRAT, VRCS, VRDA, VRDS, VRDT, VRFD, VRFL, VRIS, VRLO, VRLT, VROB, VROD, VROF, VROL, VROV, VROW, VRPN, VRSH, VRSL, VRSQ, VRSS, VRST, VRSV, VRTM, VRUC, VRUI, VRUL, VRUN, VRUR, VRUS, VRUT, VRUV}
	for _, vr := range all {
		t.Run(string(vr), func(t *testing.T) {
			e := &Element{Tag: 0x00091010, VR: vr, Value: []byte{1, 2, 3, 4, 5, 6, 7, 8}}
			if vr == VRSQ {
				e = NewSequence(0x00091010, &DataSet{})
			}
			b, err := EncodeDataSet(&DataSet{Elements: []*Element{e}}, ExplicitVRLittleEndian)
			if err != nil {
				t.Fatal(err)
			}
			hdr := 8
			if long[vr] {
				hdr = 12
			}
			if vr.HasLongLength() != long[vr] {
				t.Errorf("HasLongLength = %v", vr.HasLongLength())
			}
			if vr != VRSQ && len(b) != hdr+8 {
				t.Errorf("encoded %d bytes, want %d", len(b), hdr+8)
			}
			ds, anomalies, err := ReadDataSet(b, ExplicitVRLittleEndian, ReadOptions{Strict: true})
			if err != nil {
				t.Fatalf("ReadDataSet: %v %v", err, anomalies)
			}
			if got := ds.Elements[0]; got.VR != vr || got.ValueOffset-got.Offset != int64(hdr) {
				t.Errorf("read VR %s, header %d", got.VR, got.ValueOffset-got.Offset)
			}
		})
	}
}

// TestBigEndianSwap: binary values read from explicit VR BE are stored
// little-endian, and written back as BE byte for byte.
func TestBigEndianSwap(t *testing.T) {
	be := concat(
		[]byte{0x00, 0x28, 0x00, 0x10, 'U', 'S', 0x00, 0x02, 0x01, 0x00}, // Rows 256
		[]byte{0x00, 0x28, 0x00, 0x11, 'U', 'S', 0x00, 0x02, 0x00, 0x80}, // Columns 128
	)
	ds, _, err := ReadDataSet(be, ExplicitVRBigEndian, ReadOptions{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := ds.Uint16(0x00280010); rows != 256 {
		t.Errorf("Rows = %d, want 256", rows)
	}
	out, err := EncodeDataSet(ds, ExplicitVRBigEndian)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, be) {
		t.Errorf("re-encoded BE = % x, want % x", out, be)
	}
}

func TestUndefinedLengths(t *testing.T) {
	lei := metaOnly(t, ExplicitVRLittleEndian)
	implicitItem := concat(
		le32(0x00100010), le32(4), []byte("A^B "), // (0010,0010) implicit inside UN
	)
	in := concat(lei,
		rawLongHeader(0x00081140, "SQ", UndefinedLength),
		itemHeader(UndefinedLength), rawElement(0x00081150, "UI", []byte("1.2\x00")), itemDelim,
		itemHeader(12), rawElement(0x00081150, "UI", []byte("1.3\x00")),
		seqDelim,
		rawLongHeader(0x00091001, "UN", UndefinedLength),
		itemHeader(UndefinedLength), implicitItem, itemDelim,
		seqDelim,
	)
	f, err := Read(bytes.NewReader(in), int64(len(in)), ReadOptions{Strict: true})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	sq := f.DataSet.Find(0x00081140)
	if len(sq.Items) != 2 || sq.Items[0].ItemLength != UndefinedLength || sq.Items[1].ItemLength != 12 {
		t.Fatalf("sequence items = %+v", sq.Items)
	}
	if got, _ := sq.Items[1].String(0x00081150); got != "1.3" {
		t.Errorf("second item UID = %q", got)
	}
	un := f.DataSet.Find(0x00091001)
	if un.VR != VRUN || len(un.Items) != 1 {
		t.Fatalf("UN element = %+v", un)
	}
	if got := un.Items[0].Strings(TagPatientName); !cmp.Equal(got, []string{"A^B"}) {
		t.Errorf("name inside UN = %q", got)
	}
	if f.End != int64(len(in)) {
		t.Errorf("End = %d, want %d", f.End, len(in))
	}
}

// sparseFile pretends to be a huge file: head and tail are real bytes, the
// middle reads as zeros. It counts the bytes the reader asks for.
type sparseFile struct {
	head, tail []byte
	size       int64
	read       int64
}

func (s *sparseFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= s.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && off+int64(n) < s.size {
		pos := off + int64(n)
		switch {
		case pos < int64(len(s.head)):
			p[n] = s.head[pos]
		case pos >= s.size-int64(len(s.tail)):
			p[n] = s.tail[pos-(s.size-int64(len(s.tail)))]
		default:
			p[n] = 0
		}
		n++
	}
	s.read += int64(n)
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestLargeFileBoundedMemory: a 2 GB file is swept through io.ReaderAt
// reading only its headers, with pixel data skipped or stopped at.
func TestLargeFileBoundedMemory(t *testing.T) {
	const pixels = 2_000_000_000
	head := concat(metaOnly(t, ExplicitVRLittleEndian),
		rawElement(TagSOPInstanceUID, "UI", []byte(testSOPInstance)),
		rawLongHeader(TagPixelData, "OW", pixels))
	tail := rawElement(0xFFFCFFFC, "OB", []byte{0, 0})
	size := int64(len(head)) + pixels + int64(len(tail))
	for _, opts := range []ReadOptions{{StopBeforePixelData: true}, {SkipLargerThan: 1 << 20}} {
		src := &sparseFile{head: head, tail: tail, size: size}
		f, err := Read(src, size, opts)
		if err != nil {
			t.Fatalf("Read(%+v): %v", opts, err)
		}
		if src.read > 4<<20 {
			t.Errorf("Read(%+v) read %d bytes of a 2 GB file", opts, src.read)
		}
		if len(f.Anomalies) != 0 {
			t.Errorf("anomalies: %v", f.Anomalies)
		}
		px := f.DataSet.Find(TagPixelData)
		if opts.StopBeforePixelData {
			if px != nil || f.End != int64(len(head))-12 {
				t.Errorf("stop before pixel data: pixel element %v, End %d", px, f.End)
			}
			continue
		}
		if px == nil || !px.Skipped || px.Value != nil || px.Length != pixels || px.ValueOffset != int64(len(head)) {
			t.Fatalf("skipped pixel data = %+v", px)
		}
		if f.DataSet.Find(0xFFFCFFFC) == nil {
			t.Error("element after the skipped value not read")
		}
	}
}

// TestSkippedValuesReadLittle: skipping many large values reads little more
// than their headers (no full window per value).
func TestSkippedValuesReadLittle(t *testing.T) {
	head := metaOnly(t, ExplicitVRLittleEndian)
	var body []byte
	for i := range 200 {
		body = append(body, rawLongHeader(NewTag(0x0009, uint16(0x1000+i)), "OB", 100_000)...)
		body = append(body, make([]byte, 100_000)...)
	}
	body = append(rawElement(0x00090010, "LO", []byte("TEST")), body...)
	in := concat(head, body)
	src := &sparseFile{head: in, size: int64(len(in))}
	f, err := Read(src, src.size, ReadOptions{SkipLargerThan: 1 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.DataSet.Elements); got != 201 {
		t.Fatalf("read %d elements, want 201", got)
	}
	if src.read > 200*2*firstChunk {
		t.Errorf("read %d bytes to skip 200 values (file %d bytes)", src.read, len(in))
	}
}

func TestClassifyPreamble(t *testing.T) {
	tests := []struct {
		magic string
		want  PreambleKind
	}{
		{"", PreambleZero},
		{"II*\x00", PreambleTIFF},
		{"MM\x00*", PreambleTIFF},
		{"MZ\x90\x00", PreamblePE},
		{"\x7fELF", PreambleELF},
		{"\xfe\xed\xfa\xce", PreambleMachO},
		{"\xfe\xed\xfa\xcf", PreambleMachO},
		{"\xce\xfa\xed\xfe", PreambleMachO},
		{"\xcf\xfa\xed\xfe", PreambleMachO},
		{"\xca\xfe\xba\xbe", PreambleMachO},
		{"#!/bin/sh", PreambleScript},
		{"PK\x03\x04", PreambleZIP},
		{"%PDF-1.4", PreamblePDF},
		{"hello", PreambleOther},
	}
	for _, tt := range tests {
		var p [128]byte
		copy(p[:], tt.magic)
		if got := ClassifyPreamble(p); got != tt.want {
			t.Errorf("ClassifyPreamble(%q) = %s, want %s", tt.magic, got, tt.want)
		}
	}
}

func TestIsPatientIdentifying(t *testing.T) {
	tests := []struct {
		tag  Tag
		want bool
	}{
		{TagPatientName, true},
		{TagPatientID, true},
		{0x00100030, true},  // birth date
		{0x00101040, true},  // address
		{0x00080080, true},  // institution name
		{0x00091001, true},  // private data element
		{0x00090010, false}, // private creator
		{0x60003000, true},  // overlay data
		{0x60000010, false}, // overlay rows
		{TagSOPInstanceUID, false},
		{0x00080060, false}, // modality
		{0x00280010, false}, // rows
	}
	for _, tt := range tests {
		if got := IsPatientIdentifying(tt.tag); got != tt.want {
			t.Errorf("IsPatientIdentifying(%s) = %v, want %v", tt.tag, got, tt.want)
		}
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		e    *Element
		want []byte
	}{
		{NewString(TagSOPInstanceUID, VRUI, "1.2.3"), []byte("1.2.3\x00")},
		{NewString(0x00080008, VRCS, "A", "B"), []byte(`A\B `)},
		{NewString(TagPatientName, VRPN, "Ab^Cd"), []byte("Ab^Cd ")},
		{NewUint16(0x00280010, 512, 1), []byte{0, 2, 1, 0}},
		{NewUint32(0x00000000, VRUL, 0x01020304), []byte{4, 3, 2, 1}},
		{NewUint32(0x00280009, VRAT, 0x00181063), []byte{0x18, 0, 0x63, 0x10}},
		{NewBytes(0x00091001, VROB, []byte{1, 2, 3}), []byte{1, 2, 3, 0}},
	}
	for _, tt := range tests {
		if !bytes.Equal(tt.e.Value, tt.want) || tt.e.Length != uint32(len(tt.want)) {
			t.Errorf("%s value = %q (length %d), want %q", tt.e.Tag, tt.e.Value, tt.e.Length, tt.want)
		}
	}
	ds := &DataSet{}
	ds.Set(NewString(0x00080008, VRCS, "ORIGINAL", "PRIMARY"))
	ds.Set(NewUint16(0x00280010, 512))
	ds.Set(NewUint32(0x00000000, VRUL, 70000))
	if got := ds.Strings(0x00080008); !cmp.Equal(got, []string{"ORIGINAL", "PRIMARY"}) {
		t.Errorf("Strings = %q", got)
	}
	if got, ok := ds.String(0x00080008); !ok || got != "ORIGINAL" {
		t.Errorf("String = %q, %v", got, ok)
	}
	if got, ok := ds.Uint16(0x00280010); !ok || got != 512 {
		t.Errorf("Uint16 = %d, %v", got, ok)
	}
	if got, ok := ds.Uint32(0x00000000); !ok || got != 70000 {
		t.Errorf("Uint32 = %d, %v", got, ok)
	}
	if _, ok := ds.String(0x00100010); ok {
		t.Error("String of a missing element reports ok")
	}
}

// TestDeflatedStreamed: a deflated data set is inflated as it is parsed, so
// stopping before pixel data (or skipping it) never inflates the rest; a
// full read of the same file hits the inflation cap instead.
func TestDeflatedStreamed(t *testing.T) {
	var z bytes.Buffer
	zw, _ := flate.NewWriter(&z, flate.BestCompression)
	zw.Write(rawElement(0x00080060, "CS", []byte("OT")))
	zw.Write(rawElement(0x00280010, "US", []byte{0, 16}))
	zw.Write(rawLongHeader(TagPixelData, "OW", 40<<20))
	zw.Write(make([]byte, 40<<20)) // compresses ~1000:1, beyond the ratio cap
	zw.Write(rawElement(0xFFFCFFFC, "OB", []byte{0, 0}))
	zw.Close()
	in := concat(metaOnly(t, DeflatedExplicitVRLittleEndian), z.Bytes())
	for _, tt := range []struct {
		opts      ReadOptions
		wantLimit bool
	}{
		{ReadOptions{StopBeforePixelData: true}, false},
		{ReadOptions{}, true},
	} {
		f, err := Read(bytes.NewReader(in), int64(len(in)), tt.opts)
		if err != nil {
			t.Fatalf("Read(%+v): %v", tt.opts, err)
		}
		if got := hasAnomaly(f.Anomalies, AnomalyLimit); got != tt.wantLimit {
			t.Errorf("Read(%+v): limit anomaly %v, want %v (%v)", tt.opts, got, tt.wantLimit, f.Anomalies)
		}
		if got, _ := f.DataSet.String(0x00080060); got != "OT" {
			t.Errorf("Modality = %q", got)
		}
	}
}
