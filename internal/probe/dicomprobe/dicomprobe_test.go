package dicomprobe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/testsupport/loopback"
)

// startSCP serves the project's SCP on loopback with the policy and an
// archive holding one synthetic study.
func startSCP(t *testing.T, pol scp.Policy, withArchive bool) string {
	t.Helper()
	cfg := scp.Config{Policy: pol}
	if withArchive {
		arc, err := scp.NewArchive("")
		if err != nil {
			t.Fatal(err)
		}
		ds := &dicom.DataSet{}
		ds.Set(dicom.NewString(dicom.TagSOPClassUID, dicom.VRUI, CTImageStorage))
		ds.Set(dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, "1.2.826.0.1.3680043.10.1526.9.1.1.1.1"))
		ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, "SECRET^PATIENT"))
		ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, "SECRETID"))
		ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, "1.2.826.0.1.3680043.10.1526.9.1.1"))
		b, _ := dicom.EncodeDataSet(ds, dicom.ExplicitVRLittleEndian)
		if err := arc.Add(scp.Instance{SOPClassUID: CTImageStorage, SOPInstanceUID: "1.2.826.0.1.3680043.10.1526.9.1.1.1.1", TransferSyntax: dicom.ExplicitVRLittleEndian, DataSet: b}); err != nil {
			t.Fatal(err)
		}
		cfg.Store, cfg.Find, cfg.Retrieve = arc, arc, arc
	} else {
		cfg.Store = scp.Discard{}
	}
	srv, err := scp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return ln.Addr().String()
}

func probeCfg(mode Mode) Config {
	return Config{Dialer: &net.Dialer{}, Mode: mode, Timeout: 2 * time.Second, Wordlist: []string{"ORTHANC", "STORESCP", "PACS", "STORESCU", "ECHOSCU"}}
}

func outcomes(r *Result) map[string]string {
	m := map[string]string{}
	for _, t := range r.Tests {
		m[t.Service] = t.Outcome
	}
	return m
}

func TestVerdictsAgainstSCP(t *testing.T) {
	all := scp.AllServices
	tests := []struct {
		name        string
		policy      scp.Policy
		mode        Mode
		wantAnyCall bool
		wantUnknown bool
		called      string
		calling     string
		aeTitles    []string
		knownCall   []string
		tests       map[string]string
		behaviours  []string
	}{
		{name: "open archive, safe", policy: scp.Policy{AE: "OPENPACS", Unknown: all}, wantAnyCall: true, wantUnknown: true, called: CheckNone, calling: CheckNone, tests: map[string]string{}},
		{name: "open archive, intrusive", policy: scp.Policy{AE: "OPENPACS", Unknown: all}, mode: Mode{Intrusive: true, Store: true}, wantAnyCall: true, wantUnknown: true, called: CheckNone, calling: CheckNone,
			tests: map[string]string{"find": "served", "get": "served-empty", "move": "refused-destination", "store": "served"}},
		{name: "orthanc-like abort on query", policy: scp.Policy{AE: "ORTHANC", Unknown: scp.Echo | scp.Store, Refusal: scp.RefuseAbort}, mode: Mode{Intrusive: true}, wantAnyCall: true, wantUnknown: true, called: CheckNone, calling: CheckNone,
			tests: map[string]string{"find": "refused-abort", "get": "refused-abort", "move": "refused-abort"}, behaviours: []string{"abort-on-query"}},
		{name: "status refusal", policy: scp.Policy{AE: "X", Unknown: scp.Echo, Refusal: scp.RefuseStatus}, mode: Mode{Intrusive: true}, wantAnyCall: true, wantUnknown: true, called: CheckNone, calling: CheckNone,
			tests: map[string]string{"find": "refused-status", "get": "refused-status", "move": "refused-status"}},
		{name: "called-AE check, default title", policy: scp.Policy{AE: "ORTHANC", CheckCalledAE: true, Unknown: scp.Echo}, wantUnknown: true, called: CheckEnforced, calling: CheckNone, aeTitles: []string{"ORTHANC"}},
		{name: "calling-AE check", policy: scp.Policy{AE: "SITEPACS", Peers: []scp.Peer{{AE: "STORESCU", Allow: all}}}, called: CheckNone, calling: CheckEnforced, knownCall: []string{"STORESCU"}},
		{name: "both checks", policy: scp.Policy{AE: "PACS", CheckCalledAE: true, Peers: []scp.Peer{{AE: "ECHOSCU", Allow: scp.Echo}}}, called: CheckEnforced, calling: CheckEnforced, aeTitles: []string{"PACS"}, knownCall: []string{"ECHOSCU"}},
		{name: "unlisted titles", policy: scp.Policy{AE: "HIDDEN", CheckCalledAE: true, Peers: []scp.Peer{{AE: "SECRET", Allow: all}}}, called: CheckUnknown, calling: CheckUnknown},
		{name: "host-bound peer from wrong host", policy: scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "STORESCU", Hosts: []string{"127.0.0.9"}, Allow: all}}}, called: CheckUnknown, calling: CheckUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := startSCP(t, tt.policy, true)
			r, err := Probe(context.Background(), probeCfg(tt.mode), addr)
			if err != nil {
				t.Fatal(err)
			}
			if !r.DICOM {
				t.Fatalf("not recognised as DICOM: %+v", r)
			}
			got := []any{r.AnyCalledAccepted, r.UnknownCallingAccepted, r.CalledAECheck, r.CallingAECheck, r.AETitles, r.KnownCallingAEs, outcomes(r), r.Behaviours}
			want := []any{tt.wantAnyCall, tt.wantUnknown, tt.called, tt.calling, tt.aeTitles, tt.knownCall, tt.tests, tt.behaviours}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got):\n%s\nresult %+v", diff, r)
			}
			if tt.mode.Intrusive && tt.tests["find"] == "served" && r.Test("find").Matches != 1 {
				t.Errorf("find matches = %d, want 1 (cancelled after the first)", r.Test("find").Matches)
			}
		})
	}
}

