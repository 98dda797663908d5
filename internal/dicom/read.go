package dicom

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Sentinel errors; test them with errors.Is.
var (
	// ErrNotDICOM: the input is neither a Part 10 file nor a plausible raw data set.
	ErrNotDICOM = errors.New("not a DICOM file")
	// ErrTruncated: the input ends before anything readable (or, in strict mode, early).
	ErrTruncated = errors.New("DICOM data truncated")
	// ErrMalformed: in strict mode, any other anomaly.
	ErrMalformed = errors.New("malformed DICOM data")
	// ErrLimit: in strict mode, a depth, count or size limit was reached.
	ErrLimit = errors.New("DICOM reader limit reached")
	// ErrIsDirectory: ReadFile was given a directory (it also wraps ErrNotDICOM).
	ErrIsDirectory = errors.New("is a directory")
)

// AnomalyError is the error of a strict read: the first anomaly met.
type AnomalyError struct{ Anomaly Anomaly }

func (e *AnomalyError) Error() string { return "dicom: " + e.Anomaly.String() }

// Unwrap classifies the anomaly as one of the sentinel errors.
func (e *AnomalyError) Unwrap() error {
	switch e.Anomaly.Kind {
	case AnomalyTruncated, AnomalyLengthBeyondEnd:
		return ErrTruncated
	case AnomalyLimit:
		return ErrLimit
	}
	return ErrMalformed
}

// Default limits (ReadOptions zero values).
const (
	DefaultMaxDepth        = 32
	DefaultMaxElements     = 1_000_000
	DefaultMaxDecodedBytes = 1 << 30
	// maxAnomalies bounds the list: input with more is garbage, and the
	// read stops there.
	maxAnomalies = 1000
	// Inflation of a deflated data set is capped at this ratio to the
	// compressed size (with a floor), whatever MaxDecodedBytes allows:
	// DICOM data sets deflate a few times, a bomb a thousand.
	maxDeflateRatio = 200
	minDeflateCap   = 16 << 20
)

// ReadFile reads a Part 10 file or raw data set from disk. A directory or
// other non-regular file gives an error wrapping ErrNotDICOM.
func ReadFile(path string, opts ReadOptions) (*File, error) {
	r, size, head, closeFn, err := openRegular(path, firstChunk)
	if err != nil {
		if errors.Is(err, ErrIsDirectory) || errors.Is(err, errNotRegular) {
			return nil, fmt.Errorf("%w: %w", err, ErrNotDICOM)
		}
		return nil, err
	}
	defer closeFn()
	if int64(len(head)) > size {
		head = head[:size] // the file shrank between read and stat
	}
	return read(r, size, head, opts)
}

// Read reads a Part 10 file (preamble, "DICM", meta information) or a raw
// data set without meta information (its transfer syntax detected unless
// opts.TransferSyntax says it). Only the bytes needed are read from r.
// Element values alias buffers owned by the returned File.
func Read(r io.ReaderAt, size int64, opts ReadOptions) (*File, error) {
	return read(r, size, nil, opts)
}

// read is Read with the first window (from offset 0) possibly already read.
func read(r io.ReaderAt, size int64, head []byte, opts ReadOptions) (*File, error) {
	rd := newReader(opts)
	rd.src = source{r: r, size: size, chunk: firstChunk, buf: head}
	if int64(len(head)) == size {
		rd.src.r = nil // all of it is in head
	}
	f := &File{Size: size}
	if err := rd.readFile(f); err != nil {
		return nil, err
	}
	if rd.err != nil {
		return nil, rd.err
	}
	f.Anomalies = rd.anomalies
	return f, nil
}

// ReadDataSet reads a data set without meta information from b, in the
// given transfer syntax ("" = detect). It is what the network stack uses for
// command sets and identifiers. b is copied: the result does not alias it.
func ReadDataSet(b []byte, transferSyntax string, opts ReadOptions) (*DataSet, []Anomaly, error) {
	rd := newReader(opts)
	buf := bytes.Clone(b)
	rd.src = source{buf: buf, size: int64(len(buf))}
	ds := &DataSet{}
	var kind tsKind
	if transferSyntax == "" {
		sx, ok := detectSyntax(buf)
		if !ok {
			return nil, nil, ErrNotDICOM
		}
		kind = tsExplicitLE
		if !sx.explicit {
			kind = tsImplicitLE
		} else if sx.bigEndian {
			kind = tsExplicitBE
		}
	} else {
		var known bool
		kind, known = lookupTransferSyntax(transferSyntax)
		if !known {
			rd.anomaly(AnomalyUnknownTransferSyntax, 0, 0, "read as explicit VR little endian")
		}
	}
	if kind == tsDeflated {
		rd.inflateInto(bytes.NewReader(buf), 0, int64(len(buf)))
	}
	end := rd.readElements(ds, 0, scope{end: rd.src.size, sx: kind.syntax(), top: true})
	rd.finishInflate()
	rd.checkEnd(end)
	if rd.err != nil {
		return nil, nil, rd.err
	}
	return ds, rd.anomalies, nil
}

