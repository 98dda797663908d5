package scp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
)

// Tags the archive indexes and matches on.
const (
	tagQueryRetrieveLevel = dicom.Tag(0x00080052)
	tagRetrieveAETitle    = dicom.Tag(0x00080054)
	tagStudyInstanceUID   = dicom.Tag(0x0020000D)
	tagSeriesInstanceUID  = dicom.Tag(0x0020000E)
)

// Archive is a simple in-memory archive, optionally persisted to a
// directory as Part 10 files: a StoreHandler, FindHandler and
// RetrieveHandler in one. It matches C-FIND keys the way PS3.4 C.2.2.2
// describes for the common cases (universal, single value, UID list,
// wildcard, date range) and is meant for simulated devices and tests, not
// for clinical volumes: it holds at most MaxInstances objects and
// MaxBytes of data.
type Archive struct {
	// AE, when set, is returned as Retrieve AE Title (0008,0054) in matches.
	AE           string
	MaxInstances int   // default 100,000
	MaxBytes     int64 // default 4 GiB

	dir   string
	mu    sync.RWMutex
	items []*archived
	byUID map[string]int
	bytes int64
}

type archived struct {
	Instance
	attrs *dicom.DataSet // without pixel data
}

// NewArchive returns an archive. With a non-empty dir, received objects are
// also written there, and Part 10 files already there are loaded.
func NewArchive(dir string) (*Archive, error) {
	a := &Archive{dir: dir, byUID: map[string]int{}}
	if dir == "" {
		return a, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".dcm") {
			if err := a.addFile(filepath.Join(dir, e.Name()), false); err != nil {
				return nil, err
			}
		}
	}
	return a, nil
}

// AddFile adds a Part 10 file (and copies it into the directory, if any).
func (a *Archive) AddFile(path string) error { return a.addFile(path, true) }

func (a *Archive) addFile(path string, persist bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	f, err := dicom.Read(bytes.NewReader(b), int64(len(b)), dicom.ReadOptions{StopBeforePixelData: true})
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	inst := Instance{TransferSyntax: f.TransferSyntax, DataSet: b[f.DataSet.Offset:]}
	inst.SOPClassUID, _ = f.Meta.String(dicom.TagMediaStorageSOPClass)
	inst.SOPInstanceUID, _ = f.Meta.String(dicom.TagMediaStorageSOPInst)
	return a.add(inst, persist)
}

// Add adds an instance whose data set is encoded in its transfer syntax.
// The data set is copied.
func (a *Archive) Add(inst Instance) error {
	inst.DataSet = bytes.Clone(inst.DataSet)
	return a.add(inst, true)
}

func (a *Archive) add(inst Instance, persist bool) error {
	if inst.SOPInstanceUID == "" || inst.SOPClassUID == "" {
		return fmt.Errorf("instance without SOP class or instance UID")
	}
	attrs, _, err := dicom.ReadDataSet(inst.DataSet, inst.TransferSyntax, dicom.ReadOptions{StopBeforePixelData: true, SkipLargerThan: 4096})
	if err != nil {
		return fmt.Errorf("instance %s: %w", "(data set)", err)
	}
	maxN, maxB := a.MaxInstances, a.MaxBytes
	if maxN <= 0 {
		maxN = 100_000
	}
	if maxB <= 0 {
		maxB = 4 << 30
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.items) >= maxN || a.bytes+int64(len(inst.DataSet)) > maxB {
		return fmt.Errorf("archive full (%d instances, %d bytes)", len(a.items), a.bytes)
	}
	if persist && a.dir != "" {
		if err := writePart10(a.dir, inst); err != nil {
			return err
		}
	}
	it := &archived{Instance: inst, attrs: attrs}
	if i, ok := a.byUID[inst.SOPInstanceUID]; ok {
		a.bytes += int64(len(inst.DataSet)) - int64(len(a.items[i].DataSet))
		a.items[i] = it
		return nil
	}
	a.byUID[inst.SOPInstanceUID] = len(a.items)
	a.items = append(a.items, it)
	a.bytes += int64(len(inst.DataSet))
	return nil
}

// Len is the number of instances held.
func (a *Archive) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return len(a.items)
}

