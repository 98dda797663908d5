package scu

import (
	"context"
	"fmt"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
)

// FindResult is the end of a C-FIND.
type FindResult struct {
	Status    uint16 // final status
	Pending   int    // pending responses (matches) received
	Cancelled bool   // we sent a C-CANCEL
	Comment   string // error comment of the final response, if any
}

// FindRaw sends a C-FIND with an identifier already encoded in the
// context's transfer syntax (use ContextTransferSyntax) and calls fn with
// each pending response's identifier bytes (nil when the peer sent none;
// valid only during the call).
// When fn returns false, a C-CANCEL is sent and the remaining responses
// are read and counted without calling fn. fn may be nil: count only.
func (a *Association) FindRaw(ctx context.Context, sopClass string, identifier []byte, fn func(match []byte) bool) (FindResult, error) {
	var res FindResult
	pc, err := a.contextFor(sopClass, "")
	if err != nil {
		return res, err
	}
	id, err := a.request(ctx, pc.ID, &dimse.Command{CommandField: dimse.CFindRQ, AffectedSOPClassUID: sopClass, Priority: dimse.PriorityMedium}, nonNil(identifier))
	if err != nil {
		return res, err
	}
	for {
		m, err := a.response(ctx, id, dimse.CFindRSP)
		if err != nil {
			return res, err
		}
		if !dimse.IsPending(m.Command.Status) {
			res.Status, res.Comment = m.Command.Status, m.Command.ErrorComment
			return res, nil
		}
		res.Pending++
		if fn != nil && !res.Cancelled && !fn(m.Data) {
			res.Cancelled = true
			if err := a.cancel(ctx, pc.ID, id); err != nil {
				return res, err
			}
		}
	}
}

func (a *Association) cancel(ctx context.Context, ctxID uint8, msgID uint16) error {
	if err := a.conn.WriteMessage(ctx, ctxID, &dimse.Command{CommandField: dimse.CCancelRQ, MessageIDBeingRespondedTo: msgID}, nil); err != nil {
		return a.fail(err)
	}
	return nil
}

// ContextTransferSyntax is the transfer syntax accepted for sopClass (the
// first accepted context), to encode identifiers in.
func (a *Association) ContextTransferSyntax(sopClass string) (string, error) {
	pc, err := a.contextFor(sopClass, "")
	return pc.TransferSyntax, err
}

// Find encodes the identifier with the context's transfer syntax, sends a
// C-FIND, and calls fn with each match decoded (fn returning false sends
// a C-CANCEL). Matches that do not decode are counted and skipped.
func (a *Association) Find(ctx context.Context, sopClass string, identifier *dicom.DataSet, fn func(match *dicom.DataSet) bool) (FindResult, error) {
	ts, err := a.ContextTransferSyntax(sopClass)
	if err != nil {
		return FindResult{}, err
	}
	b, err := dicom.EncodeDataSet(identifier, ts)
	if err != nil {
		return FindResult{}, fmt.Errorf("encode C-FIND identifier: %w", err)
	}
	var raw func([]byte) bool
	if fn != nil {
		raw = func(m []byte) bool {
			ds, _, err := dicom.ReadDataSet(m, ts, dicom.ReadOptions{MaxElements: 10000})
			if err != nil {
				return true
			}
			return fn(ds)
		}
	}
	return a.FindRaw(ctx, sopClass, b, raw)
}

// RetrieveResult is the end of a C-MOVE or C-GET.
type RetrieveResult struct {
	Status  uint16
	Pending int
	// SubOps are the counts of the final response (or the last pending
	// one when the final has none).
	SubOps  dimse.SubOps
	Comment string
	// Stored counts C-STORE sub-operations we received (C-GET).
	Stored int
}

// Move sends a C-MOVE asking the peer to send the matches of identifier to
// destAE, and waits for the final response.
func (a *Association) Move(ctx context.Context, sopClass, destAE string, identifier *dicom.DataSet) (RetrieveResult, error) {
	ts, err := a.ContextTransferSyntax(sopClass)
	if err != nil {
		return RetrieveResult{}, err
	}
	b, err := dicom.EncodeDataSet(identifier, ts)
	if err != nil {
		return RetrieveResult{}, fmt.Errorf("encode C-MOVE identifier: %w", err)
	}
	return a.retrieve(ctx, sopClass, destAE, b, nil)
}

