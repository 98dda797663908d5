package dict

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name   string
		tag    uint32
		want   Entry
		wantOK bool
	}{
		{"patient name", 0x00100010, Entry{0x00100010, "PN", "1", "PatientName", "Patient's Name", false}, true},
		{"transfer syntax", 0x00020010, Entry{0x00020010, "UI", "1", "TransferSyntaxUID", "Transfer Syntax UID", false}, true},
		{"pixel data", 0x7FE00010, Entry{0x7FE00010, "OB or OW", "1", "PixelData", "Pixel Data", false}, true},
		{"item", 0xFFFEE000, Entry{0xFFFEE000, "NONE", "1", "Item", "Item", false}, true},
		{"retired", 0x00080040, Entry{0x00080040, "US", "1", "DataSetType", "Data Set Type", true}, true},
		{"US or SS", 0x00280106, Entry{0x00280106, "US or SS", "1", "SmallestImagePixelValue", "Smallest Image Pixel Value", false}, true},
		{"overlay data 6002", 0x60023000, Entry{0x60023000, "OB or OW", "1", "OverlayData", "Overlay Data", false}, true},
		{"overlay rows 60FE", 0x60FE0010, Entry{0x60FE0010, "US", "1", "OverlayRows", "Overlay Rows", false}, true},
		{"curve 5004", 0x50040010, Entry{0x50040010, "US", "1", "NumberOfPoints", "Number of Points", true}, true},
		{"curve data 5010", 0x50103000, Entry{0x50103000, "OB or OW", "1", "CurveData", "Curve Data", true}, true},
		{"variable pixel data 7F02", 0x7F020010, Entry{0x7F020010, "OB or OW", "1", "VariablePixelData", "Variable Pixel Data", true}, true},
		{"source image IDs 0020,31A5", 0x002031A5, Entry{0x002031A5, "CS", "1-n", "SourceImageIDs", "Source Image IDs", true}, true},
		{"escape triplet 1000,0120", 0x10000120, Entry{0x10000120, "US", "3", "EscapeTriplet", "Escape Triplet", true}, true},
		{"shift table triplet 1000,FFF5", 0x1000FFF5, Entry{0x1000FFF5, "US", "3", "ShiftTableTriplet", "Shift Table Triplet", true}, true},
		{"zonal map 1010,1234", 0x10101234, Entry{0x10101234, "US", "1-n", "ZonalMap", "Zonal Map", true}, true},
		{"rows for nth order 0028,0430", 0x00280430, Entry{0x00280430, "US", "1", "RowsForNthOrderCoefficients", "Rows For Nth Order Coefficients", true}, true},
		{"private creator", 0x00090010, Entry{0x00090010, "LO", "1", "PrivateCreator", "Private Creator", false}, true},
		{"private creator FF", 0x001900FF, Entry{0x001900FF, "LO", "1", "PrivateCreator", "Private Creator", false}, true},
		{"private group length", 0x00290000, Entry{0x00290000, "UL", "1", "GroupLength", "Group Length", true}, true},
		{"group length 0028", 0x00280000, Entry{0x00280000, "UL", "1", "GroupLength", "Group Length", true}, true},
		{"command group length", 0x00000000, Entry{0x00000000, "UL", "1", "CommandGroupLength", "Command Group Length", false}, true},
		{"meta group length", 0x00020000, Entry{0x00020000, "UL", "1", "FileMetaInformationGroupLength", "File Meta Information Group Length", false}, true},
		{"private data element", 0x00091001, Entry{}, false},
		{"odd overlay group is private", 0x60013000, Entry{}, false},
		{"private reserved 0009,0001", 0x00090001, Entry{}, false},
		{"unknown public", 0x0010FFF0, Entry{}, false},
		{"unknown in repeating group", 0x6000FFF0, Entry{}, false},
		{"max tag", 0xFFFFFFFF, Entry{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Lookup(tc.tag)
			if ok != tc.wantOK {
				t.Fatalf("Lookup(%08X) ok = %v, want %v", tc.tag, ok, tc.wantOK)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("Lookup(%08X) mismatch (-got +want):\n%s", tc.tag, diff)
			}
		})
	}
}

func TestLookupKeyword(t *testing.T) {
	tests := []struct {
		kw      string
		wantTag uint32
		wantOK  bool
	}{
		{"PatientName", 0x00100010, true},
		{"PixelData", 0x7FE00010, true},
		{"SpecificCharacterSet", 0x00080005, true},
		{"DataSetType", 0x00080040, true},
		{"OverlayData", 0x60003000, true},
		{"ZonalMap", 0x10100004, true},
		{"EscapeTriplet", 0x10000010, true},
		{"SourceImageIDs", 0x00203100, true},
		{"RETIRED_DataSetType", 0, false},
		{"NoSuchKeyword", 0, false},
		{"", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.kw, func(t *testing.T) {
			got, ok := LookupKeyword(tc.kw)
			if ok != tc.wantOK || got.Tag != tc.wantTag {
				t.Errorf("LookupKeyword(%q) = %08X, %v; want %08X, %v", tc.kw, got.Tag, ok, tc.wantTag, tc.wantOK)
			}
		})
	}
}