// Store implements StoreHandler.
func (a *Archive) Store(ctx context.Context, req *Request, sopClass, sopInstance, ts string, data []byte) uint16 {
	if err := a.Add(Instance{SOPClassUID: sopClass, SOPInstanceUID: sopInstance, TransferSyntax: ts, DataSet: data}); err != nil {
		return dimse.StatusOutOfResources
	}
	return dimse.StatusSuccess
}

// levelKey is the unique key of each query/retrieve level.
var levelKey = map[string]dicom.Tag{
	"PATIENT": dicom.TagPatientID,
	"STUDY":   tagStudyInstanceUID,
	"SERIES":  tagSeriesInstanceUID,
	"IMAGE":   dicom.TagSOPInstanceUID,
}

// Find implements FindHandler.
func (a *Archive) Find(ctx context.Context, req *Request, sopClass string, ident *dicom.DataSet, emit func(*dicom.DataSet) bool) uint16 {
	level, _ := ident.String(tagQueryRetrieveLevel)
	key, ok := levelKey[strings.ToUpper(level)]
	if !ok {
		if sopClass != ModalityWorklistFind {
			return dimse.StatusIdentifierDoesNotMatch
		}
		key = dicom.TagSOPInstanceUID
	}
	a.mu.RLock()
	items := append([]*archived(nil), a.items...)
	a.mu.RUnlock()
	seen := map[string]bool{}
	for _, it := range items {
		if ctx.Err() != nil {
			return dimse.StatusOutOfResources
		}
		if !matches(ident, it.attrs) {
			continue
		}
		k, _ := it.attrs.String(key)
		if seen[k] {
			continue
		}
		seen[k] = true
		if !emit(a.response(ident, it.attrs)) {
			break
		}
	}
	return dimse.StatusSuccess
}

// Retrieve implements RetrieveHandler.
func (a *Archive) Retrieve(ctx context.Context, req *Request, sopClass string, ident *dicom.DataSet) ([]Instance, uint16) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []Instance
	for _, it := range a.items {
		if matches(ident, it.attrs) {
			out = append(out, it.Instance)
		}
	}
	return out, dimse.StatusSuccess
}

// response builds a match: the identifier's keys with the instance's values.
func (a *Archive) response(ident, attrs *dicom.DataSet) *dicom.DataSet {
	out := &dicom.DataSet{}
	for _, q := range ident.Elements {
		if q.Tag.Group() == 0x0002 {
			continue
		}
		if e := attrs.Find(q.Tag); e != nil && q.Tag != tagQueryRetrieveLevel {
			out.Set(e)
			continue
		}
		out.Set(&dicom.Element{Tag: q.Tag, VR: q.VR, Value: q.Value, Length: q.Length})
	}
	if a.AE != "" {
		out.Set(dicom.NewString(tagRetrieveAETitle, dicom.VRAE, a.AE))
	}
	return out
}

// matches applies each non-universal key of the identifier.
func matches(ident, attrs *dicom.DataSet) bool {
	for _, q := range ident.Elements {
		switch {
		case q.Tag == tagQueryRetrieveLevel, q.Tag == dicom.TagSpecificCharacterSet, q.Tag.Group() == 0x0002,
			q.Tag == tagRetrieveAETitle, q.IsSequence():
			continue
		}
		want := q.Strings()
		if len(want) == 0 || (len(want) == 1 && (want[0] == "" || want[0] == "*")) {
			continue // universal match
		}
		e := attrs.Find(q.Tag)
		if e == nil {
			return false
		}
		got := e.Strings()
		if !anyMatch(q.VR, want, got) {
			return false
		}
	}
	return true
}

func anyMatch(vr dicom.VR, want, got []string) bool {
	for _, w := range want {
		for _, g := range got {
			if valueMatch(vr, w, g) {
				return true
			}
		}
	}
	return false
}

func valueMatch(vr dicom.VR, want, got string) bool {
	switch vr {
	case dicom.VRDA, dicom.VRTM, dicom.VRDT:
		if lo, hi, ok := strings.Cut(want, "-"); ok {
			return (lo == "" || got >= lo) && (hi == "" || got <= hi)
		}
	case dicom.VRUI:
		return want == got
	}
	if strings.ContainsAny(want, "*?") {
		return wildcardMatch(want, got)
	}
	return want == got
}