type reader struct {
	src       source
	opts      ReadOptions
	anomalies []Anomaly
	err       error // fatal: I/O error, or the first anomaly in strict mode
	stop      bool  // unwind: err set or a limit reached
	elements  int
	decoded   int64
	atPixels  bool      // stopped before pixel data
	truncated bool      // the input ended early: missing delimiters follow from it
	inflate   *inflater // the deflated data set being read, if any
	slab      []Element
}

func newReader(opts ReadOptions) *reader {
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = DefaultMaxDepth
	}
	// Each level is a few Go stack frames: keep recursion bounded whatever
	// the caller asks (encoding/json stops at 10,000 too).
	opts.MaxDepth = min(opts.MaxDepth, 10_000)
	if opts.MaxElements <= 0 {
		opts.MaxElements = DefaultMaxElements
	}
	if opts.MaxDecodedBytes <= 0 {
		opts.MaxDecodedBytes = DefaultMaxDecodedBytes
	}
	return &reader{opts: opts}
}

// newElement hands out elements from slabs: one allocation per few dozen
// elements instead of one each.
func (r *reader) newElement() *Element {
	if len(r.slab) == cap(r.slab) {
		// Small first: most headers hold a few dozen elements.
		r.slab = make([]Element, 0, min(32+2*cap(r.slab), 256))
	}
	r.slab = r.slab[:len(r.slab)+1]
	return &r.slab[len(r.slab)-1]
}

func (r *reader) anomaly(kind AnomalyKind, off int64, t Tag, detail string) {
	if kind == AnomalyTruncated {
		r.truncated = true
	} else if kind == AnomalyMissingDelimiter && r.truncated {
		return // a consequence of the truncation already reported
	}
	if len(r.anomalies) >= maxAnomalies {
		if len(r.anomalies) == maxAnomalies {
			r.anomalies = append(r.anomalies, Anomaly{Kind: AnomalyLimit, Offset: off, Detail: "more than " + itoa(maxAnomalies) + " anomalies; read stopped"})
		}
		r.stop = true
		return
	}
	a := Anomaly{Kind: kind, Offset: off, Tag: t, Detail: detail}
	r.anomalies = append(r.anomalies, a)
	if r.opts.Strict && r.err == nil {
		r.err = &AnomalyError{Anomaly: a}
		r.stop = true
	}
	if kind == AnomalyLimit {
		r.stop = true
	}
}

// fail records a fatal error (I/O) and unwinds.
func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
	r.stop = true
}

// short handles a failed src.bytes: truncation is an anomaly, anything else fatal.
func (r *reader) short(err error, off int64, t Tag, what string) {
	if errors.Is(err, errShort) {
		r.anomaly(AnomalyTruncated, off, t, "input ends inside "+what)
		r.stop = true
		return
	}
	r.fail(err)
}

