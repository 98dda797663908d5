package scp

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// errRefusedByAbort ends a session after an Orthanc-style refusal.
var errRefusedByAbort = errors.New("request refused with A-ABORT")

// identifierReadOptions bounds identifiers we decode from peers.
var identifierReadOptions = dicom.ReadOptions{MaxElements: 10000, MaxDepth: 8, MaxDecodedBytes: 16 << 20}

// errIncomplete finishes a stream whose association ended mid-data-set.
var errIncomplete = errors.New("association ended before the data set was complete")

// run serves DIMSE requests until release, abort or error.
func (sess *session) run(ctx context.Context) error {
	defer func() {
		if sess.stream != nil {
			sess.stream.Finish(errIncomplete)
			sess.stream = nil
		}
	}()
	for {
		m, err := sess.conn.ReadMessage(ctx)
		if errors.Is(err, ul.ErrReleaseRequested) {
			return sess.conn.Association().ReplyRelease(ctx)
		}
		if err != nil {
			return err
		}
		if err := sess.dispatch(ctx, m); err != nil {
			sess.conn.Abort()
			return err
		}
	}
}

func (sess *session) request(m *dimse.Message) *Request {
	return sess.requestFor(m.ContextID, m.Command)
}

func (sess *session) requestFor(ctxID uint8, c *dimse.Command) *Request {
	pc := sess.accepted[ctxID]
	ts := ""
	if len(pc.TransferSyntaxes) > 0 {
		ts = pc.TransferSyntaxes[0]
	}
	return &Request{CallingAE: sess.rq.CallingAE, CalledAE: sess.rq.CalledAE, RemoteAddr: sess.remote, Allowed: sess.allowed, ContextID: ctxID, TransferSyntax: ts,
		MoveOriginatorAE: c.MoveOriginatorAE, MoveOriginatorMessageID: c.MoveOriginatorMessageID}
}

// sink decides, when a C-STORE command arrives, whether its data set is
// streamed to the handler: only for a store the peer may make, on a
// storage context that matches the command.
func (sess *session) sink(ctx context.Context, h StreamStoreHandler) func(uint8, *dimse.Command) io.Writer {
	return func(ctxID uint8, c *dimse.Command) io.Writer {
		pc, ok := sess.accepted[ctxID]
		if c.CommandField != dimse.CStoreRQ || !ok || pc.AbstractSyntax != c.AffectedSOPClassUID ||
			serviceOf(pc.AbstractSyntax) != Store || !sess.allowed.Has(Store) {
			return nil
		}
		req := sess.requestFor(ctxID, c)
		st := h.BeginStore(ctx, req, c.AffectedSOPClassUID, c.AffectedSOPInstanceUID, req.TransferSyntax)
		if st == nil {
			return nil
		}
		sess.stream = st
		return st
	}
}