// wildcardMatch matches * (any run) and ? (one character), iteratively.
func wildcardMatch(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// DirStore is a StoreHandler that writes each received object to Dir as a
// Part 10 file (nothing kept in memory).
type DirStore struct{ Dir string }

// Store implements StoreHandler.
func (d DirStore) Store(ctx context.Context, req *Request, sopClass, sopInstance, ts string, data []byte) uint16 {
	if err := writePart10(d.Dir, Instance{SOPClassUID: sopClass, SOPInstanceUID: sopInstance, TransferSyntax: ts, DataSet: data}); err != nil {
		return dimse.StatusOutOfResources
	}
	return dimse.StatusSuccess
}

// BeginStore implements StreamStoreHandler: the data set goes to a
// temporary file in Dir as it arrives and is renamed into place when
// complete, so objects of any size (up to the stream cap) need no memory.
func (d DirStore) BeginStore(ctx context.Context, req *Request, sopClass, sopInstance, ts string) StoreStream {
	head, err := part10Header(Instance{SOPClassUID: sopClass, SOPInstanceUID: sopInstance, TransferSyntax: ts})
	if err != nil {
		return nil
	}
	f, err := os.CreateTemp(d.Dir, ".incoming-*")
	if err != nil {
		return nil
	}
	fs := &fileStream{f: f, w: bufio.NewWriterSize(f, 256<<10), final: filepath.Join(d.Dir, FileName(sopInstance))}
	if _, err := fs.w.Write(head); err != nil {
		fs.Finish(err)
		return nil
	}
	return fs
}

type fileStream struct {
	f     *os.File
	w     *bufio.Writer
	final string
}

func (s *fileStream) Write(b []byte) (int, error) { return s.w.Write(b) }

func (s *fileStream) Finish(err error) uint16 {
	if err == nil {
		err = s.w.Flush()
	}
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(s.f.Name(), s.final)
	}
	if err != nil {
		os.Remove(s.f.Name())
		return dimse.StatusOutOfResources
	}
	return dimse.StatusSuccess
}

// Discard is a StoreHandler that accepts and drops everything (a sink for
// benchmarks, like storescp --ignore); it streams, so nothing is buffered.
type Discard struct{}

// Store implements StoreHandler.
func (Discard) Store(context.Context, *Request, string, string, string, []byte) uint16 {
	return dimse.StatusSuccess
}

// BeginStore implements StreamStoreHandler.
func (Discard) BeginStore(context.Context, *Request, string, string, string) StoreStream {
	return discardStream{}
}

type discardStream struct{}

func (discardStream) Write(b []byte) (int, error) { return len(b), nil }

func (discardStream) Finish(err error) uint16 {
	if err != nil {
		return dimse.StatusOutOfResources
	}
	return dimse.StatusSuccess
}

var safeUID = regexp.MustCompile(`^[0-9][0-9.]{0,63}$`)

// FileName is the file name an instance is stored under. The SOP instance
// UID comes from the peer, so it is used only when it is a plain UID (digits
// and dots, at most 64 characters); anything else is hashed.
func FileName(sopInstance string) string {
	if safeUID.MatchString(sopInstance) && !strings.Contains(sopInstance, "..") {
		return sopInstance + ".dcm"
	}
	sum := sha256.Sum256([]byte(sopInstance))
	return "x" + hex.EncodeToString(sum[:16]) + ".dcm"
}

// writePart10 writes the instance as a Part 10 file: preamble, "DICM",
// meta information from our writer, then the data set bytes exactly as
// received. It writes a temporary file and renames it into place.
func writePart10(dir string, inst Instance) error {
	head, err := part10Header(inst)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".incoming-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(head); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(inst.DataSet); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, FileName(inst.SOPInstanceUID)))
}

// part10Header is the preamble, "DICM" and the meta information (from our
// writer's NewFileMeta, with its group length) of the instance's file.
func part10Header(inst Instance) ([]byte, error) {
	meta, err := dicom.EncodeDataSet(dicom.NewFileMeta(inst.SOPClassUID, inst.SOPInstanceUID, inst.TransferSyntax), dicom.ExplicitVRLittleEndian)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 128, 128+4+12+len(meta))
	head = append(head, "DICM"...)
	head = append(head, 0x02, 0x00, 0x00, 0x00, 'U', 'L', 4, 0)
	head = binary.LittleEndian.AppendUint32(head, uint32(len(meta)))
	return append(head, meta...), nil
}
