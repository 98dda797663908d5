// Package scu is pacsguard's DICOM service class user: it opens an
// association through an injectable dialer, returns the whole negotiation
// outcome as data (what a scanner fingerprints), and runs C-ECHO, C-STORE,
// C-FIND (with C-CANCEL), C-MOVE and C-GET (with its C-STORE
// sub-operations on the same association).
//
// It is polite by construction: an association it opened is always ended
// with A-RELEASE under a deadline (or A-ABORT when the peer does not
// answer), and the connection is closed at once after a reject or abort.
package scu

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// Identity pacsguard announces by default (sub-items 0x52 and 0x55).
const (
	DefaultImplementationClassUID    = dicom.ImplementationClassUID
	DefaultImplementationVersionName = "PACSGUARD"
	DefaultCallingAE                 = "PACSGUARD"
	DefaultCalledAE                  = "ANY-SCP"
)

// Well-known UIDs the package itself needs.
const (
	VerificationSOPClass   = "1.2.840.10008.1.1"
	ImplicitVRLittleEndian = "1.2.840.10008.1.2"
	ExplicitVRLittleEndian = "1.2.840.10008.1.2.1"
)

// Errors, re-exported from ul so callers need only this package.
var (
	ErrRejected         = ul.ErrRejected // *ul.RejectError carries result/source/reason
	ErrAborted          = ul.ErrAborted  // *ul.AbortError carries source/reason
	ErrNotDICOM         = ul.ErrNotDICOM // *ul.NotDICOMError carries the first bytes
	ErrTimeout          = ul.ErrTimeout
	ErrProtocol         = ul.ErrProtocol
	ErrConnectionClosed = ul.ErrConnectionClosed
	// ErrNoAcceptableContext: the peer accepted the association but none of
	// the proposed presentation contexts; the association was released.
	ErrNoAcceptableContext = errors.New("no acceptable presentation context")
	// ErrNoContext: no accepted presentation context fits the request.
	ErrNoContext = errors.New("no accepted presentation context for this SOP class and transfer syntax")
)

// Dialer opens the transport. *net.Dialer satisfies it; pacsguard's scope
// enforcing dialer (netx) does too.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// Proposal is one presentation context to propose.
type Proposal struct {
	AbstractSyntax   string
	TransferSyntaxes []string // default: implicit and explicit VR LE
	// SCPRole proposes that we also act as SCP for this SOP class (role
	// selection 0x54), as C-GET needs for its storage sub-operations.
	SCPRole bool
}

// Config describes one association. Zero fields take the defaults.
type Config struct {
	Dialer    Dialer // default: a net.Dialer
	Addr      string // host:port
	CallingAE string
	CalledAE  string
	// Contexts to propose (at most 128). Default: Verification only.
	Contexts                  []Proposal
	MaxPDU                    uint32 // what we receive; default ul.DefaultMaxPDU
	ImplementationClassUID    string
	ImplementationVersionName string
	UserIdentity              *pdu.UserIdentityRQ
	AsyncOps                  *pdu.AsyncOps
	SOPClassExtended          []pdu.SOPClassExtended
	SOPClassCommonExtended    []pdu.SOPClassCommonExtended
	// TLS, when set, wraps the connection in TLS before association.
	TLS *tls.Config
	// UL bounds the association (ARTIM, read/write timeouts, caps).
	UL ul.Config
	// Caps bound reassembled messages.
	Caps dimse.Caps
}

// ContextOutcome is what became of one proposed presentation context.
type ContextOutcome struct {
	ID               uint8
	AbstractSyntax   string
	TransferSyntaxes []string // proposed
	Result           pdu.ContextResult
	TransferSyntax   string // accepted one
	// Answered is false when the AC had no item for this context.
	Answered bool
}

// Outcome is the full result of association negotiation, as data.
type Outcome struct {
	Addr string
	// Accepted: an A-ASSOCIATE-AC came back.
	Accepted bool
	// Reject holds the A-ASSOCIATE-RJ fields when the peer rejected.
	Reject *pdu.AssociateRJ
	// Abort holds the A-ABORT fields when the peer aborted the negotiation.
	Abort *pdu.Abort
	// NotDICOM: the answer was not a DICOM PDU; Prefix holds its first bytes.
	NotDICOM bool
	Prefix   []byte
	Contexts []ContextOutcome
	// The peer's user information.
	ImplementationClassUID    string
	ImplementationVersionName string
	MaxPDU                    uint32
	HasMaxPDU                 bool
	AsyncOps                  *pdu.AsyncOps
	Roles                     []pdu.RoleSelection
	UserIdentity              *pdu.UserIdentityAC
	SOPClassExtended          []pdu.SOPClassExtended
	SOPClassCommonExtended    []pdu.SOPClassCommonExtended
	// AC is the decoded A-ASSOCIATE-AC, for anything not summarised above.
	AC *pdu.AssociateAC
	// TLS is the TLS connection state when TLS was used.
	TLS *tls.ConnectionState
	// Elapsed is the time from dial to answer.
	Elapsed time.Duration
}

