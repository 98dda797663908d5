package scp_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
	"github.com/pacsguard/pacsguard/internal/dicom/ul"
	"github.com/pacsguard/pacsguard/internal/testsupport/loopback"
)

// serve runs a server on a free loopback port until the test ends.
func serve(t *testing.T, cfg scp.Config) string {
	t.Helper()
	srv, err := scp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var qrContexts = []scu.Proposal{
	{AbstractSyntax: scp.VerificationSOPClass},
	{AbstractSyntax: testpeer.CTImageStorage, SCPRole: true},
	{AbstractSyntax: scp.PatientRootFind},
	{AbstractSyntax: scp.StudyRootFind},
	{AbstractSyntax: scp.StudyRootMove},
	{AbstractSyntax: scp.StudyRootGet},
}

func synthetic(t *testing.T, n int) []testpeer.Synthetic {
	var out []testpeer.Synthetic
	for i := 0; i < n; i++ {
		out = append(out, testpeer.Synthetic{Patient: i%3 + 1, Study: 1, Series: 1, Instance: i + 1, PixelBytes: 2048})
	}
	return out
}

func storeAll(t *testing.T, a *scu.Association, objs []testpeer.Synthetic) {
	t.Helper()
	for _, s := range objs {
		data, err := s.Encode(dicom.ExplicitVRLittleEndian)
		if err != nil {
			t.Fatal(err)
		}
		st, err := a.Store(ctxT(t), testpeer.CTImageStorage, s.InstanceUID(), dicom.ExplicitVRLittleEndian, data)
		if err != nil || st != dimse.StatusSuccess {
			t.Fatalf("store: status 0x%04X, %v", st, err)
		}
	}
}

func query(level string, keys ...*dicom.Element) *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00080052, dicom.VRCS, level))
	for _, k := range keys {
		ds.Set(k)
	}
	return ds
}