func TestSafeModeSendsNoDIMSEBeyondEcho(t *testing.T) {
	// Count DIMSE requests at the peer through its handlers.
	var mu sync.Mutex
	calls := map[string]int{}
	count := func(s string) { mu.Lock(); calls[s]++; mu.Unlock() }
	h := &countingHandler{count: count}
	srv, _ := scp.New(scp.Config{Policy: scp.Policy{AE: "OPEN", Unknown: scp.AllServices}, Store: h, Find: h, Retrieve: h})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	defer func() { cancel(); <-done }()
	r, err := Probe(context.Background(), probeCfg(Mode{}), ln.Addr().String())
	if err != nil || !r.AnyCalledAccepted {
		t.Fatalf("probe: %v %+v", err, r)
	}
	if len(calls) != 0 {
		t.Errorf("safe mode reached the handlers: %v", calls)
	}
	if r.Echo == nil || r.Echo.Outcome != "served" {
		t.Errorf("echo = %+v", r.Echo)
	}
}

type countingHandler struct{ count func(string) }

func (h *countingHandler) Store(context.Context, *scp.Request, string, string, string, []byte) uint16 {
	h.count("store")
	return 0
}
func (h *countingHandler) Find(context.Context, *scp.Request, string, *dicom.DataSet, func(*dicom.DataSet) bool) uint16 {
	h.count("find")
	return 0
}
func (h *countingHandler) Retrieve(context.Context, *scp.Request, string, *dicom.DataSet) ([]scp.Instance, uint16) {
	h.count("retrieve")
	return nil, 0
}

