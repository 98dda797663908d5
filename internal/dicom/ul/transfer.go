package ul

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// SendMessage sends one DIMSE message on presentation context ctxID: the
// command set, then the data set (if data is non-nil), each fragmented into
// PDVs of at most MaxPDVData bytes, one PDV per P-DATA-TF. Fragments of
// one message never interleave with another because only one goroutine
// sends. A failed write closes the association.
func (a *Association) SendMessage(ctx context.Context, ctxID uint8, command, data []byte) error {
	stop := a.watch(ctx)
	defer stop()
	if err := a.sendFragments(ctx, ctxID, pdu.ControlCommand, command); err != nil {
		return err
	}
	if data != nil {
		return a.sendFragments(ctx, ctxID, 0, data)
	}
	return nil
}

func (a *Association) sendFragments(ctx context.Context, ctxID, control uint8, b []byte) error {
	maxData := a.MaxPDVData()
	// Several PDUs go out per system call: on TCP as one writev of
	// header/fragment pairs (no copy), otherwise (TLS) copied into one
	// buffer. Each PDU still respects the peer's maximum length.
	const batchBytes = 256 << 10
	_, tcp := a.conn.(*net.TCPConn)
	hdrs := a.hdrs[:0]
	bufs := a.bufs[:0]
	out := a.wbuf[:0]
	pending := 0
	flush := func() error {
		var err error
		if err = a.setWriteDeadline(deadline(ctx, a.cfg.WriteTimeout), a.cfg.WriteTimeout); err == nil {
			if tcp {
				nb := net.Buffers(bufs)
				_, err = nb.WriteTo(a.conn)
			} else {
				_, err = a.conn.Write(out)
			}
		}
		a.hdrs, a.bufs, a.wbuf = hdrs[:0], bufs[:0], out[:0]
		hdrs, bufs, out, pending = hdrs[:0], bufs[:0], out[:0], 0
		if err != nil {
			a.close()
			return classifyIOError(ctx, err)
		}
		return nil
	}
	for first := true; first || len(b) > 0; first = false {
		// Evt9: P-DATA request; DT-1 in Sta6, AR-7 in Sta8.
		if _, err := a.m.Fire(Evt9); err != nil {
			return fmt.Errorf("%w: %w", ErrClosed, err)
		}
		n := min(len(b), maxData)
		c := control
		if n == len(b) {
			c |= pdu.ControlLast
		}
		if tcp {
			at := len(hdrs)
			hdrs = pdu.AppendPDataHeader(hdrs, ctxID, c, n)
			bufs = append(bufs, hdrs[at:len(hdrs):len(hdrs)], b[:n:n])
		} else {
			out = pdu.AppendPDataHeader(out, ctxID, c, n)
			out = append(out, b[:n]...)
		}
		pending += n + pdu.HeaderLen + pdu.PDVHeaderLen
		b = b[n:]
		if pending >= batchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if pending > 0 {
		return flush()
	}
	return nil
}

// ReadPData returns the next P-DATA-TF from the peer. A release request
// from the peer returns ErrReleaseRequested (answer with ReplyRelease); an
// A-ABORT returns an *AbortError; a cancelled context or an idle timeout
// aborts the association; a protocol error aborts it with a provider
// A-ABORT. After any error other than ErrReleaseRequested the association
// is closed.
func (a *Association) ReadPData(ctx context.Context) (*pdu.PDataTF, error) {
	p, err := a.next(ctx)
	return a.received(ctx, p, err)
}

// PollPData is ReadPData without waiting: it returns nil, nil when no PDU
// has arrived. The SCP uses it to notice a C-CANCEL between responses.
func (a *Association) PollPData(ctx context.Context) (*pdu.PDataTF, error) {
	select {
	case <-a.closed:
		return nil, ErrClosed
	default:
	}
	ok, err := a.ready()
	if err != nil {
		return a.received(ctx, nil, err)
	}
	if !ok {
		return nil, nil
	}
	return a.ReadPData(ctx)
}

func (a *Association) received(ctx context.Context, p pdu.PDU, err error) (*pdu.PDataTF, error) {
	if err != nil {
		if errors.Is(err, ErrClosed) {
			return nil, err
		}
		if ctx.Err() != nil || errors.Is(err, ErrTimeout) || isTimeout(err) {
			a.Abort()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if errors.Is(err, ErrTimeout) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %w", ErrTimeout, err)
		}
		return nil, a.handleUnexpected(nil, err)
	}
	switch p := p.(type) {
	case *pdu.PDataTF:
		if _, err := a.m.Fire(Evt10); err != nil {
			return nil, a.handleUnexpected(p, nil)
		}
		return p, nil
	case *pdu.ReleaseRQ:
		if a.m.State() == Sta6 {
			a.m.Fire(Evt12) // AR-2: release indication (Sta8)
			return nil, ErrReleaseRequested
		}
	}
	return nil, a.handleUnexpected(p, nil)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// ReplyRelease answers the peer's A-RELEASE-RQ (Evt14, AR-4): send the
// A-RELEASE-RP, wait at most ARTIM for the peer to close, close.
func (a *Association) ReplyRelease(ctx context.Context) error {
	defer a.close()
	if _, err := a.m.Fire(Evt14); err != nil {
		return err
	}
	stop := a.watch(ctx)
	defer stop()
	if err := a.writePDU(ctx, &pdu.ReleaseRP{}); err != nil {
		return err
	}
	a.waitPeerClose(ctx)
	return nil
}

// Release releases the association (Evt11, AR-1) and waits, bounded by
// the context and ARTIM, for the A-RELEASE-RP, handling a release
// collision as Table 9-10 says (Sta9–Sta12). P-DATA that arrives meanwhile
// is dropped. The connection is closed when Release returns, whatever
// happened; if the peer does not answer in time, the association is
// aborted.
func (a *Association) Release(ctx context.Context) error {
	defer a.close()
	if _, err := a.m.Fire(Evt11); err != nil {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline(ctx, a.cfg.ARTIM))
	defer cancel()
	stop := a.watch(ctx)
	defer stop()
	if err := a.writePDU(ctx, &pdu.ReleaseRQ{}); err != nil {
		return err
	}
	for {
		p, err := a.next(ctx)
		if err != nil {
			if ctx.Err() != nil || isTimeout(err) {
				a.m.Fire(Evt15)
				a.sendAbort(pdu.AbortServiceUser, 0)
				return fmt.Errorf("%w: no A-RELEASE-RP, aborted", ErrTimeout)
			}
			a.m.Fire(Evt17)
			return classifyIOError(ctx, err)
		}
		act, ferr := a.m.Fire(eventFor(p))
		if ferr != nil {
			a.providerAbort(pdu.AbortUnexpectedPDU)
			return fmt.Errorf("%w: %w", ErrProtocol, ferr)
		}
		switch act {
		case AR3: // release confirmation: done
			return nil
		case AR6: // P-DATA while awaiting RP: dropped
		case AR8: // collision: Sta9 (requestor) or Sta10 (acceptor)
			if a.requestor {
				a.m.Fire(Evt14) // AR-9: send RP, Sta11, await RP
				if err := a.writePDU(ctx, &pdu.ReleaseRP{}); err != nil {
					return err
				}
			}
		case AR10: // acceptor side of a collision: confirm, then answer (AR-4)
			a.m.Fire(Evt14)
			if err := a.writePDU(ctx, &pdu.ReleaseRP{}); err != nil {
				return err
			}
			a.waitPeerClose(ctx)
			return nil
		case AA3:
			ab := p.(*pdu.Abort)
			return &AbortError{Source: ab.Source, Reason: ab.Reason}
		default: // AA-8 and friends
			a.providerAbort(pdu.AbortUnexpectedPDU)
			return fmt.Errorf("%w: unexpected %s while releasing", ErrProtocol, p.Type())
		}
	}
}

// Abort sends an A-ABORT (service-user source, Evt15/AA-1) and closes the
// connection at once, without waiting for the peer.
func (a *Association) Abort() {
	select {
	case <-a.closed:
		return
	default:
	}
	if act, err := a.m.Fire(Evt15); err == nil && act == AA1 {
		a.sendAbort(pdu.AbortServiceUser, 0)
	}
	a.close()
}

// Close closes the transport without any PDU. Use Release or Abort first; Close is the last resort.
func (a *Association) Close() error {
	a.close()
	return nil
}

// Done is closed when the association's transport has been closed.
func (a *Association) Done() <-chan struct{} { return a.closed }
