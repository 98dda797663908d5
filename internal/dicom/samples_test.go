package dicom

import (
	"bytes"
	"encoding/binary"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the synthetic files under testdata/")

// Synthetic identifiers only: nothing here is patient data.
const (
	testSOPClass    = "1.2.840.10008.5.1.4.1.1.7" // Secondary Capture Image Storage
	testSOPInstance = UIDRoot + ".99.10"          // even length: raw test elements need no padding
)

// syntheticDataSet builds a small data set that exercises every structure
// the codec knows: text, binary, private creator and element, nested
// sequences, UN of undefined length, and native pixel data.
func syntheticDataSet() *DataSet {
	inner := &DataSet{}
	inner.Set(NewString(0x00081150, VRUI, testSOPClass))
	inner.Set(NewString(0x00081155, VRUI, testSOPInstance))
	nested := &DataSet{}
	nested.Set(NewString(0x00080100, VRSH, "T-0001"))
	nested.Set(NewString(0x00080102, VRSH, "99TEST"))
	inner.Set(NewSequence(0x00082218, nested))
	unItem := &DataSet{}
	unItem.Set(NewString(0x00100020, VRLO, "SYNTH-ID"))
	ds := &DataSet{}
	ds.Set(NewString(TagSpecificCharacterSet, VRCS, "ISO_IR 100"))
	ds.Set(NewString(0x00080008, VRCS, "ORIGINAL", "PRIMARY"))
	ds.Set(NewString(TagSOPClassUID, VRUI, testSOPClass))
	ds.Set(NewString(TagSOPInstanceUID, VRUI, testSOPInstance))
	ds.Set(NewString(0x00080060, VRCS, "OT"))
	ds.Set(NewSequence(0x00081140, inner, &DataSet{}))
	ds.Set(NewString(0x00090010, VRLO, "PACSGUARD TEST"))
	ds.Set(NewBytes(0x00091001, VROB, []byte{1, 2, 3, 4}))
	ds.Set(&Element{Tag: 0x00091002, VR: VRUN, Length: UndefinedLength, Items: []*DataSet{unItem}})
	ds.Set(NewString(TagPatientName, VRPN, "Synthetic^Test"))
	ds.Set(NewString(TagPatientID, VRLO, "SYNTH-0001"))
	ds.Set(NewString(0x00100030, VRDA, "19700101"))
	ds.Set(NewUint16(0x00280002, 1))
	ds.Set(NewString(0x00280004, VRCS, "MONOCHROME2"))
	ds.Set(NewUint16(0x00280010, 2))
	ds.Set(NewUint16(0x00280011, 2))
	ds.Set(NewUint16(0x00280100, 16))
	ds.Set(NewUint16(0x00280101, 12))
	ds.Set(NewUint16(0x00280102, 11))
	ds.Set(NewUint16(0x00280103, 0))
	ds.Set(NewBytes(TagPixelData, VROW, []byte{1, 0, 2, 0, 3, 0, 4, 0}))
	return ds
}

func writePart10(t testing.TB, ds *DataSet, ts string, preamble []byte) []byte {
	t.Helper()
	f := &File{Meta: NewFileMeta(testSOPClass, testSOPInstance, ts), DataSet: ds, TransferSyntax: ts}
	copy(f.Preamble[:], preamble)
	var b bytes.Buffer
	if err := WriteFile(&b, f); err != nil {
		t.Fatalf("WriteFile(%s): %v", ts, err)
	}
	return b.Bytes()
}

// rawElement builds one explicit VR LE element by hand, for structures
// our writer never produces (defined-length sequences, odd lengths...).
func rawElement(tag Tag, vr string, value []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, tag.Group())
	binary.Write(&b, binary.LittleEndian, tag.Element())
	b.WriteString(vr)
	if VR(vr).HasLongLength() {
		b.Write([]byte{0, 0})
		binary.Write(&b, binary.LittleEndian, uint32(len(value)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint16(len(value)))
	}
	b.Write(value)
	return b.Bytes()
}

func rawItem(content []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(0xE000FFFE))
	binary.Write(&b, binary.LittleEndian, uint32(len(content)))
	b.Write(content)
	return b.Bytes()
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// syntheticFiles are the seeds under testdata/: name → bytes.
func syntheticFiles(t testing.TB) map[string][]byte {
	ds := syntheticDataSet()
	files := map[string][]byte{
		"explicit_le.dcm": writePart10(t, ds, ExplicitVRLittleEndian, nil),
		"implicit_le.dcm": writePart10(t, ds, ImplicitVRLittleEndian, nil),
		"explicit_be.dcm": writePart10(t, ds, ExplicitVRBigEndian, nil),
		"deflated.dcm":    writePart10(t, ds, DeflatedExplicitVRLittleEndian, nil),
		"pe_preamble.dcm": writePart10(t, ds, ExplicitVRLittleEndian, []byte("MZ\x90\x00")),
	}
	enc := syntheticDataSet()
	enc.Set(&Element{Tag: TagPixelData, VR: VROB, Length: UndefinedLength, Fragments: []Fragment{
		{Length: 4, Value: []byte{0, 0, 0, 0}},
		{Length: 6, Value: []byte{0xFF, 0xD8, 0xFF, 0xD9, 0, 0}},
	}})
	files["encapsulated.dcm"] = writePart10(t, enc, "1.2.840.10008.1.2.4.50", nil)
	raw, err := EncodeDataSet(ds, ImplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	files["raw_implicit.dcm"] = raw
	// Defined-length sequence and item, odd length, then trailing junk.
	meta := writePart10(t, &DataSet{}, ExplicitVRLittleEndian, nil)
	seq := rawElement(0x00081140, "SQ", rawItem(concat(
		rawElement(0x00081150, "UI", []byte(testSOPClass+"\x00")),
		rawElement(0x00081155, "UI", []byte(testSOPInstance)),
	)))
	files["defined_lengths.dcm"] = concat(meta,
		rawElement(0x00080016, "UI", []byte(testSOPClass+"\x00")),
		rawElement(0x00080060, "CS", []byte("OT")),
		seq,
		rawElement(0x00100010, "PN", []byte("Odd^Len")),
		[]byte("JUNK"),
	)
	// Character sets: Latin-1 at top level, an item that switches to UTF-8,
	// and a value that is not valid in its declared set.
	latin := &DataSet{}
	latin.Set(NewString(TagSpecificCharacterSet, VRCS, "ISO_IR 100"))
	latin.Set(NewString(TagSOPClassUID, VRUI, testSOPClass))
	latin.Set(NewString(0x00080070, VRLO, "Stra\xdfe Ger\xe4te")) // "Straße Geräte" in Latin-1
	utf8Item := &DataSet{}
	utf8Item.Set(NewString(TagSpecificCharacterSet, VRCS, "ISO_IR 192"))
	utf8Item.Set(NewString(0x00080104, VRLO, "Cœur ❤"))
	badItem := &DataSet{}
	badItem.Set(NewString(TagSpecificCharacterSet, VRCS, "ISO_IR 192"))
	badItem.Set(NewString(0x00080104, VRLO, "bad \xff\xfe"))
	latin.Set(NewSequence(0x00082218, utf8Item, badItem))
	latin.Set(NewString(TagPatientName, VRPN, "M\xfcller^Zo\xeb"))
	files["charsets.dcm"] = writePart10(t, latin, ExplicitVRLittleEndian, nil)
	full := files["explicit_le.dcm"]
	files["truncated.dcm"] = full[:len(full)-5]
	// A C-ECHO-RQ command set (implicit VR LE, group 0000), as the network
	// stack hands them to ReadDataSet.
	cmd := &DataSet{}
	cmd.Set(NewString(0x00000002, VRUI, "1.2.840.10008.1.1"))
	cmd.Set(NewUint16(0x00000100, 0x0030))
	cmd.Set(NewUint16(0x00000110, 1))
	cmd.Set(NewUint16(0x00000800, 0x0101))
	body, err := EncodeDataSet(cmd, ImplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	gl, _ := EncodeDataSet(&DataSet{Elements: []*Element{NewUint32(0x00000000, VRUL, uint32(len(body)))}}, ImplicitVRLittleEndian)
	files["command_echo.bin"] = concat(gl, body)
	return files
}

// TestTestdataUpToDate keeps testdata/ in step with the generator
// (go test -run TestTestdataUpToDate -update rewrites it).
func TestTestdataUpToDate(t *testing.T) {
	for name, want := range syntheticFiles(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -run TestTestdataUpToDate -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale (run go test -run TestTestdataUpToDate -update)", name)
		}
	}
}

// canonical strips what may legitimately change across a write and
// re-read (offsets, wire lengths of sequences, unknown VR spellings).
type canonElement struct {
	Tag       Tag
	VR        VR
	Value     []byte
	Items     []canonDataSet
	Fragments [][]byte
	IsSeq     bool
}

type canonDataSet []canonElement

func canonical(ds *DataSet) canonDataSet {
	if ds == nil {
		return nil
	}
	out := canonDataSet{}
	for _, e := range ds.Elements {
		c := canonElement{Tag: e.Tag, VR: e.VR, IsSeq: e.Items != nil}
		if !c.VR.Known() {
			c.VR = VRUN
		}
		if len(e.Value) > 0 {
			c.Value = e.Value
		}
		for _, it := range e.Items {
			c.Items = append(c.Items, canonical(it))
		}
		for _, f := range e.Fragments {
			c.Fragments = append(c.Fragments, append([]byte{}, f.Value...))
		}
		out = append(out, c)
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, ts := range []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian} {
		t.Run(ts, func(t *testing.T) {
			want := canonical(syntheticDataSet())
			if ts == ImplicitVRLittleEndian {
				// Implicit VR cannot carry the VR of a private element: UN.
				for i := range want {
					if want[i].Tag.IsPrivate() && !want[i].Tag.IsPrivateCreator() {
						want[i].VR = VRUN
					}
				}
			}
			b := writePart10(t, syntheticDataSet(), ts, nil)
			f, err := Read(bytes.NewReader(b), int64(len(b)), ReadOptions{Strict: true})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if got := f.TransferSyntax; got != ts {
				t.Errorf("TransferSyntax = %q, want %q", got, ts)
			}
			if diff := cmp.Diff(want, canonical(f.DataSet)); diff != "" {
				t.Errorf("data set changed (-want +got):\n%s", diff)
			}
			// Write what was read, in explicit VR LE, and read it again.
			var out bytes.Buffer
			f.TransferSyntax = ExplicitVRLittleEndian
			if err := WriteFile(&out, f); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			g, err := Read(bytes.NewReader(out.Bytes()), int64(out.Len()), ReadOptions{Strict: true})
			if err != nil {
				t.Fatalf("re-Read: %v", err)
			}
			if diff := cmp.Diff(want, canonical(g.DataSet)); diff != "" {
				t.Errorf("data set changed on rewrite (-want +got):\n%s", diff)
			}
		})
	}
}
