package dict

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLookupPrivate(t *testing.T) {
	tests := []struct {
		name    string
		creator string
		tag     uint32
		want    Entry
		wantOK  bool
	}{
		{"GE identification", "GEMS_IDEN_01", 0x00091027, Entry{0x00091027, "SL", "1", "ImageActualDate", "Image Actual Date", false}, true},
		{"creator padded", "GEMS_IDEN_01 ", 0x00091027, Entry{0x00091027, "SL", "1", "ImageActualDate", "Image Actual Date", false}, true},
		{"block 0x11", "GEMS_IDEN_01", 0x00091127, Entry{0x00091127, "SL", "1", "ImageActualDate", "Image Actual Date", false}, true},
		{"Siemens CSA", "SIEMENS CSA HEADER", 0x00291010, Entry{0x00291010, "OB", "1", "CSAImageHeaderInfo", "CSA Image Header Info", false}, true},
		{"odd group range", "DLX_ANNOT_01", 0x70431004, Entry{0x70431004, "ST", "1", "TextAnnotation", "Text Annotation", false}, true},
		{"four-digit element in source", "GEMS_Ultrasound_MovieGroup_001", 0x7FE11060, Entry{0x7FE11060, "OB or OW", "1", "IllegalPrivatePixelSequence", "Illegal Private Pixel Sequence", false}, true},
		{"wrong group", "GEMS_IDEN_01", 0x00191027, Entry{}, false},
		{"unknown creator", "NO SUCH VENDOR", 0x00091027, Entry{}, false},
		{"creator element", "GEMS_IDEN_01", 0x00090010, Entry{}, false},
		{"even group", "GEMS_IDEN_01", 0x00081027, Entry{}, false},
		{"empty creator", "", 0x00091027, Entry{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := LookupPrivate(tc.creator, tc.tag)
			if ok != tc.wantOK {
				t.Fatalf("LookupPrivate(%q, %08X) ok = %v, want %v", tc.creator, tc.tag, ok, tc.wantOK)
			}
			if diff := cmp.Diff(got, tc.want); diff != "" {
				t.Errorf("LookupPrivate(%q, %08X) mismatch (-got +want):\n%s", tc.creator, tc.tag, diff)
			}
		})
	}
}

func TestPrivateTableSorted(t *testing.T) {
	if LenPrivate() < 2000 {
		t.Errorf("private dictionary has %d entries, want more than 2000", LenPrivate())
	}
	for i := 1; i < len(privateTable); i++ {
		a, b := privateTable[i-1], privateTable[i]
		if a.creator > b.creator || (a.creator == b.creator && a.offset > b.offset) {
			t.Fatalf("privateTable not sorted at %d: %q/%02X after %q/%02X", i, b.creator, b.offset, a.creator, a.offset)
		}
	}
	for _, p := range privateTable {
		if p.lo&1 == 0 || p.hi < p.lo {
			t.Errorf("%q %02X: bad group range %04X-%04X", p.creator, p.offset, p.lo, p.hi)
		}
		if _, ok := LookupPrivate(p.creator, uint32(p.hi)<<16|0x1000|uint32(p.offset)); !ok {
			t.Errorf("LookupPrivate(%q, %04X,10%02X) not found", p.creator, p.hi, p.offset)
		}
	}
}
