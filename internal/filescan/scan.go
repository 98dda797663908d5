// Package filescan sweeps archives, shares and media for malicious, tampered
// and encrypted DICOM files: PE/ELF-DICOM polyglots (CVE-2019-11687),
// payloads in private elements and after the data set, active content in
// encapsulated documents, DICOMDIR references that escape the media, damaged
// structures that crash readers, and (with a baseline) changes and
// ransomware traces. It reads headers through the project's codec and only
// samples large values, so memory stays bounded whatever the file size.
package filescan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pacsguard/pacsguard/internal/check"
	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

// Probe is the evidence probe name of every file check.
const Probe = "filescan"

// Options tunes a scan; the zero value uses the defaults.
type Options struct {
	// Conformance adds info findings for tolerated departures from the encoding rules.
	Conformance bool
	// LoadLimit: values longer than this are not loaded; their first
	// SampleBytes are read when a signature check needs them (default 64 KiB).
	LoadLimit uint32
	// SampleBytes read from the start of large values and trailing data (default 4 KiB).
	SampleBytes int
	// MaxDocumentBytes of an encapsulated document scanned for active content (default 64 MiB).
	MaxDocumentBytes int64
}

func (o Options) withDefaults() Options {
	if o.LoadLimit == 0 {
		o.LoadLimit = 64 << 10
	}
	if o.SampleBytes <= 0 {
		o.SampleBytes = 4 << 10
	}
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = 64 << 20
	}
	return o
}

// Scanner checks files one at a time; it is safe for concurrent use.
type Scanner struct {
	cat  *check.Catalogue
	opts Options
}

// NewScanner returns a scanner that builds findings from cat.
func NewScanner(cat *check.Catalogue, opts Options) *Scanner {
	return &Scanner{cat: cat, opts: opts.withDefaults()}
}

// Result is what the scan of one file found.
type Result struct {
	Path     string
	Size     int64
	DICOM    bool // read as a Part 10 file or raw data set
	Findings []inventory.Finding
	// Err is set when the file could not be read at all (permissions, I/O).
	Err error
	// Plan says how to make a clean copy; nil when nothing needs cleaning.
	Plan *CleanPlan
	// ids are the file's patient name parts and ID, normalised, kept only
	// to redact paths (Redact); never reported.
	ids []string
}

// CleanPlan is what a sanitized copy leaves out. Byte ranges are removed
// from a copy, so every byte that is kept is the original's.
type CleanPlan struct {
	ZeroPreamble bool
	Remove       []Removal // top-level elements, in file order
	// TruncateAt drops everything from this offset (trailing data); -1 keeps all.
	TruncateAt int64
	// Reencode, when set, says why the copy must be re-encoded by the
	// codec's writer instead of copied by byte ranges (a deflated data set,
	// a payload inside a sequence item). Removals are then matched by tag
	// and header offset.
	Reencode string
	// Blocked says why no clean copy can be made; empty when one can.
	Blocked string
}

// Removal is one element left out of a clean copy.
type Removal struct {
	Tag        dicom.Tag
	Start, End int64 // [Start, End) in the file; End is -1 for a nested element
	Nested     bool  // inside a sequence item
	Reason     string
}

// malformedKinds crash readers; nonconformant ones are tolerated by them.
var malformedKinds = map[dicom.AnomalyKind]bool{
	dicom.AnomalyIllegalUndefinedLength: true,
	dicom.AnomalyMissingDelimiter:       true,
	dicom.AnomalyStrayDelimiter:         true,
	dicom.AnomalyNotAnItem:              true,
	dicom.AnomalyBadFragment:            true,
	dicom.AnomalyLimit:                  true,
	dicom.AnomalyDeflate:                true,
	dicom.AnomalyUnknownVR:              true,
	dicom.AnomalyPixelDataLength:        true,
}

// minPreambleJunk non-zero bytes (with no known signature) make a
// preamble worth reporting: fewer can hold no code. Some writers leave a
// stray byte (pydicom's dicomdirtests samples have one).
const minPreambleJunk = 8

// maxEvidence bounds the evidence lines of one finding.
const maxEvidence = 10

// fileScan is the state of one file's scan.
type fileScan struct {
	s     *Scanner
	r     io.ReaderAt
	path  string
	size  int64
	res   *Result
	plan  CleanPlan
	dirty bool // plan has something to do
	f     *dicom.File
	// fragmentPayload: a payload sits in a pixel data fragment, which no
	// clean copy can drop without breaking the image.
	fragmentPayload bool
}

