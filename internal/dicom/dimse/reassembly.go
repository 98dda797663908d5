package dimse

import (
	"errors"
	"fmt"
	"io"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// Message is one reassembled DIMSE message.
type Message struct {
	ContextID uint8
	Command   *Command
	// Data is the data set in the presentation context's transfer syntax;
	// nil when the command says none follows or when it was streamed.
	Data []byte
	// Streamed says the data set went to the reassembler's Sink; SinkErr is
	// the first error the sink returned (the rest of the data was read and
	// dropped, so the association stays usable).
	Streamed bool
	SinkErr  error
	// Size is the number of data set bytes received (buffered or streamed).
	Size int64
}

// Caps for reassembly. Zero fields take the defaults.
type Caps struct {
	// MaxCommand caps a command set (default 64 KiB; real ones are < 1 KiB).
	MaxCommand int
	// MaxData caps a buffered data set (default 64 MiB).
	MaxData int64
	// MaxStream caps a data set streamed to a Sink (default 4 GiB).
	MaxStream int64
}

// Defaults for Caps.
const (
	DefaultMaxCommand = 64 << 10
	DefaultMaxData    = 64 << 20
	DefaultMaxStream  = 4 << 30
)

func (c Caps) withDefaults() Caps {
	if c.MaxCommand <= 0 {
		c.MaxCommand = DefaultMaxCommand
	}
	if c.MaxData <= 0 {
		c.MaxData = DefaultMaxData
	}
	if c.MaxStream <= 0 {
		c.MaxStream = DefaultMaxStream
	}
	return c
}

// Reassembly errors; every one wraps ErrReassembly.
var (
	ErrReassembly     = errors.New("DIMSE reassembly")
	ErrMessageTooLong = fmt.Errorf("%w: message longer than the cap", ErrReassembly)
)

// Reassembler collects PDV fragments into messages (PS3.7 §6.3, PS3.8
// Annex E): all command fragments, then, if the command says so, all data
// fragments, on one presentation context, with no interleaving. It bounds
// the command and data it holds, so a peer that never sets the "last"
// bit is cut off at the cap.
type Reassembler struct {
	// Reuse lets the reassembler reuse a message's data buffer for the
	// next message: Message.Data is then valid only until the next Add.
	// dimse.Conn turns it on; a caller that keeps messages must not.
	Reuse bool
	// Sink, when set, is asked once per message whose command announces a
	// data set; a non-nil writer receives the data fragments as they
	// arrive instead of a buffer (so a large C-STORE needs no memory),
	// bounded by MaxStream.
	Sink      func(ctxID uint8, cmd *Command) io.Writer
	sink      io.Writer
	sinkErr   error
	streamed  int64
	spare     []byte
	caps      Caps
	inMessage bool
	ctxID     uint8
	cmdBytes  []byte
	cmd       *Command
	data      []byte
}

// NewReassembler returns a reassembler with the given caps.
func NewReassembler(caps Caps) *Reassembler {
	return &Reassembler{caps: caps.withDefaults()}
}

// Add adds one fragment. It returns a message when the fragment completes
// one, and an error (after which the association must be aborted) when the
// fragment breaks the rules or a cap.
func (r *Reassembler) Add(v pdu.PDV) (*Message, error) {
	if !r.inMessage {
		r.inMessage, r.ctxID = true, v.ContextID
	} else if v.ContextID != r.ctxID {
		return nil, fmt.Errorf("%w: fragment for context %d inside a message on context %d", ErrReassembly, v.ContextID, r.ctxID)
	}
	if v.IsCommand() {
		if r.cmd != nil {
			return nil, fmt.Errorf("%w: command fragment after the command set was complete", ErrReassembly)
		}
		if len(r.cmdBytes)+len(v.Data) > r.caps.MaxCommand {
			return nil, fmt.Errorf("%w: command set over %d bytes", ErrMessageTooLong, r.caps.MaxCommand)
		}
		r.cmdBytes = append(r.cmdBytes, v.Data...)
		if !v.IsLast() {
			return nil, nil
		}
		cmd, err := DecodeCommand(r.cmdBytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrReassembly, err)
		}
		r.cmd = cmd
		if !cmd.HasData() {
			return r.finish(nil), nil
		}
		if r.Sink != nil {
			r.sink = r.Sink(r.ctxID, cmd)
		}
		return nil, nil
	}
	if r.cmd == nil {
		return nil, fmt.Errorf("%w: data fragment before the command set", ErrReassembly)
	}
	if r.sink != nil {
		if r.streamed+int64(len(v.Data)) > r.caps.MaxStream {
			return nil, fmt.Errorf("%w: streamed data set over %d bytes", ErrMessageTooLong, r.caps.MaxStream)
		}
		r.streamed += int64(len(v.Data))
		if r.sinkErr == nil {
			if _, err := r.sink.Write(v.Data); err != nil {
				r.sinkErr = err
			}
		}
		if !v.IsLast() {
			return nil, nil
		}
		m := &Message{ContextID: r.ctxID, Command: r.cmd, Streamed: true, SinkErr: r.sinkErr, Size: r.streamed}
		r.inMessage, r.cmdBytes, r.cmd, r.sink, r.sinkErr, r.streamed = false, nil, nil, nil, nil, 0
		return m, nil
	}
	if int64(len(r.data))+int64(len(v.Data)) > r.caps.MaxData {
		return nil, fmt.Errorf("%w: data set over %d bytes", ErrMessageTooLong, r.caps.MaxData)
	}
	if r.data == nil {
		// A non-nil empty slice marks "a data set was sent", even empty.
		// A first fragment that is not the last means a large message:
		// start big so that growing copies little.
		n := len(v.Data)
		if !v.IsLast() {
			n = int(min(max(int64(n)*16, 256<<10), r.caps.MaxData))
		}
		if r.Reuse && r.spare != nil && cap(r.spare) >= n {
			r.data = r.spare[:0]
		} else {
			r.data = make([]byte, 0, n)
		}
	} else if cap(r.data)-len(r.data) < len(v.Data) {
		// Grow by 2x (bounded by the cap) rather than append's 1.25x for
		// large slices.
		n := min(max(int64(cap(r.data))*2, int64(len(r.data)+len(v.Data))), r.caps.MaxData)
		grown := make([]byte, len(r.data), n)
		copy(grown, r.data)
		r.data = grown
	}
	r.data = append(r.data, v.Data...)
	if !v.IsLast() {
		return nil, nil
	}
	return r.finish(r.data), nil
}