func TestServices(t *testing.T) {
	destArchive, _ := scp.NewArchive(t.TempDir())
	dest := &originators{next: destArchive}
	destAddr := serve(t, scp.Config{Policy: scp.Policy{AE: "DEST", Unknown: scp.AllServices}, Store: dest})
	dir := t.TempDir()
	archive, err := scp.NewArchive(dir)
	if err != nil {
		t.Fatal(err)
	}
	archive.AE = "ARCHIVE"
	addr := serve(t, scp.Config{
		Policy: scp.Policy{AE: "ARCHIVE", Unknown: scp.AllServices},
		Store:  archive, Find: archive, Retrieve: archive,
		Destinations:              map[string]string{"DEST": destAddr},
		ImplementationClassUID:    "1.2.276.0.7230010.3.0.3.6.0",
		ImplementationVersionName: "OFFIS_DCMTK_360",
	})
	ctx := ctxT(t)
	a, out, err := scu.Associate(ctx, scu.Config{Addr: addr, CalledAE: "ARCHIVE", Contexts: qrContexts})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	if got, want := out.ImplementationVersionName, "OFFIS_DCMTK_360"; got != want {
		t.Errorf("version name %q, want %q", got, want)
	}
	if got := len(out.AcceptedContexts()); got != len(qrContexts) {
		t.Errorf("%d contexts accepted, want %d: %+v", got, len(qrContexts), out.Contexts)
	}
	if diff := cmp.Diff(out.Roles, []pdu.RoleSelection{{SOPClassUID: testpeer.CTImageStorage, SCURole: 0, SCPRole: 1}}); diff != "" {
		t.Errorf("roles: %s", diff)
	}
	if st, err := a.Echo(ctx); err != nil || st != 0 {
		t.Fatalf("echo: 0x%04X %v", st, err)
	}
	objs := synthetic(t, 6)
	storeAll(t, a, objs)
	if got := archive.Len(); got != 6 {
		t.Errorf("archive holds %d, want 6", got)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.dcm"))
	if len(files) != 6 {
		t.Errorf("%d files in the storage directory, want 6", len(files))
	}
	f, err := dicom.ReadFile(files[0], dicom.ReadOptions{})
	if err != nil {
		t.Fatalf("stored file does not read back: %v", err)
	}
	if ts, _ := f.Meta.String(dicom.TagTransferSyntaxUID); ts != dicom.ExplicitVRLittleEndian {
		t.Errorf("stored file TS %q", ts)
	}

	t.Run("find patients", func(t *testing.T) {
		var names []string
		res, err := a.Find(ctx, scp.PatientRootFind, query("PATIENT", dicom.NewString(dicom.TagPatientName, dicom.VRPN, ""), dicom.NewString(dicom.TagPatientID, dicom.VRLO, "")),
			func(m *dicom.DataSet) bool {
				n, _ := m.String(dicom.TagPatientName)
				names = append(names, n)
				return true
			})
		if err != nil || res.Status != 0 || res.Pending != 3 {
			t.Fatalf("find: %+v %v", res, err)
		}
		if diff := cmp.Diff(names, []string{"PG^SYNTHETIC1", "PG^SYNTHETIC2", "PG^SYNTHETIC3"}); diff != "" {
			t.Error(diff)
		}
	})
	t.Run("find wildcard", func(t *testing.T) {
		res, err := a.Find(ctx, scp.StudyRootFind, query("STUDY", dicom.NewString(dicom.TagPatientName, dicom.VRPN, "PG^SYNTHETIC2*"), dicom.NewString(0x0020000D, dicom.VRUI, "")), nil)
		if err != nil || res.Pending != 1 {
			t.Fatalf("find: %+v %v", res, err)
		}
	})
	t.Run("find cancel", func(t *testing.T) {
		res, err := a.Find(ctx, scp.StudyRootFind, query("IMAGE", dicom.NewString(dicom.TagSOPInstanceUID, dicom.VRUI, "")), func(*dicom.DataSet) bool { return false })
		if err != nil {
			t.Fatal(err)
		}
		// The archive may answer everything before the cancel arrives.
		if !res.Cancelled || (res.Status != dimse.StatusCancel && res.Status != dimse.StatusSuccess) {
			t.Errorf("after cancel: %+v", res)
		}
		// The association is still usable.
		if st, err := a.Echo(ctx); err != nil || st != 0 {
			t.Fatalf("echo after cancel: %v", err)
		}
	})
	t.Run("move", func(t *testing.T) {
		res, err := a.Move(ctx, scp.StudyRootMove, "DEST", query("STUDY", dicom.NewString(0x0020000D, dicom.VRUI, objs[0].StudyUID())))
		if err != nil {
			t.Fatal(err)
		}
		want := dimse.SubOps{Completed: 2}
		if res.Status != 0 || res.SubOps != want {
			t.Errorf("move: status 0x%04X subops %+v, want %+v", res.Status, res.SubOps, want)
		}
		if got := destArchive.Len(); got != 2 {
			t.Errorf("destination holds %d, want 2", got)
		}
		if diff := cmp.Diff(dest.seen, []string{"PACSGUARD", "PACSGUARD"}); diff != "" {
			t.Errorf("move originator AEs of the sub-operations: %s", diff)
		}
	})
	t.Run("move unknown destination", func(t *testing.T) {
		res, err := a.Move(ctx, scp.StudyRootMove, "NOWHERE", query("STUDY", dicom.NewString(0x0020000D, dicom.VRUI, "1.2.3.4.5.6.7")))
		if err != nil || res.Status != dimse.StatusMoveDestinationUnknown {
			t.Errorf("move: 0x%04X %v", res.Status, err)
		}
	})
	t.Run("get", func(t *testing.T) {
		var got []string
		res, err := a.Get(ctx, scp.StudyRootGet, query("STUDY", dicom.NewString(0x0020000D, dicom.VRUI, objs[1].StudyUID())),
			func(ctx context.Context, sopClass, sopInstance, ts string, data []byte) uint16 {
				got = append(got, sopInstance)
				return dimse.StatusSuccess
			})
		if err != nil || res.Status != 0 || res.Stored != 2 || res.SubOps.Completed != 2 {
			t.Fatalf("get: %+v %v", res, err)
		}
		if diff := cmp.Diff(got, []string{objs[1].InstanceUID(), objs[4].InstanceUID()}); diff != "" {
			t.Error(diff)
		}
	})
	if err := a.Release(ctx); err != nil {
		t.Errorf("release: %v", err)
	}
}

func TestPolicy(t *testing.T) {
	archive, _ := scp.NewArchive("")
	base := scp.Config{Store: archive, Find: archive, Retrieve: archive}
	with := func(p scp.Policy) scp.Config { c := base; c.Policy = p; return c }
	findCtx := []scu.Proposal{{AbstractSyntax: scp.VerificationSOPClass}, {AbstractSyntax: scp.StudyRootFind}}
	tests := []struct {
		name      string
		cfg       scp.Config
		calling   string
		called    string
		wantRJ    *ul.RejectError
		wantFind  error  // from Find
		wantFindS uint16 // status when no error
	}{
		{"called AE checked", with(scp.Policy{AE: "PACS", CheckCalledAE: true, Unknown: scp.AllServices}), "X", "WRONG",
			&ul.RejectError{Result: 1, Source: 1, Reason: 7}, nil, 0},
		{"unknown calling rejected", with(scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "WS1", Allow: scp.AllServices}}}), "NOBODY", "PACS",
			&ul.RejectError{Result: 1, Source: 1, Reason: 3}, nil, 0},
		{"known peer wrong host", with(scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "WS1", Hosts: []string{"127.0.0.9"}, Allow: scp.AllServices}}}), "WS1", "PACS",
			&ul.RejectError{Result: 1, Source: 1, Reason: 3}, nil, 0},
		{"known peer right host", with(scp.Policy{AE: "PACS", Peers: []scp.Peer{{AE: "WS1", Hosts: []string{"127.0.0.1"}, Allow: scp.AllServices}}}), "WS1", "PACS",
			nil, nil, 0},
		{"orthanc-style abort", with(scp.Policy{AE: "PACS", Unknown: scp.Echo | scp.Store, Refusal: scp.RefuseAbort}), "NOBODY", "ANY",
			nil, scu.ErrAborted, 0},
		{"status refusal", with(scp.Policy{AE: "PACS", Unknown: scp.Echo, Refusal: scp.RefuseStatus}), "NOBODY", "ANY",
			nil, nil, dimse.StatusNotAuthorized},
		{"context rejection", with(scp.Policy{AE: "PACS", Unknown: scp.Echo, Refusal: scp.RefuseReject}), "NOBODY", "ANY",
			nil, scu.ErrNoContext, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, tt.cfg)
			ctx := ctxT(t)
			a, out, err := scu.Associate(ctx, scu.Config{Addr: addr, CallingAE: tt.calling, CalledAE: tt.called, Contexts: findCtx})
			if tt.wantRJ != nil {
				var rj *ul.RejectError
				if !errors.As(err, &rj) {
					t.Fatalf("err = %v, want a reject", err)
				}
				if diff := cmp.Diff(*rj, *tt.wantRJ); diff != "" {
					t.Error(diff)
				}
				if out.Reject == nil || out.Reject.Reason != tt.wantRJ.Reason {
					t.Errorf("outcome reject = %+v", out.Reject)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release(ctx)
			res, err := a.Find(ctx, scp.StudyRootFind, query("STUDY"), nil)
			if !errors.Is(err, tt.wantFind) {
				t.Fatalf("find err = %v, want %v", err, tt.wantFind)
			}
			if err == nil && res.Status != tt.wantFindS {
				t.Errorf("find status 0x%04X, want 0x%04X", res.Status, tt.wantFindS)
			}
			if tt.name == "context rejection" && out.Contexts[1].Result != pdu.ContextUserRejection {
				t.Errorf("find context result %v, want user-rejection", out.Contexts[1].Result)
			}
		})
	}
}