// ScanFile checks the file at path. It never modifies the file.
func (s *Scanner) ScanFile(path string) Result {
	res := Result{Path: path}
	// Check before opening: opening a FIFO blocks until someone writes.
	if st, err := os.Stat(path); err != nil {
		res.Err = err
		return res
	} else if !st.Mode().IsRegular() {
		res.Err = fmt.Errorf("%s is not a regular file", path)
		return res
	}
	fh, err := os.Open(path)
	if err != nil {
		res.Err = err
		return res
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		res.Err = err
		return res
	}
	if !st.Mode().IsRegular() {
		res.Err = fmt.Errorf("%s is not a regular file", path)
		return res
	}
	res.Size = st.Size()
	s.scan(fh, &res)
	return res
}

// ScanReader checks size bytes of r as the file named path (the name matters
// for the name-based checks).
func (s *Scanner) ScanReader(r io.ReaderAt, size int64, path string) Result {
	res := Result{Path: path, Size: size}
	s.scan(r, &res)
	return res
}

func (s *Scanner) scan(r io.ReaderAt, res *Result) {
	fs := &fileScan{s: s, r: r, path: res.Path, size: res.Size, res: res, plan: CleanPlan{TruncateAt: -1}}
	fs.nameChecks()
	f, err := dicom.Read(r, res.Size, dicom.ReadOptions{
		SkipLargerThan:  s.opts.LoadLimit,
		MaxElements:     200_000,
		MaxDecodedBytes: 256 << 20,
	})
	if err != nil {
		if errors.Is(err, dicom.ErrNotDICOM) || errors.Is(err, dicom.ErrTruncated) || errors.Is(err, dicom.ErrMalformed) {
			fs.notDICOM(err)
			return
		}
		res.Err = err
		return
	}
	res.DICOM = true
	res.ids = patientIdentifiers(f.DataSet)
	fs.f = f
	fs.preamble()
	fs.elements(f.DataSet, 0)
	fs.anomalies()
	fs.document()
	fs.dicomdir()
	if fs.dirty {
		p := fs.plan
		switch {
		case fs.fragmentPayload:
			p.Blocked = "a payload sits in a pixel data fragment: dropping it would break the image; obtain the image again from its source"
		case fs.deflated():
			p.Reencode = "the data set is deflated"
		case slices.ContainsFunc(p.Remove, func(r Removal) bool { return r.Nested }):
			p.Reencode = "a payload sits inside a sequence item"
		}
		res.Plan = &p
	}
}

func (fs *fileScan) add(id string, ev ...inventory.Evidence) {
	for i := range ev {
		ev[i].Probe = Probe
		ev[i].Artifact = fs.path
	}
	f := fs.s.cat.Finding(id, ev...)
	f.Path = fs.path
	fs.res.Findings = append(fs.res.Findings, f)
}

// sample reads up to n bytes at off (fewer at the end of the file).
func (fs *fileScan) sample(off int64, n int64) []byte {
	if off < 0 || off >= fs.size || n <= 0 {
		return nil
	}
	n = min(n, fs.size-off, int64(fs.s.opts.SampleBytes))
	b := make([]byte, n)
	got, _ := fs.r.ReadAt(b, off)
	return b[:got]
}

func (fs *fileScan) nameChecks() {
	if ext := RansomExtension(fs.path); ext != "" {
		fs.add("files.ransomware-extension", inventory.Evidence{Observed: "file name ends with " + ext, Data: "extension=" + ext})
	}
	if IsRansomNote(fs.path, false) {
		fs.add("files.ransomware-note", inventory.Evidence{Observed: "file named like a ransom note: " + filepath.Base(fs.path)})
	}
}

