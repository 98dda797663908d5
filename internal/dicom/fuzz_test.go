package dicom

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fuzzOpts keeps fuzzing fast and memory-bounded.
var fuzzOpts = ReadOptions{MaxDepth: 16, MaxElements: 20000, MaxDecodedBytes: 8 << 20}

func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("testdata", "*"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
			f.Add(b)
		}
	}
}

func hasAnomaly(as []Anomaly, kinds ...AnomalyKind) bool {
	for _, a := range as {
		for _, k := range kinds {
			if a.Kind == k {
				return true
			}
		}
	}
	return false
}

// FuzzReadFile: no input panics; whatever is read, written as Part 10 in
// its own transfer syntax family and read again, gives the same data set.
func FuzzReadFile(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Read(bytes.NewReader(b), int64(len(b)), fuzzOpts)
		if err != nil {
			if !errors.Is(err, ErrNotDICOM) && !errors.Is(err, ErrTruncated) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if hasAnomaly(file.Anomalies, AnomalyLimit, AnomalySyntaxMismatch, AnomalyDeflate) {
			return // the read stopped early or guessed: nothing stable to compare
		}
		for _, e := range file.DataSet.Elements {
			if e.Tag.Group() <= 2 {
				return // would be taken for meta information when re-read
			}
			break
		}
		ts := ExplicitVRLittleEndian
		if k, _ := lookupTransferSyntax(file.TransferSyntax); k == tsImplicitLE {
			ts = ImplicitVRLittleEndian
		}
		out := &File{Meta: file.Meta, DataSet: file.DataSet, TransferSyntax: ts}
		var w bytes.Buffer
		if err := WriteFile(&w, out); err != nil {
			if errors.Is(err, ErrEncode) {
				return
			}
			t.Fatalf("WriteFile: %v", err)
		}
		again, err := Read(bytes.NewReader(w.Bytes()), int64(w.Len()), fuzzOpts)
		if err != nil {
			t.Fatalf("re-read of our own output: %v", err)
		}
		if hasAnomaly(again.Anomalies, AnomalySyntaxMismatch, AnomalyLimit) {
			return
		}
		if a, b := canonical(file.DataSet), canonical(again.DataSet); !reflect.DeepEqual(a, b) {
			t.Fatalf("data set changed through write and re-read (-first +second):\n%s", cmp.Diff(a, b))
		}
	})
}

// FuzzReadDataSet: the same property for bare data sets (command sets and
// identifiers from the network), in each of the four encodings.
func FuzzReadDataSet(f *testing.F) {
	addSeeds(f)
	syntaxes := []string{ImplicitVRLittleEndian, ExplicitVRLittleEndian, ExplicitVRBigEndian, DeflatedExplicitVRLittleEndian}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		ts := syntaxes[int(b[0])%len(syntaxes)]
		b = b[1:]
		ds, anomalies, err := ReadDataSet(b, ts, fuzzOpts)
		if err != nil {
			t.Fatalf("non-strict ReadDataSet failed: %v", err)
		}
		if hasAnomaly(anomalies, AnomalyLimit, AnomalyDeflate) {
			return
		}
		enc, err := EncodeDataSet(ds, ts)
		if err != nil {
			if errors.Is(err, ErrEncode) {
				return
			}
			t.Fatalf("EncodeDataSet: %v", err)
		}
		again, _, err := ReadDataSet(enc, ts, fuzzOpts)
		if err != nil {
			t.Fatalf("re-read of our own encoding: %v", err)
		}
		// reflect.DeepEqual first: cmp.Diff is for the report, and too slow
		// to run on every input.
		if a, b := canonical(ds), canonical(again); !reflect.DeepEqual(a, b) {
			t.Fatalf("data set changed through encode and re-read (-first +second):\n%s", cmp.Diff(a, b))
		}
	})
}