// scripted runs a raw server that answers each connection with fn.
func scripted(t *testing.T, fn func(c net.Conn, rq *pdu.AssociateRQ)) string {
	t.Helper()
	return loopback.Serve(t, 5*time.Second, func(c net.Conn) {
		hdr := make([]byte, 6)
		if _, err := io.ReadFull(c, hdr); err != nil {
			return
		}
		n := int(hdr[2])<<24 | int(hdr[3])<<16 | int(hdr[4])<<8 | int(hdr[5])
		if n > 1<<20 {
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		p, err := pdu.Decode(append(hdr, body...))
		if err != nil {
			return
		}
		rq, _ := p.(*pdu.AssociateRQ)
		fn(c, rq)
	})
}

func writePDU(c net.Conn, p pdu.PDU) {
	b, _ := pdu.Encode(p)
	c.Write(b)
}

func TestEdgeCases(t *testing.T) {
	t.Run("garbage reply is not DICOM", func(t *testing.T) {
		addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) })
		r, err := Probe(context.Background(), probeCfg(Mode{}), addr)
		if !errors.Is(err, ErrNotDICOM) || !r.NotDICOM || r.DICOM {
			t.Fatalf("err %v, result %+v", err, r)
		}
		if !strings.HasPrefix(r.Prefix, fmt.Sprintf("%x", "HTTP")) {
			t.Errorf("prefix = %q", r.Prefix)
		}
	})
	t.Run("silent peer times out", func(t *testing.T) {
		addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) { time.Sleep(2 * time.Second) })
		cfg := probeCfg(Mode{})
		cfg.Timeout = 200 * time.Millisecond
		start := time.Now()
		r, err := Probe(context.Background(), cfg, addr)
		if err == nil || r.DICOM {
			t.Fatalf("err %v, result %+v", err, r)
		}
		if el := time.Since(start); el > 1500*time.Millisecond {
			t.Errorf("took %v, want the ARTIM to end it", el)
		}
	})
	t.Run("abort during negotiation", func(t *testing.T) {
		addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) { writePDU(c, &pdu.Abort{Source: pdu.AbortServiceProvider}) })
		r, _ := Probe(context.Background(), probeCfg(Mode{}), addr)
		if !r.DICOM || r.AnyCalledAccepted || r.UnknownCallingAccepted || r.First.Answer != "aborted" {
			t.Errorf("result %+v", r)
		}
	})
	t.Run("transient reject is inconclusive", func(t *testing.T) {
		addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) {
			writePDU(c, &pdu.AssociateRJ{Result: pdu.RejectTransient, Source: pdu.RejectSourceServiceProviderPresentation, Reason: pdu.RejectReasonLocalLimitExceeded})
		})
		r, _ := Probe(context.Background(), probeCfg(Mode{}), addr)
		if !r.Transient || r.Attempts != 1 {
			t.Errorf("transient %v after %d attempts, want true after 1", r.Transient, r.Attempts)
		}
	})
	t.Run("misreported reason is not trusted", func(t *testing.T) {
		// Like dcmqrscp: always "called AE title not recognized", but the
		// calling title decides.
		addr := scripted(t, func(c net.Conn, rq *pdu.AssociateRQ) {
			if strings.TrimSpace(rq.CallingAE) != "STORESCU" {
				writePDU(c, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCalledAENotRecognized})
				return
			}
			writePDU(c, &pdu.AssociateAC{ProtocolVersion: 1, CalledAE: rq.CalledAE, CallingAE: rq.CallingAE, ApplicationContext: rq.ApplicationContext,
				PresentationContexts: []pdu.PresentationContextResult{{ID: 1, Result: pdu.ContextAccepted, TransferSyntax: "1.2.840.10008.1.2"}},
				UserInfo:             pdu.UserInfo{MaxLength: 16384, HasMaxLength: true, ImplementationClassUID: "1.2.276.0.7230010.3.0.3.6.7", ImplementationVersionName: "OFFIS_DCMTK_367"}})
			// Answer the release.
			buf := make([]byte, 64)
			c.Read(buf)
			writePDU(c, &pdu.ReleaseRP{})
		})
		r, err := Probe(context.Background(), probeCfg(Mode{}), addr)
		if err != nil {
			t.Fatal(err)
		}
		if r.CallingAECheck != CheckEnforced || r.CalledAECheck != CheckNone || r.ReasonMisreported == "" {
			t.Errorf("calling %s, called %s, misreport %q", r.CallingAECheck, r.CalledAECheck, r.ReasonMisreported)
		}
		if r.ImplementationVersionName != "OFFIS_DCMTK_367" {
			t.Errorf("identity %q", r.ImplementationVersionName)
		}
	})
	t.Run("connection refused", func(t *testing.T) {
		ln, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := ln.Addr().String()
		ln.Close()
		r, err := Probe(context.Background(), probeCfg(Mode{}), addr)
		if err == nil || r.DICOM {
			t.Errorf("err %v result %+v", err, r)
		}
	})
}