func (sess *session) dispatch(ctx context.Context, m *dimse.Message) error {
	c := m.Command
	pc, ok := sess.accepted[m.ContextID]
	if !ok {
		return fmt.Errorf("%w: %s on presentation context %d, which was not accepted", ul.ErrProtocol, dimse.CommandName(c.CommandField), m.ContextID)
	}
	var svc Services
	var rsp uint16
	switch c.CommandField {
	case dimse.CEchoRQ:
		svc, rsp = Echo, dimse.CEchoRSP
	case dimse.CStoreRQ:
		svc, rsp = Store, dimse.CStoreRSP
	case dimse.CFindRQ:
		svc, rsp = Find, dimse.CFindRSP
	case dimse.CMoveRQ:
		svc, rsp = Move, dimse.CMoveRSP
	case dimse.CGetRQ:
		svc, rsp = Get, dimse.CGetRSP
	case dimse.CCancelRQ:
		return nil // nothing in progress to cancel
	default:
		return fmt.Errorf("%w: unsupported %s", ul.ErrProtocol, dimse.CommandName(c.CommandField))
	}
	if serviceOf(pc.AbstractSyntax) != svc {
		return sess.respond(ctx, m, rsp, dimse.StatusSOPClassNotSupported, nil)
	}
	if !sess.allowed.Has(svc) {
		switch sess.s.cfg.Policy.Refusal {
		case RefuseStatus:
			return sess.respond(ctx, m, rsp, dimse.StatusNotAuthorized, nil)
		default:
			// Orthanc's way: accept the association, abort the request.
			sess.s.log.Info("refused with A-ABORT", "calling", sess.rq.CallingAE, "service", svc.String())
			sess.conn.Abort()
			return errRefusedByAbort
		}
	}
	req := sess.request(m)
	switch svc {
	case Echo:
		return sess.respond(ctx, m, rsp, dimse.StatusSuccess, nil)
	case Store:
		if m.Streamed {
			st := sess.stream
			sess.stream = nil
			status := dimse.StatusOutOfResources
			if st != nil {
				status = st.Finish(m.SinkErr)
			}
			return sess.respond(ctx, m, rsp, status, nil)
		}
		if m.Data == nil {
			return sess.respond(ctx, m, rsp, dimse.StatusCannotUnderstand, nil)
		}
		if c.AffectedSOPClassUID != pc.AbstractSyntax {
			return sess.respond(ctx, m, rsp, dimse.StatusDataSetDoesNotMatchSOP, nil)
		}
		status := dimse.StatusSOPClassNotSupported
		if sess.s.cfg.Store != nil {
			status = sess.s.cfg.Store.Store(ctx, req, c.AffectedSOPClassUID, c.AffectedSOPInstanceUID, req.TransferSyntax, m.Data)
		}
		return sess.respond(ctx, m, rsp, status, nil)
	case Find:
		return sess.find(ctx, m, req)
	case Move, Get:
		return sess.retrieve(ctx, m, req, svc)
	}
	return nil
}

// respond sends a response to request m.
func (sess *session) respond(ctx context.Context, m *dimse.Message, field, status uint16, data []byte) error {
	c := m.Command
	r := &dimse.Command{CommandField: field, MessageIDBeingRespondedTo: c.MessageID, AffectedSOPClassUID: c.AffectedSOPClassUID, Status: status}
	if field == dimse.CStoreRSP {
		r.AffectedSOPInstanceUID = c.AffectedSOPInstanceUID
	}
	return sess.conn.WriteMessage(ctx, m.ContextID, r, data)
}

// cancelled polls for a C-CANCEL of msgID without waiting.
func (sess *session) cancelled(ctx context.Context, msgID uint16) (bool, error) {
	for {
		m, err := sess.conn.PollMessage(ctx)
		if err != nil || m == nil {
			return false, err
		}
		if m.Command.CommandField == dimse.CCancelRQ && m.Command.MessageIDBeingRespondedTo == msgID {
			return true, nil
		}
		// Any other request while one is running breaks our one-at-a-time
		// window (async ops 1/1).
		return false, fmt.Errorf("%w: %s while a request was in progress", ul.ErrProtocol, dimse.CommandName(m.Command.CommandField))
	}
}

func (sess *session) find(ctx context.Context, m *dimse.Message, req *Request) error {
	if sess.s.cfg.Find == nil || m.Data == nil {
		return sess.respond(ctx, m, dimse.CFindRSP, dimse.StatusIdentifierDoesNotMatch, nil)
	}
	ident, _, err := dicom.ReadDataSet(m.Data, req.TransferSyntax, identifierReadOptions)
	if err != nil {
		return sess.respond(ctx, m, dimse.CFindRSP, dimse.StatusIdentifierDoesNotMatch, nil)
	}
	var sendErr error
	cancel := false
	emit := func(match *dicom.DataSet) bool {
		if sendErr != nil || cancel {
			return false
		}
		b, err := dicom.EncodeDataSet(match, req.TransferSyntax)
		if err != nil {
			return true // skip what cannot be encoded
		}
		if sendErr = sess.respond(ctx, m, dimse.CFindRSP, dimse.StatusPending, b); sendErr != nil {
			return false
		}
		cancel, sendErr = sess.cancelled(ctx, m.Command.MessageID)
		return sendErr == nil && !cancel
	}
	status := sess.s.cfg.Find.Find(ctx, req, m.Command.AffectedSOPClassUID, ident, emit)
	if sendErr != nil {
		return sendErr
	}
	if cancel {
		status = dimse.StatusCancel
	}
	return sess.respond(ctx, m, dimse.CFindRSP, status, nil)
}

