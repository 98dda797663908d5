// Package scp is pacsguard's DICOM service class provider: a server with
// handlers per service (echo, store, find, move, get), an AE policy (own
// AE, called-AE check, known calling AEs bound to hosts, what each may do,
// and how a refusal looks on the wire), storage to a directory, a C-MOVE
// destination table, configurable implementation identity and TLS. The
// demo lab builds its simulated devices from it; tests use it as a peer.
//
// Every association runs in its own goroutine with a panic guard, an idle
// timeout and a total time limit; the number of concurrent associations is
// capped, and an RQ over the cap is rejected with "local limit exceeded".
package scp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
)

// Default identity of the SCP (sub-items 0x52, 0x55).
const (
	DefaultImplementationClassUID    = scu.DefaultImplementationClassUID
	DefaultImplementationVersionName = scu.DefaultImplementationVersionName
)

// SOP classes the server knows besides storage.
const (
	VerificationSOPClass       = "1.2.840.10008.1.1"
	PatientRootFind            = "1.2.840.10008.5.1.4.1.2.1.1"
	PatientRootMove            = "1.2.840.10008.5.1.4.1.2.1.2"
	PatientRootGet             = "1.2.840.10008.5.1.4.1.2.1.3"
	StudyRootFind              = "1.2.840.10008.5.1.4.1.2.2.1"
	StudyRootMove              = "1.2.840.10008.5.1.4.1.2.2.2"
	StudyRootGet               = "1.2.840.10008.5.1.4.1.2.2.3"
	PatientStudyOnlyFind       = "1.2.840.10008.5.1.4.1.2.3.1"
	PatientStudyOnlyMove       = "1.2.840.10008.5.1.4.1.2.3.2"
	PatientStudyOnlyGet        = "1.2.840.10008.5.1.4.1.2.3.3"
	ModalityWorklistFind       = "1.2.840.10008.5.1.4.31"
	storageSOPClassPrefix      = "1.2.840.10008.5.1.4.1.1."
	ExplicitVRLittleEndian     = dicom.ExplicitVRLittleEndian
	ImplicitVRLittleEndian     = dicom.ImplicitVRLittleEndian
	defaultMaxAssociations     = 32
	defaultMaxAssociationTime  = 30 * time.Minute
	defaultOverflowRejectSlots = 8
)

// serviceOf says which service an abstract syntax belongs to (0 = not ours).
func serviceOf(abstract string) Services {
	switch abstract {
	case VerificationSOPClass:
		return Echo
	case PatientRootFind, StudyRootFind, PatientStudyOnlyFind, ModalityWorklistFind:
		return Find
	case PatientRootMove, StudyRootMove, PatientStudyOnlyMove:
		return Move
	case PatientRootGet, StudyRootGet, PatientStudyOnlyGet:
		return Get
	}
	if IsStorageSOPClass(abstract) {
		return Store
	}
	return 0
}

// IsStorageSOPClass reports whether uid is a storage SOP class (the
// PS3.4 Annex B storage classes live under one registry arc).
func IsStorageSOPClass(uid string) bool {
	return strings.HasPrefix(uid, storageSOPClassPrefix) && len(uid) > len(storageSOPClassPrefix)
}

// Request describes the association a request arrived on.
type Request struct {
	CallingAE  string
	CalledAE   string
	RemoteAddr net.Addr
	Allowed    Services
	// ContextID and TransferSyntax of the presentation context used.
	ContextID      uint8
	TransferSyntax string
	// MoveOriginatorAE and MoveOriginatorMessageID name the C-MOVE a
	// C-STORE serves, when the sender said so.
	MoveOriginatorAE        string
	MoveOriginatorMessageID uint16
}

// StoreHandler stores a received C-STORE data set (in transfer syntax ts,
// as received) and returns the status. data is valid only during the call:
// a handler that keeps it must copy it.
type StoreHandler interface {
	Store(ctx context.Context, req *Request, sopClass, sopInstance, ts string, data []byte) uint16
}

// StreamStoreHandler is a StoreHandler that can also take a data set as
// it arrives, so that a large object needs no memory. BeginStore returns
// nil to fall back to Store with the whole data set.
type StreamStoreHandler interface {
	StoreHandler
	BeginStore(ctx context.Context, req *Request, sopClass, sopInstance, ts string) StoreStream
}