func TestHostilePeers(t *testing.T) {
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: scp.Discard{},
		UL: ul.Config{ARTIM: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond}, Caps: dimse.Caps{MaxData: 1 << 20}})
	rq, _ := pdu.Encode(&pdu.AssociateRQ{ProtocolVersion: 1, CalledAE: "X", CallingAE: "Y", ApplicationContext: pdu.DICOMApplicationContext,
		PresentationContexts: []pdu.PresentationContext{{ID: 1, AbstractSyntax: testpeer.CTImageStorage, TransferSyntaxes: []string{dicom.ImplicitVRLittleEndian}}},
		UserInfo:             pdu.UserInfo{MaxLength: 16384, HasMaxLength: true}})
	cmd, _ := dimse.EncodeCommand(&dimse.Command{CommandField: dimse.CStoreRQ, MessageID: 1, AffectedSOPClassUID: testpeer.CTImageStorage, AffectedSOPInstanceUID: "1.2.3", CommandDataSetType: dimse.HasDataSet})
	cmdPDU, _ := pdu.Encode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 3, Data: cmd}}})
	chunk, _ := pdu.Encode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 0, Data: make([]byte, 16000)}}})
	never := append(append([]byte(nil), rq...), cmdPDU...)
	for i := 0; i < 80; i++ { // 1.28 MB of data fragments, never the last
		never = append(never, chunk...)
	}
	random := make([]byte, 4096)
	rand.Read(random)
	random[0] = 0xEE
	tests := []struct {
		name string
		send []byte
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: pacs\r\n\r\n")},
		{"random", random},
		{"4 GiB length", []byte{1, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1}},
		{"4 GiB data PDU", append(append([]byte(nil), rq...), 4, 0, 0xFF, 0xFF, 0xFF, 0xFF)},
		{"never-ending message", never},
		{"silent", nil},
		{"truncated RQ", rq[:40]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			go c.Write(tt.send)
			// The server must end the session by itself: read until it closes.
			buf := make([]byte, 4096)
			start := time.Now()
			for {
				if _, err := c.Read(buf); err != nil {
					if errors.Is(err, os.ErrDeadlineExceeded) {
						t.Fatal("server kept the connection open")
					}
					break
				}
			}
			c.Close()
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("server took %s to close", d)
			}
			loopback.Settle(t, before)
		})
	}
	// The server still serves.
	a, _, err := scu.Associate(ctxT(t), scu.Config{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Echo(ctxT(t)); err != nil {
		t.Error(err)
	}
	a.Release(ctxT(t))
}

type panicStore struct{}

func (panicStore) Store(context.Context, *scp.Request, string, string, string, []byte) uint16 {
	panic("handler bug")
}

func TestPanicRecovery(t *testing.T) {
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: panicStore{}})
	ctx := ctxT(t)
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, Contexts: []scu.Proposal{{AbstractSyntax: testpeer.CTImageStorage}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store(ctx, testpeer.CTImageStorage, "1.2.3", dicom.ExplicitVRLittleEndian, []byte{}); err == nil {
		t.Error("store succeeded with a panicking handler")
	}
	a.Abort()
	b, _, err := scu.Associate(ctx, scu.Config{Addr: addr})
	if err != nil {
		t.Fatalf("server dead after a handler panic: %v", err)
	}
	b.Release(ctx)
}