// TestTablesConsistent checks the generated tables against the invariants
// the lookups rely on.
func TestTablesConsistent(t *testing.T) {
	tags, reps := Len()
	if tags+reps < 4000 {
		t.Errorf("dictionary has %d tags and %d repeaters, want more than 4000 in all", tags, reps)
	}
	seen := map[string]uint32{}
	for i, e := range tagTable {
		if i > 0 && tagTable[i-1].Tag >= e.Tag {
			t.Fatalf("tagTable not strictly sorted at %d: %08X after %08X", i, e.Tag, tagTable[i-1].Tag)
		}
		if tagKeys[i] != e.Tag {
			t.Fatalf("tagKeys[%d] = %08X, want %08X", i, tagKeys[i], e.Tag)
		}
		if e.Keyword == "" || e.Name == "" || e.VM == "" || e.VR == "" {
			t.Errorf("tag %08X has an empty field: %+v", e.Tag, e)
		}
		if prev, dup := seen[e.Keyword]; dup {
			t.Errorf("keyword %s used by %08X and %08X", e.Keyword, prev, e.Tag)
		}
		seen[e.Keyword] = e.Tag
		if got, ok := LookupKeyword(e.Keyword); !ok || got.Tag != e.Tag {
			t.Errorf("LookupKeyword(%q) = %08X, %v; want %08X", e.Keyword, got.Tag, ok, e.Tag)
		}
		if (e.Tag>>16)&1 == 1 {
			t.Errorf("public table holds private tag %08X", e.Tag)
		}
	}
	for _, r := range repeaterTable {
		if r.value&^r.mask != 0 {
			t.Errorf("repeater %s: value %08X has bits outside mask %08X", r.entry.Keyword, r.value, r.mask)
		}
		if got, ok := Lookup(r.entry.Tag); !ok || got.Keyword != r.entry.Keyword {
			t.Errorf("Lookup(%08X) = %q, %v; want %q", r.entry.Tag, got.Keyword, ok, r.entry.Keyword)
		}
		if _, dup := seen[r.entry.Keyword]; dup {
			t.Errorf("repeater keyword %s also used by a fixed tag", r.entry.Keyword)
		}
	}
	for _, vr := range []string{"OB or OW", "US or SS", "US or OW", "US or SS or OW", "NONE"} {
		found := false
		for _, e := range tagTable {
			found = found || e.VR == vr
		}
		if !found {
			t.Errorf("no entry spells its VR %q; the documented spellings are stale", vr)
		}
	}
	for _, e := range Entries() {
		if len(e.VR) != 2 && e.ImplicitVR(false) == e.VR && e.VR != "NONE" {
			t.Errorf("%s: ImplicitVR does not resolve %q", e.Keyword, e.VR)
		}
	}
}

func TestImplicitVRAndAllowsVR(t *testing.T) {
	tests := []struct {
		vr            string
		signed        bool
		wantImplicit  string
		allowed, deny []string
	}{
		{"PN", false, "PN", []string{"PN"}, []string{"LO", "P", ""}},
		{"OB or OW", false, "OW", []string{"OB", "OW"}, []string{"UN", "or"}},
		{"US or SS", false, "US", []string{"US", "SS"}, []string{"OW"}},
		{"US or SS", true, "SS", []string{"US", "SS"}, []string{"OW"}},
		{"US or SS or OW", false, "OW", []string{"US", "SS", "OW"}, []string{"OB"}},
		{"US or OW", false, "OW", []string{"US", "OW"}, []string{"SS"}},
		{"NONE", false, "", nil, []string{"NO", "UN"}},
	}
	for _, tc := range tests {
		t.Run(tc.vr, func(t *testing.T) {
			e := Entry{VR: tc.vr}
			if got := e.ImplicitVR(tc.signed); got != tc.wantImplicit {
				t.Errorf("ImplicitVR(%v) = %q, want %q", tc.signed, got, tc.wantImplicit)
			}
			for _, vr := range tc.allowed {
				if !e.AllowsVR(vr) {
					t.Errorf("AllowsVR(%q) = false, want true", vr)
				}
			}
			for _, vr := range tc.deny {
				if e.AllowsVR(vr) {
					t.Errorf("AllowsVR(%q) = true, want false", vr)
				}
			}
		})
	}
}