// StoreHandler receives a C-STORE sub-operation of a C-GET: the data set
// in transfer syntax ts, valid only during the call (copy to keep). It
// returns the C-STORE status.
type StoreHandler func(ctx context.Context, sopClass, sopInstance, ts string, data []byte) uint16

// Get sends a C-GET; the peer sends the matches back on this association
// as C-STORE sub-operations, each handed to store. Storage SOP classes must
// have been proposed with SCPRole set.
func (a *Association) Get(ctx context.Context, sopClass string, identifier *dicom.DataSet, store StoreHandler) (RetrieveResult, error) {
	ts, err := a.ContextTransferSyntax(sopClass)
	if err != nil {
		return RetrieveResult{}, err
	}
	b, err := dicom.EncodeDataSet(identifier, ts)
	if err != nil {
		return RetrieveResult{}, fmt.Errorf("encode C-GET identifier: %w", err)
	}
	if store == nil {
		store = func(context.Context, string, string, string, []byte) uint16 { return dimse.StatusSuccess }
	}
	return a.retrieve(ctx, sopClass, "", b, store)
}

func (a *Association) retrieve(ctx context.Context, sopClass, destAE string, identifier []byte, store StoreHandler) (RetrieveResult, error) {
	var res RetrieveResult
	pc, err := a.contextFor(sopClass, "")
	if err != nil {
		return res, err
	}
	field, rsp := dimse.CMoveRQ, dimse.CMoveRSP
	if store != nil {
		field, rsp = dimse.CGetRQ, dimse.CGetRSP
	}
	id, err := a.request(ctx, pc.ID, &dimse.Command{CommandField: field, AffectedSOPClassUID: sopClass, MoveDestination: destAE, Priority: dimse.PriorityMedium}, identifier)
	if err != nil {
		return res, err
	}
	for {
		m, err := a.conn.ReadMessage(ctx)
		if err != nil {
			return res, a.fail(err)
		}
		c := m.Command
		if store != nil && c.CommandField == dimse.CStoreRQ {
			if err := a.storeSubOp(ctx, m, store); err != nil {
				return res, err
			}
			res.Stored++
			continue
		}
		if c.CommandField != rsp || c.MessageIDBeingRespondedTo != id {
			return res, a.fail(fmt.Errorf("%w: got %s during %s", ErrProtocol, dimse.CommandName(c.CommandField), dimse.CommandName(field)))
		}
		if c.SubOps != nil {
			res.SubOps = *c.SubOps
		}
		if !dimse.IsPending(c.Status) {
			res.Status, res.Comment = c.Status, c.ErrorComment
			return res, nil
		}
		res.Pending++
	}
}

// storeSubOp answers a C-STORE-RQ received during a C-GET.
func (a *Association) storeSubOp(ctx context.Context, m *dimse.Message, store StoreHandler) error {
	c := m.Command
	status := dimse.StatusSOPClassNotSupported
	pc, ok := a.byID[m.ContextID]
	switch {
	case !ok:
		return a.fail(fmt.Errorf("%w: C-STORE-RQ on context %d, which was not accepted", ErrProtocol, m.ContextID))
	case pc.AbstractSyntax != c.AffectedSOPClassUID:
		status = dimse.StatusDataSetDoesNotMatchSOP
	case m.Data == nil:
		status = dimse.StatusCannotUnderstand
	default:
		status = store(ctx, c.AffectedSOPClassUID, c.AffectedSOPInstanceUID, pc.TransferSyntax, m.Data)
	}
	resp := &dimse.Command{CommandField: dimse.CStoreRSP, MessageIDBeingRespondedTo: c.MessageID,
		AffectedSOPClassUID: c.AffectedSOPClassUID, AffectedSOPInstanceUID: c.AffectedSOPInstanceUID, Status: status}
	if err := a.conn.WriteMessage(ctx, m.ContextID, resp, nil); err != nil {
		return a.fail(err)
	}
	return nil
}