func TestMaxAssociations(t *testing.T) {
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, MaxAssociations: 1})
	ctx := ctxT(t)
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	_, out, err := scu.Associate(ctx, scu.Config{Addr: addr})
	var rj *ul.RejectError
	if !errors.As(err, &rj) || rj.Result != pdu.RejectTransient || rj.Source != 3 || rj.Reason != 2 {
		t.Fatalf("second association: %v %+v", err, out.Reject)
	}
}

func TestFileName(t *testing.T) {
	tests := []struct{ uid, want string }{
		{"1.2.3.4", "1.2.3.4.dcm"},
		{"../../etc/passwd", ""},
		{"1.2/../../x", ""},
		{"1..2", ""},
		{strings.Repeat("1", 65), ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := scp.FileName(tt.uid)
		if tt.want != "" && got != tt.want {
			t.Errorf("FileName(%q) = %q, want %q", tt.uid, got, tt.want)
		}
		if tt.want == "" && (!strings.HasPrefix(got, "x") || strings.ContainsAny(got, "/\\") || len(got) != 37) {
			t.Errorf("FileName(%q) = %q, want a hashed name", tt.uid, got)
		}
	}
}

// testCerts makes a CA and a server and a client certificate in memory.
func testCerts(t *testing.T) (pool *x509.CertPool, server, client tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pacsguard test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	pool = x509.NewCertPool()
	pool.AddCert(ca)
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) tls.Certificate {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
			NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	}
	return pool, leaf(2, "pacs", x509.ExtKeyUsageServerAuth), leaf(3, "modality", x509.ExtKeyUsageClientAuth)
}

