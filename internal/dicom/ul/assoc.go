package ul

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// Config bounds an association. Zero fields take the defaults.
type Config struct {
	// MaxPDU is the largest P-DATA-TF PDU length we declare and accept
	// (sub-item 0x51, the length field excluding the 6-byte header).
	// Default 256 KiB.
	MaxPDU uint32
	// MaxAssociatePDU caps a received A-ASSOCIATE-RQ/AC (default 1 MiB).
	MaxAssociatePDU uint32
	// MaxItems caps items and sub-items in one associate PDU (default 4096).
	MaxItems int
	// DefaultSendPDU is the PDU length we send when the peer declares 0
	// (unlimited); default 16 KiB. MaxSendPDU caps what we send even when
	// the peer allows more; default 1 MiB.
	DefaultSendPDU uint32
	MaxSendPDU     uint32
	// ARTIM is the association request/reject/release timer (default 10 s).
	ARTIM time.Duration
	// ReadTimeout bounds each read when no context deadline is nearer
	// (default 60 s); WriteTimeout each write (default 30 s).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

// Defaults for Config.
const (
	DefaultMaxPDU          = 256 << 10
	DefaultMaxAssociatePDU = 1 << 20
	DefaultSendPDU         = 16 << 10
	DefaultMaxSendPDU      = 1 << 20
	DefaultARTIM           = 10 * time.Second
	DefaultReadTimeout     = 60 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
)

// WithDefaults returns c with zero fields set to the defaults.
func (c Config) WithDefaults() Config {
	if c.MaxPDU == 0 {
		c.MaxPDU = DefaultMaxPDU
	}
	if c.MaxAssociatePDU == 0 {
		c.MaxAssociatePDU = DefaultMaxAssociatePDU
	}
	if c.DefaultSendPDU == 0 {
		c.DefaultSendPDU = DefaultSendPDU
	}
	if c.MaxSendPDU == 0 {
		c.MaxSendPDU = DefaultMaxSendPDU
	}
	if c.ARTIM == 0 {
		c.ARTIM = DefaultARTIM
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = DefaultReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	return c
}

// Errors. Peer A-ABORTs come as *AbortError, rejects as *RejectError.
var (
	// ErrAborted is matched by every *AbortError.
	ErrAborted = errors.New("association aborted by peer")
	// ErrRejected is matched by every *RejectError.
	ErrRejected = errors.New("association rejected")
	// ErrNotDICOM means the peer's answer was not a DICOM PDU at all.
	ErrNotDICOM = errors.New("peer did not answer with a DICOM PDU")
	// ErrProtocol means the peer broke the protocol (unexpected or invalid
	// PDU); we aborted the association.
	ErrProtocol = errors.New("DICOM protocol error")
	// ErrConnectionClosed means the transport closed without release or abort.
	ErrConnectionClosed = errors.New("connection closed by peer")
	// ErrTimeout means a read or write deadline or the ARTIM timer expired.
	ErrTimeout = errors.New("DICOM association timed out")
	// ErrClosed means the association was already released or aborted.
	ErrClosed = errors.New("association closed")
	// ErrReleaseRequested is returned by ReadPData when the peer asked to
	// release; answer with ReplyRelease.
	ErrReleaseRequested = errors.New("peer requested release")
)

// AbortError is an A-ABORT received from the peer.
type AbortError struct {
	Source pdu.AbortSource
	Reason pdu.AbortReason
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("association aborted by peer (source %s, reason %s)", e.Source, e.Reason)
}

// Is makes errors.Is(err, ErrAborted) true.
func (e *AbortError) Is(target error) bool { return target == ErrAborted }

// RejectError is an A-ASSOCIATE-RJ received from the peer.
type RejectError struct {
	Result pdu.RejectResult
	Source pdu.RejectSource
	Reason uint8
}

func (e *RejectError) Error() string {
	return fmt.Sprintf("association rejected: %s, source %s, reason %s", e.Result, e.Source, pdu.RejectReasonString(e.Source, e.Reason))
}

// Is makes errors.Is(err, ErrRejected) true.
func (e *RejectError) Is(target error) bool { return target == ErrRejected }

// NotDICOMError carries the first bytes a non-DICOM peer sent (at most 16),
// so that a scanner can tell an HTTP server or a honeypot from silence.
type NotDICOMError struct {
	Prefix []byte
	Err    error
}

func (e *NotDICOMError) Error() string {
	return fmt.Sprintf("peer did not answer with a DICOM PDU (first bytes %q): %v", e.Prefix, e.Err)
}

// Is makes errors.Is(err, ErrNotDICOM) true.
func (e *NotDICOMError) Is(target error) bool { return target == ErrNotDICOM }

func (e *NotDICOMError) Unwrap() error { return e.Err }

// Association is an established association (or one being established).
// Its methods are for one goroutine at a time: the DIMSE layer above is
// the only user. Reads happen in the caller's goroutine, through a buffer,
// with a deadline from the context; there is no background goroutine, so
// nothing can outlive the association.
type Association struct {
	conn      net.Conn
	br        *bufio.Reader
	cfg       Config
	m         Machine
	requestor bool
	sendPDU   uint32 // the largest P-DATA-TF length we send
	closed    chan struct{}
	closeOnce sync.Once
	wbuf      []byte
	// rbuf is reused for P-DATA-TF bodies: the DIMSE layer copies every
	// fragment out before it asks for the next PDU.
	rbuf     []byte
	lastPoll time.Time
	// rdl and wdl are the deadlines last set on the connection; resetting
	// them for every PDU costs timer work, so they are moved only when the
	// wanted deadline is earlier or later by more than an eighth of the
	// timeout. dirty says a cancelled context has set them in the past.
	rdl, wdl time.Time
	dirty    atomic.Bool
	// hdrs and bufs are reused to batch PDUs into one writev.
	hdrs []byte
	bufs [][]byte
	// pdata is reused for every P-DATA-TF decoded in place.
	pdata pdu.PDataTF
	// bound is a context bound for the whole association (Bind): I/O
	// under it needs no per-call watch.
	bound  context.Context
	unbind func() bool
}

// Bind ties the association to ctx: cancelling ctx interrupts any I/O and
// the association's next operation fails. A server binds each association
// to its serving context once, instead of paying a watch per PDU.
func (a *Association) Bind(ctx context.Context) {
	a.bound = ctx
	a.unbind = a.watchAlways(ctx)
}

func newAssociation(conn net.Conn, cfg Config, requestor bool) *Association {
	cfg = cfg.WithDefaults()
	// Small until data flows (see growReader): most associations of a scan
	// or a C-ECHO never carry a large PDU.
	return &Association{conn: conn, br: bufio.NewReaderSize(conn, smallReadBuffer), cfg: cfg, m: NewMachine(requestor), requestor: requestor, closed: make(chan struct{})}
}

const smallReadBuffer = 4 << 10

// growReader replaces the small read buffer by one that holds a whole
// P-DATA-TF of our maximum (up to 1 MiB), so that data PDUs are decoded in
// place and several arrive per read system call, and switches to the
// data-phase reader (newDataReader). Bytes already buffered are carried
// over.
func (a *Association) growReader() {
	size := int(min(max(uint64(a.cfg.MaxPDU)+pdu.HeaderLen, 64<<10), 1<<20+pdu.HeaderLen))
	if a.br.Size() >= size {
		return
	}
	r := newDataReader(a.conn)
	if n := a.br.Buffered(); n > 0 {
		b, _ := a.br.Peek(n)
		r = io.MultiReader(bytes.NewReader(bytes.Clone(b)), r)
	}
	a.br = bufio.NewReaderSize(r, size)
}

func (a *Association) setReadDeadline(t time.Time, timeout time.Duration) error {
	if a.dirty.Swap(false) {
		a.rdl, a.wdl = time.Time{}, time.Time{}
	}
	if !a.rdl.IsZero() && !t.Before(a.rdl) && t.Sub(a.rdl) < timeout/8 {
		return nil
	}
	a.rdl = t
	return a.conn.SetReadDeadline(t)
}

func (a *Association) setWriteDeadline(t time.Time, timeout time.Duration) error {
	if a.dirty.Swap(false) {
		a.rdl, a.wdl = time.Time{}, time.Time{}
	}
	if !a.wdl.IsZero() && !t.Before(a.wdl) && t.Sub(a.wdl) < timeout/8 {
		return nil
	}
	a.wdl = t
	return a.conn.SetWriteDeadline(t)
}

// State is the association's current PS3.8 state.
func (a *Association) State() State { return a.m.State() }

// Conn is the underlying connection (for addresses and TLS state).
func (a *Association) Conn() net.Conn { return a.conn }

// SendPDU is the largest P-DATA-TF PDU length this side sends.
func (a *Association) SendPDU() uint32 { return a.sendPDU }

// MaxPDVData is the largest fragment one PDV carries: the send PDU length
// minus the PDV item header (PS3.8 §9.3.5: 4-byte length, ID, control).
func (a *Association) MaxPDVData() int { return int(a.sendPDU) - pdu.PDVHeaderLen }

// sendSize picks our send PDU length from the peer's declared maximum:
// 0 means unlimited, so a sane default; never more than MaxSendPDU; never
// so small that a PDV cannot carry a byte. Computed in 64 bits.
func sendSize(peerMax uint32, cfg Config) uint32 {
	n := uint64(peerMax)
	if n == 0 {
		n = uint64(cfg.DefaultSendPDU)
	}
	n = min(n, uint64(cfg.MaxSendPDU), math.MaxUint32)
	if n < pdu.PDVHeaderLen+1 {
		n = pdu.PDVHeaderLen + 1
	}
	return uint32(n)
}

// deadline is the earlier of the context's deadline and now+d.
func deadline(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if dl, ok := ctx.Deadline(); ok && dl.Before(t) {
		return dl
	}
	return t
}

// watch makes a cancelled context interrupt blocked I/O on the connection.
func (a *Association) watch(ctx context.Context) (stop func() bool) {
	if ctx.Done() == nil || ctx == a.bound {
		return func() bool { return true }
	}
	return a.watchAlways(ctx)
}

func (a *Association) watchAlways(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		a.dirty.Store(true)
		a.conn.SetDeadline(time.Unix(1, 0))
	})
}