func TestDiscoveryIsOneAssociation(t *testing.T) {
	addr := startSCP(t, scp.Policy{AE: "X", CheckCalledAE: true, Unknown: scp.AllServices}, false)
	r, err := Probe(context.Background(), probeCfg(Mode{Discovery: true}), addr)
	if err != nil || r.Attempts != 1 || !r.DICOM {
		t.Errorf("discovery: %v, %d attempts, %+v", err, r.Attempts, r)
	}
}

func TestRejectFieldsRecorded(t *testing.T) {
	tests := []struct {
		rj        pdu.AssociateRJ
		text      string
		transient bool
	}{
		{pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCalledAENotRecognized}, "rejected-permanent, source service-user, reason called-AE-title-not-recognized", false},
		{pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCallingAENotRecognized}, "rejected-permanent, source service-user, reason calling-AE-title-not-recognized", false},
		{pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonNoReason}, "rejected-permanent, source service-user, reason no-reason-given", false},
		{pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceProviderACSE, Reason: pdu.RejectReasonProtocolVersionNotSupported}, "rejected-permanent, source service-provider (ACSE), reason protocol-version-not-supported", false},
		{pdu.AssociateRJ{Result: pdu.RejectTransient, Source: pdu.RejectSourceServiceProviderPresentation, Reason: pdu.RejectReasonTemporaryCongestion}, "rejected-transient, source service-provider (presentation), reason temporary-congestion", true},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			rj := tt.rj
			addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) { writePDU(c, &rj) })
			cfg := probeCfg(Mode{})
			cfg.Wordlist = []string{"A", "B"}
			r, err := Probe(context.Background(), cfg, addr)
			if err != nil {
				t.Fatal(err)
			}
			got := r.First.Reject
			if got == nil || got.Result != uint8(rj.Result) || got.Source != uint8(rj.Source) || got.Reason != rj.Reason {
				t.Fatalf("first reject %+v, want %+v", got, rj)
			}
			if !strings.EqualFold(got.Text, tt.text) {
				t.Errorf("text %q, want %q", got.Text, tt.text)
			}
			if r.Transient != tt.transient || r.AnyCalledAccepted || r.UnknownCallingAccepted || !r.DICOM {
				t.Errorf("transient %v (want %v), any-called %v, unknown-calling %v", r.Transient, tt.transient, r.AnyCalledAccepted, r.UnknownCallingAccepted)
			}
			if wantAttempts := map[bool]int{true: 1, false: 1 + 2 + 2 + 4}[tt.transient]; r.Attempts != wantAttempts {
				t.Errorf("%d attempts, want %d", r.Attempts, wantAttempts)
			}
		})
	}
}

func TestAcceptThenMisbehave(t *testing.T) {
	accept := func(c net.Conn, rq *pdu.AssociateRQ) {
		var res []pdu.PresentationContextResult
		for _, pc := range rq.PresentationContexts {
			res = append(res, pdu.PresentationContextResult{ID: pc.ID, Result: pdu.ContextAccepted, TransferSyntax: pc.TransferSyntaxes[0]})
		}
		writePDU(c, &pdu.AssociateAC{ProtocolVersion: 1, CalledAE: rq.CalledAE, CallingAE: rq.CallingAE, ApplicationContext: rq.ApplicationContext,
			PresentationContexts: res, UserInfo: pdu.UserInfo{MaxLength: 16384, HasMaxLength: true, ImplementationClassUID: "1.2.3.4"}})
		c.Read(make([]byte, 4096)) // the C-ECHO-RQ
	}
	tests := []struct {
		name  string
		after func(c net.Conn)
		want  string
	}{
		{"abort on echo", func(c net.Conn) { writePDU(c, &pdu.Abort{Source: pdu.AbortServiceProvider}) }, "refused-abort"},
		{"garbage on echo", func(c net.Conn) { c.Write([]byte("\x42garbage that is no PDU at all")) }, "error"},
		{"hang up on echo", func(c net.Conn) {}, "refused-abort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := scripted(t, func(c net.Conn, rq *pdu.AssociateRQ) { accept(c, rq); tt.after(c) })
			r, err := Probe(context.Background(), probeCfg(Mode{}), addr)
			if err != nil {
				t.Fatal(err)
			}
			if !r.AnyCalledAccepted || r.Echo == nil || r.Echo.Outcome != tt.want {
				t.Errorf("any-called %v, echo %+v; want %s", r.AnyCalledAccepted, r.Echo, tt.want)
			}
		})
	}
}

