package scu_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pacsguard/pacsguard/internal/dicom"
	"github.com/pacsguard/pacsguard/internal/dicom/dimse"
	"github.com/pacsguard/pacsguard/internal/dicom/pdu"
	"github.com/pacsguard/pacsguard/internal/dicom/scp"
	"github.com/pacsguard/pacsguard/internal/dicom/scu"
	"github.com/pacsguard/pacsguard/internal/dicom/testpeer"
)

// One Orthanc per test binary (it takes seconds to start and stop), with
// our own SCP as its known modality and C-MOVE destination PGSCU.
var shared struct {
	orthanc     *testpeer.Peer
	orthancErr  error
	dest        *scp.Archive
	stored      atomic.Int64 // C-STOREs the destination received
	destAddr    string
	stopDest    func()
	orthancDone bool
}

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "pacsguard-scu-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// Our destination SCP, for C-MOVE from Orthanc and dcmqrscp.
		shared.dest, _ = scp.NewArchive("")
		srv, err := scp.New(scp.Config{Policy: scp.Policy{AE: "PGSCU", Unknown: scp.AllServices}, Store: countingStore{shared.dest}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		shared.destAddr = ln.Addr().String()
		served := make(chan struct{})
		go func() { srv.Serve(ctx, ln); close(served) }()
		defer func() { cancel(); <-served }()
		if testpeer.Available(testpeer.Orthanc) {
			port := ln.Addr().(*net.TCPAddr).Port
			shared.orthanc, shared.orthancErr = testpeer.StartOrthanc(ctx, dir, testpeer.OrthancOptions{NoDelay: true, Config: map[string]any{
				"DicomModalities": map[string]any{"pgscu": []any{"PGSCU", "127.0.0.1", port}},
			}})
			if shared.orthanc != nil {
				defer shared.orthanc.Stop(0)
			}
		}
		return m.Run()
	}()
	os.Exit(code)
}

func orthanc(t *testing.T) *testpeer.Peer {
	t.Helper()
	testpeer.Require(t, testpeer.Orthanc)
	if shared.orthancErr != nil {
		t.Fatalf("Orthanc did not start: %v", shared.orthancErr)
	}
	return shared.orthanc
}

func sample(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(testpeer.PydicomTestFiles, name)
	if _, err := os.Stat(p); err != nil {
		if os.Getenv(testpeer.RequirePeersEnv) == "1" {
			t.Fatalf("sample %s missing (python3-pydicom): %v", name, err)
		}
		t.Skipf("sample %s missing (python3-pydicom)", name)
	}
	return p
}

func tctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

const (
	mrStorage     = "1.2.840.10008.5.1.4.1.1.4"
	rtPlanStorage = "1.2.840.10008.5.1.4.1.1.481.5"
)

var qrProposals = []scu.Proposal{
	{AbstractSyntax: scu.VerificationSOPClass},
	{AbstractSyntax: testpeer.CTImageStorage, SCPRole: true},
	{AbstractSyntax: mrStorage, SCPRole: true},
	{AbstractSyntax: rtPlanStorage, SCPRole: true},
	{AbstractSyntax: scp.PatientRootFind},
	{AbstractSyntax: scp.StudyRootFind},
	{AbstractSyntax: scp.StudyRootMove},
	{AbstractSyntax: scp.StudyRootGet},
}

func studyQuery(uid string) *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00080052, dicom.VRCS, "STUDY"))
	ds.Set(dicom.NewString(0x0020000D, dicom.VRUI, uid))
	return ds
}

func patientQuery() *dicom.DataSet {
	ds := &dicom.DataSet{}
	ds.Set(dicom.NewString(0x00080052, dicom.VRCS, "PATIENT"))
	ds.Set(dicom.NewString(dicom.TagPatientName, dicom.VRPN, ""))
	ds.Set(dicom.NewString(dicom.TagPatientID, dicom.VRLO, ""))
	return ds
}

func mustStore(t *testing.T, a *scu.Association, path string) {
	t.Helper()
	st, err := a.StoreFile(tctx(t), path)
	if err != nil || st != dimse.StatusSuccess {
		t.Fatalf("store %s: status 0x%04X, %v", filepath.Base(path), st, err)
	}
}