func (r *Reassembler) finish(data []byte) *Message {
	m := &Message{ContextID: r.ctxID, Command: r.cmd, Data: data, Size: int64(len(data))}
	if r.Reuse && cap(data) > cap(r.spare) {
		r.spare = data[:0]
	}
	r.inMessage, r.cmdBytes, r.cmd, r.data = false, nil, nil, nil
	return m
}

// InProgress reports whether a message has started but not completed.
func (r *Reassembler) InProgress() bool { return r.inMessage }

// Fragment splits a message part into PDVs of at most maxData bytes, the
// last one flagged. command selects the command bit. It is the inverse of
// Reassembler for one part, used by tests and the traffic analyser; the
// sending path (ul.Association.SendMessage) does the same without copies.
func Fragment(ctxID uint8, command bool, b []byte, maxData int) []pdu.PDV {
	if maxData < 1 {
		maxData = 1
	}
	var ctl uint8
	if command {
		ctl = pdu.ControlCommand
	}
	var out []pdu.PDV
	for first := true; first || len(b) > 0; first = false {
		n := min(len(b), maxData)
		c := ctl
		if n == len(b) {
			c |= pdu.ControlLast
		}
		out = append(out, pdu.PDV{ContextID: ctxID, Control: c, Data: b[:n]})
		b = b[n:]
	}
	return out
}
