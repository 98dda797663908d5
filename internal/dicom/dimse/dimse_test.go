package dimse

import (
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

var update = flag.Bool("update", false, "rewrite testdata seeds")

func sampleCommands() map[string]*Command {
	return map[string]*Command{
		"echo-rq":  {CommandField: CEchoRQ, MessageID: 1, AffectedSOPClassUID: "1.2.840.10008.1.1", CommandDataSetType: NoDataSet},
		"store-rq": {CommandField: CStoreRQ, MessageID: 7, AffectedSOPClassUID: "1.2.840.10008.5.1.4.1.1.2", AffectedSOPInstanceUID: "1.2.3.4.5", Priority: PriorityMedium, CommandDataSetType: HasDataSet, MoveOriginatorAE: "MOVER", MoveOriginatorMessageID: 3},
		"move-rsp": {CommandField: CMoveRSP, MessageIDBeingRespondedTo: 2, AffectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.2", CommandDataSetType: NoDataSet, Status: StatusPending,
			SubOps: &SubOps{Remaining: 2, HasRemaining: true, Completed: 1}},
		"find-rsp-failure": {CommandField: CFindRSP, MessageIDBeingRespondedTo: 9, CommandDataSetType: NoDataSet, Status: StatusUnableToProcess, ErrorComment: "nope", ErrorID: 4,
			Extra: []RawElement{{Tag: 0x00000901, Value: []byte{0x10, 0, 0x10, 0}}}},
		"cancel":  {CommandField: CCancelRQ, MessageIDBeingRespondedTo: 5, CommandDataSetType: NoDataSet},
		"move-rq": {CommandField: CMoveRQ, MessageID: 2, AffectedSOPClassUID: "1.2.840.10008.5.1.4.1.2.2.2", MoveDestination: "DEST", CommandDataSetType: HasDataSet},
	}
}

func TestCommandRoundTrip(t *testing.T) {
	for name, c := range sampleCommands() {
		t.Run(name, func(t *testing.T) {
			b, err := EncodeCommand(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(b)%2 != 0 {
				t.Errorf("odd command length %d", len(b))
			}
			if got := binary.LittleEndian.Uint32(b[8:]); int(got) != len(b)-12 {
				t.Errorf("group length %d, want %d", got, len(b)-12)
			}
			got, err := DecodeCommand(b)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, c); diff != "" {
				t.Errorf("(-got +want)\n%s", diff)
			}
			if *update {
				data := []byte(nil)
				if c.HasData() {
					data = []byte{0x08, 0x00, 0x52, 0x00, 6, 0, 0, 0, 'S', 'T', 'U', 'D', 'Y', ' '}
				}
				var body []byte
				for _, v := range append(Fragment(1, true, b, 20), fragmentsOrNil(data)...) {
					body = binary.BigEndian.AppendUint32(body, uint32(len(v.Data)+2))
					body = append(body, v.ContextID, v.Control)
					body = append(body, v.Data...)
				}
				os.WriteFile(filepath.Join("testdata", name+".pdvs"), body, 0o644)
			}
		})
	}
}

func fragmentsOrNil(data []byte) []pdu.PDV {
	if data == nil {
		return nil
	}
	return Fragment(1, false, data, 5)
}

// TestCommandKnownBytes pins a C-ECHO-RQ to bytes written from PS3.7 by hand.
func TestCommandKnownBytes(t *testing.T) {
	b, err := EncodeCommand(&Command{CommandField: CEchoRQ, MessageID: 1, AffectedSOPClassUID: "1.2.840.10008.1.1", CommandDataSetType: NoDataSet})
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0, 0, 0, 0, 4, 0, 0, 0, 66, 0, 0, 0, // group length 26+4*10
		0, 0, 2, 0, 18, 0, 0, 0, '1', '.', '2', '.', '8', '4', '0', '.', '1', '0', '0', '0', '8', '.', '1', '.', '1', 0,
		0, 0, 0, 1, 2, 0, 0, 0, 0x30, 0,
		0, 0, 0x10, 1, 2, 0, 0, 0, 1, 0,
		0, 0, 0, 7, 2, 0, 0, 0, 0, 0, // priority medium
		0, 0, 0, 8, 2, 0, 0, 0, 1, 1,
	}
	if !bytes.Equal(b, want) {
		t.Errorf("got  % x\nwant % x", b, want)
	}
}

func TestDecodeCommandMalformed(t *testing.T) {
	good, _ := EncodeCommand(sampleCommands()["echo-rq"])
	tests := []struct {
		name string
		in   []byte
	}{
		{"truncated header", good[:5]},
		{"length past end", append(append([]byte(nil), good[:12]...), 0, 0, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF)},
		{"group 0008", []byte{8, 0, 0x52, 0, 0, 0, 0, 0}},
		{"US wrong size", []byte{0, 0, 0, 1, 3, 0, 0, 0, 1, 2, 3}},
		{"no command field", []byte{0, 0, 0, 8, 2, 0, 0, 0, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeCommand(tt.in); !errors.Is(err, ErrMalformedCommand) {
				t.Errorf("err = %v, want ErrMalformedCommand", err)
			}
		})
	}
}