func TestEnumerationStopsWhenThePeerFallsSilent(t *testing.T) {
	var mu sync.Mutex
	n := 0
	addr := scripted(t, func(c net.Conn, _ *pdu.AssociateRQ) {
		mu.Lock()
		n++
		first := n == 1
		mu.Unlock()
		if first {
			writePDU(c, &pdu.AssociateRJ{Result: pdu.RejectPermanent, Source: pdu.RejectSourceServiceUser, Reason: pdu.RejectReasonCalledAENotRecognized})
			return
		}
		time.Sleep(time.Second) // then silence
	})
	cfg := probeCfg(Mode{})
	cfg.Timeout = 100 * time.Millisecond
	start := time.Now()
	r, err := Probe(context.Background(), cfg, addr)
	if err != nil {
		t.Fatal(err)
	}
	if r.Attempts != 1+maxSilentAttempts {
		t.Errorf("%d attempts, want %d", r.Attempts, 1+maxSilentAttempts)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("took %v", el)
	}
}

// A node that accepts only known calling AEs is asked again from another
// source address: bound to 127.0.0.1, the title is refused from 127.0.0.2;
// unbound, it is accepted there too.
func TestCallingAEHostCheck(t *testing.T) {
	alt := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	for _, tt := range []struct {
		name  string
		hosts []string
		want  string
	}{
		{"bound", []string{"127.0.0.1"}, CheckEnforced},
		{"unbound", nil, CheckNone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := startSCP(t, scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "STORESCU", Hosts: tt.hosts, Allow: scp.Echo | scp.Store}}}, false)
			cfg := probeCfg(Mode{})
			cfg.AltDialer, cfg.AltSource = alt, "127.0.0.2"
			r, err := Probe(context.Background(), cfg, addr)
			if err != nil {
				t.Fatal(err)
			}
			if r.CallingAECheck != CheckEnforced || !slices.Contains(r.KnownCallingAEs, "STORESCU") {
				t.Fatalf("calling check %s with %v; want enforced with STORESCU", r.CallingAECheck, r.KnownCallingAEs)
			}
			if r.CallingHostCheck != tt.want || r.AltSourceAttempt == nil || r.AltSourceAttempt.CallingAE != "STORESCU" {
				t.Errorf("host check %q (%+v), want %q", r.CallingHostCheck, r.AltSourceAttempt, tt.want)
			}
		})
	}
	// Without an alternative source nothing is decided, and an open node
	// (any calling AE) is not asked.
	addr := startSCP(t, scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "STORESCU", Allow: scp.Echo}}}, false)
	if r, _ := Probe(context.Background(), probeCfg(Mode{}), addr); r.CallingHostCheck != "" || r.AltSourceAttempt != nil {
		t.Errorf("without AltDialer: %q %+v", r.CallingHostCheck, r.AltSourceAttempt)
	}
	open := startSCP(t, scp.Policy{AE: "PACS", Unknown: scp.Echo}, false)
	cfg := probeCfg(Mode{})
	cfg.AltDialer = alt
	if r, _ := Probe(context.Background(), cfg, open); r.AltSourceAttempt != nil {
		t.Errorf("an open node was asked from the other source: %+v", r.AltSourceAttempt)
	}
}
