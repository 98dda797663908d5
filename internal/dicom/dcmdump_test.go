package dicom

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// requirePeer skips (or, with PACSGUARD_REQUIRE_PEERS=1, fails) when a
// peer program or sample is missing.
func requirePeer(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("PACSGUARD_REQUIRE_PEERS") == "1" {
		t.Fatalf(format+" (PACSGUARD_REQUIRE_PEERS=1; run scripts/install-deps.sh)", args...)
	}
	t.Skipf(format, args...)
}

// pydicomSamples lists the DICOM files Debian's python3-pydicom ships:
// the *.dcm files plus extension-less files with "DICM" at offset 128.
func pydicomSamples(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("dpkg", "-L", "python3-pydicom").Output()
	if err != nil {
		requirePeer(t, "python3-pydicom is not installed: %v", err)
	}
	var files []string
	for _, p := range strings.Split(string(out), "\n") {
		if !strings.Contains(p, "/pydicom/data/") {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		ext := filepath.Ext(p)
		if ext == ".dcm" || ext == ".DCM" {
			files = append(files, p)
			continue
		}
		if ext == "" && hasDICM(p) {
			files = append(files, p)
		}
	}
	if len(files) < 90 {
		requirePeer(t, "only %d pydicom sample files found", len(files))
	}
	return files
}

func hasDICM(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [132]byte
	n, _ := f.ReadAt(b[:], 0)
	return n == 132 && string(b[128:]) == "DICM"
}

// dumpLine is what the differential test compares: nesting, tag, VR and
// value length ("u/l" for undefined).
type dumpLine struct {
	Depth  int
	Tag    string
	VR     string
	Length string
}

func (l dumpLine) String() string {
	return fmt.Sprintf("%s%s %s #%s", strings.Repeat("  ", l.Depth), l.Tag, l.VR, l.Length)
}

var (
	dcmdumpLine  = regexp.MustCompile(`^( *)\(([0-9a-f]{4}),([0-9a-f]{4})\) (\S\S) (?s:.*)#\s*(\d+|u/l),\s*\d+ [^#\n]*$`)
	dcmdumpStart = regexp.MustCompile(`^ *\([0-9a-f]{4},[0-9a-f]{4}\) \S\S `)
)

// parseDcmdump turns dcmdump's listing into dumpLines, leaving out
// delimitation items (implied by undefined lengths).
func parseDcmdump(out []byte) []dumpLine {
	var lines []dumpLine
	// Text values with line breaks span several lines of the listing.
	var pending string
	for _, s := range strings.Split(string(out), "\n") {
		if pending != "" {
			s = pending + "\n" + s
			pending = ""
		}
		m := dcmdumpLine.FindStringSubmatch(s)
		if m == nil {
			if dcmdumpStart.MatchString(s) {
				pending = s
			}
			continue
		}
		tag := "(" + m[2] + "," + m[3] + ")"
		if tag == "(fffe,e00d)" || tag == "(fffe,e0dd)" {
			continue
		}
		vr := m[4]
		if m[2] == "fffe" {
			vr = ""
		}
		lines = append(lines, dumpLine{Depth: len(m[1]) / 2, Tag: tag, VR: vr, Length: m[5]})
	}
	return lines
}

func lengthString(n uint32) string {
	if n == UndefinedLength {
		return "u/l"
	}
	if n%2 == 1 {
		// DCMTK pads odd-length values in memory and shows the padded
		// length; we keep the length on the wire and report odd-length.
		n++
	}
	return fmt.Sprint(n)
}

// flatten lists a data set the way dcmdump does.
func flatten(ds *DataSet, depth int, lines []dumpLine) []dumpLine {
	if ds == nil {
		return lines
	}
	for i, e := range ds.Elements {
		if i > 0 && ds.Elements[i-1].Tag == e.Tag {
			// DCMTK keeps one element of a duplicated tag; we keep both
			// and report a duplicate-element anomaly.
			continue
		}
		vr := string(e.VR)
		if e.Fragments != nil {
			// DCMTK shows encapsulated pixel data as OB whatever the file
			// says (693_J2KI.dcm has OW); we keep the VR as read.
			vr = "OB"
		}
		if e.Items != nil && e.VR == VRUN {
			// DCMTK turns UN of undefined length into SQ (CP-246); we keep
			// the VR as read and its items.
			vr = "SQ"
		}
		tag := strings.ToLower(e.Tag.String())
		lines = append(lines, dumpLine{Depth: depth, Tag: tag, VR: vr, Length: lengthString(e.Length)})
		for _, item := range e.Items {
			lines = append(lines, dumpLine{Depth: depth + 1, Tag: "(fffe,e000)", Length: lengthString(item.ItemLength)})
			lines = flatten(item, depth+2, lines)
		}
		for _, f := range e.Fragments {
			lines = append(lines, dumpLine{Depth: depth + 1, Tag: "(fffe,e000)", Length: lengthString(f.Length)})
		}
	}
	return lines
}

// Justified differences with dcmdump. Systematic ones are normalised before
// comparing, each where it is done:
//   - encapsulated pixel data: DCMTK shows OB whatever VR the file has
//     (693_J2KI.dcm says OW); we keep the VR as read (flatten).
//   - UN of undefined length: DCMTK shows SQ (CP-246); we keep UN with its
//     items (flatten).
//   - odd lengths: DCMTK shows the length padded to even; we keep the length
//     on the wire and report odd-length (lengthString).
//   - duplicated tags: DCMTK keeps one element; we keep both and report
//     duplicate-element (winter.dcm; flatten).
//   - VR spellings: DCMTK's "??" (unknown tag in implicit VR) is our UN, its
//     "up" (DICOMDIR offsets) our UL (normalise).
//   - files dcmdump cannot read (no_meta.dcm and three more) are not
//     compared; we must only not panic on them.
//
// Per-file differences beyond those go here, by base name, with the reason.
var dcmdumpDifferences = map[string]string{}

// normalise maps DCMTK's spellings to ours where both mean the same.
func normalise(lines []dumpLine) []dumpLine {
	for i := range lines {
		switch lines[i].VR {
		case "??": // DCMTK's name for an unknown tag read in implicit VR: UN
			lines[i].VR = "UN"
		case "up": // DCMTK's internal VR for DICOMDIR offsets, UL on the wire
			lines[i].VR = "UL"
		}
	}
	return lines
}

func TestDifferentialDcmdump(t *testing.T) {
	dcmdump, err := exec.LookPath("dcmdump")
	if err != nil {
		requirePeer(t, "dcmdump (DCMTK) is not installed")
	}
	files := pydicomSamples(t)
	compared := 0
	for _, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			f, rerr := ReadFile(path, ReadOptions{})
			var stdout, stderr bytes.Buffer
			cmd := exec.Command(dcmdump, "-q", path)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			derr := cmd.Run()
			if derr != nil {
				// dcmdump cannot read it: we must not panic, and say why.
				t.Logf("dcmdump fails (%v); ours: err=%v", derr, rerr)
				return
			}
			if rerr != nil {
				t.Fatalf("ReadFile: %v (dcmdump reads it)", rerr)
			}
			var got []dumpLine
			got = flatten(f.Meta, 0, got)
			got = flatten(f.DataSet, 0, got)
			want := normalise(parseDcmdump(stdout.Bytes()))
			if why, ok := dcmdumpDifferences[name]; ok {
				t.Logf("known difference: %s", why)
				return
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("tags/VRs/lengths differ from dcmdump (-dcmdump +ours):\n%s", diff)
			}
			compared++
		})
	}
	t.Logf("compared %d of %d files with dcmdump", compared, len(files))
}

