// Command corpus builds the benchmark corpus for bench/parse.sh: the DICOM
// samples of Debian's python3-pydicom re-identified with new UIDs and
// synthetic patient data by pacsguard's own writer (in their original
// transfer syntax), plus generated images of mixed sizes. DICOMDIRs and
// files the writer cannot re-encode are copied byte for byte.
//
// The mix follows test-peers.md §5.3: 55% real templates, 27% small
// (64-128 px square, 16-bit), 15.8% medium (256 or 512 px), 2% large
// (512 px, 2-8 frames), 0.2% huge (512 px, 16-32 frames). 100 files a folder.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pacsguard/pacsguard/internal/dicom"
)

const uidRoot = dicom.UIDRoot + ".98." // synthetic benchmark UIDs

func main() {
	out := flag.String("out", "", "directory to write the corpus into (created)")
	n := flag.Int("n", 6000, "number of files")
	big := flag.String("big", "", "write only one sparse file of about 2 GB here (header, then pixel data of 2,000,000,000 bytes)")
	flag.Parse()
	if *big != "" {
		if err := writeBig(*big); err != nil {
			fmt.Fprintf(os.Stderr, "corpus: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "corpus: -out DIR is required")
		os.Exit(2)
	}
	if err := build(*out, *n); err != nil {
		fmt.Fprintf(os.Stderr, "corpus: %v\n", err)
		os.Exit(1)
	}
}

type template struct {
	name string
	raw  []byte
	file *dicom.File // nil: copy raw
}

func loadTemplates() ([]template, error) {
	list, err := exec.Command("dpkg", "-L", "python3-pydicom").Output()
	if err != nil {
		return nil, fmt.Errorf("python3-pydicom is needed for the templates (apt-get install python3-pydicom): %w", err)
	}
	var ts []template
	for _, p := range strings.Split(string(list), "\n") {
		if !strings.HasSuffix(p, ".dcm") || !strings.Contains(p, "/pydicom/data/") {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// dcmdump must read every corpus file, so only files it reads are used.
		if exec.Command("dcmdump", "-q", "-M", p).Run() != nil {
			continue
		}
		t := template{name: filepath.Base(p), raw: raw}
		f, err := dicom.Read(bytes.NewReader(raw), int64(len(raw)), dicom.ReadOptions{})
		if err == nil && len(f.Anomalies) == 0 && f.Meta != nil && !isDICOMDIR(f) {
			t.file = f
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fmt.Errorf("no pydicom sample files found")
	}
	return ts, nil
}

func isDICOMDIR(f *dicom.File) bool {
	c, _ := f.Meta.String(dicom.TagMediaStorageSOPClass)
	return c == "1.2.840.10008.1.3.10"
}

func build(dir string, n int) error {
	templates, err := loadTemplates()
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		sub := filepath.Join(dir, fmt.Sprintf("%03d", i/100))
		if i%100 == 0 {
			if err := os.MkdirAll(sub, 0o755); err != nil {
				return err
			}
		}
		var data []byte
		r := rng.Float64()
		switch {
		case r < 0.55:
			data = fromTemplate(templates[rng.IntN(len(templates))], i)
		case r < 0.82:
			side := 64 + rng.IntN(65)
			data = generated(rng, i, side, 1)
		case r < 0.978:
			side := 256
			if rng.IntN(2) == 0 {
				side = 512
			}
			data = generated(rng, i, side, 1)
		case r < 0.998:
			data = generated(rng, i, 512, 2+rng.IntN(7))
		default:
			data = generated(rng, i, 512, 16+rng.IntN(17))
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("%05d.dcm", i)), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func uid(i int, kind string) string { return fmt.Sprintf("%s%d.%s", uidRoot, i, kind) }

func fromTemplate(t template, i int) []byte {
	if t.file == nil {
		return t.raw
	}
	// Re-read so that every copy is independent of the others.
	f, err := dicom.Read(bytes.NewReader(t.raw), int64(len(t.raw)), dicom.ReadOptions{})
	if err != nil {
		return t.raw
	}
	ds := f.DataSet
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, uid(i, "3")))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, uid(i, "1")))
	ds.Set(dicom.NewString(0x0020000E, dicom.VRUI, uid(i, "2")))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, fmt.Sprintf("BENCH^SYNTHETIC%d", i)))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, fmt.Sprintf("BENCH%06d", i)))
	f.Meta.Set(dicom.NewString(dicom.TagMediaStorageSOPInst, dicom.VRUI, uid(i, "3")))
	var b bytes.Buffer
	if err := dicom.WriteFile(&b, f); err != nil {
		return t.raw
	}
	return b.Bytes()
}

