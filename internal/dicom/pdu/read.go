package pdu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FrameLimits caps the length of a PDU read from a stream, by kind. An
// A-ASSOCIATE-RQ from a real toolkit can be tens of kilobytes, far more than
// a negotiated data PDU may be, so the two caps are separate.
type FrameLimits struct {
	MaxAssociate uint32 // A-ASSOCIATE-RQ/AC body; 0 = 1 MiB
	MaxData      uint32 // P-DATA-TF body; 0 = 1 MiB
}

const defaultFrameCap = 1 << 20

// readChunk is how much ReadFrame allocates ahead of the bytes actually
// received, so a peer that announces a large PDU and sends little costs
// little.
const readChunk = 64 << 10

// Header is a decoded PDU header.
type Header struct {
	Type   Type
	Length uint32
}

// ReadHeader reads and checks a PDU header: the type must be one of the
// seven, and the length within the cap for that type. It returns the header
// even on a cap error so that callers can report what the peer sent.
func ReadHeader(r io.Reader, lim FrameLimits) (Header, error) {
	var b [HeaderLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return Header{}, err
	}
	return ParseHeader(b[:], lim)
}

// ParseHeader decodes and checks the 6-byte PDU header at the start of b
// (see ReadHeader).
func ParseHeader(b []byte, lim FrameLimits) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: %d bytes, shorter than a PDU header", ErrMalformed, len(b))
	}
	h := Header{Type: Type(b[0]), Length: binary.BigEndian.Uint32(b[2:])}
	if !h.Type.Valid() {
		return h, fmt.Errorf("%w 0x%02X", ErrUnknownType, b[0])
	}
	var max uint32
	switch h.Type {
	case TypeAssociateRQ, TypeAssociateAC:
		max = lim.MaxAssociate
		if max == 0 {
			max = defaultFrameCap
		}
	case TypePDataTF:
		max = lim.MaxData
		if max == 0 {
			max = defaultFrameCap
		}
	default:
		max = 4
	}
	if h.Length > max {
		return h, fmt.Errorf("%w: %s of %d bytes, cap %d", ErrTooLong, h.Type, h.Length, max)
	}
	return h, nil
}

// ReadFrame reads one PDU from r and returns its header and body. buf is
// reused when it is large enough; the body aliases it. The body grows in
// chunks as bytes arrive, never by the announced length at once.
func ReadFrame(r io.Reader, lim FrameLimits, buf []byte) (Header, []byte, error) {
	h, err := ReadHeader(r, lim)
	if err != nil {
		return h, nil, err
	}
	n := int(h.Length)
	if cap(buf) >= n {
		body := buf[:n]
		if _, err := io.ReadFull(r, body); err != nil {
			return h, nil, unexpectedEOF(err)
		}
		return h, body, nil
	}
	body := buf[:0]
	for len(body) < n {
		want := min(n-len(body), max(readChunk, len(body)))
		if cap(body)-len(body) < want {
			grown := make([]byte, len(body), len(body)+want)
			copy(grown, body)
			body = grown
		}
		m, err := io.ReadFull(r, body[len(body):len(body)+want])
		body = body[:len(body)+m]
		if err != nil {
			return h, nil, unexpectedEOF(err)
		}
	}
	return h, body, nil
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
