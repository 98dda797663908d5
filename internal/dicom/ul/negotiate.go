package ul

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
)

// ErrLocalReject is returned by Accept when the decision function (or the
// provider, for an unsupported protocol version) rejected the association.
var ErrLocalReject = errors.New("association rejected locally")

// Request runs the requestor side of association establishment over a
// connection the caller has already opened (Evt1, Evt2 are the dial). It
// sends rq with our maximum PDU length, waits for the answer (bounded by
// the context and ARTIM) and returns the established association and the
// A-ASSOCIATE-AC. On a reject it returns the RJ and a *RejectError, on an
// abort an *AbortError, on a non-DICOM answer a *NotDICOMError; in every
// failure case the connection is already closed.
func Request(ctx context.Context, conn net.Conn, rq *pdu.AssociateRQ, cfg Config) (*Association, *pdu.AssociateAC, *pdu.AssociateRJ, error) {
	a := newAssociation(conn, cfg, true)
	if _, err := a.m.Fire(Evt1); err != nil {
		conn.Close()
		return nil, nil, nil, err
	}
	if _, err := a.m.Fire(Evt2); err != nil { // AE-2: send the RQ
		conn.Close()
		return nil, nil, nil, err
	}
	rq.UserInfo.MaxLength, rq.UserInfo.HasMaxLength = a.cfg.MaxPDU, true
	stop := a.watch(ctx)
	defer stop()
	if err := a.writePDU(ctx, rq); err != nil {
		a.close()
		return nil, nil, nil, err
	}
	p, err := a.readOne(ctx, a.cfg.ARTIM)
	if err != nil {
		var nd *NotDICOMError
		if errors.As(err, &nd) {
			a.m.Fire(Evt19) // AA-8
			a.providerAbort(abortReasonFor(nd.Err))
			return nil, nil, nil, err
		}
		// Evt17 (closed) or a timeout, which PS3.8 leaves to the user:
		// A-ABORT (Evt15, AA-1) and close.
		if errors.Is(err, ErrTimeout) || ctx.Err() != nil {
			a.m.Fire(Evt15)
			a.sendAbort(pdu.AbortServiceUser, 0)
		} else {
			a.m.Fire(Evt17)
		}
		a.close()
		return nil, nil, nil, err
	}
	switch p := p.(type) {
	case *pdu.AssociateAC:
		a.m.Fire(Evt3) // AE-3
		a.sendPDU = sendSize(p.UserInfo.MaxLength, a.cfg)
		return a, p, nil, nil
	case *pdu.AssociateRJ:
		a.m.Fire(Evt4) // AE-4: close at once
		a.close()
		return nil, nil, p, &RejectError{Result: p.Result, Source: p.Source, Reason: p.Reason}
	default:
		return nil, nil, nil, a.handleUnexpected(p, nil)
	}
}

// Decide answers an A-ASSOCIATE-RQ: exactly one of ac and rj is non-nil.
type Decide func(rq *pdu.AssociateRQ) (ac *pdu.AssociateAC, rj *pdu.AssociateRJ)

// Accept runs the acceptor side of association establishment on a
// connection just accepted (Evt5). The A-ASSOCIATE-RQ must arrive within
// ARTIM. decide answers it; Accept fills in our maximum PDU length. On a
// reject it sends the RJ, waits (at most ARTIM) for the peer to close,
// closes, and returns the RQ with ErrLocalReject. The returned association
// stays bound to ctx (see Bind).
func Accept(ctx context.Context, conn net.Conn, cfg Config, decide Decide) (*Association, *pdu.AssociateRQ, error) {
	a := newAssociation(conn, cfg, false)
	a.m.Fire(Evt5) // AE-5: start ARTIM
	// The association stays bound to ctx (see Bind): a server's context
	// ends its associations.
	a.Bind(ctx)
	defer func() {
		if a.m.State() != Sta6 {
			a.close()
		}
	}()
	p, err := a.readOne(ctx, a.cfg.ARTIM)
	if err != nil {
		var nd *NotDICOMError
		switch {
		case errors.As(err, &nd):
			a.m.Fire(Evt19) // AA-1
			a.sendAbort(pdu.AbortServiceProvider, abortReasonFor(nd.Err))
		case errors.Is(err, ErrTimeout):
			a.m.Fire(Evt18) // AA-2
		default:
			a.m.Fire(Evt17) // AA-5
		}
		a.close()
		return nil, nil, err
	}
	rq, ok := p.(*pdu.AssociateRQ)
	if !ok {
		return nil, nil, a.handleUnexpected(p, nil)
	}
	a.m.Fire(Evt6) // AE-6: indication to the user (Sta3)
	var ac *pdu.AssociateAC
	var rj *pdu.AssociateRJ
	if rq.ProtocolVersion&1 == 0 {
		rj = &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceProviderACSE, Reason: pdu.RejectReasonProtocolVersionNotSupported}
	} else {
		ac, rj = decide(rq)
	}
	if ac == nil {
		if rj == nil {
			rj = &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonNoReason}
		}
		a.m.Fire(Evt8) // AE-8: send RJ, start ARTIM (Sta13)
		if err := a.writePDU(ctx, rj); err == nil {
			a.waitPeerClose(ctx)
		}
		a.close()
		return nil, rq, fmt.Errorf("%w: %s", ErrLocalReject, pdu.RejectReasonString(rj.Source, rj.Reason))
	}
	ac.UserInfo.MaxLength, ac.UserInfo.HasMaxLength = a.cfg.MaxPDU, true
	a.m.Fire(Evt7) // AE-7: send AC
	if err := a.writePDU(ctx, ac); err != nil {
		a.close()
		return nil, rq, err
	}
	a.sendPDU = sendSize(rq.UserInfo.MaxLength, a.cfg)
	return a, rq, nil
}

// waitPeerClose is Sta13: wait (at most ARTIM) for the peer to close the
// transport, discarding what it sends (AA-6), then return so the caller
// closes (AR-5 or, on expiry, AA-2).
func (a *Association) waitPeerClose(ctx context.Context) {
	a.rdl = deadline(ctx, a.cfg.ARTIM)
	a.conn.SetReadDeadline(a.rdl)
	var buf [512]byte
	for {
		if _, err := a.br.Read(buf[:]); err != nil {
			return
		}
	}
}