func TestTLS(t *testing.T) {
	pool, serverCert, clientCert := testCerts(t)
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS13}})
	tests := []struct {
		name   string
		client *tls.Config
		ok     bool
	}{
		{"client certificate", &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}, ServerName: "127.0.0.1"}, true},
		{"no client certificate", &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}, false},
		{"TLS 1.2 only", &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientCert}, ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12}, false},
		{"untrusted server", &tls.Config{Certificates: []tls.Certificate{clientCert}, ServerName: "127.0.0.1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			a, out, err := scu.Associate(ctx, scu.Config{Addr: addr, TLS: tt.client})
			if !tt.ok {
				if err == nil {
					a.Release(ctx)
					t.Fatal("association succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if out.TLS == nil || out.TLS.Version != tls.VersionTLS13 {
				t.Errorf("TLS state %+v", out.TLS)
			}
			if st, err := a.Echo(ctx); err != nil || st != 0 {
				t.Errorf("echo over TLS: %v", err)
			}
			if err := a.Release(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// slowFind emits matches until cancelled.
type slowFind struct{}

func (slowFind) Find(ctx context.Context, req *scp.Request, sopClass string, ident *dicom.DataSet, emit func(*dicom.DataSet) bool) uint16 {
	for i := 0; i < 1000; i++ {
		if !emit(query("STUDY")) {
			return dimse.StatusSuccess // the server turns this into Cancel
		}
		time.Sleep(time.Millisecond)
	}
	return dimse.StatusSuccess
}

func TestFindCancel(t *testing.T) {
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Find: slowFind{}})
	ctx := ctxT(t)
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, Contexts: []scu.Proposal{{AbstractSyntax: scp.StudyRootFind}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	n := 0
	res, err := a.Find(ctx, scp.StudyRootFind, query("STUDY"), func(*dicom.DataSet) bool { n++; return n < 3 })
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cancelled || res.Status != dimse.StatusCancel || res.Pending >= 1000 || n != 3 {
		t.Errorf("after cancel: %+v, callback ran %d times", res, n)
	}
}

func TestUserIdentityAndAsyncOps(t *testing.T) {
	auth := func(id *pdu.UserIdentityRQ) (bool, []byte) {
		return id.IdentityType == pdu.UserIdentityUsernamePasscode && string(id.Primary) == "tech" && string(id.Secondary) == "secret", []byte("welcome")
	}
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Authenticate: auth})
	tests := []struct {
		name     string
		id       *pdu.UserIdentityRQ
		wantResp []byte
		wantRJ   bool
	}{
		{"accepted with response", &pdu.UserIdentityRQ{IdentityType: pdu.UserIdentityUsernamePasscode, PositiveResponseRequested: true, Primary: []byte("tech"), Secondary: []byte("secret")}, []byte("welcome"), false},
		{"accepted without response", &pdu.UserIdentityRQ{IdentityType: pdu.UserIdentityUsernamePasscode, Primary: []byte("tech"), Secondary: []byte("secret")}, nil, false},
		{"wrong passcode", &pdu.UserIdentityRQ{IdentityType: pdu.UserIdentityUsernamePasscode, Primary: []byte("tech"), Secondary: []byte("guess")}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			a, out, err := scu.Associate(ctx, scu.Config{Addr: addr, UserIdentity: tt.id, AsyncOps: &pdu.AsyncOps{MaxInvoked: 5, MaxPerformed: 5}})
			if tt.wantRJ {
				var rj *ul.RejectError
				if !errors.As(err, &rj) || rj.Source != pdu.RejectSourceServiceProviderACSE {
					t.Fatalf("err = %v, want a reject from the ACSE provider", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release(ctx)
			var got []byte
			if out.UserIdentity != nil {
				got = out.UserIdentity.ServerResponse
			}
			if string(got) != string(tt.wantResp) || (tt.wantResp != nil) != (out.UserIdentity != nil) {
				t.Errorf("user identity response %q, want %q", got, tt.wantResp)
			}
			if diff := cmp.Diff(out.AsyncOps, &pdu.AsyncOps{MaxInvoked: 1, MaxPerformed: 1}); diff != "" {
				t.Errorf("async ops: %s", diff)
			}
		})
	}
}

// originators records the Move Originator AE of each C-STORE it passes on.
type originators struct {
	next scp.StoreHandler
	seen []string
}

func (o *originators) Store(ctx context.Context, req *scp.Request, sopClass, sopInstance, ts string, data []byte) uint16 {
	o.seen = append(o.seen, req.MoveOriginatorAE)
	return o.next.Store(ctx, req, sopClass, sopInstance, ts, data)
}

func TestTLSCipherSuites(t *testing.T) {
	pool, serverCert, _ := testCerts(t)
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}})
	tests := []struct {
		name   string
		suites []uint16
		ok     bool
	}{
		{"shared suite", []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, true},
		{"no shared suite", []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := ctxT(t)
			a, out, err := scu.Associate(ctx, scu.Config{Addr: addr, TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MaxVersion: tls.VersionTLS12, CipherSuites: tt.suites}})
			if !tt.ok {
				if err == nil {
					a.Release(ctx)
					t.Fatal("association succeeded without a shared cipher suite")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Release(ctx)
			if out.TLS.CipherSuite != tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 || out.TLS.Version != tls.VersionTLS12 {
				t.Errorf("negotiated %s %x", tls.CipherSuiteName(out.TLS.CipherSuite), out.TLS.Version)
			}
		})
	}
}

func TestConcurrentAssociations(t *testing.T) {
	archive, _ := scp.NewArchive("")
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: archive, Find: archive, MaxAssociations: 16})
	before := runtime.NumGoroutine()
	errs := make(chan error, 16)
	for i := 0; i < 16; i++ {
		go func() {
			ctx := ctxT(t)
			a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, Contexts: qrContexts})
			if err != nil {
				errs <- err
				return
			}
			defer a.Release(ctx)
			s := testpeer.Synthetic{Patient: i, Study: 1, Series: 1, Instance: 1, PixelBytes: 64 << 10}
			data, _ := s.Encode(dicom.ExplicitVRLittleEndian)
			if st, err := a.Store(ctx, testpeer.CTImageStorage, s.InstanceUID(), dicom.ExplicitVRLittleEndian, data); err != nil || st != 0 {
				errs <- fmt.Errorf("store: 0x%04X %v", st, err)
				return
			}
			if _, err := a.Find(ctx, scp.PatientRootFind, query("PATIENT", dicom.NewString(dicom.TagPatientID, dicom.VRLO, "")), nil); err != nil {
				errs <- err
				return
			}
			errs <- a.Release(ctx)
		}()
	}
	for i := 0; i < 16; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := archive.Len(); got != 16 {
		t.Errorf("archive holds %d, want 16", got)
	}
	loopback.Settle(t, before)
}

