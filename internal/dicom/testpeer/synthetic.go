package testpeer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

// SampleFiles are pydicom's public test files used to seed archives
// (test-peers.md §3.1); the study UID of CT_small.dcm is CTSmallStudyUID.
const (
	PydicomTestFiles = "/usr/lib/python3/dist-packages/pydicom/data/test_files"
	CTSmallStudyUID  = "1.3.6.1.4.1.5962.1.2.1.20040119072730.12322"
)

// CTImageStorage is the CT Image Storage SOP class.
const CTImageStorage = "1.2.840.10008.5.1.4.1.1.2"

// uidRoot is pacsguard's root for synthetic test UIDs.
const uidRoot = dicom.UIDRoot + ".9"

// Synthetic describes a generated CT object: synthetic patient, no real
// data. Pixel data of PixelBytes bytes (rounded down to even) makes it as
// large as a test needs.
type Synthetic struct {
	Patient    int // patient number: name PG^SYNTHETIC<n>, ID PG<n>
	Study      int
	Series     int
	Instance   int
	PixelBytes int
}

// UIDs of the synthetic object.
func (s Synthetic) StudyUID() string { return fmt.Sprintf("%s.%d.%d", uidRoot, s.Patient, s.Study) }
func (s Synthetic) SeriesUID() string {
	return fmt.Sprintf("%s.%d.%d.%d", uidRoot, s.Patient, s.Study, s.Series)
}
func (s Synthetic) InstanceUID() string {
	return fmt.Sprintf("%s.%d.%d.%d.%d", uidRoot, s.Patient, s.Study, s.Series, s.Instance)
}

// DataSet builds the object's data set.
func (s Synthetic) DataSet() *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSpecificCharacterSet, dicom.VRCS, "ISO_IR 192"))
	ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, CTImageStorage))
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, s.InstanceUID()))
	ds.Set(dicom.NewString(0x00080020, dicom.VRDA, "20260101"))
	ds.Set(dicom.NewString(0x00080050, dicom.VRSH, fmt.Sprintf("ACC%d", s.Study)))
	ds.Set(dicom.NewString(0x00080060, dicom.VRCS, "CT"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, fmt.Sprintf("PG^SYNTHETIC%d", s.Patient)))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, fmt.Sprintf("PG%d", s.Patient)))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, s.StudyUID()))
	ds.Set(dicom.NewString(0x0020000E, dicom.VRUI, s.SeriesUID()))
	ds.Set(dicom.NewString(0x00200010, dicom.VRSH, fmt.Sprintf("%d", s.Study)))
	ds.Set(dicom.NewString(0x00200011, dicom.VRIS, fmt.Sprintf("%d", s.Series)))
	ds.Set(dicom.NewString(0x00200013, dicom.VRIS, fmt.Sprintf("%d", s.Instance)))
	n := s.PixelBytes &^ 1
	if n > 0 {
		cols := 512
		rows := max(1, n/(2*cols))
		n = rows * cols * 2
		ds.Set(dicom.NewUint16(0x00280002, 1))
		ds.Set(dicom.NewString(0x00280004, dicom.VRCS, "MONOCHROME2"))
		ds.Set(dicom.NewUint16(0x00280010, uint16(rows)))
		ds.Set(dicom.NewUint16(0x00280011, uint16(cols)))
		ds.Set(dicom.NewUint16(0x00280100, 16))
		ds.Set(dicom.NewUint16(0x00280101, 12))
		ds.Set(dicom.NewUint16(0x00280102, 11))
		ds.Set(dicom.NewUint16(0x00280103, 0))
		px := make([]byte, n)
		for i := range px {
			px[i] = byte(i * 7 >> 3)
		}
		ds.Set(dicom.NewBytes(dicom.TagPixelData, dicom.VROW, px))
	}
	return ds
}

// Encode returns the data set encoded in ts.
func (s Synthetic) Encode(ts string) ([]byte, error) { return dicom.EncodeDataSet(s.DataSet(), ts) }

// WriteFile writes the object as a Part 10 file in explicit VR LE.
func (s Synthetic) WriteFile(path string) error {
	var buf bytes.Buffer
	f := &dicom.File{Meta: dicom.NewFileMeta(CTImageStorage, s.InstanceUID(), dicom.ExplicitVRLittleEndian), DataSet: s.DataSet(), TransferSyntax: dicom.ExplicitVRLittleEndian}
	if err := dicom.WriteFile(&buf, f); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// WriteSyntheticFiles writes n synthetic objects of about size bytes each
// into dir (patients cycle over 3, one study each) and returns their paths.
func WriteSyntheticFiles(dir string, n, size int) ([]string, error) {
	var paths []string
	for i := 0; i < n; i++ {
		s := Synthetic{Patient: i%3 + 1, Study: 1, Series: 1, Instance: i + 1, PixelBytes: size}
		p := filepath.Join(dir, fmt.Sprintf("synthetic-%05d.dcm", i))
		if err := s.WriteFile(p); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o640)
}