// StoreStream receives one data set's bytes in order. Finish ends it: err
// is non-nil when a Write failed or the data set did not arrive whole (the
// stream must then discard what it has); it returns the C-STORE status.
type StoreStream interface {
	io.Writer
	Finish(err error) uint16
}

// FindHandler answers a C-FIND: it calls emit for each match (emit returns
// false when the peer cancelled) and returns the final status.
type FindHandler interface {
	Find(ctx context.Context, req *Request, sopClass string, identifier *dicom.DataSet, emit func(match *dicom.DataSet) bool) uint16
}

// Instance is one stored object to send in a C-MOVE or C-GET.
type Instance struct {
	SOPClassUID    string
	SOPInstanceUID string
	TransferSyntax string
	DataSet        []byte
}

// RetrieveHandler resolves a C-MOVE or C-GET identifier to instances. A
// status other than success stops the operation with that status.
type RetrieveHandler interface {
	Retrieve(ctx context.Context, req *Request, sopClass string, identifier *dicom.DataSet) ([]Instance, uint16)
}

// Config configures a Server. Zero fields take defaults.
type Config struct {
	Policy Policy
	// Handlers; a nil handler refuses the service's contexts
	// (abstract-syntax-not-supported). Echo is always served.
	Store    StoreHandler
	Find     FindHandler
	Retrieve RetrieveHandler // serves both C-MOVE and C-GET
	// Destinations maps C-MOVE destination AEs to host:port.
	Destinations map[string]string
	// Dialer opens C-MOVE sub-associations (default net.Dialer).
	Dialer scu.Dialer
	// StorageTransferSyntaxes accepted for storage contexts, in our
	// preference order; default: every transfer syntax the codec knows,
	// taken in the proposer's order.
	StorageTransferSyntaxes   []string
	ImplementationClassUID    string
	ImplementationVersionName string
	// UL bounds associations (MaxPDU, ARTIM, timeouts, caps).
	UL   ul.Config
	Caps dimse.Caps
	// TLS, when set, serves DICOM over TLS (set ClientAuth to require
	// client certificates).
	TLS *tls.Config
	// MaxAssociations caps concurrent associations (default 32).
	MaxAssociations int
	// MaxAssociationTime bounds one association (default 30 min).
	MaxAssociationTime time.Duration
	// Authenticate, when set, checks a user identity (0x58); returning
	// false rejects the association (1/2/1). resp is sent in a 0x59 when
	// the peer asked for a positive response.
	Authenticate func(id *pdu.UserIdentityRQ) (ok bool, resp []byte)
	// Logger receives one line per association (no PHI); nil = discard.
	Logger *slog.Logger
}

// Server is a DICOM SCP.
type Server struct {
	cfg      Config
	slots    chan struct{}
	overflow chan struct{}
	wg       sync.WaitGroup
	log      *slog.Logger
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Policy.AE) > 16 {
		return nil, fmt.Errorf("AE title %q is longer than 16 bytes", cfg.Policy.AE)
	}
	for ae, addr := range cfg.Destinations {
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("C-MOVE destination %s: address %q is not host:port", ae, addr)
		}
	}
	if cfg.MaxAssociations <= 0 {
		cfg.MaxAssociations = defaultMaxAssociations
	}
	if cfg.MaxAssociationTime <= 0 {
		cfg.MaxAssociationTime = defaultMaxAssociationTime
	}
	if cfg.Policy.AE == "" {
		cfg.Policy.AE = "PACSGUARD"
	}
	if cfg.Dialer == nil {
		cfg.Dialer = &net.Dialer{KeepAlive: -1}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, slots: make(chan struct{}, cfg.MaxAssociations), overflow: make(chan struct{}, defaultOverflowRejectSlots), log: log}, nil
}

// Serve accepts connections on ln until ctx is done or ln fails, then
// closes ln, aborts the associations still running and waits for them.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	defer s.wg.Wait()
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// Out of file descriptors and the like: wait and retry, as
			// net/http does, instead of stopping the device.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed; retrying", "err", err, "in", backoff)
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		backoff = 0
		select {
		case s.slots <- struct{}{}:
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer func() { <-s.slots }()
				s.serveConn(ctx, conn)
			}()
		default:
			s.refuseOverflow(ctx, conn)
		}
	}
}