// generated builds a synthetic 16-bit CT-like image of side² pixels.
func generated(rng *rand.Rand, i, side, frames int) []byte {
	ts := dicom.ExplicitVRLittleEndian
	switch r := rng.IntN(100); {
	case r < 25:
		ts = dicom.ImplicitVRLittleEndian
	case r < 30:
		ts = dicom.ExplicitVRBigEndian
	}
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagSpecificCharacterSet, dicom.VRCS, "ISO_IR 100"))
	ds.Set(dicom.NewString(0x00080008, dicom.VRCS, "ORIGINAL", "PRIMARY", "AXIAL"))
	ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, "1.2.840.10008.5.1.4.1.1.2"))
	ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, uid(i, "3")))
	ds.Set(dicom.NewString(0x00080020, dicom.VRDA, "20260101"))
	ds.Set(dicom.NewString(0x00080060, dicom.VRCS, "CT"))
	ds.Set(dicom.NewString(0x00080070, dicom.VRLO, "PACSGUARD BENCH"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, fmt.Sprintf("BENCH^SYNTHETIC%d", i)))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, fmt.Sprintf("BENCH%06d", i)))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, uid(i, "1")))
	ds.Set(dicom.NewString(0x0020000E, dicom.VRUI, uid(i, "2")))
	ds.Set(dicom.NewString(0x00200013, dicom.VRIS, fmt.Sprint(i)))
	ds.Set(dicom.NewUint16(0x00280002, 1))
	ds.Set(dicom.NewString(0x00280004, dicom.VRCS, "MONOCHROME2"))
	if frames > 1 {
		ds.Set(dicom.NewString(0x00280008, dicom.VRIS, fmt.Sprint(frames)))
	}
	ds.Set(dicom.NewUint16(0x00280010, uint16(side)))
	ds.Set(dicom.NewUint16(0x00280011, uint16(side)))
	ds.Set(dicom.NewUint16(0x00280100, 16))
	ds.Set(dicom.NewUint16(0x00280101, 12))
	ds.Set(dicom.NewUint16(0x00280102, 11))
	ds.Set(dicom.NewUint16(0x00280103, 0))
	pixels := make([]byte, side*side*2*frames)
	for j := 0; j < len(pixels); j += 8 {
		v := rng.Uint64() & 0x0FFF0FFF0FFF0FFF
		for k := 0; k < 8 && j+k < len(pixels); k++ {
			pixels[j+k] = byte(v >> (8 * k))
		}
	}
	ds.Set(dicom.NewBytes(dicom.TagPixelData, dicom.VROW, pixels))
	f := &dicom.File{Meta: dicom.NewFileMeta("1.2.840.10008.5.1.4.1.1.2", uid(i, "3"), ts), DataSet: ds, TransferSyntax: ts}
	var b bytes.Buffer
	if err := dicom.WriteFile(&b, f); err != nil {
		panic(err) // our own data set: cannot fail
	}
	return b.Bytes()
}

// writeBig writes a 2 GB file whose pixel data is a hole: it costs no disk
// and shows that a metadata sweep reads only the header.
func writeBig(path string) error {
	const pixels = 2_000_000_000
	b := generated(rand.New(rand.NewPCG(3, 4)), 0, 2, 1)
	// Replace the 8 bytes of pixel data by the header of a huge value.
	b = b[:len(b)-8-12]
	b = append(b, 0xE0, 0x7F, 0x10, 0x00, 'O', 'W', 0, 0)
	b = binary.LittleEndian.AppendUint32(b, pixels)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Truncate(int64(len(b)) + pixels); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