// retrieve serves C-MOVE (sub-association to the destination) and C-GET
// (C-STORE sub-operations on this association).
func (sess *session) retrieve(ctx context.Context, m *dimse.Message, req *Request, svc Services) error {
	rsp := dimse.CMoveRSP
	if svc == Get {
		rsp = dimse.CGetRSP
	}
	final := func(status uint16, ops dimse.SubOps) error {
		c := m.Command
		r := &dimse.Command{CommandField: rsp, MessageIDBeingRespondedTo: c.MessageID, AffectedSOPClassUID: c.AffectedSOPClassUID, Status: status, SubOps: &ops}
		return sess.conn.WriteMessage(ctx, m.ContextID, r, nil)
	}
	var dest string
	if svc == Move {
		var ok bool
		if dest, ok = sess.s.cfg.Destinations[m.Command.MoveDestination]; !ok {
			return final(dimse.StatusMoveDestinationUnknown, dimse.SubOps{})
		}
	}
	if m.Data == nil {
		return final(dimse.StatusIdentifierDoesNotMatch, dimse.SubOps{})
	}
	ident, _, err := dicom.ReadDataSet(m.Data, req.TransferSyntax, identifierReadOptions)
	if err != nil {
		return final(dimse.StatusIdentifierDoesNotMatch, dimse.SubOps{})
	}
	instances, status := sess.s.cfg.Retrieve.Retrieve(ctx, req, m.Command.AffectedSOPClassUID, ident)
	if status != dimse.StatusSuccess {
		return final(status, dimse.SubOps{})
	}
	// Sub-operation counts are 16-bit: a retrieve serves at most 65535.
	if len(instances) > 0xFFFF {
		instances = instances[:0xFFFF]
	}
	var send func(Instance) uint16
	var done func()
	if svc == Move {
		var err error
		send, done, err = sess.moveSender(ctx, dest, m.Command, instances)
		if err != nil {
			sess.s.log.Info("C-MOVE sub-association failed", "destination", m.Command.MoveDestination, "err", err)
			return final(dimse.StatusOutOfResourcesSubOps, dimse.SubOps{Failed: uint16(len(instances))})
		}
	} else {
		send, done = sess.getSender(ctx, m.Command.MessageID), func() {}
	}
	defer done()
	ops := dimse.SubOps{Remaining: uint16(len(instances)), HasRemaining: true}
	for i, inst := range instances {
		st := send(inst)
		switch {
		case st == dimse.StatusSuccess:
			ops.Completed++
		case st&0xF000 == 0xB000:
			ops.Warning++
		default:
			ops.Failed++
		}
		ops.Remaining--
		if sess.getErr != nil {
			return sess.getErr
		}
		if i < len(instances)-1 {
			c := m.Command
			pending := &dimse.Command{CommandField: rsp, MessageIDBeingRespondedTo: c.MessageID, AffectedSOPClassUID: c.AffectedSOPClassUID, Status: dimse.StatusPending, SubOps: &dimse.SubOps{
				Remaining: ops.Remaining, HasRemaining: true, Completed: ops.Completed, Failed: ops.Failed, Warning: ops.Warning}}
			if err := sess.conn.WriteMessage(ctx, m.ContextID, pending, nil); err != nil {
				return err
			}
			if cancel, err := sess.cancelled(ctx, c.MessageID); err != nil {
				return err
			} else if cancel {
				ops.HasRemaining = true
				return final(dimse.StatusCancel, ops)
			}
		}
	}
	ops.HasRemaining = false
	status = dimse.StatusSuccess
	if ops.Failed > 0 || ops.Warning > 0 {
		status = dimse.StatusSubOpsCompleteFailures
	}
	return final(status, ops)
}