func TestLookupUID(t *testing.T) {
	tests := []struct {
		uid    string
		want   UID
		wantOK bool
	}{
		{"1.2.840.10008.1.2.1", UID{"1.2.840.10008.1.2.1", "Explicit VR Little Endian", TypeTransferSyntax, "ExplicitVRLittleEndian", false}, true},
		{"1.2.840.10008.1.2.1\x00", UID{"1.2.840.10008.1.2.1", "Explicit VR Little Endian", TypeTransferSyntax, "ExplicitVRLittleEndian", false}, true},
		{"1.2.840.10008.1.2", UID{"1.2.840.10008.1.2", "Implicit VR Little Endian", TypeTransferSyntax, "ImplicitVRLittleEndian", false}, true},
		{"1.2.840.10008.1.2.2", UID{"1.2.840.10008.1.2.2", "Explicit VR Big Endian", TypeTransferSyntax, "ExplicitVRBigEndian", true}, true},
		{"1.2.840.10008.1.1", UID{"1.2.840.10008.1.1", "Verification SOP Class", TypeSOPClass, "Verification", false}, true},
		{"1.2.840.10008.5.1.4.1.1.2", UID{"1.2.840.10008.5.1.4.1.1.2", "CT Image Storage", TypeSOPClass, "CTImageStorage", false}, true},
		{"1.2.840.10008.3.1.1.1", UID{"1.2.840.10008.3.1.1.1", "DICOM Application Context Name", TypeApplicationContextName, "DICOMApplicationContext", false}, true},
		{"1.2.840.10008.1.2.4.9", UID{}, false},
		{"1.2.3", UID{}, false},
		{"", UID{}, false},
		{"not.a.uid", UID{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.uid, func(t *testing.T) {
			got, ok := LookupUID(tc.uid)
			if ok != tc.wantOK {
				t.Fatalf("LookupUID(%q) ok = %v, want %v", tc.uid, ok, tc.wantOK)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("LookupUID(%q) mismatch (-got +want):\n%s", tc.uid, diff)
			}
		})
	}
}

func TestUIDRegistry(t *testing.T) {
	all := UIDs()
	if len(all) < 400 {
		t.Errorf("UID registry has %d entries, want more than 400", len(all))
	}
	for i, u := range all {
		if i > 0 && compareUID(all[i-1].UID, u.UID) >= 0 {
			t.Fatalf("uidTable not sorted at %d: %s after %s", i, u.UID, all[i-1].UID)
		}
		if got, ok := LookupUID(u.UID); !ok || got != u {
			t.Errorf("LookupUID(%q) = %+v, %v", u.UID, got, ok)
		}
	}
	all[0].Name = "changed"
	if uidTable[0].Name == "changed" {
		t.Error("UIDs returned the table itself, not a copy")
	}

	ts := TransferSyntaxes()
	if len(ts) < 30 {
		t.Errorf("%d transfer syntaxes, want at least 30", len(ts))
	}
	storage := StorageSOPClasses()
	if len(storage) < 100 {
		t.Errorf("%d storage SOP classes, want at least 100", len(storage))
	}
	keywords := map[string]bool{}
	for _, u := range storage {
		keywords[u.Keyword] = true
	}
	for _, kw := range []string{"CTImageStorage", "MRImageStorage", "SecondaryCaptureImageStorage", "EncapsulatedPDFStorage"} {
		if !keywords[kw] {
			t.Errorf("StorageSOPClasses lacks %s", kw)
		}
	}
	for _, kw := range []string{"StorageCommitmentPushModel", "MediaStorageDirectoryStorage", "Verification"} {
		if keywords[kw] {
			t.Errorf("StorageSOPClasses holds %s", kw)
		}
	}
}

func TestCompareUID(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"1.2.9", "1.2.10", -1},
		{"1.2", "1.2.0", -1},
		{"1.2.840", "1.2.840", 0},
		{"1.3", "1.2.840", 1},
		{"", "1", -1},
	}
	for _, tc := range tests {
		if got := compareUID(tc.a, tc.b); got != tc.want {
			t.Errorf("compareUID(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := compareUID(tc.b, tc.a); got != -tc.want {
			t.Errorf("compareUID(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	tags := []uint32{0x00100010, 0x7FE00010, 0x00091001, 0x60023000, 0x00280000, 0x00200032}
	for i := 0; b.Loop(); i++ {
		Lookup(tags[i%len(tags)])
	}
}

// FuzzLookup checks that every tag either is unknown or comes back with
// itself as Tag, a VR and a keyword that leads back to an entry with the
// same keyword.
func FuzzLookup(f *testing.F) {
	for _, tag := range []uint32{0x00100010, 0x60023000, 0x00090010, 0x00280000, 0x1000FFF5, 0x7FE00010, 0xFFFEE000} {
		f.Add(tag)
	}
	f.Fuzz(func(t *testing.T, tag uint32) {
		e, ok := Lookup(tag)
		if !ok {
			return
		}
		if e.Tag != tag || e.VR == "" || e.Keyword == "" || e.Name == "" {
			t.Fatalf("Lookup(%08X) = %+v", tag, e)
		}
		if e.Keyword == "GroupLength" || e.Keyword == "PrivateCreator" {
			return
		}
		back, ok := LookupKeyword(e.Keyword)
		if !ok {
			t.Fatalf("LookupKeyword(%q) not found for %08X", e.Keyword, tag)
		}
		if again, _ := Lookup(back.Tag); again.Keyword != e.Keyword {
			t.Fatalf("Lookup(%08X) = %q, want %q", back.Tag, again.Keyword, e.Keyword)
		}
	})
}