func TestReassembly(t *testing.T) {
	cmd, _ := EncodeCommand(&Command{CommandField: CStoreRQ, MessageID: 1, AffectedSOPClassUID: "1.2", AffectedSOPInstanceUID: "1.2.3", CommandDataSetType: HasDataSet})
	data := bytes.Repeat([]byte{1, 2, 3}, 100)
	echo, _ := EncodeCommand(sampleCommands()["echo-rq"])
	t.Run("fragmented store then echo", func(t *testing.T) {
		r := NewReassembler(Caps{})
		var got []*Message
		for _, v := range append(append(Fragment(3, true, cmd, 7), Fragment(3, false, data, 11)...), Fragment(1, true, echo, 1000)...) {
			m, err := r.Add(v)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				got = append(got, m)
			}
		}
		if len(got) != 2 {
			t.Fatalf("%d messages, want 2", len(got))
		}
		if got[0].ContextID != 3 || !bytes.Equal(got[0].Data, data) || got[0].Command.AffectedSOPInstanceUID != "1.2.3" {
			t.Errorf("first message wrong: ctx %d, %d data bytes", got[0].ContextID, len(got[0].Data))
		}
		if got[1].Data != nil || got[1].Command.CommandField != CEchoRQ {
			t.Errorf("second message wrong")
		}
	})
	tests := []struct {
		name string
		caps Caps
		pdvs []pdu.PDV
		want error
	}{
		{"data before command", Caps{}, Fragment(1, false, data, 100), ErrReassembly},
		{"interleaved contexts", Caps{}, append(Fragment(1, true, cmd, 10)[:1], Fragment(3, true, cmd, 10)...), ErrReassembly},
		{"command after complete", Caps{}, append(Fragment(1, true, cmd, 1000), Fragment(1, true, cmd, 1000)...), ErrReassembly},
		{"never-ending data", Caps{MaxData: 1000}, append(Fragment(1, true, cmd, 1000), nonLast(1, 2000)...), ErrMessageTooLong},
		{"never-ending command", Caps{MaxCommand: 100}, nonLast(1, 200, pdu.ControlCommand), ErrMessageTooLong},
		{"garbage command", Caps{}, Fragment(1, true, []byte{1, 2, 3}, 10), ErrReassembly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReassembler(tt.caps)
			var err error
			for _, v := range tt.pdvs {
				if _, err = r.Add(v); err != nil {
					break
				}
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// nonLast makes n one-byte fragments without the last bit.
func nonLast(ctx uint8, n int, control ...uint8) []pdu.PDV {
	var c uint8
	if len(control) > 0 {
		c = control[0]
	}
	out := make([]pdu.PDV, n)
	for i := range out {
		out[i] = pdu.PDV{ContextID: ctx, Control: c, Data: []byte{0}}
	}
	return out
}

func TestReassemblyReuse(t *testing.T) {
	cmd, _ := EncodeCommand(&Command{CommandField: CStoreRQ, MessageID: 1, AffectedSOPClassUID: "1.2", CommandDataSetType: HasDataSet})
	r := NewReassembler(Caps{})
	r.Reuse = true
	for i, data := range [][]byte{{}, bytes.Repeat([]byte{1}, 5000), {}, bytes.Repeat([]byte{2}, 300)} {
		var got *Message
		for _, v := range append(Fragment(1, true, cmd, 100), Fragment(1, false, data, 1000)...) {
			m, err := r.Add(v)
			if err != nil {
				t.Fatal(err)
			}
			if m != nil {
				got = m
			}
		}
		if got == nil || got.Data == nil || !bytes.Equal(got.Data, data) {
			t.Errorf("message %d: data %v, want %d bytes (non-nil)", i, got, len(data))
		}
	}
}

type failingWriter struct{ n int }

func (w *failingWriter) Write(b []byte) (int, error) {
	w.n++
	if w.n > 1 {
		return 0, errors.New("disk full")
	}
	return len(b), nil
}

func TestReassemblySink(t *testing.T) {
	cmd, _ := EncodeCommand(&Command{CommandField: CStoreRQ, MessageID: 1, AffectedSOPClassUID: "1.2", CommandDataSetType: HasDataSet})
	data := bytes.Repeat([]byte{9, 8, 7}, 1000)
	pdvs := append(Fragment(1, true, cmd, 100), Fragment(1, false, data, 700)...)
	feed := func(r *Reassembler) (*Message, error) {
		var got *Message
		for _, v := range pdvs {
			m, err := r.Add(v)
			if err != nil {
				return nil, err
			}
			if m != nil {
				got = m
			}
		}
		return got, nil
	}
	t.Run("streamed", func(t *testing.T) {
		var buf bytes.Buffer
		r := NewReassembler(Caps{MaxData: 10}) // the buffer cap does not apply to streams
		r.Sink = func(ctxID uint8, c *Command) io.Writer { return &buf }
		m, err := feed(r)
		if err != nil || m == nil {
			t.Fatalf("%v %v", m, err)
		}
		if !m.Streamed || m.Data != nil || m.Size != int64(len(data)) || !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("streamed=%v data=%v size=%d, %d bytes written", m.Streamed, m.Data != nil, m.Size, buf.Len())
		}
	})
	t.Run("sink error", func(t *testing.T) {
		r := NewReassembler(Caps{})
		r.Sink = func(uint8, *Command) io.Writer { return &failingWriter{} }
		m, err := feed(r)
		if err != nil || m == nil || m.SinkErr == nil {
			t.Fatalf("message %+v, err %v: want a completed message carrying the sink error", m, err)
		}
	})
	t.Run("stream cap", func(t *testing.T) {
		r := NewReassembler(Caps{MaxStream: 1000})
		r.Sink = func(uint8, *Command) io.Writer { return io.Discard }
		if _, err := feed(r); !errors.Is(err, ErrMessageTooLong) {
			t.Errorf("err = %v, want ErrMessageTooLong", err)
		}
	})
	t.Run("sink declines", func(t *testing.T) {
		r := NewReassembler(Caps{})
		r.Sink = func(uint8, *Command) io.Writer { return nil }
		m, err := feed(r)
		if err != nil || m.Streamed || !bytes.Equal(m.Data, data) {
			t.Errorf("declined sink: %+v %v", m, err)
		}
	})
}