func (a *Association) write(ctx context.Context, b []byte) error {
	if err := a.setWriteDeadline(deadline(ctx, a.cfg.WriteTimeout), a.cfg.WriteTimeout); err != nil {
		return err
	}
	_, err := a.conn.Write(b)
	return classifyIOError(ctx, err)
}

func (a *Association) writePDU(ctx context.Context, p pdu.PDU) error {
	b, err := pdu.Append(a.wbuf[:0], p)
	if err != nil {
		return err
	}
	a.wbuf = b
	return a.write(ctx, b)
}

// classifyIOError turns deadline expiry into ErrTimeout (or the context's
// own error when it was cancelled) and EOF into ErrConnectionClosed.
func classifyIOError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The read deadline is the context's deadline; its timer may fire
		// a moment before the context's own, so say both.
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			return fmt.Errorf("%w: %w: %w", ErrTimeout, context.DeadlineExceeded, err)
		}
		return fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return fmt.Errorf("%w: %w", ErrConnectionClosed, err)
	}
	return err
}

// readOne reads and decodes one PDU synchronously, before the reader
// goroutine runs (association negotiation). raw is filled with up to 16
// leading bytes for NotDICOMError.
func (a *Association) readOne(ctx context.Context, d time.Duration) (pdu.PDU, error) {
	if err := a.conn.SetReadDeadline(deadline(ctx, d)); err != nil {
		return nil, err
	}
	rec := &recordingReader{r: a.br}
	h, body, err := pdu.ReadFrame(rec, a.frameLimits(), nil)
	if err != nil {
		if errors.Is(err, pdu.ErrUnknownType) || errors.Is(err, pdu.ErrTooLong) {
			// Read a little more (briefly) so the evidence shows what
			// the service is, e.g. "HTTP/1.1 400 Bad".
			a.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			more := make([]byte, 16-len(rec.prefix))
			io.ReadAtLeast(rec, more, len(more))
			return nil, &NotDICOMError{Prefix: rec.prefix, Err: err}
		}
		return nil, classifyIOError(ctx, err)
	}
	p, err := pdu.DecodeBody(h.Type, body, pdu.Limits{MaxItems: a.cfg.MaxItems})
	if err != nil {
		return nil, &NotDICOMError{Prefix: rec.prefix, Err: err}
	}
	return p, nil
}