func (r *reader) readFile(f *File) error {
	if r.src.size < 0 {
		return ErrNotDICOM
	}
	n := int64(132)
	if r.src.size < n {
		n = r.src.size
	}
	head, err := r.src.bytes(0, int(n))
	if err != nil {
		if errors.Is(err, errShort) {
			return fmt.Errorf("input shorter than its size: %w", ErrTruncated)
		}
		return err
	}
	var off int64
	switch {
	case len(head) >= 132 && string(head[128:132]) == "DICM":
		copy(f.Preamble[:], head[:128])
		f.HasPreamble = true
		f.PreambleKind = ClassifyPreamble(f.Preamble)
		if f.PreambleKind != PreambleZero {
			r.anomaly(AnomalyNonZeroPreamble, 0, 0, "preamble holds "+f.PreambleKind.String()+" content")
		}
		off = 132
	case len(head) >= 4 && string(head[:4]) == "DICM":
		r.anomaly(AnomalyMissingPreamble, 0, 0, "DICM prefix without the 128-byte preamble")
		off = 4
	default:
		return r.readRaw(f, head)
	}
	meta, next := r.readMeta(off)
	f.Meta = meta
	if r.stop {
		f.DataSet = &DataSet{Offset: next}
		f.End = next
		if len(meta.Elements) == 0 && r.err == nil {
			return fmt.Errorf("file meta information at offset %d: %w", off, ErrTruncated)
		}
		return nil
	}
	ts, _ := meta.String(TagTransferSyntaxUID)
	kind, known := lookupTransferSyntax(ts)
	switch {
	case ts == "":
		r.anomaly(AnomalyMissingTransferSyntax, off, TagTransferSyntaxUID, "no transfer syntax in the meta information; detected from the data")
		kind, ts = r.detectAt(next)
	case !known:
		r.anomaly(AnomalyUnknownTransferSyntax, off, TagTransferSyntaxUID, "unknown transfer syntax; read as explicit VR little endian")
	}
	f.TransferSyntax = ts
	f.DataSet, f.End = r.readBody(next, kind)
	return nil
}

// readRaw reads a data set without preamble or meta information.
func (r *reader) readRaw(f *File, head []byte) error {
	f.PreambleKind = PreambleNone
	var kind tsKind
	if r.opts.TransferSyntax != "" {
		var known bool
		kind, known = lookupTransferSyntax(r.opts.TransferSyntax)
		if !known {
			r.anomaly(AnomalyUnknownTransferSyntax, 0, 0, "unknown transfer syntax; read as explicit VR little endian")
		}
		f.TransferSyntax = r.opts.TransferSyntax
	} else {
		b, err := r.src.bytes(0, int(min(r.src.size, 256)))
		if err != nil {
			return err
		}
		sx, ok := detectSyntax(b)
		if !ok {
			return ErrNotDICOM
		}
		kind, f.TransferSyntax = syntaxKind(sx)
	}
	f.DataSet, f.End = r.readBody(0, kind)
	return nil
}

func syntaxKind(sx syntax) (tsKind, string) {
	switch {
	case !sx.explicit:
		return tsImplicitLE, ImplicitVRLittleEndian
	case sx.bigEndian:
		return tsExplicitBE, ExplicitVRBigEndian
	}
	return tsExplicitLE, ExplicitVRLittleEndian
}

// detectAt guesses the syntax of the data set at off.
func (r *reader) detectAt(off int64) (tsKind, string) {
	b, err := r.src.bytes(off, int(min(r.src.size-off, 256)))
	if err == nil {
		if sx, ok := guessSyntax(b); ok {
			return syntaxKind(sx)
		}
	}
	return tsExplicitLE, ExplicitVRLittleEndian
}

// readBody reads the data set proper from off to the end of the input.
func (r *reader) readBody(off int64, kind tsKind) (*DataSet, int64) {
	ds := &DataSet{Offset: off}
	if r.stop {
		return ds, off
	}
	if kind == tsDeflated {
		if r.src.r != nil {
			r.inflateInto(io.NewSectionReader(r.src.r, off, r.src.size-off), off, r.src.size-off)
		} else {
			r.inflateInto(bytes.NewReader(r.src.buf[off-r.src.base:]), off, r.src.size-off)
		}
		if r.stop {
			return ds, off
		}
	}
	sx := kind.syntax()
	// Files whose meta information says one VR encoding and whose data set
	// uses the other exist; DCMTK reads them by detection too.
	if b, err := r.src.bytes(off, int(min(r.src.size-off, 256))); err == nil && len(b) >= 8 {
		if got, ok := guessSyntax(b); ok && got.explicit != sx.explicit && plausibleSwitch(got, b, r.src.size-off) {
			r.anomaly(AnomalySyntaxMismatch, off, 0, "data set encoding differs from the transfer syntax; read as detected")
			sx = got
		}
	}
	end := r.readElements(ds, off, scope{end: r.src.size, sx: sx, top: true})
	r.finishInflate()
	r.checkEnd(end)
	r.checkPixelLength(ds)
	return ds, end
}