// moveSender opens the C-MOVE sub-association to the destination.
func (sess *session) moveSender(ctx context.Context, addr string, c *dimse.Command, instances []Instance) (func(Instance) uint16, func(), error) {
	seen := map[[2]string]bool{}
	var props []scu.Proposal
	for _, inst := range instances {
		k := [2]string{inst.SOPClassUID, inst.TransferSyntax}
		if seen[k] || len(props) >= 128 {
			continue
		}
		seen[k] = true
		props = append(props, scu.Proposal{AbstractSyntax: inst.SOPClassUID, TransferSyntaxes: []string{inst.TransferSyntax}})
	}
	if len(props) == 0 {
		return func(Instance) uint16 { return dimse.StatusSuccess }, func() {}, nil
	}
	cfg := sess.s.cfg
	a, _, err := scu.Associate(ctx, scu.Config{
		Dialer: cfg.Dialer, Addr: addr, CallingAE: cfg.Policy.AE, CalledAE: c.MoveDestination, Contexts: props,
		ImplementationClassUID: cfg.ImplementationClassUID, ImplementationVersionName: cfg.ImplementationVersionName,
		UL: cfg.UL, Caps: cfg.Caps,
	})
	if err != nil {
		return nil, nil, err
	}
	send := func(inst Instance) uint16 {
		st, err := a.StoreForMove(ctx, inst.SOPClassUID, inst.SOPInstanceUID, inst.TransferSyntax, inst.DataSet, sess.rq.CallingAE, c.MessageID)
		if err != nil {
			return dimse.StatusOutOfResourcesSubOps
		}
		return st
	}
	return send, func() { a.Release(context.WithoutCancel(ctx)) }, nil
}

// getSender sends C-STORE sub-operations on this association and reads
// their responses.
func (sess *session) getSender(ctx context.Context, getMsgID uint16) func(Instance) uint16 {
	return func(inst Instance) uint16 {
		if !sess.getRoles[inst.SOPClassUID] {
			return dimse.StatusOutOfResourcesSubOps
		}
		ctxID, data := sess.storageContext(inst)
		if ctxID == 0 {
			return dimse.StatusOutOfResourcesSubOps
		}
		msgID := sess.conn.NextMessageID()
		rq := &dimse.Command{CommandField: dimse.CStoreRQ, MessageID: msgID, AffectedSOPClassUID: inst.SOPClassUID,
			AffectedSOPInstanceUID: inst.SOPInstanceUID, Priority: dimse.PriorityMedium}
		if err := sess.conn.WriteMessage(ctx, ctxID, rq, data); err != nil {
			sess.getErr = err
			return dimse.StatusOutOfResourcesSubOps
		}
		for {
			m, err := sess.conn.ReadMessage(ctx)
			if err != nil {
				sess.getErr = err
				return dimse.StatusOutOfResourcesSubOps
			}
			c := m.Command
			if c.CommandField == dimse.CCancelRQ && c.MessageIDBeingRespondedTo == getMsgID {
				continue // honoured between sub-operations
			}
			if c.CommandField != dimse.CStoreRSP || c.MessageIDBeingRespondedTo != msgID {
				sess.getErr = fmt.Errorf("%w: %s during C-GET sub-operation", ul.ErrProtocol, dimse.CommandName(c.CommandField))
				return dimse.StatusOutOfResourcesSubOps
			}
			return c.Status
		}
	}
}

// storageContext finds an accepted context for the instance's SOP class,
// transcoding between the uncompressed syntaxes when needed.
func (sess *session) storageContext(inst Instance) (uint8, []byte) {
	var fallback uint8
	var fallbackTS string
	for id := 1; id < 256; id += 2 {
		pc, ok := sess.accepted[uint8(id)]
		if !ok || pc.AbstractSyntax != inst.SOPClassUID {
			continue
		}
		ts := pc.TransferSyntaxes[0]
		if ts == inst.TransferSyntax {
			return uint8(id), inst.DataSet
		}
		if fallback == 0 && isUncompressed(ts) && isUncompressed(inst.TransferSyntax) {
			fallback, fallbackTS = uint8(id), ts
		}
	}
	if fallback == 0 {
		return 0, nil
	}
	ds, _, err := dicom.ReadDataSet(inst.DataSet, inst.TransferSyntax, dicom.ReadOptions{})
	if err != nil {
		return 0, nil
	}
	b, err := dicom.EncodeDataSet(ds, fallbackTS)
	if err != nil {
		return 0, nil
	}
	return fallback, b
}

func isUncompressed(ts string) bool {
	return ts == dicom.ImplicitVRLittleEndian || ts == dicom.ExplicitVRLittleEndian || ts == dicom.ExplicitVRBigEndian
}