// notDICOM handles a file the codec could not read as DICOM at all.
func (fs *fileScan) notDICOM(err error) {
	head := fs.sample(0, int64(fs.s.opts.SampleBytes))
	if errors.Is(err, dicom.ErrTruncated) && len(head) >= 132 && string(head[128:132]) == "DICM" {
		// A Part 10 file cut inside its meta information.
		fs.res.DICOM = true
		fs.add("files.truncated", inventory.Evidence{Observed: fmt.Sprintf("the file ends inside its file meta information (%d bytes)", fs.size), Data: fmt.Sprintf("size=%d", fs.size)})
		return
	}
	if !LooksLikeDICOMName(fs.path) {
		return
	}
	if k := Identify(head); k.Class() >= ClassArchive {
		fs.add("files.disguised-executable", inventory.Evidence{Observed: fmt.Sprintf("named like DICOM but starts with a %s signature", k), Data: "kind=" + string(k)})
		return
	}
	what := "no DICM prefix and no plausible data set"
	if errors.Is(err, dicom.ErrTruncated) {
		what = "ends before anything readable"
	}
	obs := fmt.Sprintf("named like DICOM but not DICOM (%s, %d bytes)", what, fs.size)
	data := fmt.Sprintf("size=%d", fs.size)
	if len(head) >= 256 {
		h := Entropy(head)
		obs += fmt.Sprintf("; first %d bytes have %.2f bits/byte of entropy", len(head), h)
		if h > 7.5 {
			obs += " (looks encrypted or compressed)"
		}
		data += fmt.Sprintf(" entropy=%.3f", h)
	}
	fs.add("files.not-dicom", inventory.Evidence{Observed: obs, Data: data})
}

// preamble grades the 128-byte preamble and confirms PE-DICOM.
func (fs *fileScan) preamble() {
	f := fs.f
	if !f.HasPreamble || f.PreambleKind == dicom.PreambleZero || f.PreambleKind == dicom.PreambleTIFF {
		return
	}
	p := f.Preamble[:]
	if f.PreambleKind == dicom.PreambleOther && Identify(p).Class() < ClassArchive && nonZero(p) < minPreambleJunk {
		return // a stray byte or two left by a writer can carry nothing
	}
	fs.plan.ZeroPreamble, fs.dirty = true, true
	switch f.PreambleKind {
	case dicom.PreamblePE:
		fs.pe(p)
	case dicom.PreambleELF:
		fs.elf(p)
	case dicom.PreambleMachO:
		fs.add("files.preamble-macho", inventory.Evidence{Observed: "preamble starts with Mach-O magic " + fmt.Sprintf("%x", p[:4]), Data: "kind=macho"})
	case dicom.PreambleScript:
		line := p[:]
		if i := strings.IndexAny(string(line), "\n\x00"); i >= 0 {
			line = line[:i]
		}
		fs.add("files.preamble-script", inventory.Evidence{Observed: fmt.Sprintf("preamble starts with an interpreter line %q", printable(line, 60)), Data: "kind=script"})
	case dicom.PreambleZIP:
		fs.add("files.preamble-archive", inventory.Evidence{Observed: "preamble starts with a ZIP local file header (PK\\x03\\x04)", Data: "kind=zip"})
	case dicom.PreamblePDF:
		fs.add("files.preamble-pdf", inventory.Evidence{Observed: "preamble starts with %PDF", Data: "kind=pdf"})
	default:
		if k := Identify(p); k.Class() >= ClassArchive {
			fs.add(preambleCheck(k), inventory.Evidence{Observed: "preamble starts with a " + string(k) + " signature", Data: "kind=" + string(k)})
			return
		}
		nz := nonZero(p)
		fs.add("files.preamble-unknown", inventory.Evidence{
			Observed: fmt.Sprintf("preamble has %d non-zero bytes and no known signature; starts %x", nz, p[:8]),
			Data:     fmt.Sprintf("nonzero=%d", nz),
		})
	}
}

func nonZero(b []byte) int {
	n := 0
	for _, c := range b {
		if c != 0 {
			n++
		}
	}
	return n
}

