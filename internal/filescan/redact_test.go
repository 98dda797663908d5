package filescan

import (
	"path/filepath"
	"testing"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/inventory"
)

func TestPatientIdentifiers(t *testing.T) {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, "Doe^John^^Dr=ドウ^ジョン"))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, "MRN-004711"))
	got := patientIdentifiers(ds)
	want := []string{"doe", "john", "doejohn", "mrn004711"}
	if len(got) != len(want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	// Too short to match safely: "Li", "7".
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, "Li^Wu"))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, "7"))
	if got := patientIdentifiers(ds); len(got) != 1 || got[0] != "liwu" {
		t.Fatalf("short parts: got %q, want [liwu]", got)
	}
}

func TestRedactPath(t *testing.T) {
	j := filepath.Join
	ids := []string{"doe", "john", "doejohn", "mrn004711"}
	tests := []struct {
		root, p string
		ids     []string
		want    string
	}{
		{"/archive", j("/archive", "DOE^JOHN", "img1.dcm"), nil, j("/archive", Redacted, "img1.dcm")},
		{"/archive", j("/archive", "2024", "Doe_John_CT", "1.dcm"), ids, j("/archive", "2024", Redacted, "1.dcm")},
		{"/archive", j("/archive", "MRN-004711", "x", "doe-1.dcm"), ids, j("/archive", Redacted, "x", Redacted)},
		{"/archive", j("/archive", "2024", "study1", "1.dcm"), ids, j("/archive", "2024", "study1", "1.dcm")},
		// The root the user typed stays, even when it names the patient.
		{"/pat/DOE^JOHN", j("/pat/DOE^JOHN", "a.dcm"), ids, j("/pat/DOE^JOHN", "a.dcm")},
		// A file given by name: its base name is checked.
		{"/in/Doe John.dcm", "/in/Doe John.dcm", ids, j("/in", Redacted)},
		{"", "", ids, ""},
	}
	for _, tt := range tests {
		if got := RedactPath(tt.root, tt.p, tt.ids); got != tt.want {
			t.Errorf("RedactPath(%q, %q) = %q, want %q", tt.root, tt.p, got, tt.want)
		}
	}
}

func TestRedactFindingObservation(t *testing.T) {
	f := inventory.Finding{Path: "/a/DOE^JOHN/x.dcm", Evidence: []inventory.Evidence{{
		Artifact: "/a/DOE^JOHN/x.dcm",
		Observed: "baselined file DOE^JOHN/x.dcm is gone and DOE^JOHN/x.dcm.locked appeared",
		Data:     "from=DOE^JOHN/x.dcm",
	}}}
	if !RedactFinding(&f, "/a", nil) {
		t.Fatal("nothing redacted")
	}
	want := Redacted + "/x.dcm"
	if f.Path != "/a/"+want || f.Evidence[0].Artifact != "/a/"+want ||
		f.Evidence[0].Observed != "baselined file "+want+" is gone and "+want+".locked appeared" || f.Evidence[0].Data != "from="+want {
		t.Errorf("got %+v", f)
	}
	g := inventory.Finding{Path: "/a/b/x.dcm"}
	if RedactFinding(&g, "/a", nil) || g.Path != "/a/b/x.dcm" {
		t.Errorf("a path naming nobody changed: %+v", g)
	}
}
