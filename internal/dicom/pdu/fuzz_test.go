package pdu

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodePDU checks that whatever decodes re-encodes, and that the
// re-encoding decodes to the same value (decode → encode → decode).
func FuzzDecodePDU(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.pdu"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeWithLimits(b, Limits{MaxItems: 256})
		if err != nil {
			return
		}
		enc, err := Encode(p)
		if err != nil {
			t.Fatalf("re-encode of a decoded %s failed: %v", p.Type(), err)
		}
		p2, err := DecodeWithLimits(enc, Limits{MaxItems: 1024})
		if err != nil {
			t.Fatalf("decode of re-encoded %s failed: %v", p.Type(), err)
		}
		if diff := cmp.Diff(p2, p, cmpOpts()); diff != "" {
			t.Fatalf("round trip differs (-got +want):\n%s", diff)
		}
	})
}