func TestInteropStoreSCP(t *testing.T) {
	p := testpeer.StoreSCPForTest(t, testpeer.StoreSCPOptions{NoDelay: true})
	ctx := tctx(t)
	a, out, err := scu.Associate(ctx, scu.Config{Addr: p.Addr(), CalledAE: p.AE, Contexts: qrProposals, MaxPDU: 32768})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	if !strings.HasPrefix(out.ImplementationVersionName, "OFFIS_DCMTK_") || !strings.HasPrefix(out.ImplementationClassUID, "1.2.276.0.7230010.3.0.") {
		t.Errorf("storescp identity %q %q", out.ImplementationClassUID, out.ImplementationVersionName)
	}
	if !out.HasMaxPDU || out.MaxPDU != 16384 {
		t.Errorf("storescp max PDU %d", out.MaxPDU)
	}
	for _, c := range out.Contexts {
		isQR := strings.HasPrefix(c.AbstractSyntax, "1.2.840.10008.5.1.4.1.2.")
		if accepted := c.Result == pdu.ContextAccepted; accepted == isQR {
			t.Errorf("context %s: result %v", c.AbstractSyntax, c.Result)
		}
	}
	if st, err := a.Echo(ctx); err != nil || st != 0 {
		t.Fatalf("echo: %v", err)
	}
	// A synthetic object larger than many PDUs exercises fragmentation.
	big := testpeer.Synthetic{Patient: 1, Study: 1, Series: 1, Instance: 1, PixelBytes: 3 << 20}
	data, err := big.Encode(dicom.ExplicitVRLittleEndian)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := a.Store(ctx, testpeer.CTImageStorage, big.InstanceUID(), dicom.ExplicitVRLittleEndian, data); err != nil || st != 0 {
		t.Fatalf("store: 0x%04X %v", st, err)
	}
	mustStore(t, a, sample(t, "CT_small.dcm"))
	small := testpeer.Synthetic{Patient: 2, Study: 1, Series: 1, Instance: 2, PixelBytes: 1024}
	if st, err := a.StoreDataSet(ctx, small.DataSet()); err != nil || st != 0 {
		t.Fatalf("StoreDataSet: 0x%04X %v", st, err)
	}
	if _, err := a.Find(ctx, scp.StudyRootFind, studyQuery(""), nil); !errors.Is(err, scu.ErrNoContext) {
		t.Errorf("find on storescp: %v, want ErrNoContext", err)
	}
	if err := a.Release(ctx); err != nil {
		t.Errorf("release: %v", err)
	}
	files, _ := os.ReadDir(p.StorageDir)
	if len(files) != 3 {
		t.Errorf("storescp stored %d files, want 3\n%s", len(files), p.Log())
	}
	// storescp must have received the big object intact.
	f, err := dicom.ReadFile(filepath.Join(p.StorageDir, "CT."+big.InstanceUID()), dicom.ReadOptions{})
	if err != nil {
		t.Fatalf("received object: %v", err)
	}
	if px := f.DataSet.Find(dicom.TagPixelData); px == nil || len(px.Value) != len(big.DataSet().Find(dicom.TagPixelData).Value) {
		t.Error("pixel data differs after the round trip through storescp")
	}
}

func TestInteropDcmQRSCP(t *testing.T) {
	destPort := mustPort(t, shared.destAddr)
	qr := testpeer.DcmQRSCPForTest(t, testpeer.DcmQRSCPOptions{NoDelay: true,
		Hosts: []testpeer.HostEntry{{Name: "pgscu", AE: "PGSCU", Host: "127.0.0.1", Port: destPort}}})
	ctx := tctx(t)
	a, out, err := scu.Associate(ctx, scu.Config{Addr: qr.Addr(), CallingAE: "WS1", CalledAE: "PUBLICQR", Contexts: qrProposals})
	if err != nil {
		t.Fatalf("%v\n%s", err, qr.Log())
	}
	defer a.Release(ctx)
	if len(out.AcceptedContexts()) != len(qrProposals) {
		t.Errorf("accepted %+v", out.Contexts)
	}
	if st, err := a.Echo(ctx); err != nil || st != 0 {
		t.Fatalf("echo: 0x%04X %v", st, err)
	}
	ct := sample(t, "CT_small.dcm")
	for _, f := range []string{ct, sample(t, "MR_small.dcm"), sample(t, "rtplan.dcm")} {
		mustStore(t, a, f)
	}
	t.Run("find", func(t *testing.T) {
		res, err := a.Find(ctx, scp.PatientRootFind, patientQuery(), nil)
		if err != nil || res.Status != 0 || res.Pending != 3 {
			t.Fatalf("find: %+v %v", res, err)
		}
		n := 0
		res, err = a.Find(ctx, scp.StudyRootFind, studyQuery(""), func(*dicom.DataSet) bool { n++; return false })
		if err != nil || !res.Cancelled || n != 1 {
			t.Fatalf("find with cancel: %+v %v", res, err)
		}
	})
	t.Run("move", func(t *testing.T) {
		before := shared.stored.Load()
		res, err := a.Move(ctx, scp.StudyRootMove, "PGSCU", studyQuery(testpeer.CTSmallStudyUID))
		if err != nil || res.Status != 0 || res.SubOps.Completed != 1 {
			t.Fatalf("move: %+v %v", res, err)
		}
		if got := shared.stored.Load() - before; got != 1 {
			t.Errorf("destination received %d, want 1", got)
		}
		res, err = a.Move(ctx, scp.StudyRootMove, "UNKNOWNDEST", studyQuery(testpeer.CTSmallStudyUID))
		if err != nil || res.Status != dimse.StatusMoveDestinationUnknown {
			t.Errorf("move to unknown destination: 0x%04X %v", res.Status, err)
		}
	})
	t.Run("get", func(t *testing.T) {
		var got []string
		res, err := a.Get(ctx, scp.StudyRootGet, studyQuery(testpeer.CTSmallStudyUID), func(ctx context.Context, sopClass, inst, ts string, data []byte) uint16 {
			got = append(got, sopClass)
			return 0
		})
		if err != nil || res.Status != 0 || res.Stored != 1 || len(got) != 1 || got[0] != testpeer.CTImageStorage {
			t.Fatalf("get: %+v %v %v", res, got, err)
		}
	})
	if err := a.Release(ctx); err != nil {
		t.Errorf("release: %v", err)
	}
}

