package dicom

import (
	"errors"
	"fmt"
	"io"
)

// source gives the reader bounded windows of the input. It reads through an
// io.ReaderAt in chunks, so that values that are skipped are never read: a
// metadata sweep of a 2 GB file touches only its headers. Windows are never
// reused once handed out, because element values alias them.
type source struct {
	r    io.ReaderAt // nil when the whole input is in buf
	size int64       // end of the input (absolute offset)
	buf  []byte      // input bytes [base, base+len(buf))
	base int64
	// chunk is the size of the next read; it grows so that long headers
	// cost few reads.
	chunk int
}

const (
	firstChunk = 16 << 10
	maxChunk   = 1 << 20
)

// errShort means the input ends before the bytes asked for.
var errShort = errors.New("input ends early")

// bytes returns the n bytes at off. It fails with errShort when they are
// not all there (n is checked against the size before anything is
// allocated), or with the reader's error.
func (s *source) bytes(off int64, n int) ([]byte, error) {
	if n < 0 || off < 0 || off > s.size || int64(n) > s.size-off {
		return nil, errShort
	}
	if off >= s.base && off+int64(n) <= s.base+int64(len(s.buf)) {
		i := off - s.base
		return s.buf[i : i+int64(n) : i+int64(n)], nil
	}
	if s.r == nil {
		return nil, errShort
	}
	if off > s.base+int64(len(s.buf)) {
		// A gap: values were skipped. Start small again, or every skipped
		// value would cost a full-size window read for the next header.
		s.chunk = firstChunk
	}
	want := n
	if want < s.chunk {
		want = s.chunk
	}
	if int64(want) > s.size-off {
		want = int(s.size - off)
	}
	buf := make([]byte, want)
	// Bytes already in the window are carried over, not read again: a
	// forward-only reader (a deflate stream) cannot go back for them.
	carried := 0
	if off >= s.base && off < s.base+int64(len(s.buf)) {
		carried = copy(buf, s.buf[off-s.base:])
	}
	got, err := s.r.ReadAt(buf[carried:], off+int64(carried))
	got += carried
	if got < want {
		if err == nil || errors.Is(err, io.EOF) {
			// The input is shorter than it claimed: what is there is the end.
			s.size = off + int64(got)
			s.buf, s.base = buf[:got], off
			if got < n {
				return nil, errShort
			}
			return buf[:n:n], nil
		}
		return nil, fmt.Errorf("dicom: read at offset %d: %w", off+int64(carried), err)
	}
	s.buf, s.base = buf[:got], off
	if s.chunk < maxChunk {
		s.chunk *= 2
	}
	return buf[:n:n], nil
}

// has reports whether n bytes at off are within the input.
func (s *source) has(off int64, n int64) bool {
	return off >= 0 && n >= 0 && off <= s.size && n <= s.size-off
}
