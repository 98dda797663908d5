package scu

import (
	"bytes"
	"context"
	"fmt"
	"os"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

// Part10 is a Part 10 file split into what C-STORE needs: the SOP class
// and instance from the meta information, and the data set bytes as they
// are in the file (sent without re-encoding).
type Part10 struct {
	SOPClassUID    string
	SOPInstanceUID string
	TransferSyntax string
	DataSet        []byte
}

// ReadPart10 reads a Part 10 file for sending. It parses only the meta
// information and the start of the data set.
func ReadPart10(path string) (*Part10, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return SplitPart10(b)
}

// SplitPart10 splits the bytes of a Part 10 file (see ReadPart10).
func SplitPart10(b []byte) (*Part10, error) {
	f, err := dicom.Read(bytes.NewReader(b), int64(len(b)), dicom.ReadOptions{StopBeforePixelData: true, SkipLargerThan: 256})
	if err != nil {
		return nil, err
	}
	if f.Meta == nil {
		return nil, fmt.Errorf("no Part 10 meta information: %w", dicom.ErrNotDICOM)
	}
	p := &Part10{TransferSyntax: f.TransferSyntax}
	// The data set's own UIDs win over the meta information's, as DCMTK's
	// storescu does: receivers check the command against the data set
	// (dcmqrscp answers 0xA900 otherwise), and files where the two differ
	// exist (pydicom's rtplan.dcm).
	p.SOPClassUID, _ = f.DataSet.String(dicom.TagSOPClassUID)
	p.SOPInstanceUID, _ = f.DataSet.String(dicom.TagSOPInstanceUID)
	if p.SOPClassUID == "" {
		p.SOPClassUID, _ = f.Meta.String(dicom.TagMediaStorageSOPClass)
	}
	if p.SOPInstanceUID == "" {
		p.SOPInstanceUID, _ = f.Meta.String(dicom.TagMediaStorageSOPInst)
	}
	if p.SOPClassUID == "" || p.SOPInstanceUID == "" {
		return nil, fmt.Errorf("meta information lacks the SOP class or instance UID: %w", dicom.ErrNotDICOM)
	}
	off := f.DataSet.Offset
	if off < 0 || off > int64(len(b)) {
		return nil, fmt.Errorf("data set offset %d outside the file: %w", off, dicom.ErrNotDICOM)
	}
	p.DataSet = b[off:]
	return p, nil
}

// StoreFile sends a Part 10 file with C-STORE, in the file's transfer syntax.
func (a *Association) StoreFile(ctx context.Context, path string) (uint16, error) {
	p, err := ReadPart10(path)
	if err != nil {
		return 0, err
	}
	return a.Store(ctx, p.SOPClassUID, p.SOPInstanceUID, p.TransferSyntax, p.DataSet)
}

// StoreDataSet encodes ds in the transfer syntax accepted for its SOP class
// (0008,0016) and sends it with C-STORE under its SOP instance UID (0008,0018).
func (a *Association) StoreDataSet(ctx context.Context, ds *dicom.DataSet) (uint16, error) {
	sopClass, _ := ds.String(dicom.TagSOPClassUID)
	sopInstance, _ := ds.String(dicom.TagSOPInstanceUID)
	if sopClass == "" || sopInstance == "" {
		return 0, fmt.Errorf("data set lacks SOP Class UID or SOP Instance UID: %w", dicom.ErrNotDICOM)
	}
	ts, err := a.ContextTransferSyntax(sopClass)
	if err != nil {
		return 0, err
	}
	data, err := dicom.EncodeDataSet(ds, ts)
	if err != nil {
		return 0, fmt.Errorf("encode for C-STORE: %w", err)
	}
	return a.Store(ctx, sopClass, sopInstance, ts, data)
}