// AcceptedContexts lists the accepted presentation contexts.
func (o *Outcome) AcceptedContexts() []ContextOutcome {
	var out []ContextOutcome
	for _, c := range o.Contexts {
		if c.Answered && c.Result == pdu.ContextAccepted {
			out = append(out, c)
		}
	}
	return out
}

// Association is an established association. Use it from one goroutine.
type Association struct {
	conn    *dimse.Conn
	outcome *Outcome
	// byID maps accepted context IDs to their outcome.
	byID map[uint8]ContextOutcome
	// scpRole lists abstract syntaxes for which the peer accepted our SCP role.
	scpRole map[string]bool
	closed  bool
}

// Associate dials cfg.Addr and negotiates. It returns the association and
// the outcome; on failure the outcome still says what happened (reject
// fields, abort, not DICOM) and the connection is already closed.
func Associate(ctx context.Context, cfg Config) (*Association, *Outcome, error) {
	out := &Outcome{Addr: cfg.Addr}
	rq, proposals, err := buildRQ(cfg)
	if err != nil {
		return nil, out, err
	}
	d := cfg.Dialer
	if d == nil {
		// No TCP keep-alive: associations are short and every read and
		// write has a deadline; keep-alive would only add system calls.
		d = &net.Dialer{KeepAlive: -1}
	}
	start := time.Now()
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, out, fmt.Errorf("dial %s: %w", cfg.Addr, err)
	}
	// Go's TCP connections have TCP_NODELAY set already: every PDU goes
	// out at once (Debian's DCMTK needs TCP_NODELAY=1 for that).
	if cfg.TLS != nil {
		tconn := tls.Client(conn, cfg.TLS)
		if err := tconn.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, out, fmt.Errorf("TLS handshake with %s: %w", cfg.Addr, err)
		}
		st := tconn.ConnectionState()
		out.TLS = &st
		conn = tconn
	}
	ucfg := cfg.UL
	if cfg.MaxPDU != 0 {
		ucfg.MaxPDU = cfg.MaxPDU
	}
	assoc, ac, rj, err := ul.Request(ctx, conn, rq, ucfg)
	out.Elapsed = time.Since(start)
	if err != nil {
		out.Reject = rj
		var ab *ul.AbortError
		if errors.As(err, &ab) {
			out.Abort = &pdu.Abort{Source: ab.Source, Reason: ab.Reason}
		}
		var nd *ul.NotDICOMError
		if errors.As(err, &nd) {
			out.NotDICOM, out.Prefix = true, nd.Prefix
		}
		return nil, out, err
	}
	fillOutcome(out, ac, proposals)
	a := &Association{conn: dimse.NewConn(assoc, cfg.Caps), outcome: out, byID: map[uint8]ContextOutcome{}, scpRole: map[string]bool{}}
	for _, c := range out.AcceptedContexts() {
		a.byID[c.ID] = c
	}
	for _, r := range out.Roles {
		if r.SCPRole == 1 {
			a.scpRole[r.SOPClassUID] = true
		}
	}
	if len(a.byID) == 0 {
		relCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		a.Release(relCtx)
		return nil, out, ErrNoAcceptableContext
	}
	return a, out, nil
}