// recordingReader keeps the first 16 bytes read, as evidence of what a
// non-DICOM peer sent.
type recordingReader struct {
	r      io.Reader
	prefix []byte
}

func (r *recordingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if len(r.prefix) < 16 {
		r.prefix = append(r.prefix, p[:min(n, 16-len(r.prefix))]...)
	}
	return n, err
}

func (a *Association) frameLimits() pdu.FrameLimits {
	return pdu.FrameLimits{MaxAssociate: a.cfg.MaxAssociatePDU, MaxData: a.cfg.MaxPDU}
}

// next reads the next PDU, bounded by the context and the idle timeout.
// A cancelled context interrupts the read.
func (a *Association) next(ctx context.Context) (pdu.PDU, error) {
	select {
	case <-a.closed:
		return nil, ErrClosed
	default:
	}
	stop := a.watch(ctx)
	defer stop()
	if err := a.setReadDeadline(deadline(ctx, a.cfg.ReadTimeout), a.cfg.ReadTimeout); err != nil {
		return nil, classifyIOError(ctx, err)
	}
	lim := a.frameLimits()
	// Fast path: decode the PDU in place in the read buffer. The PDV data
	// then alias the buffer until the next read, which the DIMSE layer
	// never does before it has copied every fragment out.
	if hb, err := a.br.Peek(pdu.HeaderLen); err == nil {
		h, err := pdu.ParseHeader(hb, lim)
		if err != nil {
			return nil, err
		}
		n := int(h.Length) + pdu.HeaderLen
		if n > a.br.Size() && h.Type == pdu.TypePDataTF && a.br.Size() == smallReadBuffer {
			a.growReader()
		}
		if n <= a.br.Size() {
			b, err := a.br.Peek(n)
			if err != nil {
				return nil, classifyIOError(ctx, unexpectedEOF(err))
			}
			a.br.Discard(n)
			if h.Type == pdu.TypePDataTF {
				if err := pdu.DecodePDataInto(&a.pdata, b[pdu.HeaderLen:], pdu.Limits{}); err != nil {
					return nil, err
				}
				return &a.pdata, nil
			}
			return pdu.DecodeBody(h.Type, b[pdu.HeaderLen:], pdu.Limits{MaxItems: a.cfg.MaxItems})
		}
	}
	h, body, err := pdu.ReadFrame(a.br, lim, a.rbuf[:0])
	if err != nil {
		if errors.Is(err, pdu.ErrMalformed) || errors.Is(err, pdu.ErrTooLong) {
			return nil, err
		}
		return nil, classifyIOError(ctx, err)
	}
	if h.Type == pdu.TypePDataTF && cap(body) > cap(a.rbuf) {
		a.rbuf = body[:0]
	}
	return pdu.DecodeBody(h.Type, body, pdu.Limits{MaxItems: a.cfg.MaxItems})
}