// TestRejectedPeerHoldingSocket: after an RJ the server waits at most ARTIM
// for the peer to close, then closes itself (Sta13, AA-2): a peer that holds
// the socket open cannot pin a server goroutine.
func TestRejectedPeerHoldingSocket(t *testing.T) {
	addr := serve(t, scp.Config{Policy: scp.Policy{AE: "PACS", CheckCalledAE: true, Unknown: scp.AllServices}, UL: ul.Config{ARTIM: 300 * time.Millisecond}})
	before := runtime.NumGoroutine()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rq, _ := pdu.Encode(&pdu.AssociateRQ{ProtocolVersion: 1, CalledAE: "WRONG", CallingAE: "X", ApplicationContext: pdu.DICOMApplicationContext,
		PresentationContexts: []pdu.PresentationContext{{ID: 1, AbstractSyntax: scp.VerificationSOPClass, TransferSyntaxes: []string{dicom.ImplicitVRLittleEndian}}}})
	c.Write(rq)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, body, err := pdu.ReadFrame(c, pdu.FrameLimits{}, nil)
	if err != nil || len(body) != 4 || body[3] != pdu.RejectReasonCalledAENotRecognized {
		t.Fatalf("want an RJ, got % x %v", body, err)
	}
	start := time.Now()
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("server sent more after the RJ")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("server held the rejected connection for %s", d)
	}
	loopback.Settle(t, before)
}