// checkPixelLength compares the length of native pixel data with what
// Rows, Columns, Samples per Pixel, Bits Allocated and Number of Frames
// declare (a mismatch is where pixel-handling code overflows).
func (r *reader) checkPixelLength(ds *DataSet) {
	px := ds.Find(TagPixelData)
	if px == nil || px.Length == UndefinedLength || px.Fragments != nil || px.Items != nil || r.stop {
		return
	}
	rows, ok1 := ds.Uint16(0x00280010)
	cols, ok2 := ds.Uint16(0x00280011)
	bits, ok3 := ds.Uint16(0x00280100)
	if !ok1 || !ok2 || !ok3 {
		return
	}
	samples, ok := ds.Uint16(0x00280002)
	if !ok {
		samples = 1
	}
	frames := int64(1)
	if s, ok := ds.String(0x00280008); ok && s != "" {
		n, valid := parseIS(s)
		if !valid {
			r.anomaly(AnomalyPixelDataLength, ds.Find(0x00280008).Offset, 0x00280008, "Number of Frames is not an integer string")
			return
		}
		frames = n
	}
	perPixel := int64(samples)
	if pi, _ := ds.String(0x00280004); samples == 3 && (pi == "YBR_FULL_422" || pi == "YBR_PARTIAL_422") {
		perPixel = 2 // chroma subsampled horizontally: two samples a pixel on average
	}
	want := (int64(rows)*int64(cols)*perPixel*frames*int64(bits) + 7) / 8
	got := int64(px.Length)
	if got != want && got != want+1 {
		r.anomaly(AnomalyPixelDataLength, px.Offset, px.Tag, fmt.Sprintf("pixel data holds %d bytes, the image attributes declare %d", got, want))
	}
}

// parseIS parses an Integer String value (PS3.5: optional sign, digits,
// leading and trailing spaces), bounded to what a frame count can be.
func parseIS(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "+")
	if s == "" || len(s) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// checkEnd reports bytes left after the top-level data set.
func (r *reader) checkEnd(end int64) {
	if r.stop || r.atPixels || end >= r.src.size {
		return
	}
	r.anomaly(AnomalyTrailingData, end, 0, fmt.Sprintf("%d bytes after the data set", r.src.size-end))
}

// readMeta reads group 0002 (always explicit VR LE, but some writers use
// implicit VR: detected and reported).
func (r *reader) readMeta(off int64) (*DataSet, int64) {
	meta := &DataSet{Offset: off}
	sx := syntaxExplicitLE
	b, err := r.src.bytes(off, 8)
	if err != nil {
		r.short(err, off, 0, "the file meta information")
		return meta, off
	}
	if _, ok := vrFromBytes(b[4], b[5]); !ok {
		r.anomaly(AnomalyMetaNotExplicitLE, off, 0, "file meta information is not explicit VR little endian")
		sx = syntaxImplicitLE
	}
	next := r.readElements(meta, off, scope{end: r.src.size, sx: sx, meta: true})
	if len(meta.Elements) > 0 && meta.Elements[0].Tag != TagFileMetaGroupLength {
		r.anomaly(AnomalyMissingGroupLength, off, TagFileMetaGroupLength, "file meta information group length is missing")
	}
	return meta, next
}

// scope is the frame of one data set being read.
type scope struct {
	end   int64 // absolute end (input end, or a defined-length item's end)
	sx    syntax
	depth int  // sequence nesting
	delim Tag  // TagItemDelimitation for an undefined-length item
	meta  bool // stop at the first element outside group 0002
	top   bool // the top-level data set
}

func isPixelDataTag(t Tag) bool {
	return t == TagPixelData || t == TagFloatPixelData || t == TagDoubleFloatPixelData
}

func u16(b []byte, big bool) uint16 {
	if big {
		return binary.BigEndian.Uint16(b)
	}
	return binary.LittleEndian.Uint16(b)
}