func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// pollInterval and pollWait bound what PollPData costs when nothing has
// arrived: at most one short wait per interval.
const (
	pollInterval = 5 * time.Millisecond
	pollWait     = 200 * time.Microsecond
)

// ready reports whether a PDU has (started to) arrive, without consuming
// it and without waiting more than pollWait.
func (a *Association) ready() (bool, error) {
	if a.br.Buffered() > 0 {
		return true, nil
	}
	if time.Since(a.lastPoll) < pollInterval {
		return false, nil
	}
	a.lastPoll = time.Now()
	a.rdl = a.lastPoll.Add(pollWait)
	a.conn.SetReadDeadline(a.rdl)
	_, err := a.br.Peek(1)
	if err == nil {
		return true, nil
	}
	if isTimeout(err) {
		return false, nil
	}
	return false, err
}

// eventFor maps a received PDU to its PS3.8 event.
func eventFor(p pdu.PDU) Event {
	switch p.(type) {
	case *pdu.AssociateAC:
		return Evt3
	case *pdu.AssociateRJ:
		return Evt4
	case *pdu.AssociateRQ:
		return Evt6
	case *pdu.PDataTF:
		return Evt10
	case *pdu.ReleaseRQ:
		return Evt12
	case *pdu.ReleaseRP:
		return Evt13
	case *pdu.Abort:
		return Evt16
	}
	return Evt19
}

