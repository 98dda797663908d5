package dicom

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ErrEncode: the data set cannot be encoded as asked.
var ErrEncode = errors.New("cannot encode DICOM data set")

// UIDRoot is pacsguard's UID arc: a UUID-derived UID (PS3.5 §B.2), which
// needs no registered root, generated once for the project. UIDs pacsguard
// makes hang under it; with a few short components they stay within the 64
// characters a UI value may have.
const UIDRoot = "2.25.230235440348473359947313444332899606481"

// Identity written in the meta information of files pacsguard creates.
const (
	ImplementationClassUID    = UIDRoot + ".1"
	ImplementationVersionName = "PACSGUARD"
)

// EncodeDataSet encodes a data set (without meta information) in implicit
// VR LE, explicit VR LE, explicit VR BE, or deflated explicit VR LE. Any
// other transfer syntax is encoded as explicit VR LE (its pixel data is
// expected to be encapsulated already). Sequences and items are written with
// undefined length; values as they are (they are little-endian in memory).
func EncodeDataSet(ds *DataSet, transferSyntax string) ([]byte, error) {
	kind, _ := lookupTransferSyntax(transferSyntax)
	var buf bytes.Buffer
	if err := encodeElements(&buf, ds, kind.syntax(), 0); err != nil {
		return nil, err
	}
	if kind != tsDeflated {
		return buf.Bytes(), nil
	}
	var out bytes.Buffer
	zw, _ := flate.NewWriter(&out, flate.DefaultCompression)
	zw.Write(buf.Bytes())
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

const maxEncodeDepth = 1000

func encodeElements(w *bytes.Buffer, ds *DataSet, sx syntax, depth int) error {
	if depth > maxEncodeDepth {
		return fmt.Errorf("%w: sequences nested deeper than %d", ErrEncode, maxEncodeDepth)
	}
	if ds == nil {
		return nil
	}
	for _, e := range ds.Elements {
		if err := encodeElement(w, e, sx, depth); err != nil {
			return err
		}
	}
	return nil
}

func putTag(w *bytes.Buffer, t Tag, big bool) {
	var b [4]byte
	if big {
		binary.BigEndian.PutUint16(b[:], t.Group())
		binary.BigEndian.PutUint16(b[2:], t.Element())
	} else {
		binary.LittleEndian.PutUint16(b[:], t.Group())
		binary.LittleEndian.PutUint16(b[2:], t.Element())
	}
	w.Write(b[:])
}

func putU32(w *bytes.Buffer, v uint32, big bool) {
	var b [4]byte
	if big {
		binary.BigEndian.PutUint32(b[:], v)
	} else {
		binary.LittleEndian.PutUint32(b[:], v)
	}
	w.Write(b[:])
}

func putU16(w *bytes.Buffer, v uint16, big bool) {
	var b [2]byte
	if big {
		binary.BigEndian.PutUint16(b[:], v)
	} else {
		binary.LittleEndian.PutUint16(b[:], v)
	}
	w.Write(b[:])
}

// header writes an element header with the given VR and length.
func header(w *bytes.Buffer, t Tag, vr VR, length uint32, sx syntax) error {
	putTag(w, t, sx.bigEndian)
	if !sx.explicit {
		putU32(w, length, sx.bigEndian)
		return nil
	}
	if !vr.Known() {
		vr = VRUN
	}
	w.WriteString(string(vr))
	if vr.HasLongLength() {
		w.Write([]byte{0, 0})
		putU32(w, length, sx.bigEndian)
		return nil
	}
	if length > 0xFFFF {
		return fmt.Errorf("%w: %s value of %d bytes does not fit VR %s in explicit VR", ErrEncode, t, length, vr)
	}
	putU16(w, uint16(length), sx.bigEndian)
	return nil
}

func encodeElement(w *bytes.Buffer, e *Element, sx syntax, depth int) error {
	if e.Skipped {
		return fmt.Errorf("%w: %s was skipped when read; read it without SkipLargerThan", ErrEncode, e.Tag)
	}
	vr := e.VR
	switch {
	case e.Items != nil || vr == VRSQ:
		itemSx := sx
		switch {
		case vr == VRSQ:
		case vr == VRUN || !vr.Known() || !vr.HasLongLength():
			// UN of undefined length: its items are implicit VR LE (PS3.5
			// §6.2.2). A VR with a 2-byte length cannot say "undefined"
			// in explicit VR: it goes as UN too.
			itemSx = syntaxImplicitLE
			vr = VRUN
		default:
			// Another long VR with undefined length (malformed, read as a
			// sequence in the data set's own encoding): kept as it was.
		}
		if err := header(w, e.Tag, vr, UndefinedLength, sx); err != nil {
			return err
		}
		for _, item := range e.Items {
			putTag(w, TagItem, itemSx.bigEndian)
			putU32(w, UndefinedLength, itemSx.bigEndian)
			if err := encodeElements(w, item, itemSx, depth+1); err != nil {
				return err
			}
			putTag(w, TagItemDelimitation, itemSx.bigEndian)
			putU32(w, 0, itemSx.bigEndian)
		}
		putTag(w, TagSequenceDelimitation, itemSx.bigEndian)
		putU32(w, 0, itemSx.bigEndian)
		return nil
	case e.Fragments != nil:
		if err := header(w, e.Tag, vr, UndefinedLength, sx); err != nil {
			return err
		}
		for _, f := range e.Fragments {
			if f.Value == nil && f.Length != 0 {
				return fmt.Errorf("%w: a fragment of %s was skipped when read", ErrEncode, e.Tag)
			}
			putTag(w, TagItem, sx.bigEndian)
			putU32(w, uint32(len(f.Value)), sx.bigEndian)
			w.Write(f.Value)
		}
		putTag(w, TagSequenceDelimitation, sx.bigEndian)
		putU32(w, 0, sx.bigEndian)
		return nil
	}
	if uint64(len(e.Value)) >= uint64(UndefinedLength) {
		return fmt.Errorf("%w: %s value too long", ErrEncode, e.Tag)
	}
	if err := header(w, e.Tag, vr, uint32(len(e.Value)), sx); err != nil {
		return err
	}
	if sx.bigEndian && vr.swapSize() > 1 {
		start := w.Len()
		w.Write(e.Value)
		swapUnits(w.Bytes()[start:], vr.swapSize())
		return nil
	}
	w.Write(e.Value)
	return nil
}

// NewFileMeta builds the file meta information (group 0002) for a new file.
// WriteFile fills in the group length.
func NewFileMeta(sopClassUID, sopInstanceUID, transferSyntax string) *DataSet {
	ds := &DataSet{}
	ds.Set(NewBytes(0x00020001, VROB, []byte{0, 1})) // File Meta Information Version
	ds.Set(NewString(TagMediaStorageSOPClass, VRUI, sopClassUID))
	ds.Set(NewString(TagMediaStorageSOPInst, VRUI, sopInstanceUID))
	ds.Set(NewString(TagTransferSyntaxUID, VRUI, transferSyntax))
	ds.Set(NewString(TagImplementationClass, VRUI, ImplementationClassUID))
	ds.Set(NewString(TagImplementationVersion, VRSH, ImplementationVersionName))
	return ds
}

// WriteFile writes a Part 10 file: the preamble (f.Preamble, zeros unless
// set), "DICM", group 0002 in explicit VR LE with a correct group length,
// then the data set in f.TransferSyntax (taken from the meta information
// when empty, else explicit VR LE). f is not modified.
func WriteFile(w io.Writer, f *File) error {
	ts := f.TransferSyntax
	if ts == "" {
		ts, _ = f.Meta.String(TagTransferSyntaxUID)
	}
	if ts == "" {
		ts = ExplicitVRLittleEndian
	}
	meta := &DataSet{}
	if f.Meta != nil {
		for _, e := range f.Meta.Elements {
			if e.Tag.Group() == 2 && e.Tag != TagFileMetaGroupLength {
				meta.Elements = append(meta.Elements, e)
			}
		}
	}
	meta.Set(NewString(TagTransferSyntaxUID, VRUI, ts))
	if meta.Find(0x00020001) == nil {
		meta.Set(NewBytes(0x00020001, VROB, []byte{0, 1}))
	}
	var mb bytes.Buffer
	if err := encodeElements(&mb, meta, syntaxExplicitLE, 0); err != nil {
		return err
	}
	body, err := EncodeDataSet(f.DataSet, ts)
	if err != nil {
		return err
	}
	var head bytes.Buffer
	head.Write(f.Preamble[:])
	head.WriteString("DICM")
	gl := NewUint32(TagFileMetaGroupLength, VRUL, uint32(mb.Len()))
	if err := encodeElement(&head, gl, syntaxExplicitLE, 0); err != nil {
		return err
	}
	head.Write(mb.Bytes())
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	_, err = w.Write(body)
	return err
}