// ListenAndServe listens on addr (e.g. "127.0.0.1:0") and serves. ready,
// when non-nil, receives the bound address once listening. Accepted
// connections have TCP_NODELAY (Go's default) and no TCP keep-alive: idle
// associations end by their own timeouts.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready chan<- net.Addr) error {
	lc := net.ListenConfig{KeepAlive: -1}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready <- ln.Addr()
	}
	return s.Serve(ctx, ln)
}

// refuseOverflow rejects an association over the cap (3/2: local limit
// exceeded) in a bounded number of goroutines; beyond those it just closes.
func (s *Server) refuseOverflow(ctx context.Context, conn net.Conn) {
	select {
	case s.overflow <- struct{}{}:
	default:
		conn.Close()
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { <-s.overflow }()
		defer func() { recover() }()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		cfg := s.cfg.UL
		cfg.ARTIM = min(cfg.WithDefaults().ARTIM, 2*time.Second)
		ul.Accept(ctx, conn, cfg, func(*pdu.AssociateRQ) (*pdu.AssociateAC, *pdu.AssociateRJ) {
			return nil, &pdu.AssociateRJ{Result: pdu.RejectTransient, Source: pdu.RejectSourceServiceProviderPresentation, Reason: pdu.RejectReasonLocalLimitExceeded}
		})
	}()
}

// session is one association being served.
type session struct {
	s       *Server
	conn    *dimse.Conn
	rq      *pdu.AssociateRQ
	allowed Services
	remote  net.Addr
	// accepted maps context IDs to abstract and transfer syntax.
	accepted map[uint8]pdu.PresentationContext
	// getRoles lists storage SOP classes for which the peer takes the SCP
	// role (C-GET sub-operations).
	getRoles map[string]bool
	// getErr records a transport error during C-GET sub-operations.
	getErr error
	// stream is the C-STORE data set being streamed, if any.
	stream StoreStream
}

func (s *Server) serveConn(ctx context.Context, conn net.Conn) {
	remote := conn.RemoteAddr()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic serving association", "remote", remote.String(), "panic", fmt.Sprint(r))
			conn.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.MaxAssociationTime)
	defer cancel()
	if s.cfg.TLS != nil {
		tconn := tls.Server(conn, s.cfg.TLS)
		hctx, hcancel := context.WithTimeout(ctx, s.cfg.UL.WithDefaults().ARTIM)
		err := tconn.HandshakeContext(hctx)
		hcancel()
		if err != nil {
			s.log.Info("TLS handshake failed", "remote", remote.String(), "err", err)
			conn.Close()
			return
		}
		conn = tconn
	}
	sess := &session{s: s, remote: remote, accepted: map[uint8]pdu.PresentationContext{}, getRoles: map[string]bool{}}
	assoc, rq, err := ul.Accept(ctx, conn, s.cfg.UL, sess.decide)
	if err != nil {
		if rq != nil {
			s.log.Info("association rejected", "remote", remote.String(), "calling", rq.CallingAE, "called", rq.CalledAE, "err", err)
		} else {
			s.log.Info("association failed", "remote", remote.String(), "err", err)
		}
		return
	}
	defer assoc.Close()
	sess.rq = rq
	sess.conn = dimse.NewConn(assoc, s.cfg.Caps)
	if h, ok := s.cfg.Store.(StreamStoreHandler); ok {
		sess.conn.SetSink(sess.sink(ctx, h))
	}
	logging := s.log.Enabled(ctx, slog.LevelInfo)
	if logging {
		s.log.Info("association accepted", "remote", remote.String(), "calling", rq.CallingAE, "called", rq.CalledAE, "allowed", sess.allowed.String())
	}
	err = sess.run(ctx)
	if logging {
		s.log.Info("association ended", "remote", remote.String(), "calling", rq.CallingAE, "err", err)
	}
}