// pe tells a confirmed PE-DICOM from an MZ header alone.
func (fs *fileScan) pe(p []byte) {
	lfanew := int64(binary.LittleEndian.Uint32(p[60:]))
	switch {
	case lfanew >= 64 && lfanew+4 <= 128 && string(p[lfanew:lfanew+4]) == "PE\x00\x00":
		fs.add("files.preamble-pe-header", inventory.Evidence{
			Observed: fmt.Sprintf("preamble starts with MZ and e_lfanew=%d points to PE\\0\\0 inside the preamble", lfanew),
			Data:     fmt.Sprintf("e_lfanew=%d", lfanew),
		})
		return
	case lfanew >= 132 && lfanew < fs.size-4:
		var sig [4]byte
		if n, _ := fs.r.ReadAt(sig[:], lfanew); n == 4 && string(sig[:]) == "PE\x00\x00" {
			var e *dicom.Element
			var depth int
			where := "in the deflated data set"
			if !fs.deflated() {
				e, depth = elementAt(fs.f, lfanew)
				where = "between elements"
			}
			data := fmt.Sprintf("e_lfanew=%d", lfanew)
			if e != nil {
				where = fmt.Sprintf("inside element %s %s (value at offset %d, %d bytes)", e.Tag, e.VR, e.ValueOffset, e.Length)
				data += " tag=" + e.Tag.String()
				// Private and unknown elements go; a standard one (pixel data,
				// say) stays: without the MZ header in the preamble, Windows no
				// longer finds the PE header in it.
				if e.Tag.IsPrivate() || e.VR == dicom.VRUN {
					fs.remove(e, depth, "carries the PE header of a PE-DICOM polyglot")
				}
			}
			fs.add("files.pe-dicom", inventory.Evidence{
				Observed: fmt.Sprintf("preamble starts with MZ; e_lfanew=%d points past DICM to PE\\0\\0 %s", lfanew, where),
				Data:     data,
			})
			return
		}
	}
	obs := fmt.Sprintf("preamble starts with MZ; e_lfanew=%d does not lead to a PE header", lfanew)
	if bytes := p[64:]; strings.Contains(string(bytes), string(dosStub[:20])) {
		obs += "; the DOS stub text is present"
	}
	fs.add("files.preamble-pe", inventory.Evidence{Observed: obs, Data: fmt.Sprintf("e_lfanew=%d", lfanew)})
}

// preambleCheck is the check for a signature found in the preamble by
// Identify (the codec's classification covers the common magics).
func preambleCheck(k Kind) string {
	switch k {
	case KindPE, KindPEHead:
		return "files.preamble-pe"
	case KindELF:
		return "files.preamble-elf"
	case KindMachO, KindMachFat:
		return "files.preamble-macho"
	case KindScript:
		return "files.preamble-script"
	case KindPDF:
		return "files.preamble-pdf"
	}
	return "files.preamble-archive"
}