func buildRQ(cfg Config) (*pdu.AssociateRQ, []pdu.PresentationContext, error) {
	calling, called := cfg.CallingAE, cfg.CalledAE
	if calling == "" {
		calling = DefaultCallingAE
	}
	if called == "" {
		called = DefaultCalledAE
	}
	props := cfg.Contexts
	if len(props) == 0 {
		props = []Proposal{{AbstractSyntax: VerificationSOPClass}}
	}
	if len(props) > 128 {
		return nil, nil, fmt.Errorf("%d presentation contexts proposed; at most 128 fit (odd IDs 1-255)", len(props))
	}
	rq := &pdu.AssociateRQ{
		ProtocolVersion:    1,
		CalledAE:           called,
		CallingAE:          calling,
		ApplicationContext: pdu.DICOMApplicationContext,
		UserInfo: pdu.UserInfo{
			ImplementationClassUID:    orDefault(cfg.ImplementationClassUID, DefaultImplementationClassUID),
			ImplementationVersionName: orDefault(cfg.ImplementationVersionName, DefaultImplementationVersionName),
			UserIdentityRQ:            cfg.UserIdentity,
			AsyncOps:                  cfg.AsyncOps,
			SOPClassExtended:          cfg.SOPClassExtended,
			SOPClassCommonExtended:    cfg.SOPClassCommonExtended,
		},
	}
	if len(calling) > 16 || len(called) > 16 {
		return nil, nil, fmt.Errorf("AE titles are at most 16 bytes: calling %q, called %q", calling, called)
	}
	roles := map[string]bool{}
	for i, p := range props {
		ts := p.TransferSyntaxes
		if len(ts) == 0 {
			ts = []string{ExplicitVRLittleEndian, ImplicitVRLittleEndian}
		}
		rq.PresentationContexts = append(rq.PresentationContexts, pdu.PresentationContext{ID: uint8(2*i + 1), AbstractSyntax: p.AbstractSyntax, TransferSyntaxes: ts})
		if p.SCPRole && !roles[p.AbstractSyntax] {
			roles[p.AbstractSyntax] = true
			rq.UserInfo.RoleSelections = append(rq.UserInfo.RoleSelections, pdu.RoleSelection{SOPClassUID: p.AbstractSyntax, SCURole: 0, SCPRole: 1})
		}
	}
	return rq, rq.PresentationContexts, nil
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func fillOutcome(out *Outcome, ac *pdu.AssociateAC, proposals []pdu.PresentationContext) {
	out.Accepted = true
	out.AC = ac
	ui := ac.UserInfo
	out.ImplementationClassUID = ui.ImplementationClassUID
	out.ImplementationVersionName = ui.ImplementationVersionName
	out.MaxPDU, out.HasMaxPDU = ui.MaxLength, ui.HasMaxLength
	out.AsyncOps = ui.AsyncOps
	out.Roles = ui.RoleSelections
	out.UserIdentity = ui.UserIdentityAC
	out.SOPClassExtended = ui.SOPClassExtended
	out.SOPClassCommonExtended = ui.SOPClassCommonExtended
	answers := map[uint8]pdu.PresentationContextResult{}
	for _, r := range ac.PresentationContexts {
		if _, dup := answers[r.ID]; !dup {
			answers[r.ID] = r
		}
	}
	for _, p := range proposals {
		co := ContextOutcome{ID: p.ID, AbstractSyntax: p.AbstractSyntax, TransferSyntaxes: p.TransferSyntaxes}
		if r, ok := answers[p.ID]; ok {
			co.Answered, co.Result, co.TransferSyntax = true, r.Result, r.TransferSyntax
			// A peer that "accepts" with a transfer syntax we did not
			// propose has not really accepted: treat it as not supported.
			if r.Result == pdu.ContextAccepted && !contains(p.TransferSyntaxes, r.TransferSyntax) {
				co.Result = pdu.ContextTransferSyntaxesNotSupported
			}
		}
		out.Contexts = append(out.Contexts, co)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Outcome is the negotiation outcome.
func (a *Association) Outcome() *Outcome { return a.outcome }

// Conn is the DIMSE connection (for callers that speak DIMSE directly).
func (a *Association) Conn() *dimse.Conn { return a.conn }

// contextFor picks an accepted context for the abstract syntax, preferring
// the transfer syntax ts when given ("" = any).
func (a *Association) contextFor(abstract, ts string) (ContextOutcome, error) {
	for _, c := range a.outcome.Contexts {
		if !c.Answered || c.Result != pdu.ContextAccepted || c.AbstractSyntax != abstract {
			continue
		}
		if ts == "" || c.TransferSyntax == ts {
			return c, nil
		}
	}
	return ContextOutcome{}, fmt.Errorf("%w: %s %s", ErrNoContext, abstract, ts)
}

// Release releases the association (A-RELEASE, waiting for the answer at
// most ARTIM, A-ABORT if the peer does not answer) and closes it. It
// releases even when ctx is already done: a scan that timed out still ends
// its associations politely.
func (a *Association) Release(ctx context.Context) error {
	if a.closed {
		return nil
	}
	a.closed = true
	err := a.conn.Release(context.WithoutCancel(ctx))
	a.conn.Association().Close()
	return err
}

// Abort aborts the association and closes the connection at once.
func (a *Association) Abort() {
	if a.closed {
		return
	}
	a.closed = true
	a.conn.Abort()
	a.conn.Association().Close()
}

// fail ends the association after an error that leaves it unusable.
func (a *Association) fail(err error) error {
	if !a.closed {
		a.closed = true
		a.conn.Abort()
		a.conn.Association().Close()
	}
	return err
}

// request sends a request and returns its message ID.
func (a *Association) request(ctx context.Context, ctxID uint8, cmd *dimse.Command, data []byte) (uint16, error) {
	if a.closed {
		return 0, ul.ErrClosed
	}
	cmd.MessageID = a.conn.NextMessageID()
	if err := a.conn.WriteMessage(ctx, ctxID, cmd, data); err != nil {
		return 0, a.fail(err)
	}
	return cmd.MessageID, nil
}

// response reads the next message and checks it answers msgID with the
// expected command field.
func (a *Association) response(ctx context.Context, msgID, field uint16) (*dimse.Message, error) {
	m, err := a.conn.ReadMessage(ctx)
	if err != nil {
		return nil, a.fail(err)
	}
	if m.Command.CommandField != field || m.Command.MessageIDBeingRespondedTo != msgID {
		return nil, a.fail(fmt.Errorf("%w: got %s for message %d, want %s for %d", ErrProtocol,
			dimse.CommandName(m.Command.CommandField), m.Command.MessageIDBeingRespondedTo, dimse.CommandName(field), msgID))
	}
	return m, nil
}

// Echo sends a C-ECHO and returns the response status.
func (a *Association) Echo(ctx context.Context) (uint16, error) {
	pc, err := a.contextFor(VerificationSOPClass, "")
	if err != nil {
		return 0, err
	}
	id, err := a.request(ctx, pc.ID, &dimse.Command{CommandField: dimse.CEchoRQ, AffectedSOPClassUID: VerificationSOPClass}, nil)
	if err != nil {
		return 0, err
	}
	m, err := a.response(ctx, id, dimse.CEchoRSP)
	if err != nil {
		return 0, err
	}
	return m.Command.Status, nil
}

// Store sends a C-STORE of a data set already encoded in transfer syntax
// ts, on a context accepted for sopClass with ts. It returns the status.
//
// When the peer accepted the SOP class only with another uncompressed
// transfer syntax (implicit or explicit VR LE, explicit VR BE), the data
// set is transcoded with the codec, as DCMTK's storescu does.
func (a *Association) Store(ctx context.Context, sopClass, sopInstance, ts string, data []byte) (uint16, error) {
	return a.StoreForMove(ctx, sopClass, sopInstance, ts, data, "", 0)
}

// StoreForMove is Store for a C-MOVE sub-operation: it names the AE and
// message ID of the C-MOVE it serves (Move Originator, PS3.7 §9.3.1.1).
func (a *Association) StoreForMove(ctx context.Context, sopClass, sopInstance, ts string, data []byte, originatorAE string, originatorMsgID uint16) (uint16, error) {
	pc, err := a.contextFor(sopClass, ts)
	if err != nil {
		pc, data, err = a.transcodeFor(sopClass, ts, data, err)
		if err != nil {
			return 0, err
		}
	}
	id, err := a.request(ctx, pc.ID, &dimse.Command{CommandField: dimse.CStoreRQ, AffectedSOPClassUID: sopClass,
		AffectedSOPInstanceUID: sopInstance, Priority: dimse.PriorityMedium,
		MoveOriginatorAE: originatorAE, MoveOriginatorMessageID: originatorMsgID}, nonNil(data))
	if err != nil {
		return 0, err
	}
	m, err := a.response(ctx, id, dimse.CStoreRSP)
	if err != nil {
		return 0, err
	}
	return m.Command.Status, nil
}

func (a *Association) transcodeFor(sopClass, ts string, data []byte, notFound error) (ContextOutcome, []byte, error) {
	if !uncompressed(ts) {
		return ContextOutcome{}, nil, notFound
	}
	for _, c := range a.outcome.Contexts {
		if c.Answered && c.Result == pdu.ContextAccepted && c.AbstractSyntax == sopClass && uncompressed(c.TransferSyntax) {
			ds, _, err := dicom.ReadDataSet(data, ts, dicom.ReadOptions{})
			if err != nil {
				return ContextOutcome{}, nil, fmt.Errorf("transcode to %s: %w", c.TransferSyntax, err)
			}
			b, err := dicom.EncodeDataSet(ds, c.TransferSyntax)
			if err != nil {
				return ContextOutcome{}, nil, fmt.Errorf("transcode to %s: %w", c.TransferSyntax, err)
			}
			return c, b, nil
		}
	}
	return ContextOutcome{}, nil, notFound
}

func uncompressed(ts string) bool {
	return ts == dicom.ImplicitVRLittleEndian || ts == dicom.ExplicitVRLittleEndian || ts == dicom.ExplicitVRBigEndian
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
