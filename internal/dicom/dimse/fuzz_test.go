package dimse

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// FuzzReassembly feeds arbitrary PDV sequences (a P-DATA-TF body) to the
// reassembler. Every message it produces must survive a round trip:
// encode its command, fragment command and data at another size,
// reassemble, and get the same command encoding and data back.
func FuzzReassembly(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.pdvs"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, uint8(7))
	}
	f.Fuzz(func(t *testing.T, body []byte, size uint8) {
		p, err := pdu.DecodeBody(pdu.TypePDataTF, body, pdu.Limits{})
		if err != nil {
			return
		}
		r := NewReassembler(Caps{MaxCommand: 4096, MaxData: 1 << 16})
		for _, v := range p.(*pdu.PDataTF).Items {
			m, err := r.Add(v)
			if err != nil {
				return
			}
			if m == nil {
				continue
			}
			cmd, err := EncodeCommand(m.Command)
			if err != nil {
				t.Fatalf("re-encode of a decoded command: %v", err)
			}
			r2 := NewReassembler(Caps{MaxCommand: 1 << 20, MaxData: 1 << 20})
			frags := Fragment(m.ContextID, true, cmd, int(size)+1)
			if m.Data != nil {
				frags = append(frags, Fragment(m.ContextID, false, m.Data, int(size)+1)...)
			}
			var m2 *Message
			for i, f := range frags {
				got, err := r2.Add(f)
				if err != nil {
					t.Fatalf("reassembly of re-fragmented message: %v", err)
				}
				if got != nil {
					if i != len(frags)-1 {
						t.Fatalf("message complete after fragment %d of %d", i+1, len(frags))
					}
					m2 = got
				}
			}
			if m2 == nil {
				t.Fatal("re-fragmented message never completed")
			}
			cmd2, _ := EncodeCommand(m2.Command)
			if !bytes.Equal(cmd2, cmd) || !bytes.Equal(m2.Data, m.Data) || (m2.Data == nil) != (m.Data == nil) || m2.ContextID != m.ContextID {
				t.Fatalf("round trip differs")
			}
		}
	})
}
