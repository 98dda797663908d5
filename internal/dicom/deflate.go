package dicom

import (
	"bufio"
	"compress/flate"
	"errors"
	"fmt"
	"io"
)

// inflater is a forward-only io.ReaderAt over the inflation of a deflated
// data set. The parser reads forward only, so the data set is inflated as
// it is parsed: a sweep that stops before pixel data, or skips long values,
// inflates only up to there and holds only the windows it reads, whatever
// the file's size. The inflated size is capped (decompression bombs).
type inflater struct {
	r      *reader
	origin int64 // file offset of the deflated stream: inflated offset 0
	zr     io.ReadCloser
	br     *bufio.Reader
	cr     *countingReader
	pos    int64 // inflated bytes consumed
	limit  int64
	clen   int64 // compressed length
	ended  bool  // the stream ended cleanly
	failed bool  // corrupt stream or cap exceeded
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

var errBackwards = errors.New("dicom: deflated data set read backwards")

func (z *inflater) ReadAt(p []byte, off int64) (int, error) {
	rel := off - z.origin
	if rel < z.pos {
		return 0, errBackwards
	}
	if z.ended || z.failed {
		return 0, io.EOF
	}
	if rel > z.pos {
		// Skipped bytes are inflated and dropped, never held.
		n, err := io.CopyN(io.Discard, z.zr, rel-z.pos)
		z.pos += n
		if err != nil {
			z.end(err)
			return 0, io.EOF
		}
	}
	n := 0
	for n < len(p) {
		m, err := z.zr.Read(p[n:])
		n += m
		if err != nil {
			z.pos += int64(n)
			z.end(err)
			return n, io.EOF
		}
	}
	z.pos += int64(n)
	if z.pos == z.limit && !z.streamDone() {
		// A byte more than the cap: a bomb, or a data set too big to hold.
		z.failed = true
		z.r.anomaly(AnomalyLimit, z.origin, 0, fmt.Sprintf("deflated data set inflates beyond %d bytes (decompression bomb?); read truncated", z.limit))
		z.r.stop = z.r.err != nil // go on reading what was inflated
	}
	return n, nil
}

// end records how the stream ended: flate says io.EOF at its clean end,
// anything else (io.ErrUnexpectedEOF, CorruptInputError) is damage.
func (z *inflater) end(err error) {
	if err == io.EOF {
		z.ended = true
		return
	}
	z.failed = true
	z.r.anomaly(AnomalyDeflate, z.origin, 0, "deflate stream is corrupt or cut after "+itoa(z.pos)+" inflated bytes")
}

// streamDone reports whether the stream has ended (it reads one byte, so
// it is only asked when no more bytes will be wanted, or at the cap).
func (z *inflater) streamDone() bool {
	var one [1]byte
	n, err := z.zr.Read(one[:])
	if n == 0 && err == io.EOF {
		z.ended = true
		return true
	}
	return false
}

// inflateInto makes the rest of the input (from off) its inflation: offsets
// after off are then positions in the inflated stream plus off.
func (r *reader) inflateInto(compressed io.Reader, off, compressedLen int64) {
	limit := r.opts.MaxDecodedBytes - r.decoded
	ratioCap := compressedLen * maxDeflateRatio
	if ratioCap < minDeflateCap {
		ratioCap = minDeflateCap
	}
	if ratioCap < limit {
		limit = ratioCap
	}
	// flate reads exactly its stream from a ByteReader, so what is left
	// in the buffer after the stream ends is data hidden after it.
	cr := &countingReader{r: compressed}
	br := bufio.NewReader(cr)
	z := &inflater{r: r, origin: off, zr: flate.NewReader(br), br: br, cr: cr, limit: limit, clen: compressedLen}
	r.inflate = z
	r.src = source{r: z, base: off, size: off + limit, chunk: firstChunk}
}

// finishInflate reports data hidden after a deflate stream read to its end.
func (r *reader) finishInflate() {
	z := r.inflate
	if z == nil {
		return
	}
	defer z.zr.Close()
	if !z.ended && !z.failed && !r.stop && !r.atPixels {
		// The parser ended without asking past what it read: find out
		// whether the stream ends there too.
		z.streamDone()
	}
	if !z.ended {
		return
	}
	if used := z.cr.n - int64(z.br.Buffered()); used < z.clen {
		r.anomaly(AnomalyTrailingData, z.origin+used, 0, fmt.Sprintf("%d bytes after the deflated data set", z.clen-used))
	}
}