func u32(b []byte, big bool) uint32 {
	if big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

func readTag(b []byte, big bool) Tag {
	return Tag(uint32(u16(b, big))<<16 | uint32(u16(b[2:], big)))
}

// readElements reads a data set's elements from off until sc.end, the
// item delimiter (sc.delim), or (meta) the end of group 0002. It returns
// the offset after what it consumed.
func (r *reader) readElements(ds *DataSet, off int64, sc scope) int64 {
	var last Tag
	first := true
	pixelSigned := false
	var glGroup uint16 // group whose length (gggg,0000) is being checked
	glEnd := int64(-1)
	checkGroupLength := func(at int64) {
		if glEnd >= 0 && at != glEnd && !r.stop && !r.truncated {
			r.anomaly(AnomalyWrongGroupLength, at, NewTag(glGroup, 0),
				fmt.Sprintf("group length says the group ends at offset %d, it ends at %d", glEnd, at))
		}
		glEnd = -1
	}
	big := sc.sx.bigEndian
	for !r.stop {
		if off >= sc.end {
			if sc.delim != 0 {
				r.anomaly(AnomalyMissingDelimiter, off, 0, "item of undefined length ends without an item delimiter")
			}
			break
		}
		b, err := r.src.bytes(off, 8)
		if err != nil {
			if sc.top && errors.Is(err, errShort) {
				switch {
				case off == r.src.size:
					// A streamed (deflated) input ends here: the normal end.
					return off
				case off < r.src.size && !first:
					r.anomaly(AnomalyTrailingData, off, 0, fmt.Sprintf("%d bytes after the last element", r.src.size-off))
					return r.src.size
				}
			}
			r.short(err, off, 0, "an element header")
			break
		}
		tag := readTag(b, big)
		if tag.Group() == 0xFFFE {
			length := u32(b[4:], big)
			switch {
			case tag == sc.delim:
				if length != 0 {
					r.anomaly(AnomalyStrayDelimiter, off, tag, "item delimiter with non-zero length")
				}
				checkGroupLength(off)
				return off + 8
			case tag == TagSequenceDelimitation && sc.delim == TagItemDelimitation:
				// The sequence ends here: the item lacked its delimiter.
				r.anomaly(AnomalyMissingDelimiter, off, 0, "item of undefined length ends without an item delimiter")
				checkGroupLength(off)
				return off
			}
			r.anomaly(AnomalyStrayDelimiter, off, tag, "item or delimiter tag outside a sequence")
			off += 8
			if tag == TagItem && length != UndefinedLength && r.src.has(off, int64(length)) && off+int64(length) <= sc.end {
				off += int64(length)
			}
			continue
		}
		if sc.meta && tag.Group() != 2 {
			break
		}
		if sc.top && r.opts.StopBeforePixelData && isPixelDataTag(tag) {
			r.atPixels = true
			checkGroupLength(off)
			return off
		}
		if !first {
			// Not an element but junk (or a payload) after the data set: a
			// tag going backwards to zero or without a VR, or no VR after
			// the pixel data.
			if sc.top && ((tag < last && tag == 0) || (sc.sx.explicit && !isVRBytes(b[4], b[5]) && (tag < last || last >= TagPixelData))) {
				r.anomaly(AnomalyTrailingData, off, 0, fmt.Sprintf("%d bytes after the data set", r.src.size-off))
				return r.src.size
			}
			switch {
			case tag < last:
				r.anomaly(AnomalyOutOfOrder, off, tag, "element out of order after "+last.String())
			case tag == last:
				r.anomaly(AnomalyDuplicate, off, tag, "element appears twice")
			}
		}
		if glEnd >= 0 && tag.Group() != glGroup {
			checkGroupLength(off)
		}
		e, next := r.readElement(off, sc, pixelSigned)
		if e == nil {
			break
		}
		if ds.Elements == nil {
			// Sized for a typical header, to save regrowing.
			ds.Elements = make([]*Element, 0, elementsCap(sc))
		}
		ds.Elements = append(ds.Elements, e)
		if tag.Element() == 0 && len(e.Value) == 4 {
			glGroup, glEnd = tag.Group(), next+int64(binary.LittleEndian.Uint32(e.Value))
		}
		if tag == 0x00280103 && len(e.Value) >= 2 {
			pixelSigned = binary.LittleEndian.Uint16(e.Value) == 1
		}
		last, first = tag, false
		off = next
	}
	checkGroupLength(off)
	return off
}

func elementsCap(sc scope) int {
	switch {
	case sc.top:
		return 64
	case sc.meta:
		return 8
	}
	return 8
}

func isVRBytes(a, b byte) bool {
	_, ok := vrFromBytes(a, b)
	return ok
}

// readElement reads one element (header at off, known to hold 8 bytes) and
// its value. It returns nil when nothing more can be read.
func (r *reader) readElement(off int64, sc scope, pixelSigned bool) (*Element, int64) {
	big := sc.sx.bigEndian
	b, _ := r.src.bytes(off, 8)
	tag := readTag(b, big)
	var vr VR
	var length uint32
	hdr := int64(8)
	if sc.sx.explicit {
		v, ok := vrFromBytes(b[4], b[5])
		if !ok {
			v = VR(b[4:6])
			r.anomaly(AnomalyUnknownVR, off, tag, "VR bytes "+quoteBytes(b[4:6])+" are no VR; read as UN")
		}
		vr = v
		if vr.HasLongLength() {
			b12, err := r.src.bytes(off, 12)
			if err != nil {
				r.short(err, off, tag, "an element header")
				return nil, off
			}
			length = u32(b12[8:], big)
			hdr = 12
		} else {
			length = uint32(u16(b[6:], big))
		}
		if ok && vr != VRUN && !tag.IsPrivate() && tag.Element() != 0 {
			if de, found := lookupDict(tag); found && !dictAllowsVR(de.VR, vr) {
				r.anomaly(AnomalyVRMismatch, off, tag, "VR "+string(vr)+" where the dictionary says "+de.VR)
			}
		}
	} else {
		length = u32(b[4:], big)
		vr = implicitVR(tag, pixelSigned)
	}
	r.elements++
	if r.elements > r.opts.MaxElements {
		r.anomaly(AnomalyLimit, off, tag, "more than "+itoa(int64(r.opts.MaxElements))+" elements")
		return nil, off
	}
	e := r.newElement()
	e.Tag, e.VR, e.Length, e.Offset = tag, vr, length, off
	valueOff := off + hdr
	e.ValueOffset = valueOff
	if length == UndefinedLength {
		if !sc.sx.explicit && isPixelDataTag(tag) {
			vr = VROB // encapsulated pixel data is OB (PS3.5 §A.4)
			e.VR = vr
		}
		switch {
		case vr == VRSQ:
			return e, r.readItems(e, valueOff, sc.end, sc.sx, sc.depth+1, true)
		case vr == VRUN || !vr.Known():
			// PS3.5 §6.2.2: UN of undefined length is an implicit VR LE sequence.
			return e, r.readItems(e, valueOff, sc.end, syntaxImplicitLE, sc.depth+1, true)
		case isPixelDataTag(tag) || vr == VROB || vr == VROW:
			if !isPixelDataTag(tag) {
				r.anomaly(AnomalyIllegalUndefinedLength, off, tag, "undefined length on an element that is not pixel data; read as fragments")
			}
			return e, r.readFragments(e, valueOff, sc.end, big)
		}
		r.anomaly(AnomalyIllegalUndefinedLength, off, tag, "undefined length on VR "+string(vr)+"; read as a sequence")
		return e, r.readItems(e, valueOff, sc.end, sc.sx, sc.depth+1, true)
	}
	n := int64(length)
	if valueOff+n > sc.end || !r.src.has(valueOff, n) {
		avail := sc.end - valueOff
		if a := r.src.size - valueOff; a < avail {
			avail = a
		}
		if avail < 0 {
			avail = 0
		}
		kind := AnomalyLengthBeyondEnd
		switch {
		case r.inflate != nil && valueOff+n > r.src.size && r.src.size == r.inflate.origin+r.inflate.limit:
			kind = AnomalyLimit // past what may be inflated, not (known to be) past the end
		case sc.top || valueOff+n > r.src.size:
			kind = AnomalyTruncated
		}
		r.anomaly(kind, off, tag, fmt.Sprintf("value length %d goes past the end (%d bytes left)", n, avail))
		if kind == AnomalyLimit {
			r.stop = r.err != nil
		}
		n = avail
	}
	if length%2 == 1 {
		r.anomaly(AnomalyOddLength, off, tag, "odd value length "+itoa(int64(length)))
	}
	if vr == VRSQ {
		r.readItems(e, valueOff, valueOff+n, sc.sx, sc.depth+1, false)
		return e, valueOff + n
	}
	if n == 0 || r.stop {
		return e, valueOff + n
	}
	if r.opts.SkipLargerThan > 0 && n > int64(r.opts.SkipLargerThan) {
		e.Skipped = true
		return e, valueOff + n
	}
	v, ok := r.value(valueOff, n, tag)
	if !ok {
		return nil, valueOff
	}
	if big {
		swapUnits(v, vr.swapSize())
	}
	e.Value = v
	return e, valueOff + n
}

// value reads n bytes at off, within the decoded-size budget.
func (r *reader) value(off, n int64, tag Tag) ([]byte, bool) {
	if r.decoded+n > r.opts.MaxDecodedBytes {
		r.anomaly(AnomalyLimit, off, tag, "values exceed "+itoa(r.opts.MaxDecodedBytes)+" bytes in total")
		return nil, false
	}
	v, err := r.src.bytes(off, int(n))
	if err != nil {
		r.short(err, off, tag, "a value")
		return nil, false
	}
	r.decoded += n
	return v, true
}

// swapUnits turns big-endian binary units into little-endian in place.
func swapUnits(v []byte, size int) {
	switch size {
	case 2:
		for i := 0; i+1 < len(v); i += 2 {
			v[i], v[i+1] = v[i+1], v[i]
		}
	case 4:
		for i := 0; i+3 < len(v); i += 4 {
			v[i], v[i+1], v[i+2], v[i+3] = v[i+3], v[i+2], v[i+1], v[i]
		}
	case 8:
		for i := 0; i+7 < len(v); i += 8 {
			v[i], v[i+1], v[i+2], v[i+3], v[i+4], v[i+5], v[i+6], v[i+7] = v[i+7], v[i+6], v[i+5], v[i+4], v[i+3], v[i+2], v[i+1], v[i]
		}
	}
}

// readItems reads a sequence's items from off, up to end or the sequence
// delimiter (undefined length). Items carry no VR in any syntax.
func (r *reader) readItems(e *Element, off, end int64, sx syntax, depth int, undefined bool) int64 {
	e.Items = []*DataSet{}
	if depth > r.opts.MaxDepth {
		r.anomaly(AnomalyLimit, off, e.Tag, "sequences nested deeper than "+itoa(int64(r.opts.MaxDepth)))
		return end
	}
	for !r.stop {
		if off >= end {
			if undefined {
				r.anomaly(AnomalyMissingDelimiter, off, e.Tag, "sequence of undefined length ends without a sequence delimiter")
			}
			return off
		}
		b, err := r.src.bytes(off, 8)
		if err != nil {
			r.short(err, off, e.Tag, "a sequence")
			return r.src.size
		}
		tag := readTag(b, sx.bigEndian)
		length := u32(b[4:], sx.bigEndian)
		switch tag {
		case TagItem:
			r.elements++
			if r.elements > r.opts.MaxElements {
				r.anomaly(AnomalyLimit, off, e.Tag, "more than "+itoa(int64(r.opts.MaxElements))+" elements")
				return end
			}
			item := &DataSet{Offset: off + 8, ItemLength: length}
			e.Items = append(e.Items, item)
			if length == UndefinedLength {
				off = r.readElements(item, off+8, scope{end: end, sx: sx, depth: depth, delim: TagItemDelimitation})
				continue
			}
			itemEnd := off + 8 + int64(length)
			if itemEnd > end {
				r.anomaly(AnomalyLengthBeyondEnd, off, e.Tag, fmt.Sprintf("item length %d goes past the end of its sequence", length))
				itemEnd = end
			}
			r.readElements(item, off+8, scope{end: itemEnd, sx: sx, depth: depth})
			off = itemEnd
		case TagSequenceDelimitation:
			if length != 0 {
				r.anomaly(AnomalyStrayDelimiter, off, e.Tag, "sequence delimiter with non-zero length")
			}
			if undefined {
				return off + 8
			}
			r.anomaly(AnomalyStrayDelimiter, off, e.Tag, "sequence delimiter in a sequence of defined length")
			off += 8
		case TagItemDelimitation:
			r.anomaly(AnomalyStrayDelimiter, off, e.Tag, "item delimiter outside an item")
			off += 8
		default:
			r.anomaly(AnomalyNotAnItem, off, e.Tag, tag.String()+" where a sequence item should be")
			if undefined {
				// Let the enclosing data set read on from here.
				return off
			}
			return end
		}
	}
	return off
}

// readFragments reads encapsulated pixel data: items holding the Basic
// Offset Table and the fragments, ended by a sequence delimiter.
func (r *reader) readFragments(e *Element, off, end int64, big bool) int64 {
	e.Fragments = []Fragment{}
	for !r.stop {
		if off >= end {
			r.anomaly(AnomalyMissingDelimiter, off, e.Tag, "encapsulated pixel data ends without a sequence delimiter")
			return off
		}
		b, err := r.src.bytes(off, 8)
		if err != nil {
			r.short(err, off, e.Tag, "encapsulated pixel data")
			return r.src.size
		}
		tag := readTag(b, big)
		length := u32(b[4:], big)
		switch tag {
		case TagItem:
			r.elements++
			if r.elements > r.opts.MaxElements {
				r.anomaly(AnomalyLimit, off, e.Tag, "more than "+itoa(int64(r.opts.MaxElements))+" elements")
				return end
			}
			if length == UndefinedLength {
				r.anomaly(AnomalyBadFragment, off, e.Tag, "fragment of undefined length")
				return end
			}
			valueOff := off + 8
			n := int64(length)
			if valueOff+n > end {
				r.anomaly(AnomalyTruncated, off, e.Tag, fmt.Sprintf("fragment length %d goes past the end", length))
				n = max(end-valueOff, 0)
			}
			if length%2 == 1 {
				r.anomaly(AnomalyOddLength, off, e.Tag, "odd fragment length "+itoa(int64(length)))
			}
			fr := Fragment{Offset: valueOff, Length: length}
			if n > 0 && !(r.opts.SkipLargerThan > 0 && n > int64(r.opts.SkipLargerThan)) {
				v, ok := r.value(valueOff, n, e.Tag)
				if !ok {
					return end
				}
				fr.Value = v
			}
			e.Fragments = append(e.Fragments, fr)
			off = valueOff + n
		case TagSequenceDelimitation:
			return off + 8
		default:
			r.anomaly(AnomalyBadFragment, off, e.Tag, tag.String()+" inside encapsulated pixel data")
			return off
		}
	}
	return off
}

// detectSyntax guesses how a raw data set is encoded from its first
// element, and says whether it looks like a data set at all.
func detectSyntax(b []byte) (syntax, bool) {
	sx, ok := guessSyntax(b)
	if !ok {
		return sx, false
	}
	g := binary.LittleEndian.Uint16(b)
	if sx.bigEndian {
		g = binary.BigEndian.Uint16(b)
	}
	if !plausibleGroup(g) {
		return sx, false
	}
	if !sx.explicit {
		length := binary.LittleEndian.Uint32(b[4:])
		if length != UndefinedLength && int64(length) > int64(len(b))-8 && len(b) < 256 {
			return sx, false
		}
	}
	return sx, true
}

// guessSyntax says how the element at the start of b is encoded: explicit
// VR when bytes 4-5 are a VR, in the byte order that gives the smaller
// group (data sets start with low groups), else implicit VR LE.
func guessSyntax(b []byte) (syntax, bool) {
	if len(b) < 8 {
		return syntax{}, false
	}
	if isVRBytes(b[4], b[5]) {
		if binary.BigEndian.Uint16(b) < binary.LittleEndian.Uint16(b) {
			return syntaxExplicitBE, true
		}
		return syntaxExplicitLE, true
	}
	return syntaxImplicitLE, true
}

// plausibleSwitch says whether the first element of a data set is really
// in the other VR encoding than its transfer syntax says: read as implicit,
// its length must fit; read as explicit, its VR must be the dictionary's
// (or its implicit length must not fit), since an implicit length can spell
// two VR letters by chance.
func plausibleSwitch(to syntax, b []byte, left int64) bool {
	if !to.explicit {
		return implicitFits(b, left)
	}
	if !implicitFits(b, left) {
		return true
	}
	vr, _ := vrFromBytes(b[4], b[5])
	t := readTag(b, to.bigEndian)
	e, ok := lookupDict(t)
	return ok && dictAllowsVR(e.VR, vr)
}

// implicitFits reports whether the element at the start of b, read as
// implicit VR, has a length that fits in the left bytes.
func implicitFits(b []byte, left int64) bool {
	length := binary.LittleEndian.Uint32(b[4:])
	return length == UndefinedLength || int64(length) <= left-8
}

// plausibleGroup: raw data sets begin with a command, meta, or low
// standard group; anything else is more likely another file format.
func plausibleGroup(g uint16) bool {
	return g%2 == 0 && g <= 0x0100
}

func itoa(n int64) string {
	return fmt.Sprint(n)
}

func quoteBytes(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "\\x%02x", c)
	}
	return sb.String()
}