// close closes the transport and stops the reader. Safe to call twice.
func (a *Association) close() {
	a.closeOnce.Do(func() {
		close(a.closed)
		a.conn.Close()
		if a.unbind != nil {
			a.unbind()
		}
	})
}

// sendAbort sends an A-ABORT with a short deadline, ignoring errors: the
// connection is closed right after whatever happens.
func (a *Association) sendAbort(source pdu.AbortSource, reason pdu.AbortReason) {
	ctx, cancel := context.WithTimeout(context.Background(), min(a.cfg.WriteTimeout, 2*time.Second))
	defer cancel()
	_ = a.writePDU(ctx, &pdu.Abort{Source: source, Reason: reason})
}

// providerAbort performs AA-8 (or AA-1/AA-7): send an A-ABORT and close at
// once. PS3.8 starts ARTIM and waits for the peer to close; we close
// ourselves, which ends Sta13 the same way (AA-2) without holding a
// hostile peer's socket open.
func (a *Association) providerAbort(reason pdu.AbortReason) {
	a.sendAbort(pdu.AbortServiceProvider, reason)
	a.m.state = Sta1
	a.close()
}

// handleUnexpected applies the table to a PDU or error received where the
// caller wanted something else and returns the error for the caller.
func (a *Association) handleUnexpected(p pdu.PDU, readErr error) error {
	if readErr != nil {
		var ev Event
		switch {
		case errors.Is(readErr, pdu.ErrMalformed), errors.Is(readErr, pdu.ErrTooLong):
			ev = Evt19
		default:
			ev = Evt17
		}
		act, _ := a.m.Fire(ev)
		switch act {
		case AA1, AA7, AA8:
			a.providerAbort(abortReasonFor(readErr))
			return fmt.Errorf("%w: %w", ErrProtocol, readErr)
		}
		a.close()
		if errors.Is(readErr, ErrConnectionClosed) || errors.Is(readErr, ErrTimeout) {
			return readErr
		}
		return classifyIOError(context.Background(), readErr)
	}
	act, err := a.m.Fire(eventFor(p))
	if err != nil {
		a.providerAbort(pdu.AbortUnexpectedPDU)
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	switch act {
	case AA3:
		a.close()
		ab := p.(*pdu.Abort)
		return &AbortError{Source: ab.Source, Reason: ab.Reason}
	case AA1, AA7, AA8:
		a.providerAbort(pdu.AbortUnexpectedPDU)
		return fmt.Errorf("%w: unexpected %s in %s", ErrProtocol, p.Type(), a.m.State())
	case AA2, AA6:
		a.close()
		return ErrClosed
	}
	a.providerAbort(pdu.AbortUnexpectedPDU)
	return fmt.Errorf("%w: unexpected %s", ErrProtocol, p.Type())
}

func abortReasonFor(err error) pdu.AbortReason {
	if errors.Is(err, pdu.ErrUnknownType) {
		return pdu.AbortUnrecognizedPDU
	}
	return pdu.AbortInvalidPDUParameterValue
}