// elf says where an ELF preamble's program headers are: a loader maps the
// segments they describe, so program headers that land in the file make a
// runnable ELF-DICOM.
func (fs *fileScan) elf(p []byte) {
	obs := "preamble starts with an ELF header (" + elfDescription(p) + ")"
	data := "kind=elf"
	var bo binary.ByteOrder = binary.LittleEndian
	if p[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff uint64
	var phnum uint16
	switch p[4] {
	case 1: // 32-bit: e_phoff at 0x1C, e_phnum at 0x2C
		phoff, phnum = uint64(bo.Uint32(p[0x1c:])), bo.Uint16(p[0x2c:])
	case 2: // 64-bit: e_phoff at 0x20, e_phnum at 0x38
		phoff, phnum = bo.Uint64(p[0x20:]), bo.Uint16(p[0x38:])
	}
	if phnum > 0 {
		where := "past the end of the file"
		switch {
		case phoff < 128:
			where = "inside the preamble"
		case phoff < uint64(fs.size):
			where = "between elements"
			if e, _ := elementAt(fs.f, int64(phoff)); e != nil && !fs.deflated() {
				where = fmt.Sprintf("inside element %s %s", e.Tag, e.VR)
				data += " tag=" + e.Tag.String()
			}
		}
		obs += fmt.Sprintf("; %d program headers at offset %d, %s", phnum, phoff, where)
		data += fmt.Sprintf(" e_phoff=%d e_phnum=%d", phoff, phnum)
	}
	fs.add("files.preamble-elf", inventory.Evidence{Observed: obs, Data: data})
}

func elfDescription(p []byte) string {
	class := map[byte]string{1: "32-bit", 2: "64-bit"}[p[4]]
	order := map[byte]string{1: "little-endian", 2: "big-endian"}[p[5]]
	if class == "" || order == "" {
		return "unusual class or byte order"
	}
	return class + " " + order
}

// elementAt finds the innermost element whose value holds offset off,
// and its nesting depth.
func elementAt(f *dicom.File, off int64) (*dicom.Element, int) {
	var find func(ds *dicom.DataSet, depth int) (*dicom.Element, int)
	find = func(ds *dicom.DataSet, depth int) (*dicom.Element, int) {
		if ds == nil {
			return nil, 0
		}
		for _, e := range ds.Elements {
			for _, it := range e.Items {
				if in, d := find(it, depth+1); in != nil {
					return in, d
				}
			}
			if e.Length != dicom.UndefinedLength && off >= e.ValueOffset && off < e.ValueOffset+int64(e.Length) {
				return e, depth
			}
		}
		return nil, 0
	}
	if e, d := find(f.Meta, 0); e != nil {
		return e, d
	}
	return find(f.DataSet, 0)
}

// remove plans to leave an element out of a clean copy.
func (fs *fileScan) remove(e *dicom.Element, depth int, reason string) {
	for _, r := range fs.plan.Remove {
		if r.Tag == e.Tag && r.Start == e.Offset {
			return
		}
	}
	r := Removal{Tag: e.Tag, Start: e.Offset, End: -1, Nested: depth > 0, Reason: reason}
	if depth == 0 {
		r.End = fs.elementEnd(e)
	}
	fs.plan.Remove = append(fs.plan.Remove, r)
	fs.dirty = true
}

// elementEnd is where a top-level element ends: the next element's start,
// or the end of the data set.
func (fs *fileScan) elementEnd(e *dicom.Element) int64 {
	els := fs.f.DataSet.Elements
	for i, x := range els {
		if x == e && i+1 < len(els) {
			return els[i+1].Offset
		}
	}
	if e.Length != dicom.UndefinedLength {
		return min(e.ValueOffset+int64(e.Length), fs.dataEnd())
	}
	return fs.dataEnd()
}

// deflated: element offsets are positions in the inflated stream, not in
// the file, so values that were not loaded cannot be read back.
func (fs *fileScan) deflated() bool { return dicom.IsDeflated(fs.f.TransferSyntax) }

// topElementAt is the top-level element whose header starts at off.
func (fs *fileScan) topElementAt(off int64) *dicom.Element {
	for _, e := range fs.f.DataSet.Elements {
		if e.Offset == off {
			return e
		}
	}
	return nil
}

// dataEnd is where the top-level data set ends (before trailing data).
func (fs *fileScan) dataEnd() int64 {
	end := min(fs.f.End, fs.size)
	for _, a := range fs.f.Anomalies {
		if a.Kind == dicom.AnomalyTrailingData && a.Offset < end && a.Offset >= fs.f.DataSet.Offset {
			end = a.Offset
		}
	}
	return end
}

// binaryVR lists the VRs whose values are opaque bytes.
func binaryVR(vr dicom.VR) bool {
	switch vr {
	case dicom.VROB, dicom.VROW, dicom.VRUN, "OD", "OF", "OL", "OV", "UT", "LT":
		return true
	}
	return !vr.Known()
}

// elements looks for executable, script and archive signatures at the start
// of private, unknown and other binary values (pixel data and the
// encapsulated document excepted: they have their own checks).
func (fs *fileScan) elements(ds *dicom.DataSet, depth int) {
	if ds == nil {
		return
	}
	for _, e := range ds.Elements {
		if len(e.Items) > 0 {
			for _, it := range e.Items {
				fs.elements(it, depth+1)
			}
			continue
		}
		if e.Fragments != nil {
			fs.fragments(e, depth)
			continue
		}
		if e.Tag == dicom.TagPixelData || e.Tag == tagEncapsulatedDocument || e.Length < 4 || e.Length == dicom.UndefinedLength {
			continue
		}
		private := e.Tag.IsPrivate() && !e.Tag.IsPrivateCreator()
		if !private && !binaryVR(e.VR) {
			continue
		}
		head := e.Value
		if head == nil && e.Skipped && !fs.deflated() {
			head = fs.sample(e.ValueOffset, int64(e.Length))
		}
		head = head[:min(len(head), fs.s.opts.SampleBytes)]
		k := Identify(head)
		if k.Class() < ClassArchive {
			continue
		}
		kindOf := "private"
		if !private {
			kindOf = "VR " + string(e.VR)
		}
		fs.add("files.payload-in-private-element", inventory.Evidence{
			Observed: fmt.Sprintf("%s element %s (%s, %d bytes at offset %d) starts with a %s signature", kindOf, e.Tag, e.VR, e.Length, e.ValueOffset, k),
			Data:     fmt.Sprintf("tag=%s kind=%s length=%d", e.Tag, k, e.Length),
		})
		fs.remove(e, depth, "starts with a "+string(k)+" signature")
	}
}

// fragments checks the start of each encapsulated pixel data fragment
// (compressed image streams start with their codec's marker, never with
// an executable header). At most 64 fragments are sampled.
func (fs *fileScan) fragments(e *dicom.Element, depth int) {
	for i, fr := range e.Fragments {
		if i >= 64 {
			break
		}
		if fr.Length < 8 {
			continue
		}
		head := fr.Value
		if head == nil && !fs.deflated() {
			head = fs.sample(fr.Offset, min(int64(fr.Length), 512))
		}
		if k := Identify(head[:min(len(head), 512)]); k.Class() >= ClassArchive {
			fs.add("files.payload-in-private-element", inventory.Evidence{
				Observed: fmt.Sprintf("pixel data fragment %d of %s (%d bytes at offset %d) starts with a %s signature", i, e.Tag, fr.Length, fr.Offset, k),
				Data:     fmt.Sprintf("tag=%s fragment=%d kind=%s", e.Tag, i, k),
			})
			fs.fragmentPayload, fs.dirty = true, true
		}
	}
}

// anomalies turns the codec's anomalies into findings, one per check.
func (fs *fileScan) anomalies() {
	groups := map[string][]inventory.Evidence{}
	var order []string
	note := func(id string, ev inventory.Evidence) {
		if _, ok := groups[id]; !ok {
			order = append(order, id)
		}
		if len(groups[id]) < maxEvidence {
			groups[id] = append(groups[id], ev)
		}
	}
	deflated := dicom.IsDeflated(fs.f.TransferSyntax)
	for _, a := range fs.f.Anomalies {
		ev := inventory.Evidence{Observed: a.String(), Data: "anomaly=" + string(a.Kind)}
		switch {
		case a.Kind == dicom.AnomalyNonZeroPreamble:
			continue // graded by preamble()
		case a.Kind == dicom.AnomalyTrailingData:
			n := fs.size - a.Offset
			if deflated {
				note("files.trailing-data", ev)
				continue
			}
			head := fs.sample(a.Offset, n)
			if k := Identify(head); k.Class() >= ClassDocument {
				ev.Observed = fmt.Sprintf("%d bytes after the data set at offset %d start with a %s signature", n, a.Offset, k)
				ev.Data = fmt.Sprintf("offset=%d length=%d kind=%s", a.Offset, n, k)
				note("files.trailing-payload", ev)
			} else {
				ev.Observed = fmt.Sprintf("%d bytes after the data set at offset %d", n, a.Offset)
				ev.Data = fmt.Sprintf("offset=%d length=%d", a.Offset, n)
				note("files.trailing-data", ev)
			}
			if fs.plan.TruncateAt < 0 || a.Offset < fs.plan.TruncateAt {
				fs.plan.TruncateAt, fs.dirty = a.Offset, true
			}
		case a.Kind == dicom.AnomalyTruncated:
			// The bytes of a truncated file and of an over-long length are
			// the same; a length larger than the whole file was no copy
			// that stopped early.
			if e := fs.topElementAt(a.Offset); e != nil && e.Length != dicom.UndefinedLength && int64(e.Length) > fs.size {
				note("files.length-beyond-end", ev)
				continue
			}
			note("files.truncated", ev)
		case a.Kind == dicom.AnomalyLengthBeyondEnd:
			note("files.length-beyond-end", ev)
		case malformedKinds[a.Kind]:
			note("files.malformed", ev)
		case fs.s.opts.Conformance:
			note("files.nonconformant", ev)
		}
	}
	for _, id := range order {
		fs.add(id, groups[id]...)
	}
}

var (
	tagEncapsulatedDocument = dicom.NewTag(0x0042, 0x0011)
	tagDocumentMIME         = dicom.NewTag(0x0042, 0x0012)
	tagDirectoryRecords     = dicom.NewTag(0x0004, 0x1220)
	tagReferencedFileID     = dicom.NewTag(0x0004, 0x1500)
)

// document scans an Encapsulated Document for active content, streaming it
// from the file (it may be large and was not loaded).
func (fs *fileScan) document() {
	e := fs.f.DataSet.Find(tagEncapsulatedDocument)
	if e == nil || e.Length == 0 || e.Length == dicom.UndefinedLength {
		return
	}
	var r io.ReaderAt = fs.r
	off := e.ValueOffset
	if e.Value != nil {
		r, off = bytesReaderAt(e.Value), 0
	} else if dicom.IsDeflated(fs.f.TransferSyntax) {
		return // offsets are in the inflated stream; large values there were not kept
	}
	n := int64(e.Length)
	if e.Value != nil {
		n = int64(len(e.Value))
	}
	dc, err := ScanDocument(r, off, n, fs.s.opts.MaxDocumentBytes)
	if err != nil {
		return
	}
	mime, _ := fs.f.DataSet.String(tagDocumentMIME)
	desc := fmt.Sprintf("encapsulated document (%s, declared %q, %d bytes)", dc.Format, printable([]byte(mime), 40), e.Length)
	if dc.Truncated {
		desc += fmt.Sprintf(", first %d bytes scanned", dc.Scanned)
	}
	if len(dc.PDFActive) > 0 {
		fs.add("files.pdf-active-content", inventory.Evidence{Observed: desc + " has " + joinSlash(dc.PDFActive), Data: "names=" + strings.Join(dc.PDFActive, ",")})
	}
	if len(dc.Script) > 0 {
		fs.add("files.html-script", inventory.Evidence{Observed: desc + " has " + strings.Join(dc.Script, ", "), Data: "constructs=" + strings.Join(dc.Script, ",")})
	}
	if len(dc.ExternalEntities) > 0 {
		fs.add("files.xml-external-entity", inventory.Evidence{Observed: desc + " declares " + strings.Join(dc.ExternalEntities, ", "), Data: "entities=" + strings.Join(dc.ExternalEntities, ",")})
	}
}

func joinSlash(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "/" + n
	}
	return strings.Join(out, " ")
}

