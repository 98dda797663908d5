package vulndb

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestIdentifyFromAssociation(t *testing.T) {
	tests := []struct {
		name, uid, versionName string
		want                   Identity
	}{
		{"dcmtk name only", "", "OFFIS_DCMTK_367", Identity{Product: "dcmtk", Version: "3.6.7", Confidence: ConfidenceInferred}},
		{"dcmtk uid only", "1.2.276.0.7230010.3.0.3.6.7", "", Identity{Product: "dcmtk", Version: "3.6.7", Confidence: ConfidenceInferred}},
		{"dcmtk both", "1.2.276.0.7230010.3.0.3.6.6", "OFFIS_DCMTK_366", Identity{Product: "dcmtk", Version: "3.6.6", Confidence: ConfidenceInferred}},
		{"dcmtk 3.7.0", "1.2.276.0.7230010.3.0.3.7.0", "OFFIS_DCMTK_370", Identity{Product: "dcmtk", Version: "3.7.0", Confidence: ConfidenceInferred}},
		{"dcmtk multi-digit build from name", "", "OFFIS_DCMTK_3610", Identity{Product: "dcmtk", Version: "3.6.10", Confidence: ConfidenceInferred}},
		{"dcmtk multi-digit build, uid wins", "1.2.276.0.7230010.3.0.3.6.10", "OFFIS_DCMTK_3610", Identity{Product: "dcmtk", Version: "3.6.10", Confidence: ConfidenceInferred}},
		{"dcmtk bit preserving", "", "OFFIS_DCMBP_368", Identity{Product: "dcmtk", Version: "3.6.8", Confidence: ConfidenceInferred}},
		{"dcmtk nmap fingerprint", "1.2.276.0.7230010.3.0.3.6.2", "OFFIS_DCMTK_362", Identity{Product: "dcmtk", Version: "3.6.2", Confidence: ConfidenceInferred}},
		{"dcmtk garbage digits", "", "OFFIS_DCMTK_X", Identity{Product: "dcmtk", Confidence: ConfidenceProductOnly}},
		{"pynetdicom name", "", "PYNETDICOM_304", Identity{Product: "pynetdicom", Version: "3.0.4", Confidence: ConfidenceInferred}},
		{"pynetdicom uid", "1.2.826.0.1.3680043.9.3811.2.0.2", "PYNETDICOM_202", Identity{Product: "pynetdicom", Version: "2.0.2", Confidence: ConfidenceInferred}},
		{"pynetdicom uid multi-digit", "1.2.826.0.1.3680043.9.3811.1.5.10", "PYNETDICOM_1510", Identity{Product: "pynetdicom", Version: "1.5.10", Confidence: ConfidenceInferred}},
		{"fo-dicom", "1.3.6.1.4.1.30071.8", "fo-dicom 5.1.2", Identity{Product: "fo-dicom", Version: "5.1.2", Confidence: ConfidenceInferred}},
		{"fo-dicom uid only", "1.3.6.1.4.1.30071.8", "", Identity{Product: "fo-dicom", Confidence: ConfidenceProductOnly}},
		{"gdcm", "1.2.826.0.1.3680043.2.1143.107.104.103.115.2.8.4", "GDCM 2.8.4", Identity{Product: "gdcm", Version: "2.8.4", Confidence: ConfidenceInferred}},
		{"gdcm name only", "", "GDCM 3.0.24", Identity{Product: "gdcm", Version: "3.0.24", Confidence: ConfidenceInferred}},
		{"dcm4che", "1.2.40.0.13.1.3", "dcm4che-5.25.1", Identity{Product: "dcm4che", Version: "5.25.1", Confidence: ConfidenceInferred}},
		{"conquest", "1.2.826.0.1.3680043.2.135.1066.101", "1.5.0/WIN32", Identity{Product: "conquest", Confidence: ConfidenceProductOnly}},
		{"unknown", "1.2.3.4", "SOMETHING", Identity{Confidence: ConfidenceUnknown}},
		{"empty", "", "", Identity{Confidence: ConfidenceUnknown}},
		{"overlong name ignored", "", "OFFIS_DCMTK_367" + strings.Repeat("9", 10), Identity{Confidence: ConfidenceUnknown}},
		{"padding trimmed", "1.2.276.0.7230010.3.0.3.6.7\x00", "OFFIS_DCMTK_367 ", Identity{Product: "dcmtk", Version: "3.6.7", Confidence: ConfidenceInferred}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := IdentifyFromAssociation(tt.uid, tt.versionName)
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Identity{}, "Source", "Notes")); diff != "" {
				t.Errorf("IdentifyFromAssociation(%q, %q) mismatch (-want +got):\n%s", tt.uid, tt.versionName, diff)
			}
		})
	}
}