// The files that crash other tools (test-peers.md §5.2) must parse without
// panic, and what is odd about them must show as anomalies.
func TestCrashAnchors(t *testing.T) {
	dir := "/usr/lib/python3/dist-packages/pydicom/data/test_files"
	for _, name := range []string{"badVR.dcm", "rtdose.dcm", "rtdose_1frame.dcm", "rtdose_expb.dcm", "rtdose_expb_1frame.dcm", "SC_rgb_jpeg.dcm", "MR_truncated.dcm", "rtplan_truncated.dcm", "no_meta.dcm"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			if _, err := os.Stat(path); err != nil {
				requirePeer(t, "sample %s missing", path)
			}
			f, err := ReadFile(path, ReadOptions{})
			if err != nil {
				if !errors.Is(err, ErrNotDICOM) && !errors.Is(err, ErrTruncated) {
					t.Fatalf("ReadFile: %v", err)
				}
				return
			}
			for _, a := range f.Anomalies {
				t.Logf("anomaly: %s", a)
			}
		})
	}
}

// TestRewriteSamples: every sample we read without anomalies, written back
// by our writer (explicit VR LE, or implicit VR LE for implicit files),
// reads back as the same data set, and dcmdump sees in our file the same
// tags, VRs and lengths as we do.
func TestRewriteSamples(t *testing.T) {
	dcmdump, err := exec.LookPath("dcmdump")
	if err != nil {
		requirePeer(t, "dcmdump (DCMTK) is not installed")
	}
	dir := t.TempDir()
	rewritten := 0
	for i, path := range pydicomSamples(t) {
		f, err := ReadFile(path, ReadOptions{})
		if err != nil || len(f.Anomalies) > 0 || f.Meta == nil {
			continue
		}
		if c, _ := f.Meta.String(TagMediaStorageSOPClass); c == "1.2.840.10008.1.3.10" {
			continue // DICOMDIR: its record offsets would no longer match
		}
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			ts := ExplicitVRLittleEndian
			if f.TransferSyntax == ImplicitVRLittleEndian {
				ts = ImplicitVRLittleEndian
			} else if IsEncapsulated(f.TransferSyntax) {
				ts = f.TransferSyntax // fragments stay fragments
			}
			out := filepath.Join(dir, fmt.Sprintf("%03d.dcm", i))
			var b bytes.Buffer
			if err := WriteFile(&b, &File{Meta: f.Meta, DataSet: f.DataSet, TransferSyntax: ts}); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			g, err := ReadFile(out, ReadOptions{Strict: true})
			if err != nil {
				t.Fatalf("re-read: %v", err)
			}
			if diff := cmp.Diff(canonical(f.DataSet), canonical(g.DataSet)); diff != "" {
				t.Fatalf("data set changed (-read +re-read):\n%s", diff)
			}
			got, err := exec.Command(dcmdump, "-q", out).Output()
			if err != nil {
				t.Fatalf("dcmdump cannot read our file: %v", err)
			}
			var ours []dumpLine
			ours = flatten(g.Meta, 0, ours)
			ours = flatten(g.DataSet, 0, ours)
			if diff := cmp.Diff(normalise(parseDcmdump(got)), ours); diff != "" {
				t.Errorf("dcmdump reads our file differently (-dcmdump +ours):\n%s", diff)
			}
			rewritten++
		})
	}
	if rewritten < 100 {
		t.Errorf("only %d samples rewritten", rewritten)
	}
}