// dicomdir checks every Referenced File ID of a DICOMDIR.
func (fs *fileScan) dicomdir() {
	seq := fs.f.DataSet.Find(tagDirectoryRecords)
	if seq == nil {
		return
	}
	var bad []inventory.Evidence
	count := 0
	for _, rec := range seq.Items {
		e := rec.Find(tagReferencedFileID)
		if e == nil {
			continue
		}
		if why := fileIDEscapes(rawComponents(e.Value)); why != "" {
			count++
			if len(bad) < maxEvidence {
				bad = append(bad, inventory.Evidence{
					Observed: fmt.Sprintf("Referenced File ID at offset %d %s: %q", e.Offset, why, printable(e.Value, 80)),
					Data:     "offset=" + fmt.Sprint(e.Offset),
				})
			}
		}
	}
	if count > maxEvidence {
		bad = append(bad, inventory.Evidence{Observed: fmt.Sprintf("%d references escape in all", count)})
	}
	if len(bad) > 0 {
		fs.add("files.dicomdir-path-escape", bad...)
	}
}

// rawComponents splits a CS value at backslashes, keeping empty components
// (a leading empty one is an absolute path) and trimming padding.
func rawComponents(v []byte) []string {
	s := strings.TrimRight(string(v), " \x00")
	parts := strings.Split(s, `\`)
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// fileIDEscapes says why a Referenced File ID leaves the media root, or "".
// PS3.10 §8.5 allows only upper-case letters, digits and underscore in each
// component; anything that makes a path climb, start at a root or name a
// drive is an escape.
func fileIDEscapes(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	if parts[0] == "" && len(parts) > 1 {
		return "is an absolute path"
	}
	depth := 0
	for i, p := range parts {
		switch {
		case len(p) >= 2 && p[1] == ':' && (p[0]|0x20) >= 'a' && (p[0]|0x20) <= 'z':
			return "names a drive"
		case strings.HasPrefix(p, "/") || (i == 0 && strings.HasPrefix(p, "~")):
			return "is an absolute path"
		}
		for _, seg := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' }) {
			switch seg {
			case "..":
				// PS3.10 allows no dots at all; ".." is how a reference climbs out.
				depth--
				if depth < 0 {
					return "climbs above the media root with .."
				}
				return "uses .."
			case ".":
			default:
				depth++
			}
		}
	}
	return ""
}

// printable renders at most n bytes of b with non-printable bytes escaped.
func printable(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	var sb strings.Builder
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "\\x%02x", c)
		}
	}
	return sb.String()
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