// decide answers the A-ASSOCIATE-RQ from the policy and the handlers.
func (sess *session) decide(rq *pdu.AssociateRQ) (*pdu.AssociateAC, *pdu.AssociateRJ) {
	s := sess.s
	if rq.ApplicationContext != pdu.DICOMApplicationContext {
		return nil, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonApplicationContextNotSupported}
	}
	allowed, rj := s.cfg.Policy.associationCheck(rq, sess.remote)
	if rj != nil {
		return nil, rj
	}
	sess.allowed = allowed
	ac := &pdu.AssociateAC{
		ProtocolVersion:    1,
		CalledAE:           rq.CalledAE,
		CallingAE:          rq.CallingAE,
		ApplicationContext: pdu.DICOMApplicationContext,
		UserInfo: pdu.UserInfo{
			ImplementationClassUID:    orDefault(s.cfg.ImplementationClassUID, DefaultImplementationClassUID),
			ImplementationVersionName: orDefault(s.cfg.ImplementationVersionName, DefaultImplementationVersionName),
		},
	}
	if id := rq.UserInfo.UserIdentityRQ; id != nil && s.cfg.Authenticate != nil {
		ok, resp := s.cfg.Authenticate(id)
		if !ok {
			return nil, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceProviderACSE, Reason: pdu.RejectReasonNoReason}
		}
		if id.PositiveResponseRequested {
			ac.UserInfo.UserIdentityAC = &pdu.UserIdentityAC{ServerResponse: resp}
		}
	}
	if rq.UserInfo.AsyncOps != nil {
		// We perform one operation at a time.
		ac.UserInfo.AsyncOps = &pdu.AsyncOps{MaxInvoked: 1, MaxPerformed: 1}
	}
	proposedSCP := map[string]pdu.RoleSelection{}
	for _, r := range rq.UserInfo.RoleSelections {
		proposedSCP[r.SOPClassUID] = r
	}
	seenIDs := map[uint8]bool{}
	for _, pc := range rq.PresentationContexts {
		res := pdu.PresentationContextResult{ID: pc.ID}
		svc := serviceOf(pc.AbstractSyntax)
		switch {
		case pc.ID%2 == 0 || seenIDs[pc.ID]:
			res.Result = pdu.ContextNoReason
		case svc == 0 || !s.serves(svc):
			res.Result = pdu.ContextAbstractSyntaxNotSupported
		case s.cfg.Policy.Refusal == RefuseReject && !allowed.Has(svc) &&
			!(svc == Store && allowed.Has(Get) && proposedSCP[pc.AbstractSyntax].SCPRole == 1):
			res.Result = pdu.ContextUserRejection
		default:
			ts := s.pickTransferSyntax(svc, pc.TransferSyntaxes)
			if ts == "" {
				res.Result = pdu.ContextTransferSyntaxesNotSupported
			} else {
				res.TransferSyntax = ts
				sess.accepted[pc.ID] = pdu.PresentationContext{ID: pc.ID, AbstractSyntax: pc.AbstractSyntax, TransferSyntaxes: []string{ts}}
			}
		}
		seenIDs[pc.ID] = true
		ac.PresentationContexts = append(ac.PresentationContexts, res)
	}
	for _, r := range rq.UserInfo.RoleSelections {
		reply := pdu.RoleSelection{SOPClassUID: r.SOPClassUID, SCURole: r.SCURole}
		if r.SCPRole == 1 && IsStorageSOPClass(r.SOPClassUID) && s.cfg.Retrieve != nil && (allowed.Has(Get) || s.cfg.Policy.Refusal != RefuseReject) {
			reply.SCPRole = 1
			sess.getRoles[r.SOPClassUID] = true
		}
		ac.UserInfo.RoleSelections = append(ac.UserInfo.RoleSelections, reply)
	}
	return ac, nil
}

// serves reports whether a handler exists for the service.
func (s *Server) serves(svc Services) bool {
	switch svc {
	case Echo:
		return true
	case Store:
		return s.cfg.Store != nil || s.cfg.Retrieve != nil // storage contexts also carry C-GET sub-operations
	case Find:
		return s.cfg.Find != nil
	case Move, Get:
		return s.cfg.Retrieve != nil
	}
	return false
}

// pickTransferSyntax chooses the first proposed transfer syntax we accept.
// Storage takes any syntax the codec knows (data is stored as received);
// the others need identifiers we decode, so uncompressed little endian.
func (s *Server) pickTransferSyntax(svc Services, proposed []string) string {
	for _, ts := range proposed {
		if svc == Store {
			if len(s.cfg.StorageTransferSyntaxes) > 0 {
				for _, ok := range s.cfg.StorageTransferSyntaxes {
					if ts == ok {
						return ts
					}
				}
				continue
			}
			if dicom.IsKnownTransferSyntax(ts) {
				return ts
			}
			continue
		}
		if ts == ExplicitVRLittleEndian || ts == ImplicitVRLittleEndian {
			return ts
		}
	}
	return ""
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}