func TestIdentifyDCMTKNotesDisagreement(t *testing.T) {
	got := IdentifyFromAssociation("1.2.276.0.7230010.3.0.3.6.8", "OFFIS_DCMTK_367")
	if got.Version != "3.6.8" {
		t.Errorf("version = %q, want the UID's 3.6.8", got.Version)
	}
	if len(got.Notes) < 2 || !strings.Contains(got.Notes[0], "3.6.7") {
		t.Errorf("notes = %q, want the disagreement explained first", got.Notes)
	}
}

func TestIdentifyFromOrthancSystem(t *testing.T) {
	tests := []struct {
		name, body string
		want       Identity
		wantErr    bool
	}{
		{"debian 12", `{"ApiVersion":16,"DicomAet":"ORTHANC","DicomPort":4242,"HttpPort":8042,"IsHttpServerSecure":true,"Name":"MyOrthanc","Version":"1.10.1"}`,
			Identity{Product: "orthanc", Version: "1.10.1", Confidence: ConfidenceExact}, false},
		{"old", `{"Version":"1.5.7"}`, Identity{Product: "orthanc", Version: "1.5.7", Confidence: ConfidenceExact}, false},
		{"mainline", `{"Version":"mainline"}`, Identity{Product: "orthanc", Confidence: ConfidenceProductOnly}, false},
		{"no version", `{"Name":"x"}`, Identity{Product: "orthanc", Confidence: ConfidenceProductOnly}, true},
		{"bad version", `{"Version":"1.2;rm -rf"}`, Identity{Product: "orthanc", Confidence: ConfidenceProductOnly}, true},
		{"not json", `<html>`, Identity{}, true},
		{"too big", `{"Version":"1.0","X":"` + strings.Repeat("a", 1<<20) + `"}`, Identity{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := IdentifyFromOrthancSystem(strings.NewReader(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Identity{}, "Source", "Notes")); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzIdentifyFromAssociation checks that any wire strings give a coherent
// identity: a version only with a product, a version that parses, and the
// confidence that goes with what was found.
func FuzzIdentifyFromAssociation(f *testing.F) {
	seeds := [][2]string{
		{"1.2.276.0.7230010.3.0.3.6.7", "OFFIS_DCMTK_367"},
		{"", "OFFIS_DCMTK_3610"},
		{"1.2.826.0.1.3680043.9.3811.2.0.2", "PYNETDICOM_202"},
		{"1.3.6.1.4.1.30071.8", "fo-dicom 5.1.2"},
		{"1.2.826.0.1.3680043.2.1143.107.104.103.115.2.8.4", "GDCM 2.8.4"},
		{"1.2.40.0.13.1.3", "dcm4che-5.25.1"},
		{"1.2.826.0.1.3680043.2.135.1066.101", "1.5.0/WIN32"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, uid, name string) {
		id := IdentifyFromAssociation(uid, name)
		switch {
		case id.Product == "" && (id.Version != "" || id.Confidence != ConfidenceUnknown):
			t.Fatalf("no product but %+v", id)
		case id.Product != "" && id.Version == "" && id.Confidence != ConfidenceProductOnly:
			t.Fatalf("product without version but confidence %q", id.Confidence)
		case id.Version != "" && id.Confidence != ConfidenceInferred:
			t.Fatalf("version %q with confidence %q", id.Version, id.Confidence)
		}
		if id.Version != "" {
			if _, err := ParseVersion(id.Version); err != nil {
				t.Fatalf("version %q does not parse: %v", id.Version, err)
			}
		}
	})
}