func TestInteropDcmQRSCPRejects(t *testing.T) {
	qr := testpeer.DcmQRSCPForTest(t, testpeer.DcmQRSCPOptions{})
	_, out, err := scu.Associate(tctx(t), scu.Config{Addr: qr.Addr(), CalledAE: "WRONGAE"})
	if !errors.Is(err, scu.ErrRejected) || out.Reject == nil || out.Reject.Reason != pdu.RejectReasonCalledAENotRecognized {
		t.Fatalf("err %v, reject %+v", err, out.Reject)
	}
}

func TestInteropOrthanc(t *testing.T) {
	o := orthanc(t)
	ct := sample(t, "CT_small.dcm")
	t.Run("unknown AE: echo and store allowed, find aborted", func(t *testing.T) {
		ctx := tctx(t)
		a, out, err := scu.Associate(ctx, scu.Config{Addr: o.Addr(), CallingAE: "NOBODY", CalledAE: "ORTHANC", Contexts: qrProposals})
		if err != nil {
			t.Fatalf("%v\n%s", err, o.Log())
		}
		if out.ImplementationVersionName == "" {
			t.Error("no implementation version name from Orthanc")
		}
		if st, err := a.Echo(ctx); err != nil || st != 0 {
			t.Fatalf("echo: %v", err)
		}
		mustStore(t, a, ct)
		_, err = a.Find(ctx, scp.PatientRootFind, patientQuery(), nil)
		if !errors.Is(err, scu.ErrAborted) {
			t.Fatalf("find from an unknown AE: %v, want ErrAborted (Orthanc refuses with A-ABORT)", err)
		}
		// The association is gone; Release must not hang or fail loudly.
		a.Release(ctx)
	})
	t.Run("known AE: find, move, get", func(t *testing.T) {
		ctx := tctx(t)
		a, _, err := scu.Associate(ctx, scu.Config{Addr: o.Addr(), CallingAE: "PGSCU", CalledAE: "ORTHANC", Contexts: qrProposals})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Release(ctx)
		mustStore(t, a, ct)
		res, err := a.Find(ctx, scp.StudyRootFind, studyQuery(""), nil)
		if err != nil || res.Status != 0 || res.Pending < 1 {
			t.Fatalf("find: %+v %v", res, err)
		}
		before := shared.stored.Load()
		mres, err := a.Move(ctx, scp.StudyRootMove, "PGSCU", studyQuery(testpeer.CTSmallStudyUID))
		if err != nil || mres.Status != 0 {
			t.Fatalf("move: %+v %v\n%s", mres, err, o.Log())
		}
		if got := shared.stored.Load() - before; got != 1 || mres.SubOps.Completed != 1 {
			t.Errorf("move completed %+v, destination received %d, want 1", mres.SubOps, got)
		}
		gres, err := a.Get(ctx, scp.StudyRootGet, studyQuery(testpeer.CTSmallStudyUID), nil)
		if err != nil || gres.Status != 0 || gres.Stored != 1 {
			t.Fatalf("get: %+v %v\n%s", gres, err, o.Log())
		}
		if err := a.Release(ctx); err != nil {
			t.Errorf("release: %v", err)
		}
	})
}

func mustPort(t *testing.T, addr string) int {
	t.Helper()
	tcp, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return tcp.Port
}

// countingStore counts what it passes to the archive.
type countingStore struct{ next *scp.Archive }

func (c countingStore) Store(ctx context.Context, req *scp.Request, sopClass, sopInstance, ts string, data []byte) uint16 {
	shared.stored.Add(1)
	return c.next.Store(ctx, req, sopClass, sopInstance, ts, data)
}

// TestInteropOrthancRejectThenAssociate: after a reject from a strict
// Orthanc we close at once, so the next association is answered at once
// (Orthanc 1.10.1 stalls 180 s while a rejected client holds its socket).
func TestInteropOrthancRejectThenAssociate(t *testing.T) {
	o := testpeer.OrthancForTest(t, testpeer.OrthancOptions{AE: "STRICT", NoDelay: true, Config: map[string]any{"DicomCheckCalledAet": true}})
	ctx := tctx(t)
	_, out, err := scu.Associate(ctx, scu.Config{Addr: o.Addr(), CalledAE: "WRONGAE"})
	if !errors.Is(err, scu.ErrRejected) || out.Reject == nil || out.Reject.Reason != pdu.RejectReasonCalledAENotRecognized {
		t.Fatalf("err %v, reject %+v", err, out.Reject)
	}
	start := time.Now()
	a, _, err := scu.Associate(ctx, scu.Config{Addr: o.Addr(), CalledAE: "STRICT"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release(ctx)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("second association took %s: the rejected socket was held open", d)
	}
}