func TestDirStoreStreaming(t *testing.T) {
	dir := t.TempDir()
	// MaxData far below the object: only streaming can store it.
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Store: scp.DirStore{Dir: dir}, Caps: dimse.Caps{MaxData: 64 << 10}})
	ctx := ctxT(t)
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, Contexts: []scu.Proposal{{AbstractSyntax: testpeer.CTImageStorage}}})
	if err != nil {
		t.Fatal(err)
	}
	obj := testpeer.Synthetic{Patient: 1, Study: 1, Series: 1, Instance: 1, PixelBytes: 3 << 20}
	data, _ := obj.Encode(dicom.ExplicitVRLittleEndian)
	if st, err := a.Store(ctx, testpeer.CTImageStorage, obj.InstanceUID(), dicom.ExplicitVRLittleEndian, data); err != nil || st != 0 {
		t.Fatalf("store: 0x%04X %v", st, err)
	}
	a.Release(ctx)
	f, err := dicom.ReadFile(filepath.Join(dir, scp.FileName(obj.InstanceUID())), dicom.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(f.DataSet.Find(dicom.TagPixelData).Value), len(obj.DataSet().Find(dicom.TagPixelData).Value); got != want {
		t.Errorf("pixel data %d bytes, want %d", got, want)
	}

	// A peer that vanishes mid-data-set leaves no temporary file behind.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	rq, _ := pdu.Encode(&pdu.AssociateRQ{ProtocolVersion: 1, CalledAE: "X", CallingAE: "Y", ApplicationContext: pdu.DICOMApplicationContext,
		PresentationContexts: []pdu.PresentationContext{{ID: 1, AbstractSyntax: testpeer.CTImageStorage, TransferSyntaxes: []string{dicom.ExplicitVRLittleEndian}}}})
	cmd, _ := dimse.EncodeCommand(&dimse.Command{CommandField: dimse.CStoreRQ, MessageID: 1, AffectedSOPClassUID: testpeer.CTImageStorage, AffectedSOPInstanceUID: "1.2.3.4", CommandDataSetType: dimse.HasDataSet})
	cmdPDU, _ := pdu.Encode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 3, Data: cmd}}})
	dataPDU, _ := pdu.Encode(&pdu.PDataTF{Items: []pdu.PDV{{ContextID: 1, Control: 0, Data: make([]byte, 8000)}}})
	c.Write(rq)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := pdu.ReadFrame(c, pdu.FrameLimits{}, nil); err != nil {
		t.Fatal(err)
	}
	c.Write(append(cmdPDU, dataPDU...))
	time.Sleep(50 * time.Millisecond)
	c.Close()
	for i := 0; i < 100; i++ {
		left, _ := filepath.Glob(filepath.Join(dir, ".incoming-*"))
		if len(left) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("temporary file left after an interrupted C-STORE")
}

// TestFindCancelOverTLS: noticing a C-CANCEL peeks the connection with a
// short deadline; over TLS a timed-out read must leave the stream intact.
func TestFindCancelOverTLS(t *testing.T) {
	pool, serverCert, _ := testCerts(t)
	addr := serve(t, scp.Config{Policy: scp.Policy{Unknown: scp.AllServices}, Find: slowFind{}, TLS: &tls.Config{Certificates: []tls.Certificate{serverCert}}})
	ctx := ctxT(t)
	a, _, err := scu.Associate(ctx, scu.Config{Addr: addr, TLS: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		Contexts: []scu.Proposal{{AbstractSyntax: scp.VerificationSOPClass}, {AbstractSyntax: scp.StudyRootFind}}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	for round := 0; round < 2; round++ {
		n := 0
		res, err := a.Find(ctx, scp.StudyRootFind, query("STUDY"), func(*dicom.DataSet) bool { n++; return n < 20 })
		if err != nil {
			t.Fatal(err)
		}
		if !res.Cancelled || res.Status != dimse.StatusCancel {
			t.Errorf("round %d: %+v", round, res)
		}
	}
	if st, err := a.Echo(ctx); err != nil || st != 0 {
		t.Errorf("echo after cancels over TLS: %v", err)
	}
}
